"""``torch.cpu.amp`` and ``torch.cuda.amp``: the deprecated per-device spellings.

Each is a module object (``ember.cpu.amp``, ``ember.cuda.amp``) holding subclasses that warn
with PyTorch's FutureWarning and forward to ``ember.amp``.
"""
from __future__ import annotations

import functools
import sys
import types
import warnings

from .._dtype import bfloat16, dtype as _dtype_cls, float16
from . import autocast_mode
from .grad_scaler import GradScaler as _GradScaler


def _warn(old: str, new: str) -> None:
    warnings.warn(f"`torch.{old}(args...)` is deprecated. Please use `torch.{new}` instead.",
                  FutureWarning, stacklevel=3)


class _CpuAutocast(autocast_mode.autocast):
    """``torch.cpu.amp.autocast``: ``torch.autocast('cpu', ...)``."""

    def __init__(self, enabled: bool = True, dtype: _dtype_cls = bfloat16,
                 cache_enabled: bool = True):
        _warn("cpu.amp.autocast", "amp.autocast('cpu', args...)")
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class _CudaAutocast(autocast_mode.autocast):
    """``torch.cuda.amp.autocast``: ``torch.autocast('cuda', ...)``."""

    def __init__(self, enabled: bool = True, dtype: _dtype_cls = float16,
                 cache_enabled: bool = True):
        _warn("cuda.amp.autocast", "amp.autocast('cuda', args...)")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


def _scaler(device: str):
    class GradScaler(_GradScaler):
        def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                     backoff_factor: float = 0.5, growth_interval: int = 2000,
                     enabled: bool = True) -> None:
            _warn(f"{device}.amp.GradScaler", f"amp.GradScaler('{device}', args...)")
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval,
                             enabled=enabled)
    GradScaler.__qualname__ = "GradScaler"
    GradScaler.__doc__ = f"``torch.{device}.amp.GradScaler``: ``GradScaler('{device}', ...)``."
    return GradScaler


def _cuda_custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.cuda.amp.custom_fwd``: ``custom_fwd(..., device_type='cuda')``."""
    _warn("cuda.amp.custom_fwd", "amp.custom_fwd(args..., device_type='cuda')")
    return functools.partial(autocast_mode.custom_fwd, device_type="cuda")(
        fwd=fwd, cast_inputs=cast_inputs)


def _cuda_custom_bwd(bwd):
    """``torch.cuda.amp.custom_bwd``: ``custom_bwd(..., device_type='cuda')``."""
    _warn("cuda.amp.custom_bwd", "amp.custom_bwd(args..., device_type='cuda')")
    return autocast_mode.custom_bwd(bwd, device_type="cuda")


def _module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name, f"Deprecated ``{name.replace('ember', 'torch')}``.")
    for key, value in attrs.items():
        if isinstance(value, type):
            value.__name__ = key
            value.__qualname__ = key
            value.__module__ = name
        setattr(mod, key, value)
    sys.modules[name] = mod  # so that ``from ember.cuda.amp import GradScaler`` imports
    return mod


cpu_amp = _module("ember.cpu.amp", autocast=_CpuAutocast, GradScaler=_scaler("cpu"))
cuda_amp = _module("ember.cuda.amp", autocast=_CudaAutocast, GradScaler=_scaler("cuda"),
                   custom_fwd=_cuda_custom_fwd, custom_bwd=_cuda_custom_bwd)
