"""The continuous Bernoulli distribution on ``[0, 1]``."""
from __future__ import annotations

import math

from .._size import Size
from . import constraints
from .bernoulli import BinaryParams, _bce_with_logits, _expand_param
from .exp_family import ExponentialFamily
from .utils import _is_number, broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(BinaryParams, ExponentialFamily):
    """Density proportional to ``probs ** x * (1 - probs) ** (1 - x)`` on ``[0, 1]``
    (``probs`` need not be a probability, nor ``logits`` log-odds).

    The normaliser and moments are singular-looking at ``probs = 1/2``; inside ``lims``
    they are computed from Taylor expansions instead.

    >>> ContinuousBernoulli(ember.tensor([0.3])).rsample().shape
    torch.Size([1])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501),
                 validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            scalar = _is_number(probs)
            (probs,) = broadcast_all(probs)
            # checked before clamping hides values outside [0, 1] (whenever validate_args
            # is given, even False, as PyTorch does)
            if validate_args is not None and not bool(
                    self.arg_constraints["probs"].check(probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(probs)
            self._param = self.probs
        else:
            scalar = _is_number(logits)
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        self._lims = lims
        super().__init__(Size() if scalar else self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        _expand_param(self, new, batch_shape)
        return self._expanded(new, batch_shape)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        """``probs``, with the unstable region replaced by ``lims[0]`` (used only where the
        Taylor expansions do not take over)."""
        return self.probs.masked_fill(~self._outside_unstable_region(), self._lims[0])

    def _cont_bern_log_norm(self):
        """The log normaliser as a function of ``probs``."""
        from .. import where
        p = self._cut_probs()
        below = p <= 0.5
        log_norm = ((-p).log1p() - p.log()).abs().log() - where(
            below, (-2.0 * p.masked_fill(~below, 0.0)).log1p(),
            (2.0 * p.masked_fill(p < 0.5, 1.0) - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        from .. import where
        p = self._cut_probs()
        mus = p / (2.0 * p - 1.0) + 1.0 / ((-p).log1p() - p.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self):
        from .. import where
        p = self._cut_probs()
        var = (p * (p - 1.0) / (1.0 - 2.0 * p).pow(2)
               + 1.0 / ((-p).log1p() - p.log()).pow(2))
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return where(self._outside_unstable_region(), var, taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        from .. import no_grad, rand
        shape = self._extended_shape(sample_shape)
        u = rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        with no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape=()):
        from .. import rand
        shape = self._extended_shape(sample_shape)
        return self.icdf(rand(shape, dtype=self.probs.dtype, device=self.probs.device))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value) + self._cont_bern_log_norm()

    def cdf(self, value):
        from .. import ones_like, where, zeros_like
        if self._validate_args:
            self._validate_sample(value)
        p = self._cut_probs()
        cdfs = (p.pow(value) * (1.0 - p).pow(1.0 - value) + p - 1.0) / (2.0 * p - 1.0)
        inside = where(self._outside_unstable_region(), cdfs, value)
        return where(value <= 0.0, zeros_like(value),
                     where(value >= 1.0, ones_like(value), inside))

    def icdf(self, value):
        from .. import where
        p = self._cut_probs()
        inverse = (((-p) + value * (2.0 * p - 1.0)).log1p() - (-p).log1p()) \
            / (p.log() - (-p).log1p())
        return where(self._outside_unstable_region(), inverse, value)

    def entropy(self):
        log_p0 = (-self.probs).log1p()
        log_p1 = self.probs.log()
        return self.mean * (log_p0 - log_p1) - self._cont_bern_log_norm() - log_p0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """The log normaliser as a function of the natural parameter."""
        from .. import where
        from ..special import expm1
        lo, hi = self._lims[0] - 0.5, self._lims[1] - 0.5
        outside = (x <= lo) | (x > hi)
        cut = x.masked_fill(~outside, lo)
        log_norm = expm1(cut).abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return where(outside, log_norm, taylor)
