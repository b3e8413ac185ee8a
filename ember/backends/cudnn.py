"""``ember.backends.cudnn``: ember does not use cuDNN (its GPU convolutions are CuPy GEMMs).

The module attributes are the switches PyTorch programs set; ember keeps their values.
"""
from __future__ import annotations

import contextlib
import sys

enabled = True
benchmark = False
benchmark_limit = None  # what PyTorch reports where cuDNN is not available
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: ember has no cuDNN backend."""
    return False


def version():
    """None, the version PyTorch reports without cuDNN."""
    return None


def is_acceptable(tensor) -> bool:
    """Whether cuDNN would run on ``tensor``: never in ember."""
    return False


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """Set the switches inside a ``with`` block and restore them after it (``benchmark_limit``
    only applies where cuDNN is available, so it is left as is)."""
    module = sys.modules[__name__]
    names = ("enabled", "benchmark", "deterministic", "allow_tf32")
    saved = {name: getattr(module, name) for name in names}
    for name, value in zip(names, (enabled, benchmark, deterministic, allow_tf32)):
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
