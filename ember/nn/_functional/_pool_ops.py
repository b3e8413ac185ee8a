"""Pooling primitives. Max pooling remembers which element won each window (a selection);
its gradient scatters through that selection and the scatter's gradient gathers, so both
are differentiable ops and max pooling can be differentiated any number of times.
"""
from __future__ import annotations

import numpy as np

from ..._backend import conv_kernels as K
from ...autograd.node import Primitive


class SliceSel:
    """Winners of non-overlapping windows, as a window-position code per output."""

    def __init__(self, code, kernel, ohw, xshape):
        self.code, self.kernel, self.ohw, self.xshape = code, kernel, ohw, xshape

    def gather(self, xp, x):
        out = None
        for t, s in enumerate(K.strided_slices(x, self.kernel, self.kernel, self.ohw)):
            out = s.copy() if out is None else xp.where(self.code == t, s, out)
        return out

    def scatter(self, xp, g):
        (kh, kw), (ho, wo) = self.kernel, self.ohw
        covered = ho * kh == self.xshape[2] and wo * kw == self.xshape[3]
        out = (xp.empty if covered else xp.zeros)(self.xshape, dtype=g.dtype)
        # a multiply by the boolean mask is several times faster than copyto(where=...)
        for t, s in enumerate(K.strided_slices(out, self.kernel, self.kernel, self.ohw)):
            xp.multiply(g, self.code == t, out=s)
        return out

    def indices(self, xp):
        (kh, kw), (ho, wo), w = self.kernel, self.ohw, self.xshape[-1]
        rows = xp.arange(ho).reshape(ho, 1) * kh + self.code // kw
        cols = xp.arange(wo) * kw + self.code % kw
        return (rows * w + cols).astype(xp.int64)


class IndexSel:
    """Winners given as flat indices into each (H*W) plane of the input."""

    def __init__(self, idx, xshape, overlap):
        self.idx, self.xshape, self.overlap = idx, xshape, overlap

    def _flat(self, xp):
        n, c = self.idx.shape[:2]
        hw = self.xshape[-1] * self.xshape[-2]
        base = (xp.arange(n * c, dtype=xp.int64) * hw).reshape(n, c, 1, 1)
        return (base + self.idx).reshape(-1)

    def gather(self, xp, x):
        return x.reshape(-1)[self._flat(xp)].reshape(self.idx.shape)

    def scatter(self, xp, g):
        size = int(np.prod(self.xshape))
        if self.overlap:
            out = xp.bincount(self._flat(xp), weights=g.reshape(-1), minlength=size)
            return out.astype(g.dtype, copy=False).reshape(self.xshape)
        out = xp.zeros(size, dtype=g.dtype)
        out[self._flat(xp)] = g.reshape(-1)
        return out.reshape(self.xshape)

    def indices(self, xp):
        return self.idx


class MaxPool(Primitive, node_name="MaxPool2DWithIndicesBackward0"):
    """Max over windows; returns (out, indices) when ``return_indices``."""

    def forward(self, x):
        kernel, stride, pad, dil, ceil = self.geom
        ohw = (K.out_len(x.shape[2], kernel[0], stride[0], pad[0], pad[1], dil[0], ceil),
               K.out_len(x.shape[3], kernel[1], stride[1], pad[2], pad[3], dil[1], ceil))
        fast = kernel == stride and dil == (1, 1) and not any(pad) and \
            ohw[0] * kernel[0] <= x.shape[2] and ohw[1] * kernel[1] <= x.shape[3]
        out, self.sel = (_max_slices if fast else _max_windows)(self.xp, x, ohw, self.geom)
        if self.return_indices:
            return out, self.sel.indices(self.xp)
        return out

    def backward(self, grad):
        return PoolScatter.apply(grad, sel=self.sel)


def _max_slices(xp, x, ohw, geom):
    kernel = geom[0]
    out = code = None
    for t, s in enumerate(K.strided_slices(x, kernel, kernel, ohw)):
        if out is None:
            out, code = s.copy(), xp.zeros(s.shape, dtype=xp.int8)
            continue
        win = s > out
        xp.maximum(out, s, out=out)  # NaN propagates through maximum itself
        code += win * (t - code)
    if out.dtype.kind == "f" and xp.isnan(out).any():
        # PyTorch selects a window's last NaN; the check reads only the (smaller) output
        for t, s in enumerate(K.strided_slices(x, kernel, kernel, ohw)):
            code[xp.isnan(s)] = t
    return out, SliceSel(code, kernel, ohw, x.shape)


def _last_nan(xp, win, code, out):
    """Window codes pointing at each window's last NaN where the max is NaN (as PyTorch)."""
    if out.dtype.kind != "f" or not xp.isnan(out).any():
        return code
    last = win.shape[-1] - 1 - xp.argmax(xp.isnan(win[..., ::-1]), axis=-1)
    return xp.where(xp.isnan(out), last, code)


def _max_windows(xp, x, ohw, geom):
    kernel, stride, pad, dil, _ = geom
    n, c, h, w = x.shape
    need_h = (ohw[0] - 1) * stride[0] + (kernel[0] - 1) * dil[0] + 1
    need_w = (ohw[1] - 1) * stride[1] + (kernel[1] - 1) * dil[1] + 1
    extra = (max(0, need_h - h - pad[0] - pad[1]), max(0, need_w - w - pad[2] - pad[3]))
    low = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    xpad = K.padded(xp, x, pad, low, extra)
    win = K.windows(xp, xpad, kernel, stride, dil, ohw).reshape(n, c, ohw[0], ohw[1], -1)
    code = xp.argmax(win, axis=-1)
    out = xp.take_along_axis(win, code[..., None], axis=-1)[..., 0]
    code = _last_nan(xp, win, code, out)
    rows = xp.arange(ohw[0]).reshape(-1, 1) * stride[0] - pad[0] + (code // kernel[1]) * dil[0]
    cols = xp.arange(ohw[1]) * stride[1] - pad[2] + (code % kernel[1]) * dil[1]
    overlap = stride[0] < (kernel[0] - 1) * dil[0] + 1 or stride[1] < (kernel[1] - 1) * dil[1] + 1
    return out, IndexSel(rows * w + cols, x.shape, overlap)


class AdaptiveMaxPool(MaxPool, node_name="AdaptiveMaxPool2DBackward0"):
    def forward(self, x):
        xp = self.xp
        (rs, _), (cs, _) = (_adaptive_index(x.shape[2], self.osize[0]),
                              _adaptive_index(x.shape[3], self.osize[1]))
        rows, cols = xp.asarray(rs), xp.asarray(cs)
        g = x[:, :, rows[:, :, None, None], cols[None, None, :, :]]
        n, c, ho, kh, wo, kw = g.shape
        g = g.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, kh * kw)
        code = xp.argmax(g, axis=-1)
        out = xp.take_along_axis(g, code[..., None], axis=-1)[..., 0]
        code = _last_nan(xp, g, code, out)
        r = rows[xp.arange(ho).reshape(-1, 1), code // kw]
        q = cols[xp.arange(wo), code % kw]
        self.sel = IndexSel(r * x.shape[3] + q, x.shape, True)
        if self.return_indices:
            return out, self.sel.idx
        return out


def _adaptive_index(n_in, n_out):
    """(n_out, kmax) input positions of each adaptive window (last one repeated)."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    kmax = int((end - start).max())
    pos = np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)
    return pos, kmax


class PoolScatter(Primitive, node_name="MaxPool2DWithIndicesBackwardBackward0"):
    """zeros(input shape) with g written at the selected positions."""

    def forward(self, g):
        return self.sel.scatter(self.xp, g)

    def backward(self, grad):
        return PoolGather.apply(grad, sel=self.sel)


class MaxUnpool(PoolScatter, node_name="MaxUnpool2DBackward0"):
    pass


class PoolGather(Primitive, node_name="GatherBackward0"):
    """The selected entries of x (the adjoint of PoolScatter)."""

    def forward(self, x):
        return self.sel.gather(self.xp, x)

    def backward(self, grad):
        return PoolScatter.apply(grad, sel=self.sel)


def avg_divisor(xp, n, k, s, p, o, include_pad):
    """Per-output divisor along one axis (the window size counted as PyTorch does)."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


class AvgPool(Primitive, node_name="AvgPool2DBackward0"):
    """Mean over windows, divided as PyTorch does (padding, ceil_mode, divisor_override)."""

    def forward(self, x):
        xp = self.xp
        kernel, stride, pad, ohw, scale = self.plan
        n, c, h, w = x.shape
        if kernel == stride and not any(pad):
            total = None
            for s in K.strided_slices(x, kernel, stride, ohw):
                total = s.copy() if total is None else total.__iadd__(s)
        else:
            extra = _extra(x.shape, kernel, stride, pad, ohw)
            win = K.windows(xp, K.padded(xp, x, pad, 0, extra), kernel, stride, (1, 1), ohw)
            total = win.sum(axis=(-2, -1))
        return total * xp.asarray(scale, dtype=x.dtype)

    def backward(self, grad):
        return AvgPoolT.apply(grad, plan=self.plan, xshape=self.xshape)


class AvgPoolT(Primitive, node_name="AvgPool2DBackwardBackward0"):
    def forward(self, g):
        xp = self.xp
        kernel, stride, pad, ohw, scale = self.plan
        n, c, h, w = self.xshape
        g = g * xp.asarray(scale, dtype=g.dtype)
        extra = _extra(self.xshape, kernel, stride, pad, ohw)
        out = xp.zeros((n, c, h + pad[0] + pad[1] + extra[0], w + pad[2] + pad[3] + extra[1]),
                       dtype=g.dtype)
        for s in K.strided_slices(out, kernel, stride, ohw):
            s += g
        return xp.ascontiguousarray(out[:, :, pad[0]:pad[0] + h, pad[2]:pad[2] + w])

    def backward(self, grad):
        return AvgPool.apply(grad, plan=self.plan, xshape=self.xshape)


def _extra(xshape, kernel, stride, pad, ohw):
    h, w = xshape[2:]
    need_h = (ohw[0] - 1) * stride[0] + kernel[0]
    need_w = (ohw[1] - 1) * stride[1] + kernel[1]
    return (max(0, need_h - h - pad[0] - pad[1]), max(0, need_w - w - pad[2] - pad[3]))
