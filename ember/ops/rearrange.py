"""Copies that reorder or repeat elements: flip, roll, repeat, tile; unfold's windows;
``select`` and the select/slice/diagonal scatters."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import check_device, shape_arg, wrap_dim, wrap_dims
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


# ---- select, and writing a tensor into a select/slice/diagonal view of a copy ----

def _int_arg(fn, name, pos, v):
    """``v`` as an int (a one-element integer tensor counts), else PyTorch's TypeError."""
    if isinstance(v, Tensor) and v.numel() == 1 and not (
            v.dtype.is_floating_point or v.dtype.is_complex or v.dtype.name == "bool"):
        return int(v.item())
    if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not "
                        f"{type(v).__name__}")
    return int(v)


def _select_key(input, dim, index, fn="select", pos=2):
    """The basic-index key of ``input.select(dim, index)``, validated as PyTorch does."""
    dim = _int_arg(fn, "dim", pos, dim)
    index = _int_arg(fn, "index", pos + 1, index)
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, input.shape))}] at dimension {dim}")
    return (slice(None),) * dim + (index + n if index < 0 else index,)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dimension removed (a view).

    >>> ember.arange(6).reshape(2, 3).select(1, -1)
    tensor([2, 5])
    """
    return _basic_view(input, _select_key(input, dim, index, pos=2))


def select_method(self: Tensor, dim: int, index: int) -> Tensor:
    """``Tensor.select`` (argument positions counted without ``self``)."""
    return _basic_view(self, _select_key(self, dim, index, pos=1))


def _basic_view(x, key):
    """``x[key]`` for a key of full slices ending in one index or slice (a view)."""
    from .index import Select, Slice
    prim = Select if isinstance(key[-1], int) else Slice
    return _as_view(prim.apply(x, key=key, in_shape=x.shape, advanced=False), x)


class _Embed(Primitive):
    """A copy of ``x`` with ``src`` written into one view of it: the basic-index ``key``,
    or the diagonal ``diag = (offset, dim1, dim2)`` when ``key`` is None."""

    def forward(self, x, src):
        out = x.copy()
        self._view_array(out)[...] = src
        return out

    def _view_array(self, a):
        if self.key is not None:
            return a[self.key]
        from .diagonals import _diag_view
        return _diag_view(self.xp, a, *self.diag)

    def backward(self, grad):
        gx = gsrc = None
        if self._in_meta[0]:
            gx = type(self).apply(grad, grad.new_zeros(()), key=self.key, diag=self.diag)
        if self._in_meta[1]:
            if self.key is not None:
                gsrc = _basic_view(grad, self.key)
            else:
                from .diagonals import diagonal
                gsrc = diagonal(grad, *self.diag)
        return gx, gsrc


class SelectScatter(_Embed, node_name="SelectScatterBackward0"):
    pass


class SliceScatter(_Embed, node_name="SliceScatterBackward0"):
    pass


class DiagonalScatter(_Embed, node_name="DiagonalScatterBackward0"):
    pass


def _embed(prim, fn, input, src, view_shape, key=None, diag=None):
    if not isinstance(src, Tensor):
        raise TypeError(f"{fn}(): argument 'src' (position 2) must be Tensor, not "
                        f"{type(src).__name__}")
    if tuple(src.shape) != tuple(view_shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"[{', '.join(map(str, src.shape))}], slice size = "
                           f"[{', '.join(map(str, view_shape))}]")
    check_device(input, src)
    return prim.apply(input, src.to(input.dtype), key=key, diag=diag)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim``.

    >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 1)
    tensor([[0., 0.],
            [1., 1.]])
    """
    key = _select_key(input, dim, index, "select_scatter", pos=3)
    shape = input.shape[:len(key) - 1] + input.shape[len(key):]
    return _embed(SelectScatter, "select_scatter", input, src, shape, key=key)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step, ...]``
    (the slice taken along ``dim``)."""
    dim = _int_arg("slice_scatter", "dim", 3, dim)
    start, end = (None if v is None else _int_arg("slice_scatter", name, pos, v)
                  for name, pos, v in (("start", 4, start), ("end", 5, end)))
    step = _int_arg("slice_scatter", "step", 6, step)
    if input.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * dim + (slice(start, end, step),)
    n = len(range(*key[-1].indices(input.shape[dim])))
    shape = input.shape[:dim] + (n,) + input.shape[dim + 1:]
    return _embed(SliceScatter, "slice_scatter", input, src, shape, key=key)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written on the diagonal that ``input.diagonal(offset,
    dim1, dim2)`` views (the diagonal is ``src``'s last dimension)."""
    from .diagonals import _diag_dims, diagonal
    offset, dim1, dim2 = (_int_arg("diagonal_scatter", name, pos, v) for name, pos, v in
                          (("offset", 3, offset), ("dim1", 4, dim1), ("dim2", 5, dim2)))
    d1, d2 = _diag_dims(dim1, dim2, input.ndim)
    shape = diagonal(input.detach(), offset, d1, d2).shape
    return _embed(DiagonalScatter, "diagonal_scatter", input, src, shape,
                  diag=(offset, d1, d2))
