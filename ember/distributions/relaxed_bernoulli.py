"""Relaxed (concrete / Gumbel-softmax) Bernoulli distributions."""
from __future__ import annotations

from .._size import Size
from . import constraints
from ._transforms_elementwise import SigmoidTransform
from .bernoulli import BinaryParams, _expand_param
from .distribution import Distribution
from .transformed_distribution import RelaxedView, TransformedDistribution
from .utils import (broadcast_all, clamp_probs)

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(BinaryParams, Distribution):
    """The logit of a ``RelaxedBernoulli`` sample: logistic noise plus ``logits``, divided
    by ``temperature``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        self.temperature = temperature
        super().__init__(self._set_params(probs, logits), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        _expand_param(self, new, batch_shape)
        return self._expanded(new, batch_shape)

    def rsample(self, sample_shape=()):
        from .. import rand
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(rand(shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(RelaxedView, TransformedDistribution):
    """A continuous relaxation of ``Bernoulli`` on (0, 1): reparameterised samples that
    approach 0/1 as ``temperature`` goes to 0.

    >>> d = RelaxedBernoulli(ember.tensor(0.5), probs=ember.tensor([0.3]))
    >>> d.rsample().shape
    torch.Size([1])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

