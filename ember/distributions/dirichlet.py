"""The Dirichlet distribution over the probability simplex."""
from __future__ import annotations

from .._size import Size
from . import constraints
from ._sampling import standard_gamma
from ._special import digamma, lgamma
from .exp_family import ExponentialFamily
from .utils import finfo

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Dirichlet distribution with ``concentration`` (the last dimension is the event).

    ``rsample`` normalises reparameterised gamma draws, so gradients reach the
    concentration.

    >>> Dirichlet(ember.tensor([0.5, 0.5])).sample().shape
    torch.Size([2])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        return self._expanded(new, batch_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        conc = self.concentration.expand(shape)
        gammas = standard_gamma(conc.double())  # PyTorch draws and normalises in double
        x = (gammas / gammas.sum(-1, keepdim=True)).to(conc.dtype)
        tiny = float(finfo(x.dtype).tiny)
        return x.clamp(min=tiny, max=1 - float(finfo(x.dtype).eps) / 2)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ((c - 1.0).xlogy(value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        from .. import where
        from ..nn.functional import one_hot
        c_minus_1 = (self.concentration - 1).clamp(min=0.0)
        mode = c_minus_1 / c_minus_1.sum(-1, True)
        # with every concentration below 1 the density peaks at a vertex
        vertex = one_hot(mode.argmax(dim=-1), c_minus_1.shape[-1]).to(mode.dtype)
        all_below_one = (self.concentration < 1).all(dim=-1, keepdim=True)
        return where(all_below_one, vertex, mode)

    @property
    def variance(self):
        c0 = self.concentration.sum(-1, True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((c - 1.0) * digamma(c)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))
