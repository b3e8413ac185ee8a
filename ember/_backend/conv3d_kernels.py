"""3-D convolution and pooling kernels on backend arrays, written once against ``xp``.

Geometry: ``kernel``/``stride``/``dilation`` are (d, h, w) triples and ``pads`` holds one
(low, high) pair per spatial dim. Arrays are NCDHW. As in the 2-D kernels, im2col builds the
(C*kd*kh*kw, N*Do*Ho*Wo) layout with one strided copy per kernel offset and col2im is one
strided ``+=`` per kernel offset: the only Python loops run over kernel offsets.
"""
from __future__ import annotations

import itertools
import math

from .conv_kernels import bias_grad  # noqa: F401  (re-exported: the primitives call kernels.bias_grad)
from .conv_kernels import gemm_forward, gemm_input_cols, gemm_weight_grad, out_len


def out_size(xshape, kernel, stride, pads, dilation, ceil=False):
    """The output's spatial size for the trailing dims of ``xshape``."""
    spatial = xshape[len(xshape) - len(kernel):]
    return tuple(out_len(n, k, s, p[0], p[1], d, ceil)
                 for n, k, s, p, d in zip(spatial, kernel, stride, pads, dilation))


def padded(xp, x, pads, value=0.0):
    """x with each trailing dim widened by its (low, high) pair, filled with ``value``."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.shape[:x.ndim - len(pads)]
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[len(lead):], pads))
    out = xp.full(lead + shape, value, dtype=x.dtype)
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[len(lead):], pads))
    out[(Ellipsis,) + inner] = x
    return out


def offsets(kernel, dilation):
    """The start of every kernel offset (row-major over the window), dilation applied."""
    return list(itertools.product(*[range(0, k * d, d) for k, d in zip(kernel, dilation)]))


def window_slices(start, osize, stride):
    """Slices that pick, for one kernel offset, the element seen by every output position."""
    return tuple(slice(a, a + (o - 1) * s + 1, s) for a, o, s in zip(start, osize, stride))


def im2col(xp, x, kernel, stride, pads, dilation):
    """cols of shape (C*kd*kh*kw, N*Do*Ho*Wo) and the output's spatial size."""
    n, c = x.shape[:2]
    osz = out_size(x.shape, kernel, stride, pads, dilation)
    xt = padded(xp, x, pads).swapaxes(0, 1)
    cols = xp.empty((c, math.prod(kernel), n) + osz, dtype=x.dtype)
    for t, start in enumerate(offsets(kernel, dilation)):
        cols[:, t] = xt[(slice(None), slice(None)) + window_slices(start, osz, stride)]
    return cols.reshape(c * math.prod(kernel), n * math.prod(osz)), osz


def col2im(xp, cols, xshape, kernel, stride, pads, dilation, osz):
    """The adjoint of im2col: (C*kd*kh*kw, N*Do*Ho*Wo) back to an (N, C, D, H, W) array."""
    n, c = xshape[:2]
    spatial = xshape[2:]
    dc = cols.reshape((c, math.prod(kernel), n) + tuple(osz))
    size = tuple(max(m + lo + hi, (k - 1) * d + (o - 1) * s + 1) for m, (lo, hi), k, d, o, s in
                 zip(spatial, pads, kernel, dilation, osz, stride))
    out = xp.zeros((c, n) + size, dtype=cols.dtype)
    for t, start in enumerate(offsets(kernel, dilation)):
        out[(slice(None), slice(None)) + window_slices(start, osz, stride)] += dc[:, t]
    crop = tuple(slice(lo, lo + m) for m, (lo, _) in zip(spatial, pads))
    return xp.ascontiguousarray(out[(slice(None), slice(None)) + crop].swapaxes(0, 1))


def conv_forward(xp, x, w, b, geom, cols=None):
    """conv3d forward; returns (out, cols) so that callers may keep cols for backward."""
    kernel, stride, pads, dilation, groups = geom
    osz = out_size(x.shape, kernel, stride, pads, dilation)
    if cols is None:
        cols = im2col(xp, x, kernel, stride, pads, dilation)[0]
    return gemm_forward(xp, w, cols, b, x.shape[0], osz, groups), cols


def conv_input_grad(xp, g, w, xshape, geom):
    """The gradient of conv3d with respect to its input (= conv_transpose3d)."""
    kernel, stride, pads, dilation, groups = geom
    cols = gemm_input_cols(xp, g, w, groups)
    return col2im(xp, cols, xshape, kernel, stride, pads, dilation, g.shape[2:])


def conv_weight_grad(xp, x, g, wshape, geom, cols=None):
    """The gradient of conv3d with respect to its weight (``cols`` as conv_forward made it)."""
    kernel, stride, pads, dilation, groups = geom
    if cols is None:
        cols = im2col(xp, x, kernel, stride, pads, dilation)[0]
    return gemm_weight_grad(xp, g, cols, wshape, groups)


def _fitted(xshape, kernel, stride, pads, dilation, osz):
    """pads with the high sides widened until every window of ``osz`` (ceil_mode) fits."""
    out = []
    for n, k, s, (lo, hi), d, o in zip(xshape[2:], kernel, stride, pads, dilation, osz):
        need = (o - 1) * s + (k - 1) * d + 1
        out.append((lo, hi + max(0, need - n - lo - hi)))
    return tuple(out)


def max_pool(xp, x, kernel, stride, pads, dilation, osz):
    """(max, flat index into each D*H*W volume) over the windows, one pass per kernel offset.

    The first maximum wins and a NaN wins over numbers (the last NaN, as in PyTorch).
    """
    floating = x.dtype.kind in "fc"
    low = -xp.inf if floating else xp.iinfo(x.dtype).min
    xpad = padded(xp, x, _fitted(x.shape, kernel, stride, pads, dilation, osz), low)
    out = code = None
    for t, start in enumerate(offsets(kernel, dilation)):
        s = xpad[(Ellipsis,) + window_slices(start, osz, stride)]
        if out is None:
            out = s.copy()
            code = xp.zeros(s.shape, dtype=xp.int8 if math.prod(kernel) < 128 else xp.int32)
            continue
        win = s > out
        if floating:
            win |= xp.isnan(s)
        xp.maximum(out, s, out=out)  # NaN propagates through maximum itself
        code += win * (t - code)  # a multiply by the mask beats copyto(where=...)
    return out, window_index(xp, code.astype(xp.int64), x.shape[2:], kernel, stride, pads,
                             dilation)


def window_index(xp, code, spatial, kernel, stride, pads, dilation):
    """Flat volume index of the element at window position ``code`` of each output."""
    nd = len(kernel)
    idx = 0
    for i, (n, k, s, (lo, _), d) in enumerate(zip(spatial, kernel, stride, pads, dilation)):
        inner = math.prod(kernel[i + 1:])
        o = code.shape[code.ndim - nd + i]
        pos = (xp.arange(o) * s - lo).reshape((o,) + (1,) * (nd - 1 - i))
        idx = idx * n + pos + (code // inner % k) * d
    return idx


def window_sum(xp, x, kernel, stride, pads, osz):
    """The sum of each (zero-padded) window, one strided add per kernel offset."""
    ones = (1,) * len(kernel)
    xpad = padded(xp, x, _fitted(x.shape, kernel, stride, pads, ones, osz))
    total = None
    for start in offsets(kernel, ones):
        s = xpad[(Ellipsis,) + window_slices(start, osz, stride)]
        if total is None:
            total = s.copy()
        else:
            total += s
    return total


def window_sum_adjoint(xp, g, xshape, kernel, stride, pads):
    """The adjoint of window_sum: every window's g added back onto the input's shape."""
    ones = (1,) * len(kernel)
    osz = g.shape[2:]
    fit = _fitted(xshape, kernel, stride, pads, ones, osz)
    spatial = xshape[2:]
    out = xp.zeros(tuple(xshape[:2]) + tuple(n + lo + hi for n, (lo, hi) in zip(spatial, fit)),
                   dtype=g.dtype)
    for start in offsets(kernel, ones):
        out[(Ellipsis,) + window_slices(start, osz, stride)] += g
    crop = tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, fit))
    return xp.ascontiguousarray(out[(Ellipsis,) + crop])
