"""Autocast state functions (``torch.is_autocast_enabled``, ``torch.get_autocast_dtype`` ...).

The state is per thread (``_policy.local``); ``_policy.active`` says whether any thread has
autocast enabled, which is all the ops test while it is off.
"""
from __future__ import annotations

import threading
import warnings

from .._device import device as _device
from .._dtype import dtype as _dtype_cls
from . import _policy

__all__ = ["autocast_decrement_nesting", "autocast_increment_nesting", "clear_autocast_cache",
           "get_autocast_cpu_dtype", "get_autocast_dtype", "get_autocast_gpu_dtype",
           "is_autocast_cache_enabled", "is_autocast_cpu_enabled", "is_autocast_enabled",
           "set_autocast_cache_enabled", "set_autocast_cpu_dtype", "set_autocast_cpu_enabled",
           "set_autocast_dtype", "set_autocast_enabled", "set_autocast_gpu_dtype"]

_lock = threading.Lock()
# (thread, device type) pairs with autocast enabled. A thread that ends inside an enabled
# region leaves it counted: the ops then take the slow test, with the same results.
_enabled_count = 0
_MISSING = object()


def _device_type(device_type, fn: str, what: str = "dispatch_key") -> str:
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position 1) must be str, not "
                        f"{type(device_type).__name__}")
    kind = _device(device_type).type  # PyTorch's message for an unknown device type
    if kind not in _policy.DEFAULT_DTYPES:
        raise RuntimeError("unsupported scalarType" if what == "dtype" else
                           "unknown device type for autocast in "
                           "get_autocast_dispatch_key_from_device_type")
    return kind


def _check_bool(value, fn: str, name: str, position: int) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be bool, not "
                        f"{type(value).__name__}")


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is enabled for ``device_type`` in this thread (CUDA when omitted)."""
    kind = "cuda" if device_type is None else _device_type(device_type, "is_autocast_enabled")
    return _policy.local.enabled.get(kind, False)


def set_autocast_enabled(device_type, enabled=_MISSING) -> None:
    """Enable or disable autocast for ``device_type`` (``set_autocast_enabled(bool)``: CUDA)."""
    if enabled is _MISSING:
        device_type, enabled = "cuda", device_type
        _check_bool(enabled, "set_autocast_enabled", "enabled", 1)
    else:
        kind = _device_type(device_type, "set_autocast_enabled")
        _check_bool(enabled, "set_autocast_enabled", "enabled", 2)
        device_type = kind
    _set_enabled(device_type, enabled)


def _set_enabled(kind: str, enabled: bool) -> None:
    global _enabled_count
    st = _policy.local
    if st.enabled.get(kind, False) != enabled:
        with _lock:
            _enabled_count += 1 if enabled else -1
            _policy.active = _enabled_count > 0
    st.enabled[kind] = enabled


def get_autocast_dtype(device_type: str) -> _dtype_cls:
    """The dtype autocast lowers ops to on ``device_type`` in this thread."""
    return _policy.local.dtype[_device_type(device_type, "get_autocast_dtype", "dtype")]


def set_autocast_dtype(device_type: str, dtype: _dtype_cls) -> None:
    kind = _device_type(device_type, "set_autocast_dtype", "dtype")
    if not isinstance(dtype, _dtype_cls):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' (position 2) must be "
                        f"torch.dtype, not {type(dtype).__name__}")
    _policy.local.dtype[kind] = dtype


def is_autocast_cache_enabled() -> bool:
    return _policy.local.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")
    _policy.local.cache_enabled = enabled


def clear_autocast_cache() -> None:
    """Drop the casts of weights kept for reuse inside autocast regions of this thread."""
    _policy.local.cache.clear()


def autocast_increment_nesting() -> int:
    _policy.local.nesting += 1
    return _policy.local.nesting


def autocast_decrement_nesting() -> int:
    _policy.local.nesting -= 1
    return _policy.local.nesting


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled() -> bool:
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> _dtype_cls:
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype() -> _dtype_cls:
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_cpu_dtype(dtype: _dtype_cls) -> None:
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype: _dtype_cls) -> None:
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)
