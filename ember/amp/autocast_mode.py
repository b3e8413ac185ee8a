"""``autocast``: regions where matrix products and convolutions run in lower precision."""
from __future__ import annotations

import collections.abc
import functools
import warnings
from typing import Any

import numpy as np

from .._dtype import bfloat16, dtype as _dtype_cls, float16, float64
from .._tensor import Tensor
from . import _state

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

_ENGINES = ("cpu", "cuda")  # device types with an ember backend


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast(device_type)`` can be used (ember: ``'cpu'`` and ``'cuda'``)."""
    if not isinstance(device_type, str):
        raise TypeError(f"_is_autocast_available(): argument 'device_type' (position 1) must be "
                        f"str, not {type(device_type).__name__}")
    from .._device import device
    return device(device_type).type in _ENGINES


def _cuda_available() -> bool:
    from .. import cuda
    return cuda.is_available()


class autocast:
    """Context manager and decorator: listed ops run in ``dtype`` inside the region.

    Matrix products and convolutions (``mm``, ``matmul``, ``linear``, ``conv2d`` ...) cast their
    floating inputs to ``dtype`` (default ``get_autocast_dtype(device_type)``: bfloat16 on the
    CPU, float16 on CUDA) and return that dtype; other ops follow their inputs' dtypes.
    Wrap the forward pass and the loss; run ``backward()`` outside.

    Args:
        device_type: ``'cpu'`` or ``'cuda'``.
        dtype: the lower-precision dtype.
        enabled: ``False`` makes the region run at full precision (nested regions too).
        cache_enabled: reuse the cast of a weight within the region (default: the global
            setting, ``is_autocast_cache_enabled()``).

    >>> with ember.autocast("cpu"):
    ...     y = ember.ones(2, 3) @ ember.ones(3, 2)
    >>> y.dtype
    torch.bfloat16
    """

    def __init__(self, device_type: str, dtype: _dtype_cls | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = _state.get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self._cache_enabled = (_state.is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled and not self._check_enabled():
            enabled = False
        self._enabled = enabled

    def _check_enabled(self) -> bool:
        """False (with PyTorch's warning) where autocast cannot run as asked."""
        if self.device == "cuda":
            if not _cuda_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", stacklevel=3)
                return False
            if self.fast_dtype is bfloat16:  # CuPy has no bfloat16 arrays
                raise RuntimeError("Current CUDA Device does not support bfloat16. Please "
                                   "switch dtype to float16.")
            return True
        if self.fast_dtype not in (bfloat16, float16):
            name = self.device.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling "
                          f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=3)
            return False
        return True

    def __enter__(self):
        kind = _state._device_type(self.device, "set_autocast_enabled")
        self.prev_cache_enabled = _state.is_autocast_cache_enabled()
        self.prev = _state.is_autocast_enabled(kind)
        self.prev_fastdtype = _state.get_autocast_dtype(kind)
        _state._check_bool(self._enabled, "set_autocast_enabled", "enabled", 2)
        _state.set_autocast_dtype(kind, self.fast_dtype)  # both checked before any change
        _state.set_autocast_enabled(kind, self._enabled)
        _state.autocast_increment_nesting()
        _state.set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        if _state.autocast_decrement_nesting() == 0:
            _state.clear_autocast_cache()
        kind = _state._device_type(self.device, "set_autocast_enabled")
        _state.set_autocast_enabled(kind, self.prev)
        _state.set_autocast_dtype(kind, self.prev_fastdtype)
        _state.set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got "
                            f"{type(func).__name__}. Did you mean to use autocast as a context "
                            "manager? For example:\n    with torch.autocast(device_type=...):\n"
                            "        output = model(input)")

        @functools.wraps(func)
        def run_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return run_autocast


def _cast(value, device_type: str, dtype: _dtype_cls):
    """``value`` with its floating tensors on ``device_type`` (not float64) cast to ``dtype``;
    lists, tuples, dicts and other iterables are walked, strings left alone."""
    if isinstance(value, Tensor):
        ok = (value.dtype.is_floating_point and value.dtype is not float64
              and value.device.type == device_type)
        return value.to(dtype) if ok else value
    if isinstance(value, (str, bytes, np.ndarray)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        items = (_cast(v, device_type, dtype) for v in value)
        return type(value)(items) if isinstance(value, (list, tuple)) else items
    return value


def _check_device_type(device_type) -> None:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd=None, *, device_type: str, cast_inputs: _dtype_cls | None = None):
    """Decorator for the ``forward`` of an ``autograd.Function`` used under autocast.

    With ``cast_inputs``, an autocast-enabled call casts the floating tensor arguments to that
    dtype and runs ``forward`` with autocast off; without it ``forward`` runs under the
    current autocast state, which :func:`custom_bwd` then restores for ``backward``.
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def forward(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _state.get_autocast_dtype(device_type)
        enabled = _state.is_autocast_enabled(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = enabled
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not enabled:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs),
                       **_cast(kwargs, device_type, cast_inputs))
    return forward


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for the ``backward`` of an ``autograd.Function``: runs it under the autocast
    state its :func:`custom_fwd` forward saw."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def backward(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return backward

