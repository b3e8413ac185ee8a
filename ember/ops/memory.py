"""Storage-level tensor methods: ``storage()`` (a typed storage), ``share_memory_`` /
``is_shared`` and ``pin_memory`` / ``is_pinned``.

Ember runs in one process and has no page-locked host memory. ``share_memory_`` therefore
only marks a tensor's storage as shared (as ``Module.share_memory`` is a no-op), and
``pin_memory`` returns a copy marked as pinned when a GPU is present; without one it raises
PyTorch's CPU-only error.
"""
from __future__ import annotations

import warnings
import weakref

import numpy as np

from .._storage import UntypedStorage, array_ptr, root_array
from .._tensor import Tensor

_TYPED_WARNING = ("TypedStorage is deprecated. It will be removed in the future and "
                  "UntypedStorage will be the only storage class. This should only matter to you "
                  "if you are using storages directly.  To access UntypedStorage directly, use "
                  "tensor.untyped_storage() instead of tensor.storage()")
_warned = False
# root arrays marked shared / pinned, by id (the weak values drop dead entries)
_SHARED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_PINNED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _marked(table, arr) -> bool:
    root = root_array(arr)
    return table.get(id(root)) is root


class TypedStorage:
    """A tensor's storage seen as elements of the tensor's dtype (``torch.TypedStorage``)."""

    __slots__ = ("_root", "dtype", "device")

    def __init__(self, root, dtype, device):
        self._root = root
        self.dtype = dtype
        self.device = device

    def _flat(self):
        """The storage as a 1-D array of ``dtype`` (a view of its memory)."""
        root = self._root
        if not root.flags.c_contiguous:
            raise RuntimeError("ember: this tensor's storage is not one contiguous block")
        return root.reshape(-1).view(self.dtype.np)

    def size(self) -> int:
        return int(self._root.nbytes) // self.dtype.itemsize

    __len__ = size

    def element_size(self) -> int:
        return self.dtype.itemsize

    def nbytes(self) -> int:
        return int(self._root.nbytes)

    def data_ptr(self) -> int:
        return array_ptr(self._root)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def is_shared(self) -> bool:
        return self.device.type == "cuda" or _marked(_SHARED, self._root)

    def is_pinned(self, device="cuda") -> bool:
        return _marked(_PINNED, self._root)

    def _index(self, idx) -> int:
        if isinstance(idx, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        n = self.size()
        i = int(idx)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return i + n if i < 0 else i

    def __getitem__(self, idx):
        return self._flat()[self._index(idx)].item()

    def __setitem__(self, idx, value):
        if isinstance(idx, slice):
            self._flat()[idx] = value.tolist() if isinstance(value, TypedStorage) else value
            return
        self._flat()[self._index(idx)] = value

    def tolist(self) -> list:
        flat = self._flat()
        return (flat if isinstance(flat, np.ndarray) else flat.get()).tolist()

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value) -> "TypedStorage":
        self._flat()[...] = value
        return self

    def clone(self) -> "TypedStorage":
        return TypedStorage(self._root.copy(), self.dtype, self.device)

    def cpu(self) -> "TypedStorage":
        if self.device.type == "cpu":
            return self
        from .._device import CPU
        return TypedStorage(self._root.get(), self.dtype, CPU)

    def untyped(self) -> UntypedStorage:
        return UntypedStorage(self._root, self.device)

    _untyped_storage = property(untyped)

    def type(self, dtype=None, non_blocking=False):
        prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
        return prefix + self.dtype._legacy[:-6] + "Storage"

    def __repr__(self):
        info = (f"[torch.storage.TypedStorage(dtype=torch.{self.dtype.name}, "
                f"device={self.device}) of size {self.size()}]")
        return " " + "\n ".join(str(v) for v in self.tolist()) + "\n" + info

    __str__ = __repr__


def storage(self) -> TypedStorage:
    """The storage behind the tensor, typed by the tensor's dtype (deprecated in PyTorch: the
    first call warns, as there)."""
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(_TYPED_WARNING, UserWarning, stacklevel=2)
    return TypedStorage(root_array(self._data), self.dtype, self.device)


def share_memory_(self) -> Tensor:
    """Mark the storage as shared between processes; returns self (see the module notes)."""
    if self.device.type == "cpu":
        root = root_array(self._data)
        _SHARED[id(root)] = root
    return self


def is_shared(self) -> bool:
    """True after ``share_memory_`` (and always for CUDA tensors, as in PyTorch)."""
    return self.device.type == "cuda" or _marked(_SHARED, self._data)


def _accelerator_available() -> bool:
    from .. import cuda
    return cuda.is_available()


def pin_memory(self, device=None) -> Tensor:
    """A copy in pinned host memory (already-pinned tensors are returned as they are)."""
    if not _accelerator_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if self.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    if is_pinned(self):
        return self
    out = self.clone()
    root = root_array(out._data)
    _PINNED[id(root)] = root
    return out


def is_pinned(self, device=None) -> bool:
    """True for tensors returned by ``pin_memory``."""
    return self.device.type == "cpu" and _marked(_PINNED, self._data)
