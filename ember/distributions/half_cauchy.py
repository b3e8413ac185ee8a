"""The half-Cauchy distribution: ``|X|`` with ``X ~ Cauchy(0, scale)``."""
from __future__ import annotations

import math

from . import constraints
from ._transforms_elementwise import AbsTransform
from .cauchy import Cauchy
from .half_normal import _Folded
from .transformed_distribution import TransformedDistribution

__all__ = ["HalfCauchy"]


class HalfCauchy(_Folded, TransformedDistribution):
    """Half-Cauchy distribution: the absolute value of a ``Cauchy(0, scale)`` variable.

    Args:
        scale (float or Tensor): the scale of the underlying Cauchy distribution.

    >>> HalfCauchy(ember.tensor([1.0])).sample().shape
    torch.Size([1])
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        from .. import full
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype,
                    device=self.scale.device)

    @property
    def variance(self):
        return self.base_dist.variance
