"""``ember.cpu``: the CPU device module (``torch.cpu``), with the deprecated ``amp``."""
from __future__ import annotations

from .amp._deprecated import cpu_amp as amp

__all__ = ["amp", "current_device", "device_count", "is_available", "synchronize"]


def is_available() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """Always 1."""
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU ops are synchronous."""
