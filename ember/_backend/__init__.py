"""Array engines. A tensor's array namespace comes from its device's backend module.

``numpy_backend`` serves the CPU; ``cupy_backend`` (the only module that imports CuPy)
serves CUDA devices. Kernels that NumPy and CuPy do not share live in the backend modules.
"""
from __future__ import annotations

from . import numpy_backend

_BACKENDS = {"cpu": numpy_backend}


def get(device):
    """The backend module of a device."""
    b = _BACKENDS.get(device.type)
    if b is None:
        b = _load(device.type)
    return b


def _load(kind):
    if kind == "cuda":
        from . import cupy_backend
        cupy_backend.require()
        _BACKENDS["cuda"] = cupy_backend
        return cupy_backend
    raise RuntimeError(f"ember has no backend for device type '{kind}'")


def for_array(arr):
    """The backend owning an array (NumPy unless it is a CuPy array)."""
    if type(arr).__module__.startswith("cupy"):
        return _load("cuda")
    return numpy_backend
