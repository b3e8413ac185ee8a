"""``cdist``: p-norm distances between the rows of two (batched) matrices."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Primitive, broadcast_error
from ._util import check_device
from .reduce import where_

_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
          "donot_use_mm_for_euclid_dist": 2}


def _safe(x, bad):
    return where_(bad, x.new_ones(()), x)


class Cdist(Primitive, node_name="CdistBackward0"):
    """Distances from every difference vector x1[i] - x2[j] (batch dims broadcast)."""
    save_inputs = True
    save_output = True

    def forward(self, x1, x2):
        xp, p = self.xp, self.p
        diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            return (diff != 0).sum(-1).astype(x1.dtype)
        if p == 1:
            return diff.sum(-1)
        if p == 2:
            return xp.sqrt((diff * diff).sum(-1))
        if math.isinf(p):
            return diff.max(-1, initial=0)
        return (diff ** p).sum(-1) ** (1 / p)

    def backward(self, grad):
        x1, x2 = self.inputs
        p = self.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dist = self.output.unsqueeze(-1)
        g = grad.unsqueeze(-1)
        if p == 0:
            g = diff * 0
        elif p == 1:
            g = g * diff.sign()
        elif math.isinf(p):
            g = g * diff.sign() * (diff.abs() == dist)
        else:
            # sign(d) |d|^(p-1) / dist^(p-1), with 0 where dist == 0 (and where d == 0, p < 1)
            zero = dist == 0
            a = diff.abs()
            if p < 1:
                zero = zero | (a == 0)
            ratio = _safe(a, a == 0) / _safe(dist, zero)
            g = where_(zero, g * 0, g * diff.sign() * ratio ** (p - 1))
        return (g.sum(-2) if self._in_meta[0] else None,
                -g.sum(-3) if self._in_meta[1] else None)


class EuclideanDist(Primitive, node_name="EuclideanDistBackward0"):
    """p = 2 distances through one matrix product: |a|^2 - 2 a.b + |b|^2 (PyTorch's fast path
    for many rows; rounding can leave a small positive value for equal rows)."""
    save_inputs = True
    save_output = True

    def forward(self, x1, x2):
        xp = self.xp
        n1 = (x1 * x1).sum(-1, keepdims=True)
        n2 = (x2 * x2).sum(-1, keepdims=True)
        a = xp.concatenate([x1 * -2, n1, xp.ones_like(n1)], -1)
        b = xp.concatenate([x2, xp.ones_like(n2), n2], -1)
        return xp.sqrt(xp.maximum(a @ xp.swapaxes(b, -1, -2), 0))

    def backward(self, grad):
        x1, x2 = self.inputs
        res = self.output
        zero = res == 0
        ratio = where_(zero, grad * 0, grad / _safe(res, zero))
        g1 = x1 * ratio.sum(-1, keepdim=True) - ratio @ x2 if self._in_meta[0] else None
        g2 = x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT @ x1 if self._in_meta[1] else None
        return g1, g2


def _check(x1, x2, p):
    for name, t in (("X1", x1), ("X2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"cdist(): argument '{name.lower()}' must be Tensor, not "
                            f"{type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype._legacy[:-6]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    check_device(x1, x2)
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {x1.dtype._legacy[:-6]} but found "
                           f"{x2.dtype._legacy[:-6]}")
    if x1.dtype.name not in ("float32", "float64"):
        raise NotImplementedError(f"\"cdist\" not implemented for '{x1.dtype._legacy[:-6]}'")
    try:
        np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    except ValueError:
        raise broadcast_error(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])) from None


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M), as a (..., P, R) tensor; batch dimensions broadcast.

    With p = 2 and more than 25 rows on either side (or ``compute_mode=
    'use_mm_for_euclid_dist'``) the distances come from one matrix product, as in PyTorch.

    >>> ember.cdist(ember.tensor([[0., 0.]]), ember.tensor([[3., 4.], [1., 0.]]))
    tensor([[5., 1.]])
    """
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    _check(x1, x2, p)
    mode = _MODES[compute_mode]
    r1, r2 = x1.shape[-2], x2.shape[-2]
    if p == 2 and x1.numel() and x2.numel() and \
            (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        return EuclideanDist.apply(x1, x2)
    return Cdist.apply(x1, x2, p=float(p))
