"""The CUDA engine: CuPy. The only module of ember that imports CuPy."""
from __future__ import annotations

name = "cuda"
xp = None


def _import():
    global xp
    if xp is None:
        import cupy
        xp = cupy
    return xp


def is_available() -> bool:
    try:
        cp = _import()
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def device_count() -> int:
    return _import().cuda.runtime.getDeviceCount() if is_available() else 0


def require():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled" if _cupy_missing()
                             else "No CUDA GPUs are available")


def _cupy_missing():
    try:
        _import()
        return False
    except ImportError:
        return True


def asarray(data, dtype=None):
    return _import().asarray(data, dtype=dtype)


def to_host(arr):
    return arr.get()


def from_host(arr, device_index=None):
    cp = _import()
    with cp.cuda.Device(device_index or 0):
        return cp.asarray(arr)


def index_add(target, index, source, axis=0):
    cp = _import()
    if axis != 0:
        target = cp.moveaxis(target, axis, 0)
        source = cp.moveaxis(source, axis, 0)
    cp.add.at(target, index, source)


def scatter_add(target, axis, index, source):
    cp = _import()
    idx = list(cp.indices(index.shape, sparse=True))
    idx[axis] = index
    cp.add.at(target, tuple(idx), source)
