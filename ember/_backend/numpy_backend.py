"""The CPU engine: NumPy."""
from __future__ import annotations

import numpy as np

xp = np
name = "cpu"


def asarray(data, dtype=None):
    return np.asarray(data, dtype=dtype)


def to_host(arr):
    return arr


def from_host(arr, device_index=None):
    return np.asarray(arr)


def index_add(target, index, source, axis=0):
    """target[index] += source along axis, accumulating duplicates (no Python loop)."""
    if axis != 0:
        target = np.moveaxis(target, axis, 0)
        source = np.moveaxis(source, axis, 0)
    np.add.at(target, index, source)


def scatter_add(target, axis, index, source):
    """PyTorch scatter_add_ on arrays (duplicates accumulate)."""
    idx = list(np.indices(index.shape, sparse=True))
    idx[axis] = index
    np.add.at(target, tuple(idx), source)


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1
