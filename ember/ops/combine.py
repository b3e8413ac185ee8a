"""Stacking and splitting helpers: atleast_1d/2d/3d, dstack, column_stack, row_stack,
hsplit/vsplit/dsplit, ravel; and masked_scatter."""
from __future__ import annotations

import numpy as np

from .._dtype import bool_
from .._tensor import Tensor
from ..autograd.node import Primitive, broadcast_error
from .join import _tensor_list, cat, tensor_split
from .shape import contiguous, reshape, unsqueeze, view


def _at_least(name, convert, tensors):
    if len(tensors) == 1:
        tensors = tensors[0]
    if isinstance(tensors, Tensor):
        return convert(tensors)
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(tensors).__name__}), but expected one of:\n * (Tensor input)\n"
                        " * (tuple of Tensors tensors)\n")
    return tuple(convert(t) for t in _tensor_list(name, tensors))


def _one_1d(t):
    return reshape(t, (1,)) if t.ndim == 0 else t


def _one_2d(t):
    if t.ndim == 0:
        return reshape(t, (1, 1))
    return unsqueeze(t, 0) if t.ndim == 1 else t


def _one_3d(t):
    if t.ndim == 0:
        return reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if t.ndim == 2 else t


def atleast_1d(*tensors):
    """The tensor(s) with at least one dimension (0-D becomes shape ``(1,)``).

    >>> ember.atleast_1d(ember.tensor(1.))
    tensor([1.])
    """
    return _at_least("atleast_1d", _one_1d, tensors)


def atleast_2d(*tensors):
    """The tensor(s) with at least two dimensions (a 1-D tensor becomes one row)."""
    return _at_least("atleast_2d", _one_2d, tensors)


def atleast_3d(*tensors):
    """The tensor(s) with at least three dimensions (``(n,)`` -> ``(1, n, 1)``,
    ``(m, n)`` -> ``(m, n, 1)``)."""
    return _at_least("atleast_3d", _one_3d, tensors)


def _nonempty(name, tensors):
    tensors = _tensor_list(name, tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def dstack(tensors) -> Tensor:
    """Concatenate along the third dimension (after ``atleast_3d``).

    >>> ember.dstack([ember.tensor([1, 2]), ember.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    return cat([_one_3d(t) for t in _nonempty("dstack", tensors)], 2)


def column_stack(tensors) -> Tensor:
    """Stack 0-D/1-D tensors as columns (and concatenate 2-D ones along dim 1)."""
    tensors = _nonempty("column_stack", tensors)
    return cat([reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors], 1)


def row_stack(tensors) -> Tensor:
    """Stack tensors as rows (``vstack``): concatenate along dim 0 after ``atleast_2d``."""
    return cat([_one_2d(t) for t in _nonempty("vstack", tensors)], 0)


def _split_checked(name, x, spec, dim, min_dims):
    if x.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {x.ndim} dimensions!")
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        n = x.shape[dim]
        if spec == 0 or n % spec:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{spec}!")
        return tensor_split(x, int(spec), dim)
    if not isinstance(spec, (list, tuple)) or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in spec):
        got = type(spec).__name__
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{got}), but expected one of:\n * (Tensor input, int sections)\n"
                        " * (Tensor input, tuple of ints indices)\n")
    from .index import getitem
    pre, out, start = (slice(None),) * dim, [], 0
    for end in list(spec) + [None]:
        out.append(getitem(x, pre + (slice(start, end),)))
        start = end
    return tuple(out)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for 1-D tensors) into equal sections or at indices."""
    return _split_checked("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 0 into equal sections or at indices (needs 2 or more dimensions)."""
    return _split_checked("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 2 into equal sections or at indices (needs 3 or more dimensions)."""
    return _split_checked("dsplit", input, indices_or_sections, 2, 3)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor: a view when ``input`` is contiguous, else a copy."""
    return view(contiguous(input), -1)


class MaskedScatter(Primitive, node_name="MaskedScatterBackward0"):
    """``x`` (broadcast to the mask) with the first elements of ``source`` written, in order,
    where ``mask`` (a backend bool array) is True."""

    def forward(self, x, source):
        out = self.xp.broadcast_to(x, self.mask.shape).copy()
        out[self.mask] = source.reshape(-1)[:self.count]
        return out

    def backward(self, grad):
        m = grad._from_array(self.mask)
        gx = grad.masked_fill(m, 0) if self._in_meta[0] else None
        gs = None
        if self._in_meta[1]:
            picked = grad[m]
            rest = self.src_numel - self.count
            if rest:
                picked = cat([picked, grad.new_zeros(rest)])
            gs = picked.reshape(self.src_shape)
        return gx, gs


def _check_scatter_args(input, mask, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' (position 2) must be Tensor, not "
                        f"{type(source).__name__}")
    if input.dtype is not source.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{input.dtype._legacy[:-6]} and {source.dtype._legacy[:-6]}")
    if mask.dtype is not bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {mask.dtype._legacy[:-6]}")


def _scatter(input, mask_arr, source):
    count = int(mask_arr.sum())
    if count > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, source, mask=mask_arr, count=count,
                               src_numel=source.numel(), src_shape=source.shape)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source``'s elements, in order, where ``mask`` is True.

    >>> ember.zeros(4).masked_scatter(ember.tensor([True, False, True, False]),
    ...                               ember.tensor([1., 2., 3.]))
    tensor([1., 0., 2., 0.])
    """
    try:
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    except ValueError:
        raise broadcast_error(tuple(mask.shape), tuple(input.shape)) from None
    _check_scatter_args(input, mask, source)
    xp = input._backend.xp
    return _scatter(input, xp.broadcast_to(mask._data, shape), source)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place :func:`masked_scatter`; ``mask`` must broadcast to ``self``'s shape."""
    from .inplace import apply_inplace
    _check_scatter_args(self, mask, source)
    if mask.ndim > self.ndim:
        raise RuntimeError(f"expand(CPUBoolType{{[{', '.join(map(str, mask.shape))}]}}, "
                           f"size=[{', '.join(map(str, self.shape))}]): the number of sizes "
                           f"provided ({self.ndim}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({mask.ndim})")
    mask_arr = mask.expand(self.shape)._data
    return apply_inplace(self, lambda a: _scatter(a, mask_arr, source))
