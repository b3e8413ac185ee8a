"""The geometric distribution: failures before the first success."""
from __future__ import annotations

from .._size import Size
from . import constraints
from .bernoulli import BinaryParams, _bce_with_logits, _expand_param
from .distribution import Distribution
from .utils import broadcast_all, finfo

__all__ = ["Geometric"]


class Geometric(BinaryParams, Distribution):
    """Number of failures before the first success in Bernoulli trials with success
    probability ``probs`` (or ``sigmoid(logits)``); values ``0, 1, 2, ...``.

    >>> Geometric(ember.tensor([0.3])).sample().shape
    torch.Size([1])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        super().__init__(self._set_params(probs, logits), validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(
                    f"Expected parameter probs ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to be positive but "
                    f"found invalid values:\n{value.detach()[~valid]}")

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        _expand_param(self, new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        from .. import zeros_like
        return zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        from .. import empty, no_grad
        shape = self._extended_shape(sample_shape)
        probs = self.probs
        with no_grad():
            u = empty(shape, dtype=probs.dtype, device=probs.device)
            u = u.uniform_(float(finfo(probs.dtype).tiny), 1)
            # inversion: floor(log U / log(1 - p))
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # p == 1 puts all mass on 0, where 0 * log(0) must count as 0
        probs = probs.masked_fill((probs == 1) & (value == 0), 0)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return _bce_with_logits(self.logits, self.probs) / self.probs
