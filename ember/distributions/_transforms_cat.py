"""Transform functors: ``CatTransform`` and ``StackTransform`` apply one transform per piece
of a tensor split along a dimension (the counterparts of ``cat`` and ``stack``)."""
from __future__ import annotations

from .. import cat, stack
from . import constraints
from ._transform import Transform
from .utils import _sum_rightmost, lazy_property

__all__ = ["CatTransform", "StackTransform"]


def _check_transforms(tseq, cache_size):
    if not all(isinstance(t, Transform) for t in tseq):
        raise AssertionError("All elements of tseq must be Transform instances")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else list(tseq)


def _check_dim(dim, z, what):
    if not -z.dim() <= dim < z.dim():
        raise AssertionError(f"dim {dim} out of range for {what} with {z.dim()} dimensions")


class CatTransform(Transform):
    """Apply ``tseq[i]`` to the i-th consecutive piece (of length ``lengths[i]``, default 1)
    of the input along ``dim``, and concatenate the results.

    >>> t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[2, 2])
    >>> t(ember.zeros(4))
    tensor([1., 1., 0., 0.])
    """

    def __init__(self, tseq, dim: int = 0, lengths=None, cache_size: int = 0) -> None:
        tseq = _check_transforms(tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.transforms)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match transforms "
                                 f"({len(self.transforms)})")
        self.dim = dim

    @lazy_property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @lazy_property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check(self, z, name, what="tensor"):
        _check_dim(self.dim, z, what)
        if z.size(self.dim) != self.length:
            raise AssertionError(f"{name}.size({self.dim}) = {z.size(self.dim)} must equal "
                                 f"length {self.length}")

    def _pieces(self, z):
        start = 0
        for length in self.lengths:
            yield z.narrow(self.dim, start, length)
            start += length

    def _call(self, x):
        self._check(x, "x")
        return cat([t(p) for t, p in zip(self.transforms, self._pieces(x))], dim=self.dim)

    def _inverse(self, y):
        self._check(y, "y")
        return cat([t.inv(p) for t, p in zip(self.transforms, self._pieces(y))], dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        self._check(x, "x", "x")
        self._check(y, "y", "y")
        terms = []
        for t, xp, yp in zip(self.transforms, self._pieces(x), self._pieces(y)):
            term = t.log_abs_det_jacobian(xp, yp)
            terms.append(_sum_rightmost(term, self.event_dim - t.event_dim))
        # the pieces are concatenated along a batch dimension, or summed along an event one
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + self.event_dim
        return cat(terms, dim=dim) if dim < 0 else sum(terms)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Apply ``tseq[i]`` to index i of the input along ``dim`` and stack the results.

    >>> t = StackTransform([ExpTransform(), identity_transform], dim=1)
    >>> t(ember.zeros(3, 2))[0]
    tensor([1., 0.])
    """

    def __init__(self, tseq, dim: int = 0, cache_size: int = 0) -> None:
        tseq = _check_transforms(tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.dim = dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z, name, what="tensor"):
        _check_dim(self.dim, z, what)
        if z.size(self.dim) != len(self.transforms):
            raise AssertionError(f"{name}.size({self.dim}) = {z.size(self.dim)} must equal "
                                 f"len(transforms) {len(self.transforms)}")
        return [z.select(self.dim, i) for i in range(z.size(self.dim))]

    def _call(self, x):
        return stack([t(p) for t, p in zip(self.transforms, self._slices(x, "x"))],
                     dim=self.dim)

    def _inverse(self, y):
        return stack([t.inv(p) for t, p in zip(self.transforms, self._slices(y, "y"))],
                     dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        xs, ys = self._slices(x, "x", "x"), self._slices(y, "y", "y")
        return stack([t.log_abs_det_jacobian(a, b) for t, a, b in zip(self.transforms, xs, ys)],
                     dim=self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)
