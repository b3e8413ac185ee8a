"""The torch names a checkpoint's pickle refers to, and the ember objects they rebuild.

Every function here validates its arguments, because with ``weights_only=True`` they are
called with values taken from an untrusted file.
"""
from __future__ import annotations

import numpy as np

from .._device import CPU, device as _device
from .._dtype import _NAMES as DTYPES, ALL as ALL_DTYPES
from .._size import Size
from .unpickler import BUILTIN_GLOBALS, weights_only_error

_LEGACY_STORAGE = {"bool": "BoolStorage", "uint8": "ByteStorage", "int8": "CharStorage",
                   "int16": "ShortStorage", "int32": "IntStorage", "int64": "LongStorage",
                   "float16": "HalfStorage", "float32": "FloatStorage",
                   "float64": "DoubleStorage", "complex64": "ComplexFloatStorage",
                   "complex128": "ComplexDoubleStorage", "bfloat16": "BFloat16Storage"}


class TorchGlobal:
    """A stand-in for a ``torch`` attribute: pickled as ``GLOBAL module name``."""

    _ember_safe = True

    def __init__(self, module: str, name: str, func=None, dtype=None):
        self.module, self.name, self.func, self.dtype = module, name, func, dtype
        self.__name__ = name

    def __call__(self, *args):
        if self.func is None:
            raise weights_only_error(f"{self.module}.{self.name} cannot be called")
        return self.func(*args)

    def __repr__(self):
        return f"<torch global {self.module}.{self.name}>"


STORAGE_TYPES = {_LEGACY_STORAGE[d.name]: TorchGlobal("torch", _LEGACY_STORAGE[d.name], dtype=d)
                 for d in ALL_DTYPES if d.name in _LEGACY_STORAGE}
STORAGE_OF_DTYPE = {st.dtype: st for st in STORAGE_TYPES.values()}


class LoadedStorage:
    """One storage record of an archive, viewed as a dtype, plus the device it goes to."""

    __slots__ = ("array", "dtype", "device")

    def __init__(self, array, dtype, device):
        self.array, self.dtype, self.device = array, dtype, device


def _check_int_tuple(value, what):
    if type(value) not in (tuple, list, Size) or len(value) > 64 or \
            not all(type(v) is int and v >= 0 for v in value):
        raise weights_only_error(f"tensor {what} must be a tuple of non-negative ints, "
                                 f"got {value!r:.80}")
    return tuple(value)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      metadata=None):
    """``torch._utils._rebuild_tensor_v2``: a view of a loaded storage."""
    from .._tensor import Tensor
    if not isinstance(storage, LoadedStorage):
        raise weights_only_error("_rebuild_tensor_v2 expects a storage")
    if type(storage_offset) is not int or storage_offset < 0:
        raise weights_only_error(f"invalid storage offset {storage_offset!r:.40}")
    size = _check_int_tuple(size, "size")
    stride = _check_int_tuple(stride, "stride")
    if len(size) != len(stride) or type(requires_grad) is not bool:
        raise weights_only_error("size, stride and requires_grad do not match")
    if backward_hooks is not None and not isinstance(backward_hooks, dict):
        raise weights_only_error("backward hooks must be an OrderedDict")
    arr = _view(storage, storage_offset, size, stride)
    t = Tensor._make(arr, storage.dtype, CPU)
    if storage.device != CPU:
        t = t.to(storage.device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _view(storage, offset, size, stride):
    data = storage.array
    numel = data.shape[0]
    itemsize = data.itemsize
    if 0 in size:
        if offset > numel:
            raise RuntimeError(f"storage offset {offset} is out of bounds for storage of "
                               f"size {numel}")
        return np.empty(size, data.dtype)
    last = offset + sum((s - 1) * st for s, st in zip(size, stride))
    if last >= numel:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{offset}, and itemsize {itemsize} requiring a storage size of "
            f"{(last + 1) * itemsize} are out of bounds for storage of size "
            f"{numel * itemsize}")
    return np.ndarray(size, data.dtype, buffer=data, offset=offset * itemsize,
                      strides=tuple(s * itemsize for s in stride))


def rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    """``torch._utils._rebuild_parameter``: an ``nn.Parameter`` around a rebuilt tensor."""
    from .._tensor import Tensor
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise weights_only_error("_rebuild_parameter expects (tensor, bool, hooks)")
    try:
        from ..nn.parameter import Parameter
    except ImportError:  # pragma: no cover - nn not importable
        Parameter = None
    if Parameter is None or not issubclass(Parameter, Tensor):
        return data.detach().requires_grad_(requires_grad)
    p = Parameter(data, requires_grad)
    if isinstance(state, dict):
        for k, v in state.items():
            if type(k) is str and not k.startswith("__"):
                setattr(p, k, v)
    return p


def rebuild_device(kind, index=None):
    if type(kind) is not str or (index is not None and type(index) is not int):
        raise weights_only_error("torch.device expects (str, int)")
    return _device(kind, index)


def rebuild_size(dims=()):
    return Size(_check_int_tuple(dims, "Size"))


_TORCH_UTILS = {"_rebuild_tensor_v2": rebuild_tensor_v2,
                "_rebuild_parameter": rebuild_parameter,
                "_rebuild_parameter_with_state": rebuild_parameter}
for _f in (*_TORCH_UTILS.values(), rebuild_device, rebuild_size):
    _f._ember_safe = True
_TORCH = {"device": rebuild_device, "Size": rebuild_size, **STORAGE_TYPES, **DTYPES}


def safe_global(module: str, name: str):
    """The allowlisted object a GLOBAL names; UnpicklingError for anything else."""
    if module == "torch._utils" and name in _TORCH_UTILS:
        return _TORCH_UTILS[name]
    if module == "torch" and name in _TORCH:
        return _TORCH[name]
    if (module, name) in BUILTIN_GLOBALS:
        return BUILTIN_GLOBALS[(module, name)]
    raise weights_only_error(
        f"Unsupported global: GLOBAL {module}.{name} was not an allowed global by default. "
        "Only tensors, storages, dtypes, devices, Size, OrderedDict and builtin containers "
        "can be loaded with weights_only=True.")


def trusted_global(module: str, name: str):
    """``weights_only=False``: map torch names to ember, anything else imports normally."""
    try:
        return safe_global(module, name)
    except Exception:
        pass
    if module == "torch" or module.startswith("torch."):
        import importlib
        target = "ember" + module[len("torch"):]
        try:
            return getattr(importlib.import_module(target), name)
        except (ImportError, AttributeError):
            import ember
            if hasattr(ember, name):
                return getattr(ember, name)
            raise
    return None
