"""The generalized Pareto distribution."""
from __future__ import annotations

import math

from .._size import Size
from . import constraints
from .distribution import Distribution
from .utils import _is_number, broadcast_all

__all__ = ["GeneralizedPareto"]

#: concentrations this close to 0 use the exponential limit (PyTorch's ``isclose(c, 0)``)
_ZERO_ATOL = 1e-8


class GeneralizedPareto(Distribution):
    """Generalized Pareto distribution with ``loc``, ``scale`` and ``concentration`` (shape
    ``xi``): exponential for ``xi = 0``, Pareto-like tails for ``xi > 0`` and a bounded
    support ``[loc, loc - scale / xi]`` for ``xi < 0``.

    >>> GeneralizedPareto(ember.tensor([0.1]), ember.tensor([2.0]), ember.tensor([0.4])
    ...                   ).rsample().shape
    torch.Size([1])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = _is_number(loc) and _is_number(scale) and _is_number(concentration)
        super().__init__(Size() if scalar else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        return self._expanded(new, batch_shape)

    def _zero_and_safe_concentration(self):
        """Where the concentration counts as 0, and the concentration with those entries
        replaced by 1 (so the unused branch stays finite)."""
        zero = self.concentration.abs() <= _ZERO_ATOL
        return zero, self.concentration.masked_fill(zero, 1.0)

    def rsample(self, sample_shape=()):
        from .. import rand
        shape = self._extended_shape(sample_shape)
        return self.icdf(rand(shape, dtype=self.loc.dtype, device=self.loc.device))

    def log_prob(self, value):
        from .. import where
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._zero_and_safe_concentration()
        y = 1 / c + 1
        nonzero = where(y == 0, y, y * (c * z).log1p())
        return -self.scale.log() - where(zero, z, nonzero)

    def log_survival_function(self, value):
        """``log(1 - cdf(value))``."""
        from .. import where
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._zero_and_safe_concentration()
        return where(zero, -z, -(c * z).log1p() / c)

    def log_cdf(self, value):
        """``log(cdf(value))``."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        from .. import where
        zero, c = self._zero_and_safe_concentration()
        log_u = (-value).log1p()
        nonzero = self.loc + self.scale / c * (-c * log_u).expm1()
        return where(zero, self.loc - self.scale * log_u, nonzero)

    @property
    def mean(self):
        from .. import where
        valid = self.concentration < 1
        c = self.concentration.masked_fill(~valid, 0.5)
        return where(valid, self.loc + self.scale / (1 - c), math.nan)

    @property
    def variance(self):
        from .. import where
        valid = self.concentration < 0.5
        c = self.concentration.masked_fill(~valid, 0.25)
        return where(valid, self.scale ** 2 / ((1 - c) ** 2 * (1 - 2 * c)), math.nan)

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        from .. import broadcast_to
        return broadcast_to(self.scale.log() + self.concentration + 1, self._batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        from .. import where
        upper = where(self.concentration < 0, self.loc - self.scale / self.concentration,
                      math.inf)
        return constraints.interval(self.loc, upper)
