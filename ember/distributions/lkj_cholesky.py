"""The LKJ distribution over Cholesky factors of correlation matrices."""
from __future__ import annotations

import math

from .. import arange, cat, mvlgamma, randn
from .._size import Size
from . import constraints
from ._special import lgamma
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all, finfo

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """LKJ distribution of the lower Cholesky factor ``L`` of a ``dim`` x ``dim``
    correlation matrix ``M = L L^T``, with density proportional to
    ``det(M) ** (concentration - 1)`` (``concentration == 1`` is uniform over correlation
    matrices). Sampling uses the onion method of Lewandowski, Kurowicka and Joe (2009).

    >>> LKJCholesky(3, 0.5).sample().shape
    torch.Size([3, 3])
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args=None) -> None:
        if dim < 2:
            raise ValueError("Expected dim to be an integer greater than or equal to 2. "
                             f"Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        c = self.concentration
        # onion method: row i >= 1 of L is sqrt(y_i) times a uniform direction in R^i, with
        # y_i ~ Beta(i / 2, concentration + (dim - 1 - i) / 2) (row 0 is fixed to e_0)
        marginal_conc = c + 0.5 * (dim - 2)
        offset = arange(dim - 1, dtype=c.dtype, device=c.device)
        offset = cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(0.5 * offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(c.size(), Size((dim, dim)), validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        return self._expanded(new, batch_shape)

    def sample(self, sample_shape=()):
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u = randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
        # the first row has no free entries (its direction is the zero vector)
        rest = u[..., 1:, :]
        u = cat([u[..., :1, :], rest / rest.norm(dim=-1, keepdim=True)], dim=-2)
        w = y.sqrt() * u
        tiny = float(finfo(w.dtype).tiny)
        diag = (1 - w.pow(2).sum(-1)).clamp(min=tiny).sqrt()
        return w + diag.diag_embed()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag_elems.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize = (0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1)
                     - lgamma(alpha) * dm1)
        return unnormalized - normalize
