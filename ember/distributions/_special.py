"""Special functions the distributions need: ``ember.special``'s, plus the regularised lower
incomplete gamma function (``gammainc``), whose kernel computes in float64 and rounds to the
inputs' dtype once.
"""
from __future__ import annotations

import math

from ..autograd.node import Primitive
from ..special import digamma, erfinv, polygamma  # noqa: F401 (used by the distributions)
from ..special._kernels import digamma as digamma_kernel, lgamma as lgamma_kernel  # noqa: F401
from ..special._ops import lgamma


def _f64(xp, x):
    return x.astype(xp.float64, copy=False)


def gammainc_kernel(xp, a, x, max_iter=1000):
    """Regularised lower incomplete gamma P(a, x): the power series below x = a + 1, the
    continued fraction (modified Lentz) of Q = 1 - P above."""
    a, x = xp.broadcast_arrays(_f64(xp, a), _f64(xp, x))
    series_side = x < a + 1.0
    safe_x = xp.where(x > 0, x, 1.0)
    log_front = a * xp.log(safe_x) - safe_x - lgamma_kernel(xp, a)
    # series: P = x^a e^-x / Gamma(a + 1) * sum x^n / ((a + 1) ... (a + n))
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(max_iter):
        ap = ap + 1.0
        term = term * x / ap
        total = total + term
        if not bool(xp.any(series_side & (xp.abs(term) > xp.abs(total) * 1e-17))):
            break
    p_series = total * xp.exp(log_front)
    # continued fraction for Q
    tiny = 1e-300
    b = x + 1.0 - a
    c = xp.full(x.shape, 1.0 / tiny)
    d = 1.0 / xp.where(b == 0, tiny, b)
    h = d
    for i in range(1, max_iter):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if not bool(xp.any(~series_side & (xp.abs(delta - 1.0) > 1e-16))):
            break
    p_fraction = 1.0 - xp.exp(log_front) * h
    out = xp.where(series_side, p_series, p_fraction)
    out = xp.where(x == 0, 0.0, out)
    out = xp.where(x == math.inf, 1.0, out)
    return xp.where((a <= 0) | xp.isnan(a) | xp.isnan(x) | (x < 0), math.nan, out)


class Gammainc(Primitive, node_name="IgammaBackward0"):
    save_inputs = True

    def forward(self, a, x):
        return gammainc_kernel(self.xp, a, x).astype(self.dtype.np, copy=False)

    def backward(self, grad):
        a, x = self.inputs
        if self._in_meta[0] is not None:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        return None, grad * ((a - 1) * x.log() - x - lgamma(a)).exp()


def gammainc(a, x):
    """Regularised lower incomplete gamma function (differentiable in ``x`` only)."""
    from ..ops.shape import broadcast_tensors
    from .._dtype import promote_types
    dt = promote_types(a.dtype, x.dtype)
    a, x = broadcast_tensors(a, x)
    return Gammainc.apply(a, x, dtype=dt)
