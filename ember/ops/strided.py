"""``as_strided``: a view with explicit sizes, strides (in elements) and storage offset."""
from __future__ import annotations

import numpy as np

from .._storage import root_array
from .._tensor import Tensor
from ..autograd.node import Primitive
from .shape import _as_view


def _int_list(name, pos, seq):
    seq = tuple(seq) if isinstance(seq, (list, tuple)) else (seq,)
    for i, v in enumerate(seq):
        if isinstance(v, Tensor) and v.ndim == 0 and not v.is_floating_point():
            v = int(v)
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"as_strided(): argument '{name}' (position {pos}) must be tuple of "
                            f"ints, but found element of type {type(v).__name__} at pos {i}")
    return tuple(int(v) for v in seq)


def _flat_storage(arr):
    """The storage behind ``arr`` as a 1-D array of ``arr``'s dtype (a view of the root)."""
    root = root_array(arr)
    if not root.flags.c_contiguous:
        raise RuntimeError("as_strided: ember needs the tensor's storage to be one contiguous "
                           "block; call .contiguous() first")
    return root.reshape(-1).view(arr.dtype)


def _offset_and_strides(arr, flat):
    """``arr``'s storage offset and strides in elements, relative to ``flat``."""
    item = arr.itemsize
    start = arr.__array_interface__["data"][0] if isinstance(arr, np.ndarray) else arr.data.ptr
    base = flat.__array_interface__["data"][0] if isinstance(flat, np.ndarray) else \
        flat.data.ptr
    return (start - base) // item, tuple(s // item for s in arr.strides)


def _positions(shape, strides, offset):
    """The storage index of every element of a strided layout, as an int64 array."""
    pos = np.full(shape, offset, dtype=np.int64)
    for d, (n, st) in enumerate(zip(shape, strides)):
        pos = pos + (np.arange(n, dtype=np.int64) * st).reshape((-1,) + (1,) * (len(shape) - d - 1))
    return pos


def _may_overlap(size, stride):
    """True unless the layout provably maps distinct indices to distinct elements."""
    dims = sorted((st, n) for n, st in zip(size, stride) if n > 1)
    reach = 0
    for st, n in dims:
        if st <= reach:
            return True
        reach += st * (n - 1)
    return False


class AsStrided(Primitive, node_name="AsStridedBackward0"):
    """A view of the input's storage; backward scatters into the storage, then reads back the
    input's elements (averaged where the input itself repeats a memory location)."""

    def forward(self, x):
        flat = _flat_storage(x)
        self.in_offset, self.in_strides = _offset_and_strides(x, flat)
        item = x.itemsize
        if 0 in self.size:
            return flat[:0].reshape(self.size)
        if self.xp is np:
            out = np.ndarray(self.size, x.dtype, buffer=flat, offset=self.offset * item,
                             strides=tuple(s * item for s in self.stride))
        else:
            out = self.xp.lib.stride_tricks.as_strided(
                flat[self.offset:], self.size, tuple(s * item for s in self.stride))
        if _may_overlap(self.size, self.stride) and \
                np.unique(_positions(self.size, self.stride, 0)).size < out.size:
            out.flags.writeable = False  # in-place writes would hit one location twice
        return out

    def backward(self, grad):
        in_shape = self._in_meta[0][0]
        out_pos = _positions(self.size, self.stride, self.offset)
        in_pos = _positions(in_shape, self.in_strides, self.in_offset)
        lo = int(min(out_pos.min(initial=0), in_pos.min(initial=0)))
        n = int(max(out_pos.max(initial=0), in_pos.max(initial=0))) - lo + 1
        xp = self.xp
        from .index import Index
        from .index_update import IndexAddDim
        buf = IndexAddDim.apply(grad.new_zeros(n), grad.reshape(-1), dim=0,
                                index=xp.asarray((out_pos - lo).reshape(-1)))
        count = np.bincount((in_pos - lo).reshape(-1), minlength=n)
        if count.max(initial=0) > 1:
            buf = buf / grad._from_array(xp.asarray(np.maximum(count, 1).astype(
                grad._data.dtype)))
        return Index.apply(buf, key=(xp.asarray(in_pos - lo),), in_shape=(n,), advanced=True)


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view of ``input``'s storage with the given sizes and strides (in elements).

    ``storage_offset`` counts elements from the start of the storage (default: the input's
    own offset). Overlapping layouts are read-only.

    >>> ember.arange(6.).as_strided((2, 2), (1, 2))
    tensor([[0., 2.],
            [1., 3.]])
    """
    size, stride = _int_list("size", 1, size), _int_list("stride", 2, stride)
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: [{', '.join(map(str, stride))}]")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes="
                           f"[{', '.join(map(str, size))}] and strides="
                           f"[{', '.join(map(str, stride))}]")
    item = input.element_size()
    if 0 not in size:
        need = (offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) * item
        have = root_array(input._data).nbytes
        if need > have:
            raise RuntimeError(f"setStorage: sizes [{', '.join(map(str, size))}], strides "
                               f"[{', '.join(map(str, stride))}], storage offset {offset}, and "
                               f"itemsize {item} requiring a storage size of {need} are out of "
                               f"bounds for storage of size {have}")
    return _as_view(AsStrided.apply(input, size=size, stride=stride, offset=offset), input)
