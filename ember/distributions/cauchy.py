"""The Cauchy (Lorentz) distribution."""
from __future__ import annotations

import math

from . import constraints
from ._loc_scale import LocScale
from .distribution import Distribution

__all__ = ["Cauchy"]


class Cauchy(LocScale, Distribution):
    """Cauchy distribution with median ``loc`` and half width at half maximum ``scale``
    (mean and variance are undefined: NaN and infinity).

    Args:
        loc (float or Tensor): the median (and mode).
        scale (float or Tensor): the half width at half maximum.

    >>> Cauchy(ember.tensor([0.0]), ember.tensor([1.0])).sample().shape
    torch.Size([1])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        from .. import full
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype,
                    device=self.loc.device)

    @property
    def variance(self):
        from .. import full
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype,
                    device=self.loc.device)

    def rsample(self, sample_shape=()):
        from .. import empty
        shape = self._extended_shape(sample_shape)
        eps = empty(shape, dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z ** 2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
