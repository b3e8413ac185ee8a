"""``ember.cuda``: CUDA devices through the CuPy backend (optional extra)."""
from __future__ import annotations

from ._backend import cupy_backend
from .amp._deprecated import cuda_amp as amp  # noqa: F401  (torch.cuda.amp, deprecated)


def is_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    return cupy_backend.is_available()


def device_count() -> int:
    return cupy_backend.device_count()


def current_device() -> int:
    _require()
    return cupy_backend._import().cuda.runtime.getDevice()


def set_device(device) -> None:
    _require()
    from ._device import to_device
    d = to_device(device) if not isinstance(device, int) else None
    cupy_backend._import().cuda.runtime.setDevice(device if d is None else (d.index or 0))


def get_device_name(device=None) -> str:
    _require()
    cp = cupy_backend._import()
    idx = 0 if device is None else int(getattr(device, "index", device) or 0)
    return cp.cuda.runtime.getDeviceProperties(idx)["name"].decode()


def synchronize(device=None) -> None:
    if is_available():
        cupy_backend._import().cuda.Device().synchronize()


def manual_seed(seed) -> None:
    """Seed CUDA generators (a no-op without a GPU, as in PyTorch)."""


def manual_seed_all(seed) -> None:
    """Seed all CUDA generators (a no-op without a GPU, as in PyTorch)."""


def empty_cache() -> None:
    if is_available():
        cupy_backend._import().get_default_memory_pool().free_all_blocks()


def _require():
    cupy_backend.require()
