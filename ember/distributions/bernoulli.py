"""The Bernoulli distribution (``probs`` or ``logits``)."""
from __future__ import annotations

import math

from .._size import Size
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _is_number, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


def _bce_with_logits(logits, target):
    from ..nn.functional import binary_cross_entropy_with_logits
    return binary_cross_entropy_with_logits(logits, target, reduction="none")


class BinaryParams:
    """``probs`` and ``logits`` of a two-outcome family, each computed from the other on first
    use (Bernoulli, Binomial, LogitRelaxedBernoulli); ``_param`` is the one given."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def _set_params(self, probs, logits) -> Size:
        """Keep the given one of ``probs``/``logits`` (exactly one); the batch shape."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            scalar = _is_number(probs)
            (self.probs,) = broadcast_all(probs)
        else:
            scalar = _is_number(logits)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        return Size() if scalar else self._param.size()


class Bernoulli(BinaryParams, ExponentialFamily):
    """Samples are 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    >>> Bernoulli(ember.tensor(0.3)).sample().shape
    torch.Size([])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        super().__init__(self._set_params(probs, logits), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = Size(batch_shape)
        _expand_param(self, new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mode.masked_fill(self.probs == 0.5, math.nan)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        from .. import bernoulli, no_grad
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self):
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True):
        return _enumerate(self, 2, self._param.dtype, expand)

    @property
    def _natural_params(self):
        p = self.probs
        return ((p / (1 - p)).log(),)

    def _log_normalizer(self, x):
        return x.exp().log1p()


def _expand_param(old, new, shape):
    """Expand whichever of ``probs``/``logits`` ``old`` holds onto ``new``."""
    if "probs" in old.__dict__:
        new.probs = old.probs.expand(shape)
        new._param = new.probs
    if "logits" in old.__dict__:
        new.logits = old.logits.expand(shape)
        new._param = new.logits


def _enumerate(dist, n, dtype, expand):
    """``arange(n)`` along dimension 0, broadcast against the batch shape."""
    from .. import arange
    values = arange(n, dtype=dtype, device=dist._param.device)
    values = values.view((-1,) + (1,) * len(dist._batch_shape))
    return values.expand((-1,) + dist._batch_shape) if expand else values
