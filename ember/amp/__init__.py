"""``ember.amp``: automatic mixed precision (``autocast`` regions and ``GradScaler``).

>>> model = ember.nn.Linear(4, 2)
>>> with ember.autocast("cpu", dtype=ember.bfloat16):
...     out = model(ember.ones(3, 4))
>>> out.dtype
torch.bfloat16
"""
from ._state import (autocast_decrement_nesting, autocast_increment_nesting,
                     clear_autocast_cache, get_autocast_cpu_dtype, get_autocast_dtype,
                     get_autocast_gpu_dtype, is_autocast_cache_enabled, is_autocast_cpu_enabled,
                     is_autocast_enabled, set_autocast_cache_enabled, set_autocast_cpu_dtype,
                     set_autocast_cpu_enabled, set_autocast_dtype, set_autocast_enabled,
                     set_autocast_gpu_dtype)
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]

