"""The von Mises distribution: a circular normal distribution on angles."""
from __future__ import annotations

import math

from . import constraints
from ._loc_scale import LocMean
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

# Polynomial approximations of the modified Bessel functions I0 and I1 (Abramowitz and
# Stegun 9.8.1-9.8.4), lowest power first: in (x / 3.75)^2 below x = 3.75 (I1 then times x),
# in 3.75 / x above it for x^(1/2) e^(-x) I(x). PyTorch uses the same ones, so log_prob and
# variance agree with it to rounding.
_SMALL = ((1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.0360768, 0.0045813),
          (0.5, 0.87890594, 0.51498869, 0.15084934, 0.02658733, 0.00301532, 0.00032411))
_LARGE = ((0.39894228, 0.01328592, 0.00225319, -0.00157565, 0.00916281, -0.02057706,
           0.02635537, -0.01647633, 0.00392377),
          (0.39894228, -0.03988024, -0.00362018, 0.00163801, -0.01031555, 0.02282967,
           -0.02895312, 0.01787654, -0.00420059))


def _horner(y, coefficients):
    result = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        result = c + y * result
    return result


def _log_bessel_i(x, order: int):
    """``log I_order(x)`` for ``x > 0`` and ``order`` 0 or 1."""
    from .. import where
    small = _horner((x / 3.75) ** 2, _SMALL[order])
    if order == 1:
        small = x.abs() * small
    large = x - 0.5 * x.log() + _horner(3.75 / x, _LARGE[order]).log()
    return where(x < 3.75, small.log(), large)


def _rejection_sample(loc, concentration, proposal_r, shape):
    """Best and Fisher's (1979) wrapped-Cauchy rejection sampler, run on the whole batch at
    once until every element has accepted (float64 Tensors in, float64 angles out)."""
    from .. import bool as bool_, rand, where, zeros
    x = zeros(shape, dtype=loc.dtype, device=loc.device)
    done = zeros(shape, dtype=bool_, device=loc.device)
    while not bool(done.all()):
        u1, u2, u3 = rand((3,) + tuple(shape), dtype=loc.dtype, device=loc.device).unbind()
        z = (math.pi * u1).cos()
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        # as PyTorch's: a later round's acceptance replaces an earlier one (any accepted
        # proposal is a valid draw), so seeded samples match
        x = where(accept, (u3 - 0.5).sign() * f.acos(), x)
        done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(LocMean, Distribution):
    """Von Mises distribution of an angle with mean direction ``loc`` (radians) and
    ``concentration``; ``loc`` and values may be any real number, read modulo ``2 pi``.

    ``mean`` and ``variance`` are the circular ones. Samples lie in ``[-pi, pi)``.

    >>> VonMises(ember.tensor([1.0]), ember.tensor([1.0])).sample().shape
    torch.Size([1])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape, _instance=None):
        validate_args = self.__dict__.get("_validate_args")
        return type(self)(self.loc.expand(batch_shape), self.concentration.expand(batch_shape),
                          validate_args=validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - _log_bessel_i(self.concentration, 0))

    @lazy_property
    def _loc(self):
        from .. import float64
        return self.loc.to(float64)

    @lazy_property
    def _concentration(self):
        from .. import float64
        return self.concentration.to(float64)

    @lazy_property
    def _proposal_r(self):
        from .. import where
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        r = (1 + rho ** 2) / (2 * rho)
        # for tiny kappa the closed form cancels catastrophically; second-order Taylor
        return where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()):
        """Draws by rejection (Best and Fisher, 1979), always computed in float64: in
        float32 the acceptance test can fail forever for concentrations near 1e-4."""
        from .. import no_grad
        shape = self._extended_shape(sample_shape)
        with no_grad():
            x = _rejection_sample(self._loc, self._concentration, self._proposal_r, shape)
            return x.to(self.loc.dtype)

    @lazy_property
    def variance(self):
        k = self.concentration
        return 1 - (_log_bessel_i(k, 1) - _log_bessel_i(k, 0)).exp()
