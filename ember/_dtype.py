"""Dtypes, PyTorch's type promotion and the default dtype."""
from __future__ import annotations

import numpy as np

try:  # bfloat16 is an optional extra
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - depends on the environment
    _ml_dtypes = None

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type: ``ember.float32``, ``ember.int64`` ..."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_category", "_legacy")

    def __init__(self, name, np_dtype, category, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = name not in ("uint8", "bool")
        self._legacy = legacy

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)


def _by_name(name):
    return _NAMES[name]


bool_ = dtype("bool", np.bool_, _BOOL, "BoolTensor")
uint8 = dtype("uint8", np.uint8, _INT, "ByteTensor")
int8 = dtype("int8", np.int8, _INT, "CharTensor")
int16 = dtype("int16", np.int16, _INT, "ShortTensor")
int32 = dtype("int32", np.int32, _INT, "IntTensor")
int64 = dtype("int64", np.int64, _INT, "LongTensor")
float16 = dtype("float16", np.float16, _FLOAT, "HalfTensor")
float32 = dtype("float32", np.float32, _FLOAT, "FloatTensor")
float64 = dtype("float64", np.float64, _FLOAT, "DoubleTensor")
complex64 = dtype("complex64", np.complex64, _COMPLEX, "ComplexFloatTensor")
complex128 = dtype("complex128", np.complex128, _COMPLEX, "ComplexDoubleTensor")
ALL = [bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128]
if _ml_dtypes is not None:
    bfloat16 = dtype("bfloat16", _ml_dtypes.bfloat16, _FLOAT, "BFloat16Tensor")
    ALL.append(bfloat16)

_NAMES = {d.name: d for d in ALL}
_FROM_NP = {d.np: d for d in ALL}
ALIASES = {"half": float16, "float": float32, "double": float64, "long": int64, "int": int32,
           "short": int16, "bool": bool_, "cfloat": complex64, "cdouble": complex128}

_default = [float32]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for unsupported ones."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        np_dtype = np.dtype(np_dtype)
        if np_dtype in _FROM_NP:
            return _FROM_NP[np_dtype]
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np_dtype}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool.") from None


def to_dtype(d) -> dtype:
    """Normalise a dtype-like (ember dtype, NumPy dtype, Python type, name)."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return get_default_dtype()
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        name = d.replace("torch.", "")
        if name in _NAMES:
            return _NAMES[name]
        if name in ALIASES:
            return ALIASES[name]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(f"invalid dtype: {d!r}") from None


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d) -> None:
    """Set the floating dtype used for Python floats and factory functions."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default[0] = d


_PROMOTE_CACHE: dict = {}


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types for two tensor dtypes of equal standing."""
    if a is b:
        return a
    key = (a, b)
    r = _PROMOTE_CACHE.get(key)
    if r is None:
        r = _promote(a, b)
        _PROMOTE_CACHE[key] = r
    return r


def _promote(a, b):
    if a._category != b._category:
        hi, lo = (a, b) if a._category > b._category else (b, a)
        if hi.is_complex and lo.is_floating_point and lo.itemsize > hi.itemsize // 2:
            return complex128
        return hi
    if a.name == "bfloat16" or b.name == "bfloat16":
        other = b if a.name == "bfloat16" else a
        return float32 if other is float16 else (other if other.itemsize > 2 else a)
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar would have as a tensor."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return complex64 if get_default_dtype() is not float64 else complex128
    return get_default_dtype()


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower-priority level only raises the category."""
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        return {float64: complex128, float32: complex64}.get(higher, lower)
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """PyTorch's result_type over tensors (dim>0, 0-dim) and Python scalars."""
    levels = [None, None, None]
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            i = 0 if op.ndim else 1
        else:
            d, i = scalar_dtype(op), 2
        levels[i] = d if levels[i] is None else promote_types(levels[i], d)
    return _combine(levels[0], _combine(levels[1], levels[2]))


def can_cast(from_: dtype, to: dtype) -> bool:
    """PyTorch's same-kind casting rule (used by in-place ops)."""
    return from_._category <= to._category
