"""Random draws the distributions share, taken from ember's generators.

Gamma draws are reparameterised implicitly: for x ~ Gamma(alpha, 1) with CDF P(alpha, x),
dx/dalpha = -(dP/dalpha) / p(x), computed here from the series of P (exact up to rounding)
and from the Wilson-Hilferty approximation for very large alpha.
"""
from __future__ import annotations

import numpy as np

from .. import _torch_sampling
from .._random import _generator
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._special import digamma_kernel

#: above this concentration dx/dalpha comes from the Wilson-Hilferty cube-root normal form
#: (relative error below 1e-6 there; the series would need thousands of terms)
_LARGE_ALPHA = 1e4


def _series_grad(xp, a, x, max_iter=100000):
    """-(x / a) * sum_n t_n (log x - psi(a + n + 1)), t_n = x^n / ((a + 1) ... (a + n))."""
    log_x = xp.log(x)
    psi = digamma_kernel(xp, a + 1.0)
    term = xp.ones(x.shape)
    total = log_x - psi
    mass = term
    k = a + 1.0
    for n in range(1, max_iter):
        term = term * x / k
        psi = psi + 1.0 / k
        k = k + 1.0
        total = total + term * (log_x - psi)
        mass = mass + term
        # the terms grow while n < x - a, then fall off
        if n > 5 and not bool(xp.any((n < x - a + 1.0) | (term > 1e-17 * mass))):
            break
    return -(x / a) * total


def _wilson_hilferty_grad(xp, a, x):
    """dx/da with z = 3 sqrt(a) ((x / a)^(1/3) - 1 + 1 / (9a)) held fixed."""
    r = xp.sqrt(a)
    z = 3.0 * r * ((x / a) ** (1.0 / 3.0) - 1.0 + 1.0 / (9.0 * a))
    u = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * r)
    return u ** 3 + 3.0 * a * u ** 2 * (1.0 / (9.0 * a * a) - z / (6.0 * a * r))


def standard_gamma_grad_kernel(xp, alpha, x):
    """d x / d alpha for a Gamma(alpha, 1) draw ``x`` (float64 arrays)."""
    large = alpha >= _LARGE_ALPHA
    small_a = xp.where(large, 1.0, alpha)
    small_x = xp.where(large, 1.0, xp.maximum(x, 1e-300))
    out = xp.where(large, _wilson_hilferty_grad(xp, xp.where(large, alpha, _LARGE_ALPHA),
                                                 xp.where(large, x, _LARGE_ALPHA)),
                   _series_grad(xp, small_a, small_x))
    return xp.where(x > 0, out, 0.0)


class StandardGammaGrad(Primitive, node_name="StandardGammaGradBackward0"):
    def forward(self, alpha, x):
        xp = self.xp
        g = standard_gamma_grad_kernel(xp, alpha.astype(xp.float64), x.astype(xp.float64))
        return g.astype(x.dtype, copy=False)

    def backward(self, grad):
        raise NotImplementedError(
            "the derivative for '_standard_gamma_grad' is not implemented.")


class StandardGamma(Primitive, node_name="StandardGammaBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, alpha):
        xp = self.xp
        host = np.asarray(self.backend.to_host(alpha))
        if host.dtype != np.float64:
            host = host.astype(np.float32)
        draws = _torch_sampling.standard_gamma(_generator(self.generator), host)
        # PyTorch clamps draws to the dtype's smallest normal number
        draws = np.maximum(draws, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)
        return draws if xp is np else self.backend.from_host(draws, self.device_index)

    def backward(self, grad):
        (alpha,) = self.inputs
        return grad * StandardGammaGrad.apply(alpha, self.output)


def standard_gamma(alpha: Tensor, generator=None) -> Tensor:
    """Gamma(alpha, 1) draws with implicit reparameterisation gradients."""
    return StandardGamma.apply(alpha, backend=alpha._backend, generator=generator,
                               device_index=alpha.device.index)


def standard_gamma_grad(alpha: Tensor, x: Tensor) -> Tensor:
    """d x / d alpha of Gamma(alpha, 1) draws ``x`` (the implicit reparameterisation)."""
    return StandardGammaGrad.apply(alpha, x)
