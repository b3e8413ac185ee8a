"""Cumulative reductions along a dim: cumsum, cumprod, cummax, cummin."""
from __future__ import annotations

import numpy as np

from .._dtype import bool_, int64
from ..autograd.node import Primitive
from ._util import wrap_dim
from .reduce import RETURN_TYPES, _out_dtype, where_


class Cumsum(Primitive, node_name="CumsumBackward0"):
    def forward(self, x):
        return self.xp.cumsum(x, axis=self.dim, dtype=x.dtype)

    def backward(self, grad):
        return grad.flip(self.dim).cumsum(self.dim).flip(self.dim)


class Cumprod(Primitive, node_name="CumprodBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, x):
        return self.xp.cumprod(x, axis=self.dim, dtype=x.dtype)

    def backward(self, grad):
        (x,) = self.inputs
        d = self.dim
        zero = x == 0
        if not bool(zero.any()):
            return _rev_cumsum(grad * self.output, d) / x
        from ..autograd.grad_mode import STATE
        if STATE.enabled:  # a graph of this gradient is being built: use the exact form
            return _cumprod_grad_exact(x, grad, d)
        return _cumprod_grad_masked(x, grad, self.output, zero, d)


def _rev_cumsum(t, d):
    return t.flip(d).cumsum(d).flip(d)


def _cumprod_grad_masked(x, grad, out, zero, d):
    """O(n) gradient of cumprod for inputs with zeros (not differentiable at the zeros).

    Before the first zero of a slice the division formula holds; at the first zero the
    gradient is sum_{j>=k} grad_j * prod_{m<=j, m!=k} x_m; after it, every term holds a zero.
    """
    nzero = zero.cumsum(d)
    before, first = nzero == 0, zero & (nzero == 1)
    one = x.new_ones(())
    g_before = _rev_cumsum(grad * out, d) / where_(before, x, one)
    g_first = _rev_cumsum(grad * where_(first, one, x).cumprod(d), d)
    return where_(before, g_before, where_(first, g_first, x.new_zeros(())))


def _cumprod_grad_exact(x, grad, d):
    """sum_{j>=k} grad_j * prod_{m<=j, m!=k} x_m for every k, as an (n, n) product table.

    Written with differentiable ops, so its own derivative is cumprod's second derivative
    (O(n^2) memory along ``dim``; used only when building a graph of the gradient).
    """
    from .creation import eye, ones
    n = x.shape[d]
    xm = x.movedim(d, -1).unsqueeze(-2).expand(*x.shape[:d], *x.shape[d + 1:], n, n)
    diag = eye(n, dtype=bool_, device=x.device)
    table = where_(diag, x.new_ones(()), xm).cumprod(-1)
    upper = ones(n, n, dtype=bool_, device=x.device).triu()
    g = grad.movedim(d, -1).unsqueeze(-2)
    return where_(upper, table * g, x.new_zeros(())).sum(-1).movedim(-1, d)


def cumsum(input, dim, *, dtype=None):
    dt = _out_dtype(input, dtype)
    x = input if dt is input.dtype else input.to(dt)
    d = wrap_dim(dim, x.ndim)
    return Cumsum.apply(x, dim=d) if x.ndim else x.clone()


def cumprod(input, dim, *, dtype=None):
    dt = _out_dtype(input, dtype)
    x = input if dt is input.dtype else input.to(dt)
    d = wrap_dim(dim, x.ndim)
    return Cumprod.apply(x, dim=d) if x.ndim else x.clone()


class CumExtreme(Primitive):
    """Running max/min along a dim: values and the index where each was (last) reached."""

    def forward(self, x):
        xp, d = self.xp, self.dim
        vals = (xp.maximum if self.largest else xp.minimum).accumulate(x, axis=d)
        hit = x == vals  # ties move the index forward (PyTorch compares with >= / <=)
        if x.dtype.kind in "fc":
            hit |= xp.isnan(x)
        pos = xp.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - d - 1))
        self.index = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d).astype(np.int64)
        return vals, self.index

    def backward(self, grad):
        from .index import ScatterAdd
        return ScatterAdd.apply(grad.new_zeros(self.in_shape), grad, dim=self.dim,
                                index=self.index, src_shape=grad.shape)


class Cummax(CumExtreme, node_name="CummaxBackward0"):
    largest = True


class Cummin(CumExtreme, node_name="CumminBackward0"):
    largest = False


def _cum_extreme(input, dim, cls, name):
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return RETURN_TYPES[name](input.clone(), input.new_zeros((), dtype=int64))
    vals, idx = cls.apply(input, dim=d, in_shape=input.shape)
    return RETURN_TYPES[name](vals, idx)


def cummax(input, dim):
    """(values, indices) of the running maximum along ``dim``.

    >>> ember.cummax(ember.tensor([1., 3., 2., 3.]), 0)
    torch.return_types.cummax(
    values=tensor([1., 3., 3., 3.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme(input, dim, Cummax, "cummax")


def cummin(input, dim):
    """(values, indices) of the running minimum along ``dim``."""
    return _cum_extreme(input, dim, Cummin, "cummin")
