"""Convolution and pooling kernels on backend arrays, written once against ``xp``.

Geometry: ``stride``/``dilation``/``kernel`` are (h, w) pairs, ``pad`` is
(top, bottom, left, right). Arrays are NCHW. Layouts follow the measured-fastest forms:
im2col in the (C*kh*kw, N*Ho*Wo) layout and col2im as kh*kw strided ``+=``.

Convolutions with few output channels (LeNet's conv1) are memory-bound: their GEMM is as fast
as a pass over the im2col matrix, which is kh*kw copies of the input. They use the row-split
form instead (``RowCols``): im2col over the kernel's columns only, one GEMM whose output holds
a row per (kernel row, output channel), then kh row-shifted adds. It moves 40% fewer bytes.
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
        rows = _column_shifts(xp.empty((c, kw, n, hp, wo), dtype=x.dtype), xt, kw, sw, dw)
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


def _column_shifts(out, xt, kw, sw, dw):
    """out[c, j, n, h, wo] = xt[c, n, h, j*dw + wo*sw]: the kernel-column shifts of a padded
    (C, N, Hp, Wp) input, kw strided copies."""
    wo = out.shape[-1]
    wspan = (wo - 1) * sw + 1
    for j in range(kw):
        out[:, j] = xt[:, :, :, j * dw:j * dw + wspan:sw]
    return out


def _flat_shifts(flat, step):
    """Fill rows 1.. of ``flat`` (k, L) with row 0 shifted right by i*step (zeros enter)."""
    for i in range(1, flat.shape[0]):
        s = i * step
        flat[i, :s] = 0
        flat[i, s:] = flat[0, :-s]


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
    """conv2d forward; returns (out, cols) so that callers may keep cols for backward
    (the im2col matrix, or a ``RowCols`` where ``row_split`` chooses that form)."""
    kernel, stride, pad, dilation, groups = geom
    ohw = conv_out_hw(x.shape, kernel, stride, pad, dilation)
    if cols is None:
        cols = RowCols(xp, x, kernel, stride, pad, dilation) \
            if row_split(x.shape, w.shape, geom) else \
            im2col(xp, x, kernel, stride, pad, dilation)[0]
    if isinstance(cols, RowCols):
        return cols.conv(xp, w, b, ohw), cols
    return gemm_forward(xp, w, cols, b, x.shape[0], ohw, groups), cols


#: None chooses by ``row_split``'s cost model; True/False force a form (tests use this)
ROW_SPLIT = None


def row_split(xshape, wshape, geom):
    """Whether a convolution runs in the row-split form (see ``RowCols``).

    It applies to ungrouped convolutions with a unit row stride and a kernel taller than one
    row. It computes every padded input row (Hp instead of Ho), so it wins where bytes, not
    FLOPs, decide: few output channels against a tall im2col. The model counts matrix rows
    written and read per output column: (C*kh*kw + O)*Ho for im2col against
    (C*kw + kh*O)*Hp for the row split, and requires a clear (25%) margin.
    """
    kernel, stride, _, dilation, groups = geom
    if groups != 1 or stride[0] != 1 or kernel[0] < 2:
        return False
    if ROW_SPLIT is not None:
        return ROW_SPLIT
    o, c, kh, kw = wshape
    ho = conv_out_hw(xshape, kernel, stride, geom[2], dilation)[0]
    hp = ho + (kh - 1) * dilation[0]
    return 4 * (c * kw + kh * o) * hp < 3 * (c * kh * kw + o) * ho


class RowCols:
    """The row-split unrolling of a convolution's input, kept for the weight gradient.

    ``p[(c, j), (n, h, wo)] = xpad[n, c, h, j*dw + wo*sw]`` holds only the kernel's column
    shifts, over every padded row h. One GEMM with weights arranged as rows (i, o) gives
    ``Y[(i, o), (n, h, wo)]``, the contribution of kernel row i at input row h; the output is
    then ``sum_i Y[i, o, n, ho + i*dh, wo]``, kh - 1 adds of row-shifted slices. Flattened over
    (n, h, wo), a row shift is a shift by i*dh*Wo, so the adds run on contiguous memory (the
    values that cross into the next image land in rows h >= Ho, which are never read).
    ``p`` has zero rows up to ``_padded_rows`` (OpenBLAS splits short matrices badly).
    """
    __slots__ = ("p", "rows", "dh")

    def __init__(self, xp, x, kernel, stride, pad, dilation):
        n, c = x.shape[:2]
        kw = kernel[1]
        xt = padded(xp, x, pad).transpose(1, 0, 2, 3)
        hp, wp = xt.shape[2:]
        wo = (wp - (kw - 1) * dilation[1] - 1) // stride[1] + 1
        self.rows, self.dh = c * kw, dilation[0]
        self.p = xp.empty((_padded_rows(self.rows), n, hp, wo), dtype=x.dtype)
        self.p[self.rows:] = 0
        _column_shifts(self.p[:self.rows].reshape(c, kw, n, hp, wo), xt, kw, stride[1],
                       dilation[1])

    def conv(self, xp, w, b, ohw):
        """The forward: one GEMM, then the kernel rows' shifted adds (and the bias)."""
        o, c, kh, kw = w.shape
        rows_p, n, hp, wo = self.p.shape
        ho, m = ohw[0], kh * o
        wk = xp.zeros((_padded_rows(m), rows_p), dtype=w.dtype)
        wk[:m, :self.rows] = w.transpose(2, 0, 1, 3).reshape(m, self.rows)
        y = xp.matmul(wk, self.p.reshape(rows_p, -1))[:m].reshape(kh, o, -1)
        length = y.shape[-1]
        step = self.dh * wo  # one kernel row down, in the flattened (n, h, wo) order
        span = length - (kh - 1) * step
        acc = xp.empty((o, length), dtype=y.dtype)  # the tail past span is never read
        xp.add(y[0, :, :span], y[1, :, step:step + span], out=acc[:, :span])
        for i in range(2, kh):
            acc[:, :span] += y[i, :, i * step:i * step + span]
        return _as_nchw(xp, acc.reshape(o, n, hp, wo)[:, :, :ho], b, w.dtype)

    def weight_grad(self, xp, g, wshape):
        """``dW[o, c, i, j]`` as one GEMM: kh row-shifted copies of g against ``p``."""
        o, c, kh, kw = wshape
        rows_p, n, hp, wo = self.p.shape
        ho, m = g.shape[2], kh * o
        gk = xp.empty((_padded_rows(m), n * hp * wo), dtype=g.dtype)
        gk[m:] = 0
        g0 = gk[:o].reshape(o, n, hp, wo)
        g0[:, :, ho:] = 0
        g0[:, :, :ho] = g.swapaxes(0, 1)
        _flat_shifts(gk[:m].reshape(kh, -1), self.dh * wo)  # a row shift is a flat shift
        dw = xp.matmul(gk, self.p.reshape(rows_p, -1).T)[:m, :self.rows]
        return xp.ascontiguousarray(dw.reshape(kh, o, c, kw).transpose(1, 2, 0, 3),
                                    dtype=g.dtype)


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
    return _as_nchw(xp, out.reshape((o, n) + tuple(osz)), b, w.dtype)


def _as_nchw(xp, out, b, dtype):
    """An (O, N, *spatial) GEMM result copied into (N, O, *spatial) order in ``dtype``
    (bfloat16 matmul gives float32: this rounds back), the bias added in the same pass."""
    src = out.swapaxes(0, 1)
    res = xp.empty(src.shape, dtype=dtype)
    if b is None:
        res[...] = src
    else:
        xp.add(src, b.reshape((1, -1) + (1,) * (src.ndim - 2)), out=res)
    return res


def bias_grad(xp, g):
    """``g`` summed over every axis but the channels (1): a GEMV against ones per (n, c) row,
    3-6x faster than NumPy's multi-axis sum for float32/float64."""
    n, o = g.shape[:2]
    if g.dtype not in (xp.float32, xp.float64) or g.size == 0:
        return g.sum(axis=(0,) + tuple(range(2, g.ndim)))
    rows = g.reshape(n * o, -1)
    return (rows @ xp.ones(rows.shape[1], dtype=g.dtype)).reshape(n, o).sum(0)


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
    if stride == (1, 1) and groups == 1 and bool(xp.isfinite(w.sum())):
        return _col2im_rows(xp, g, w, xshape, pad, dilation)
    cols = gemm_input_cols(xp, g, w, groups)
    return col2im(xp, cols, xshape, kernel, stride, pad, dilation, g.shape[2:])


def _col2im_rows(xp, g, w, xshape, pad, dilation):
    """Stride-1 input gradient as one GEMM between kernel-row shifts: kw shifted copies of g
    (GJ[j, o, n, ho, x] = g[o, n, ho, x - j*dw]) make the GEMM sum over kernel columns and
    output channels at once; its (kh*C)-row result then needs only kh row-shifted ``+=``
    (a full col2im needs kh*kw of them, over a matrix kw times taller).

    GJ[0] is g zero-padded to the padded width; flattened, a column shift is a flat shift, so
    the other kw - 1 copies are contiguous copies (what crosses a row lands in the zero
    columns x >= Wo). The zeros meet every weight in the GEMM, so a weight holding inf or NaN
    takes the general col2im instead (conv_input_grad checks).
    """
    n, c, h, wd = xshape
    o, _, kh, kw = w.shape
    (dh, dw), (pt, pb, pl, pr) = dilation, pad
    ho, wo = g.shape[2:]
    hp, wp = h + pt + pb, wd + pl + pr
    gj = xp.empty((kw, o, n, ho, wp), dtype=g.dtype)
    gj[0, :, :, :, wo:] = 0
    gj[0, :, :, :, :wo] = g.transpose(1, 0, 2, 3)
    _flat_shifts(gj.reshape(kw, -1), dw)
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
    """The gradient of conv2d with respect to its weight (``cols`` as conv_forward made it).

    The row-split GEMM also multiplies zeros of the shifted g by inputs outside each kernel
    row's reach; an input holding inf or NaN would turn those into NaN where PyTorch's sum
    has no such term, so non-finite inputs take the im2col form.
    """
    kernel, stride, pad, dilation, groups = geom
    if cols is None and row_split(x.shape, wshape, geom):
        cols = RowCols(xp, x, kernel, stride, pad, dilation)
    if isinstance(cols, RowCols):
        if bool(xp.isfinite(x.sum())):
            return cols.weight_grad(xp, g, wshape)
        cols = None
    if cols is None:
        cols = im2col(xp, x, kernel, stride, pad, dilation)[0]
    return gemm_weight_grad(xp, g, cols, wshape, groups)


def strided_slices(x, kernel, stride, ohw):
    """The kh*kw strided slices x[..., i::sh, j::sw] of size (Ho, Wo), in window order."""
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = ohw
    return [x[:, :, i:i + (ho - 1) * sh + 1:sh, j:j + (wo - 1) * sw + 1:sw]
            for i in range(kh) for j in range(kw)]
