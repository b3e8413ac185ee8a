"""``finfo`` and ``iinfo``: the numeric limits of ember's dtypes, as PyTorch reports them."""
from __future__ import annotations

import numpy as np

from ._dtype import dtype as _dtype_cls, get_default_dtype


def _check_dtype(name: str, dt) -> None:
    if not isinstance(dt, _dtype_cls):
        raise TypeError(f"{name}(): argument 'type' (position 1) must be torch.dtype, not "
                        f"{type(dt).__name__}")


class finfo:
    """Limits of a floating point dtype: ``bits, eps, max, min, tiny, smallest_normal,
    resolution``. Complex dtypes report their real part's limits."""

    def __init__(self, type=None):  # noqa: A002 (PyTorch's argument name)
        dt = get_default_dtype() if type is None else type
        _check_dtype("finfo", dt)
        if not (dt.is_floating_point or dt.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        if dt.is_complex:
            from . import float32, float64
            dt = float32 if dt.itemsize == 8 else float64
        info = _np_finfo(dt.np)
        self.dtype = dt.name
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``bits, max, min``."""

    def __init__(self, type):  # noqa: A002 (PyTorch's argument name)
        _check_dtype("iinfo", type)
        if type.name == "bool":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.dtype = type.name
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


def _np_finfo(npdt):
    try:
        return np.finfo(npdt)
    except ValueError:  # bfloat16 comes from ml_dtypes, which has its own finfo
        import ml_dtypes
        return ml_dtypes.finfo(npdt)
