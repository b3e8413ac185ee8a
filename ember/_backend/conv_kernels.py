"""Convolution and pooling kernels on backend arrays, written once against ``xp``.

Geometry: ``stride``/``dilation``/``kernel`` are (h, w) pairs, ``pad`` is
(top, bottom, left, right). Arrays are NCHW. Layouts follow the measured-fastest forms:
im2col in the (C*kh*kw, N*Ho*Wo) layout and col2im as kh*kw strided ``+=``.
"""
from __future__ import annotations


def out_len(n, k, s, p0, p1, d, ceil=False):
    """Output length of a window sweep (PyTorch's formula, ceil_mode included)."""
    span = n + p0 + p1 - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    o = -(-span // s) + 1
    if (o - 1) * s >= n + p0:
        o -= 1
    return o


def padded(xp, x, pad, value=0.0, extra=(0, 0)):
    """x with (top, bottom + extra[0], left, right + extra[1]) filled by ``value``."""
    pt, pb, pl, pr = pad
    pb, pr = pb + extra[0], pr + extra[1]
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def windows(xp, xp_pad, kernel, stride, dilation, out_hw):
    """The strided window view (N, C, Ho, Wo, kh, kw) of an already padded array."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    ho, wo = out_hw
    view = xp.lib.stride_tricks.sliding_window_view(
        xp_pad, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(2, 3))
    return view[:, :, :(ho - 1) * sh + 1:sh, :(wo - 1) * sw + 1:sw, ::dh, ::dw]


def conv_out_hw(xshape, kernel, stride, pad, dilation):
    h, w = xshape[-2:]
    return (out_len(h, kernel[0], stride[0], pad[0], pad[1], dilation[0]),
            out_len(w, kernel[1], stride[1], pad[2], pad[3], dilation[1]))


def im2col(xp, x, kernel, stride, pad, dilation):
    """cols of shape (C*kh*kw, N*Ho*Wo) and the output size (Ho, Wo).

    Two strategies, neither looping over pixels or batch:

    * two passes (cols that fit in the caches): kw strided copies gather the column shifts
      into R[c, j, n, h, wo] = x[n, c, h, j + wo], then kh copies take the row shifts of R,
      each a run of Ho*Wo contiguous elements per image. 1.5-2x faster than reshaping the
      6-D window view, whose runs are only Wo long.
    * one strided copy per kernel offset (kh*kw of them) for large cols, where memory
      bandwidth decides and writing cols once beats the extra pass.
    """
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    ho, wo = conv_out_hw(x.shape, kernel, stride, pad, dilation)
    xt = padded(xp, x, pad).transpose(1, 0, 2, 3)
    hp = xt.shape[2]
    wspan = (wo - 1) * sw + 1
    if kh * kw > 1 and c * kh * kw * n * ho * wo < TWO_PASS_MAX:
        rows = xp.empty((c, kw, n, hp, wo), dtype=x.dtype)
        for j in range(kw):
            rows[:, j] = xt[:, :, :, j * dw:j * dw + wspan:sw]
        cols = xp.empty((c, kh, kw, n, ho, wo), dtype=x.dtype)
        for i in range(kh):
            r = i * dh
            cols[:, i] = rows[:, :, :, r:r + (ho - 1) * sh + 1:sh]
        return cols.reshape(c * kh * kw, n * ho * wo), (ho, wo)
    cols = xp.empty((c, kh, kw, n, ho, wo), dtype=x.dtype)
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            cols[:, i, j] = xt[:, :, r:r + (ho - 1) * sh + 1:sh, q:q + wspan:sw]
    return cols.reshape(c * kh * kw, n * ho * wo), (ho, wo)


#: cols (in elements) beyond which im2col writes each kernel offset straight into place
TWO_PASS_MAX = 8 << 20


def col2im(xp, cols, xshape, kernel, stride, pad, dilation, ohw):
    """The adjoint of im2col: (C*kh*kw, N*Ho*Wo) back to an (N, C, H, W) array."""
    n, c, h, w = xshape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    pt, pb, pl, pr = pad
    ho, wo = ohw
    hp, wp = h + pt + pb, w + pl + pr
    dc = cols.reshape(c, kh, kw, n, ho, wo)
    out = xp.zeros((c, n, max(hp, (kh - 1) * dh + (ho - 1) * sh + 1),
                    max(wp, (kw - 1) * dw + (wo - 1) * sw + 1)), dtype=cols.dtype)
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            out[:, :, r:r + (ho - 1) * sh + 1:sh, q:q + (wo - 1) * sw + 1:sw] += dc[:, i, j]
    return xp.ascontiguousarray(out[:, :, pt:pt + h, pl:pl + w].transpose(1, 0, 2, 3))


def _grouped(a, groups):
    """(G*rows, cols) -> (G, rows, cols), or a plain 2-D array when groups == 1."""
    return a if groups == 1 else a.reshape(groups, a.shape[0] // groups, a.shape[1])


#: OpenBLAS's SGEMM splits work between threads badly when the left operand has a few rows
#: that are not a multiple of 8 (6 rows: 1.7x slower than 8 on these machines, see
#: docs/decisions.md), so short weight and gradient matrices get zero rows up to a multiple.
ROW_MULTIPLE = 8


def _padded_rows(o):
    return o if o % ROW_MULTIPLE == 0 or o > 4 * ROW_MULTIPLE else o + (-o) % ROW_MULTIPLE


def conv_forward(xp, x, w, b, geom, cols=None):
    """conv2d forward; returns (out, cols) so that callers may keep cols for backward."""
    kernel, stride, pad, dilation, groups = geom
    ohw = conv_out_hw(x.shape, kernel, stride, pad, dilation)
    if cols is None:
        cols = im2col(xp, x, kernel, stride, pad, dilation)[0]
    return gemm_forward(xp, w, cols, b, x.shape[0], ohw, groups), cols


def gemm_forward(xp, w, cols, b, n, osz, groups):
    """``W @ cols`` (+ b) as an (N, O, *osz) array, for convolutions of any dimension."""
    o = w.shape[0]
    wm = w.reshape(o, -1)
    rows = _padded_rows(o) if groups == 1 else o
    if rows != o:
        wp = xp.zeros((rows, wm.shape[1]), dtype=wm.dtype)
        wp[:o] = wm
        out = xp.matmul(wp, cols)[:o]
    else:
        out = xp.matmul(_grouped(wm, groups), _grouped(cols, groups)).reshape(o, -1)
    osz = tuple(osz)
    src = out.reshape((o, n) + osz).swapaxes(0, 1)
    res = xp.empty((n, o) + osz, dtype=w.dtype)  # bfloat16 matmul gives float32: round back
    if b is None:
        res[...] = src
    else:
        xp.add(src, b.reshape((1, o) + (1,) * len(osz)), out=res)
    return res


def grad_as_matrix(xp, g):
    """(N, O, *spatial) -> (O, N*prod(spatial)), the layout the GEMMs read.

    Contiguous, because a broadcast gradient (``out.sum().backward()``) would otherwise reach
    matmul with zero strides, where NumPy leaves BLAS for a loop 40x slower.
    """
    return xp.ascontiguousarray(g.swapaxes(0, 1).reshape(g.shape[1], -1))


def gemm_input_cols(xp, g, w, groups):
    """``W^T @ g`` as the (C*prod(kernel), N*prod(out)) matrix that col2im folds back."""
    gw = _grouped(w.reshape(w.shape[0], -1), groups)
    wt = gw.T if groups == 1 else gw.transpose(0, 2, 1)
    cols = xp.matmul(wt, _grouped(grad_as_matrix(xp, g), groups))
    return cols.reshape(-1, cols.shape[-1])


def gemm_weight_grad(xp, g, cols, wshape, groups):
    """``g @ cols^T``: the weight gradient of a convolution of any dimension."""
    o = g.shape[1]
    rows = _padded_rows(o) if groups == 1 else o
    if rows != o:
        gm = xp.empty((rows, cols.shape[1]), dtype=g.dtype)
        gm[o:] = 0
        gm[:o].reshape((o, g.shape[0]) + g.shape[2:])[...] = g.swapaxes(0, 1)
        return xp.matmul(cols, gm.T).T[:o].reshape(wshape)
    gc = _grouped(cols, groups)
    ct = gc.T if groups == 1 else gc.transpose(0, 2, 1)
    return xp.matmul(_grouped(grad_as_matrix(xp, g), groups), ct).reshape(wshape)


def conv_input_grad(xp, g, w, xshape, geom):
    """The gradient of conv2d with respect to its input (= conv_transpose2d)."""
    kernel, stride, pad, dilation, groups = geom
    if stride == (1, 1) and groups == 1:
        return _col2im_rows(xp, g, w, xshape, pad, dilation)
    cols = gemm_input_cols(xp, g, w, groups)
    return col2im(xp, cols, xshape, kernel, stride, pad, dilation, g.shape[2:])


def _col2im_rows(xp, g, w, xshape, pad, dilation):
    """Stride-1 input gradient as one GEMM between kernel-row shifts: kw shifted copies of g
    (GJ[j, o, n, ho, x] = g[o, n, ho, x - j*dw]) make the GEMM sum over kernel columns and
    output channels at once; its (kh*C)-row result then needs only kh row-shifted ``+=``
    (a full col2im needs kh*kw of them, over a matrix kw times taller).
    """
    n, c, h, wd = xshape
    o, _, kh, kw = w.shape
    (dh, dw), (pt, pb, pl, pr) = dilation, pad
    ho, wo = g.shape[2:]
    hp, wp = h + pt + pb, wd + pl + pr
    gt = g.transpose(1, 0, 2, 3)
    gj = xp.zeros((kw, o, n, ho, wp), dtype=g.dtype)  # one fill beats 2*kw short strips
    for j in range(kw):
        q = j * dw
        gj[j, :, :, :, q:q + wo] = gt
    rows = kh * c
    wk = w.transpose(2, 1, 3, 0).reshape(rows, kw * o)  # rows (i, c), columns (j, o)
    padded_rows = _padded_rows(rows)
    if padded_rows != rows:
        wk = xp.concatenate([wk, xp.zeros((padded_rows - rows, kw * o), dtype=wk.dtype)])
    y = xp.matmul(wk, gj.reshape(kw * o, -1))[:rows].reshape(kh, c, n, ho, wp)
    out = xp.empty((c, n, hp, wp), dtype=y.dtype)
    out[:, :, :ho] = y[0]
    out[:, :, ho:] = 0
    for i in range(1, kh):
        r = i * dh
        out[:, :, r:r + ho] += y[i]
    out = out[:, :, pt:pt + h, pl:pl + wd]
    return xp.ascontiguousarray(out.transpose(1, 0, 2, 3))


def conv_weight_grad(xp, x, g, wshape, geom, cols=None):
    """The gradient of conv2d with respect to its weight (``cols`` as conv_forward made it)."""
    kernel, stride, pad, dilation, groups = geom
    if cols is None:
        cols = im2col(xp, x, kernel, stride, pad, dilation)[0]
    return gemm_weight_grad(xp, g, cols, wshape, groups)


def strided_slices(x, kernel, stride, ohw):
    """The kh*kw strided slices x[..., i::sh, j::sw] of size (Ho, Wo), in window order."""
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = ohw
    return [x[:, :, i:i + (ho - 1) * sh + 1:sh, j:j + (wo - 1) * sw + 1:sw]
            for i in range(kh) for j in range(kw)]
