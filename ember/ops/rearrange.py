"""Copies that reorder or repeat elements: flip, roll, repeat, tile; and unfold's windows."""
from __future__ import annotations

from ..autograd.node import Primitive
from ._util import shape_arg, wrap_dim, wrap_dims
from .shape import _as_view, expand, flatten, reshape


class Flip(Primitive, node_name="FlipBackward0"):
    def forward(self, x):
        return self.xp.flip(x, self.dims).copy()

    def backward(self, grad):
        return grad.flip(self.dims)


class Roll(Primitive, node_name="RollBackward0"):
    def forward(self, x):
        return self.xp.roll(x, self.shifts, self.dims)

    def backward(self, grad):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return grad.roll(neg, self.dims)


class Unfold(Primitive, node_name="UnfoldBackward0"):
    """Windows of ``size`` every ``step`` along ``dim``, as a new last dimension (a view)."""

    def forward(self, x):
        win = self.xp.lib.stride_tricks.sliding_window_view(x, self.size, axis=self.dim)
        key = (slice(None),) * self.dim + (slice(None, None, self.step),)
        return win[key]

    def backward(self, grad):
        return Fold.apply(grad, dim=self.dim, size=self.size, step=self.step,
                          shape=self.in_shape)


class Fold(Primitive, node_name="UnfoldBackwardBackward0"):
    """The adjoint of Unfold: windows summed back into place."""

    def forward(self, g):
        out = self.xp.zeros(self.shape, dtype=g.dtype)
        n = g.shape[self.dim]
        for k in range(self.size):
            key = (slice(None),) * self.dim + (slice(k, k + self.step * (n - 1) + 1, self.step),)
            out[key] += g[..., k]
        return out

    def backward(self, grad):
        return Unfold.apply(grad, dim=self.dim, size=self.size, step=self.step,
                            in_shape=grad.shape)


def unfold(x, dimension, size, step):
    """All slices of ``size`` elements along ``dimension``, ``step`` apart (a view)."""
    dim = wrap_dim(dimension, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:
        return _as_view(x.reshape(1), x)
    return _as_view(Unfold.apply(x, dim=dim, size=size, step=step, in_shape=x.shape), x)


def repeat(x, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension."""
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(r < 0 for r in sizes):
        shp = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
        final = [r * n for r, n in zip(sizes, shp)]
        neg = next(f for f in final if f < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"[{', '.join(map(str, final))}]")
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    inter, final = [], []
    for r, s in zip(sizes, x.shape):
        inter += [r, s]
        final.append(r * s)
    y = reshape(x, tuple(v for s in x.shape for v in (1, s)))
    return reshape(expand(y, inter), final)


def tile(x, dims):
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, dims)


def flip(x, *dims):
    dims = wrap_dims(shape_arg(dims), x.ndim)
    return Flip.apply(x, dims=dims)


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def roll(x, shifts, dims=None):
    if dims is None:
        return reshape(Roll.apply(flatten(x), shifts=shifts, dims=0), x.shape)
    if isinstance(shifts, int):
        shifts = (shifts,)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    return Roll.apply(x, shifts=tuple(shifts), dims=dims)
