"""Triangles and diagonals: tril, triu, diag, diagonal, diag_embed; and diff."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim
from .join import cat, narrow
from .shape import _as_view


class Tri(Primitive):
    def forward(self, x):
        return getattr(self.xp, self.kind)(x, self.diagonal)

    def backward(self, grad):
        return Tri.apply(grad, kind=self.kind, diagonal=self.diagonal)


class Diag(Primitive, node_name="DiagBackward0"):
    def forward(self, x):
        if x.ndim == 1:
            return self.xp.diag(x, self.diagonal)
        return self.xp.diagonal(x, self.diagonal).copy()

    def backward(self, grad):
        return diag(grad, self.diagonal)


def tril(x, diagonal=0):
    _check_tri("tril", x, diagonal)
    return Tri.apply(x, kind="tril", diagonal=diagonal)


def triu(x, diagonal=0):
    _check_tri("triu", x, diagonal)
    return Tri.apply(x, kind="triu", diagonal=diagonal)


def _check_tri(fn, x, diagonal):
    if not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{fn}(): argument 'diagonal' (position 2) must be int, not "
                        f"{type(diagonal).__name__}")
    if x.ndim < 2:
        raise RuntimeError(f"{fn}: input tensor must have at least 2 dimensions")


def diag(x, diagonal=0):
    if x.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{x.ndim}D")
    return Diag.apply(x, diagonal=diagonal)


Tri.node_name = "TrilBackward0"


def _diag_view(xp, a, offset, dim1, dim2):
    """A writable strided view of ``a``'s diagonal, moved to the last dimension."""
    y = xp.moveaxis(a, (dim1, dim2), (-2, -1))
    y = y[..., :, offset:] if offset >= 0 else y[..., -offset:, :]
    n = max(min(y.shape[-2], y.shape[-1]), 0)
    return xp.lib.stride_tricks.as_strided(y, y.shape[:-2] + (n,),
                                           y.strides[:-2] + (y.strides[-2] + y.strides[-1],))


class Diagonal(Primitive, node_name="DiagonalBackward0"):
    """The diagonal of dims ``dim1``/``dim2`` as a view, appended as the last dimension."""

    def forward(self, x):
        return _diag_view(self.xp, x, self.offset, self.dim1, self.dim2)

    def backward(self, grad):
        return DiagonalBackward.apply(grad, shape=self.in_shape, offset=self.offset,
                                      dim1=self.dim1, dim2=self.dim2)


class DiagEmbed(Primitive, node_name="DiagEmbedBackward0"):
    """Zeros of ``shape`` with the input written on the diagonal of ``dim1``/``dim2``."""

    def forward(self, g):
        out = self.xp.zeros(self.shape, dtype=g.dtype)
        _diag_view(self.xp, out, self.offset, self.dim1, self.dim2)[...] = g
        return out

    def backward(self, grad):
        return Diagonal.apply(grad, offset=self.offset, dim1=self.dim1, dim2=self.dim2,
                              in_shape=grad.shape)


class DiagonalBackward(DiagEmbed, node_name="DiagonalBackwardBackward0"):
    pass


def _diag_dims(dim1, dim2, ndim):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (``offset`` above the main one) of dims ``dim1``/``dim2``, as a view.

    >>> ember.arange(6.).reshape(2, 3).diagonal(1)
    tensor([1., 5.])
    """
    d1, d2 = _diag_dims(dim1, dim2, input.ndim)
    out = Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2, in_shape=input.shape)
    return _as_view(out, input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose ``dim1``/``dim2`` diagonals are filled by the last dim of ``input``."""
    d1, d2 = _diag_dims(dim1, dim2, input.ndim + 1)
    n = input.shape[-1] + abs(int(offset))
    rest = iter(input.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(input.ndim + 1))
    return DiagEmbed.apply(input, shape=shape, offset=int(offset), dim1=d1, dim2=d2)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after joining ``prepend``/``append``)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"diff(): argument 'n' must be int, not {type(n).__name__}")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    parts = [input]
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        _check_diff_extra(name, extra, input, dim)
        parts.insert(0 if name == "prepend" else len(parts), extra)
    x = cat(parts, dim) if len(parts) > 1 else input
    from .math import logical_xor, sub
    for _ in range(n):
        m = x.shape[dim]
        if m == 0:
            break
        hi, lo = narrow(x, dim, 1, m - 1), narrow(x, dim, 0, m - 1)
        x = logical_xor(hi, lo) if x.dtype.name == "bool" else sub(hi, lo)
    return x


def _check_diff_extra(name, extra, input, dim):
    if not isinstance(extra, Tensor):
        raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(extra).__name__}")
    if extra.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for d in range(input.ndim):
        if d != dim and extra.shape[d] != input.shape[d]:
            raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match "
                               f"that of input except along the differencing dimension; "
                               f"input.size({d}) = {input.shape[d]}, but got "
                               f"tensor.size({d}) = {extra.shape[d]}")
