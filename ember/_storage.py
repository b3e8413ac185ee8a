"""Storages: the memory block behind a tensor, and plain pickling of tensors.

A tensor's storage is the root array of its backend view chain (the array that owns or
wraps the memory). ``Tensor.untyped_storage()`` returns an :class:`UntypedStorage` over it;
``pickle.dumps(tensor)`` goes through :func:`reduce_tensor`.
"""
from __future__ import annotations

import numpy as np

from ._device import CPU


def root_array(arr):
    """The array at the end of ``arr``'s chain of view bases."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    kind = np.ndarray if isinstance(arr, np.ndarray) else type(arr)
    root = arr
    while isinstance(root.base, kind):
        root = root.base
    return root


def array_ptr(arr) -> int:
    """The address of an array's first element (NumPy or CuPy)."""
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


class UntypedStorage:
    """The bytes behind a tensor, shared by all of its views (like ``torch.UntypedStorage``)."""

    __slots__ = ("_root", "device")

    def __init__(self, root, device=CPU):
        self._root = root
        self.device = device

    def nbytes(self) -> int:
        return int(self._root.nbytes)

    def size(self) -> int:
        return self.nbytes()

    __len__ = size

    def data_ptr(self) -> int:
        return array_ptr(self._root)

    def element_size(self) -> int:
        return 1

    @property
    def dtype(self):
        from ._dtype import uint8
        return uint8

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def _bytes(self) -> np.ndarray:
        """The storage as a 1-D uint8 NumPy array (a view when on the CPU and contiguous)."""
        root = self._root
        if not isinstance(root, np.ndarray):
            root = root.get()
        if not root.flags.c_contiguous:
            root = np.ascontiguousarray(root)
        return root.reshape(-1).view(np.uint8)

    def tolist(self) -> list:
        return self._bytes().tolist()

    def _flat(self):
        """The storage as a writable 1-D uint8 array on its device (a view of its memory)."""
        root = self._root
        if not root.flags.c_contiguous:
            raise RuntimeError("ember: this storage is not one contiguous block")
        return root.reshape(-1).view(np.uint8)

    def __getitem__(self, idx):
        """A byte as an int, or a slice (step 1) as a storage sharing this memory."""
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step "
                                   "of 1 is supported")
            start, stop, _ = idx.indices(self.nbytes())
            return UntypedStorage(self._flat()[start:max(start, stop)], self.device)
        if not isinstance(idx, (int, np.integer)) or isinstance(idx, (bool, np.bool_)):
            raise TypeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        n, i = self.nbytes(), int(idx)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return int(self._flat()[i])

    def __setitem__(self, idx, value):
        """Write one byte (a Python int, taken modulo 256) at an index or over a slice."""
        if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, (int, np.integer, slice)):
            raise RuntimeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        if not isinstance(value, int):
            kind = type(value)
            name = kind.__name__ if kind.__module__.split(".")[0] in ("builtins", "ember") \
                else f"{kind.__module__}.{kind.__name__}"
            raise RuntimeError(f"can only set storage content with a int types, but got {name} "
                               "instead")
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step "
                                   "of 1 is supported")
            key = slice(*idx.indices(self.nbytes())[:2])
        elif 0 <= idx < self.nbytes():
            key = int(idx)
        else:
            raise RuntimeError("out of bounds")
        self._flat()[key] = value & 0xFF

    def is_shared(self) -> bool:
        """Whether the memory was moved to shared memory (``share_memory_``); CUDA memory is.
        A slice of a storage is a storage of its own and is not marked."""
        from .ops.memory import _SHARED
        return self.device.type == "cuda" or _SHARED.get(id(self._root)) is self._root

    def is_pinned(self, device="cuda") -> bool:
        """Whether the memory is page-locked (``pin_memory``)."""
        from .ops.memory import _PINNED
        return _PINNED.get(id(self._root)) is self._root

    def cpu(self) -> "UntypedStorage":
        return self if self.device.type == "cpu" else UntypedStorage(self._bytes(), CPU)

    def cuda(self, device=None) -> "UntypedStorage":
        from ._device import device as _dev
        from ._backend import get
        dev = _dev("cuda", device if isinstance(device, int) else None) if not isinstance(
            device, (str, _dev)) else _dev(device)
        return UntypedStorage(get(dev).xp.asarray(self._bytes()), dev)

    def __eq__(self, other):
        return isinstance(other, UntypedStorage) and self.data_ptr() == other.data_ptr() \
            and self.nbytes() == other.nbytes()

    def __hash__(self):
        return hash((self.data_ptr(), self.nbytes()))

    def __repr__(self):
        return (f" {self.nbytes()} bytes\n[torch.storage.UntypedStorage(device={self.device}) "
                f"of size {self.nbytes()}]")


def storage_of(t) -> UntypedStorage:
    """The storage of tensor ``t`` (shared by all views of the same memory)."""
    return UntypedStorage(root_array(t._data), t.device)


def reduce_tensor(t):
    """``__reduce_ex__`` of a tensor for ordinary pickling (copies; views do not share)."""
    data = t._data
    if not isinstance(data, (np.ndarray, np.generic)):
        data = data.get()
    data = np.array(data, order="C", copy=True)
    from ._tensor import user_state
    state = user_state(t) or None
    return (_rebuild_pickled, (data, t.dtype, str(t.device),
                               t.requires_grad, type(t), state))


def _rebuild_pickled(arr, dtype, device, requires_grad, cls, state):
    from ._device import device as _dev
    from ._tensor import Tensor
    t = Tensor._make(arr, dtype, CPU)
    dev = _dev(device)
    if dev.type != "cpu":
        t = t.to(dev)
    if cls is not Tensor:
        sub = Tensor._make(t._data, t.dtype, t.device, t._backend, cls)
        t = sub
    if state:
        t.__dict__.update(state)
    t._rg = bool(requires_grad)
    return t
