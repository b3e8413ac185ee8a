"""The half-normal distribution: ``|X|`` with ``X ~ Normal(0, scale)``."""
from __future__ import annotations

import math

from . import constraints
from ._transforms_elementwise import AbsTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution

__all__ = ["HalfNormal"]


class _Folded:
    """What the folded (``|X|``) families share: density, CDF and entropy of the fold of a
    symmetric ``base_dist`` centred at zero."""

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        from .. import zeros_like
        return zeros_like(self.scale)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        from .. import as_tensor, where
        value = as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return where(value >= 0, log_prob, -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded, TransformedDistribution):
    """Half-normal distribution: the absolute value of a ``Normal(0, scale)`` variable.

    Args:
        scale (float or Tensor): the scale of the underlying normal distribution.

    >>> HalfNormal(ember.tensor([1.0])).sample().shape
    torch.Size([1])
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = Normal(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)
