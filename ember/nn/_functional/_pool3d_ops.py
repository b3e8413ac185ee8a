"""3-D pooling primitives (no Python loop over pixels; loops run over kernel offsets).

Max pooling remembers the winner of each window as a flat index into the input's D*H*W
volume; its gradient scatters through those indices and the scatter's gradient gathers, so
every pooling op here can be differentiated any number of times.
"""
from __future__ import annotations

import numpy as np

from ..._backend import conv3d_kernels as K
from ...autograd.node import Primitive
from ._pool_ops import IndexSel, _adaptive_index


class VolumeSel(IndexSel):
    """Winners given as flat indices into each (D*H*W) volume of the input."""

    def _flat(self, xp):
        n, c = self.idx.shape[:2]
        vol = int(np.prod(self.xshape[2:]))
        base = (xp.arange(n * c, dtype=xp.int64) * vol).reshape((n, c) + (1,) * 3)
        return (base + self.idx).reshape(-1)


class MaxPool3d(Primitive, node_name="MaxPool3DWithIndicesBackward0"):
    """Max over windows; returns (out, indices) when ``return_indices``."""

    def forward(self, x):
        kernel, stride, pads, dilation, osz = self.geom
        out, idx = K.max_pool(self.xp, x, kernel, stride, pads, dilation, osz)
        overlap = any(s < (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation))
        self.sel = VolumeSel(idx, x.shape, overlap)
        return (out, idx) if self.return_indices else out

    def backward(self, grad):
        return MaxPool3dScatter.apply(grad, sel=self.sel)


class AdaptiveMaxPool3d(MaxPool3d, node_name="AdaptiveMaxPool3DBackward0"):
    """Max over PyTorch's adaptive windows, gathered at once with index arrays."""

    def forward(self, x):
        xp = self.xp
        pos = [xp.asarray(_adaptive_index(n, o)[0]) for n, o in zip(x.shape[2:], self.osize)]
        pd, ph, pw = pos
        (do, kd), (ho, kh), (wo, kw) = (p.shape for p in pos)
        win = x[:, :, pd[:, :, None, None, None, None], ph[:, :, None, None], pw]
        win = win.transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape(x.shape[:2] + (do, ho, wo, -1))
        code = xp.argmax(win, axis=-1)
        out = xp.take_along_axis(win, code[..., None], axis=-1)[..., 0]
        d = pd[xp.arange(do).reshape(-1, 1, 1), code // (kh * kw)]
        h = ph[xp.arange(ho).reshape(-1, 1), code // kw % kh]
        w = pw[xp.arange(wo), code % kw]
        idx = (d * x.shape[3] + h) * x.shape[4] + w
        self.sel = VolumeSel(idx, x.shape, True)
        return (out, idx) if self.return_indices else out

    def backward(self, grad):
        return AdaptiveMaxPool3dScatter.apply(grad, sel=self.sel)


class _Scatter(Primitive):
    """zeros(input shape) with g written at the selected positions."""

    def forward(self, g):
        return self.sel.scatter(self.xp, g)

    def backward(self, grad):
        return VolumeGather.apply(grad, sel=self.sel, scatter=type(self))


class MaxPool3dScatter(_Scatter, node_name="MaxPool3DWithIndicesBackwardBackward0"):
    pass


class AdaptiveMaxPool3dScatter(_Scatter, node_name="AdaptiveMaxPool3DBackwardBackward0"):
    pass


class MaxUnpool3d(_Scatter, node_name="MaxUnpool3DBackward0"):
    pass


class VolumeGather(Primitive, node_name="GatherBackward0"):
    """The selected entries of x (the adjoint of the scatters above)."""

    def forward(self, x):
        return self.sel.gather(self.xp, x)

    def backward(self, grad):
        return self.scatter.apply(grad, sel=self.sel)


class AvgPool3d(Primitive, node_name="AvgPool3DBackward0"):
    """Window sums divided as PyTorch does (padding, ceil_mode, divisor_override)."""

    def forward(self, x):
        kernel, stride, pads, osz, div = self.plan
        total = K.window_sum(self.xp, x, kernel, stride, pads, osz)
        if x.dtype.kind not in "fc":  # integer division truncates, as in C
            return (total / self.xp.asarray(div)).astype(x.dtype)
        return total * self.xp.asarray(1.0 / div, dtype=x.dtype)

    def backward(self, grad):
        return AvgPool3dT.apply(grad, plan=self.plan, xshape=self.xshape)


class AvgPool3dT(Primitive, node_name="AvgPool3DBackwardBackward0"):
    """The adjoint of AvgPool3d: each output's share spread back over its window."""

    def forward(self, g):
        kernel, stride, pads, _, div = self.plan
        g = g * self.xp.asarray(1.0 / div, dtype=g.dtype)
        return K.window_sum_adjoint(self.xp, g, self.xshape, kernel, stride, pads)

    def backward(self, grad):
        return AvgPool3d.apply(grad, plan=self.plan, xshape=self.xshape)


def _along(xp, x, mats):
    """x (N, C, D, H, W) multiplied along D, H and W by the (out, in) matrices ``mats``."""
    md, mh, mw = (xp.asarray(m, dtype=x.dtype) for m in mats)
    n, c, d = x.shape[:3]
    y = xp.matmul(mh, xp.matmul(x, mw.T))
    ho, wo = y.shape[3:]
    y = xp.matmul(md, y.reshape(n, c, d, ho * wo))
    return y.reshape(n, c, md.shape[0], ho, wo)


class AdaptiveAvgPool3d(Primitive, node_name="AdaptiveAvgPool3DBackward0"):
    """Averages over adaptive windows as three small GEMMs (one per spatial dim)."""

    def forward(self, x):
        return _along(self.xp, x, self.mats)

    def backward(self, grad):
        return AdaptiveAvgPool3dT.apply(grad, mats=tuple(m.T for m in self.mats))


class AdaptiveAvgPool3dT(Primitive, node_name="AdaptiveAvgPool3DBackwardBackward0"):
    def forward(self, g):
        return _along(self.xp, g, self.mats)

    def backward(self, grad):
        return AdaptiveAvgPool3d.apply(grad, mats=tuple(m.T for m in self.mats))


def avg_matrix(n_in, n_out):
    """(n_out, n_in) NumPy matrix averaging each of PyTorch's adaptive windows."""
    i = np.arange(n_out)
    start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
    j = np.arange(n_in)
    return ((j >= start[:, None]) & (j < end[:, None])) / np.maximum(end - start, 1)[:, None]
