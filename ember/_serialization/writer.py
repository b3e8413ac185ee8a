"""Writing PyTorch zip checkpoints: the pickler and the aligned, uncompressed zip."""
from __future__ import annotations

import io
import pickle
import struct
import uuid
import zipfile
from collections import OrderedDict

import numpy as np

from .._device import device as _device
from .._dtype import dtype as _dtype_cls
from .._size import Size
from .._storage import array_ptr, root_array
from .rebuild import STORAGE_OF_DTYPE, TorchGlobal

ALIGNMENT = 64
_CHUNK = 1 << 24
_REBUILD_TENSOR = TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = TorchGlobal("torch._utils", "_rebuild_parameter")
_DEVICE = TorchGlobal("torch", "device")
_SIZE = TorchGlobal("torch", "Size")


class _StorageRef:
    """One storage to write: a contiguous root array, its dtype, key and location."""

    __slots__ = ("array", "dtype", "key", "location")

    def __init__(self, array, dtype, key, location):
        self.array, self.dtype, self.key, self.location = array, dtype, key, location

    @property
    def pid(self):
        numel = self.array.nbytes // self.dtype.itemsize
        return ("storage", STORAGE_OF_DTYPE[self.dtype], self.key, self.location, numel)


class _PlainTensor:
    """The ``.data`` of a Parameter, pickled as a tensor that does not require grad."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


class StorageTable:
    """Assigns one storage per root array, so views of one memory are written once."""

    def __init__(self):
        self.refs: dict = {}
        self.order: list = []

    def locate(self, t):
        """``(storage ref, offset, strides)`` of tensor ``t``, all in elements."""
        arr = t._data
        if isinstance(arr, np.generic):
            arr = np.asarray(arr)
        dt = t.dtype
        item = arr.itemsize
        loc = "cpu" if t.device.type == "cpu" else str(t.device)
        if arr.size > 0:
            root = root_array(arr)
            found = self._in_root(arr, root, item)
            if found is not None:
                ref = self.refs.get(id(root))
                if ref is None:
                    ref = self._new(root, dt, loc, key=id(root))
                if ref.dtype is dt:
                    return (ref,) + found
        copy = arr if arr.size == 0 else arr.copy()
        ref = self._new(copy.reshape(-1), dt, loc, key=None)
        return ref, 0, _contiguous(arr.shape)

    def _new(self, root, dt, loc, key):
        ref = _StorageRef(root, dt, str(len(self.order)), loc)
        self.order.append(ref)
        if key is not None:
            self.refs[key] = ref
        return ref

    @staticmethod
    def _in_root(arr, root, item):
        if not root.flags.c_contiguous or root.nbytes % item:
            return None
        off = array_ptr(arr) - array_ptr(root)
        strides = []
        for n, s in zip(arr.shape, arr.strides):
            if n == 1:
                s = 0
            if s < 0 or s % item:
                return None
            strides.append(s // item)
        if off < 0 or off % item:
            return None
        off //= item
        last = off + sum((n - 1) * s for n, s in zip(arr.shape, strides))
        if last >= root.nbytes // item:
            return None
        contiguous = _contiguous(arr.shape)
        strides = [c if n == 1 else s for n, s, c in zip(arr.shape, strides, contiguous)]
        return off, tuple(strides)


def _contiguous(shape):
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


class CheckpointPickler(pickle._Pickler):
    """Protocol-2 pickler that writes torch's GLOBAL names and storage persistent ids."""

    def __init__(self, file, table: StorageTable):
        super().__init__(file, protocol=2)
        self.table = table

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def save(self, obj, save_persistent_id=True):
        if type(obj) is _dtype_cls:
            return self._save_torch_global(obj, "torch", obj.name)
        if type(obj) is TorchGlobal:
            return self._save_torch_global(obj, obj.module, obj.name)
        return super().save(obj, save_persistent_id)

    def _save_torch_global(self, obj, module, name):
        x = self.memo.get(id(obj))
        if x is not None:
            self.write(self.get(x[0]))
            return
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)

    def reducer_override(self, obj):
        from .._tensor import Tensor
        if isinstance(obj, Tensor):
            if _is_parameter(obj):
                return (_REBUILD_PARAMETER, (_PlainTensor(obj), obj.requires_grad,
                                             OrderedDict()))
            return self._reduce_tensor(obj, obj.requires_grad)
        if type(obj) is _PlainTensor:
            return self._reduce_tensor(obj.t, False)
        if type(obj) is _device:
            return (_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if type(obj) is Size:
            return (_SIZE, (tuple(obj),))
        return NotImplemented

    def _reduce_tensor(self, t, requires_grad):
        ref, offset, strides = self.table.locate(t)
        return (_REBUILD_TENSOR, (ref, offset, tuple(t.shape), strides, bool(requires_grad),
                                  OrderedDict()))


def _is_parameter(t) -> bool:
    try:
        from ..nn.parameter import Parameter
    except ImportError:  # pragma: no cover
        return False
    return isinstance(t, Parameter)


def write_checkpoint(obj, fileobj, archive_name: str) -> None:
    """Write ``obj`` as a PyTorch zip checkpoint into a binary file object."""
    table = StorageTable()
    buf = io.BytesIO()
    CheckpointPickler(buf, table).dump(obj)
    if not hasattr(fileobj, "flush"):
        fileobj = _Flushable(fileobj)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        w = _AlignedWriter(zf, archive_name)
        w.write("data.pkl", [buf.getvalue()])
        w.write(".format_version", [b"1"])
        w.write(".storage_alignment", [str(ALIGNMENT).encode()])
        w.write("byteorder", [b"little"])
        for ref in sorted(table.order, key=lambda r: int(r.key)):
            w.write(f"data/{ref.key}", _chunks(ref))
        w.write("version", [b"3\n"])
        w.write(".data/serialization_id", [str(uuid.uuid4().int).zfill(40)[:40].encode()])


class _Flushable:
    """A write-only stream for objects that only have ``write`` (zipfile wants ``flush``)."""

    def __init__(self, f):
        self.write = f.write

    def flush(self):
        pass


def _chunks(ref):
    arr = ref.array
    if not isinstance(arr, np.ndarray):
        arr = arr.get()
    flat = arr.reshape(-1).view(np.uint8)
    n = flat.nbytes - flat.nbytes % ref.dtype.itemsize
    return [memoryview(flat[i:min(i + _CHUNK, n)]) for i in range(0, n, _CHUNK)] or [b""]


class _AlignedWriter:
    """Adds stored zip members whose data starts on a 64-byte boundary (like torch)."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str):
        self.zf, self.prefix = zf, prefix

    def write(self, name, chunks):
        full = f"{self.prefix}/{name}"
        info = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = sum(len(c) for c in chunks)
        zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
        head = 30 + len(full.encode("utf-8")) + (20 if zip64 else 0) + 4
        pad = -(self.zf.start_dir + head) % ALIGNMENT
        info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        with self.zf.open(info, "w", force_zip64=zip64) as f:
            for c in chunks:
                f.write(c)
