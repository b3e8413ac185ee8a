"""Factory functions: tensor, zeros, ones, arange, linspace, eye, full, *_like ..."""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

from .. import _backend
from .._device import to_device
from .._dtype import (_FROM_NP, bool_, float32, float64, from_numpy_dtype, get_default_dtype,
                      int64, to_dtype, complex64, complex128)
from .._tensor import Tensor
from ._util import shape_arg


def _finish(arr, dtype, device, requires_grad):
    dev = to_device(device)
    be = _backend.get(dev)
    if be is not _backend.numpy_backend:
        arr = be.from_host(arr, dev.index)
    t = Tensor._make(arr, dtype, dev, be)
    if requires_grad:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t.requires_grad_(True)
    return t


def check_size(shape):
    """PyTorch's error for a negative size; returns ``shape``."""
    for n in shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"[{', '.join(map(str, shape))}]")
    return shape


def _check_number(fn, arg, pos, value):
    if not isinstance(value, (Number, np.number)) and not (
            isinstance(value, Tensor) and value.ndim == 0):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Number, not "
                        f"{type(value).__name__}")


def _infer_dtype(data):
    """The dtype PyTorch infers for nested Python data."""
    kinds = set()
    _scan(data, kinds, 0)
    if "t" in kinds:
        return None
    if "c" in kinds:
        return complex128 if get_default_dtype() is float64 else complex64
    if "f" in kinds:
        return get_default_dtype()
    if "i" in kinds:
        return int64
    if "b" in kinds:
        return bool_
    return get_default_dtype()


def _scan(data, kinds, depth):
    if isinstance(data, bool) or isinstance(data, np.bool_):
        kinds.add("b")
    elif isinstance(data, (int, np.integer)):
        kinds.add("i")
    elif isinstance(data, (float, np.floating)):
        kinds.add("f")
    elif isinstance(data, complex):
        kinds.add("c")
    elif isinstance(data, Tensor):
        kinds.add("t")
    elif isinstance(data, (list, tuple)):
        for d in data:
            _scan(d, kinds, depth + 1)
    elif data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    elif isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    else:
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _from_data(data, dtype):
    """A fresh NumPy array from data, with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = np.array(data.detach().cpu()._data)
        return arr.astype(dtype.np, copy=False) if dtype else arr, dtype or data.dtype
    if isinstance(data, np.ndarray):
        dt = dtype or from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt.np), dt
    if isinstance(data, np.generic):
        dt = dtype or from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt.np), dt
    if isinstance(data, (list, tuple)) and _has_tensors(data):
        arr = np.array([_from_data(d, None)[0] for d in data])
        dt = dtype or from_numpy_dtype(arr.dtype)
        return arr.astype(dt.np, copy=False), dt
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    dt = dtype or _infer_dtype(data)
    try:
        arr = np.array(data, dtype=dt.np)
    except ValueError:
        raise ValueError(f"expected sequence of length {_first_len(data)} at dim 1 (got "
                         f"{_other_len(data)})") from None
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow") \
            from None
    if arr.dtype == object:
        raise ValueError("too many dimensions 'str'")
    return arr, dt


def _first_len(data):
    return len(data[0]) if data and hasattr(data[0], "__len__") else 0


def _other_len(data):
    for d in data[1:]:
        if hasattr(d, "__len__") and len(d) != _first_len(data):
            return len(d)
    return 0


def _has_tensors(data):
    return any(isinstance(d, Tensor) or (isinstance(d, (list, tuple)) and _has_tensors(d))
               for d in data)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Build a tensor by copying ``data`` (nested lists, numbers, ndarrays, tensors).

    >>> ember.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    """
    dt = to_dtype(dtype) if dtype is not None else None
    arr, dt = _from_data(data, dt)
    dev = device if device is not None else (data.device if isinstance(data, Tensor) else None)
    return _finish(arr, dt, dev, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when dtype and device allow."""
    dt = to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dt) if (dt or device) else data
    if isinstance(data, np.ndarray) and (device is None or to_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dt is None or dt is t.dtype else t.to(dt)
    return tensor(data, dtype=dt, device=device)


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    dt = _FROM_NP.get(ndarray.dtype) or from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    return Tensor._make(ndarray, dt, to_device(None))


def _factory(fill, name):
    def fn(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False, memory_format=None):
        shape = shape_arg(size)
        if name == "zeros" and any(n < 0 for n in shape):  # torch's wording for zeros alone
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        check_size(shape)
        dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
        res = _finish(fill(shape, dt.np), dt, device, requires_grad)
        if out is not None:
            from .math import _out
            return _out(res, out)
        return res
    fn.__name__ = name
    return fn


zeros = _factory(lambda s, d: np.zeros(s, d), "zeros")
ones = _factory(lambda s, d: np.ones(s, d), "ones")
empty = _factory(lambda s, d: np.empty(s, d), "empty")


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    shape = check_size(shape_arg((size,) if isinstance(size, int) else tuple(size)))
    _check_number("full", "fill_value", 2, fill_value)
    if dtype is None:
        dt = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    else:
        dt = to_dtype(dtype)
    v = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _finish(np.full(shape, v, dt.np), dt, device, requires_grad)


def _like(fn):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None):
        _check_input(like.__name__, input)
        return fn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def _check_input(fn, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              layout=None, memory_format=None):
    _check_input("full_like", input)
    _check_number("full_like", "fill_value", 2, fill_value)
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The identity matrix (n x m)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (not isinstance(v, (int, np.integer)) or isinstance(v, bool)):
            raise TypeError(f"eye() received an invalid combination of arguments - got "
                            f"({type(n).__name__}, {type(m).__name__}), but expected one of:")
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return _finish(np.eye(n, m if m is not None else n, dtype=dt.np), dt, device, requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False, layout=None):
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if not all(isinstance(v, (Number, np.number)) for v in vals):
        got = ", ".join(type(v).__name__ for v in vals)
        raise TypeError(f"arange() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:")
    if not all(math.isfinite(v) for v in vals):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is not None:
        dt = to_dtype(dtype)
    elif all(isinstance(v, (int, np.integer)) for v in vals):
        dt = int64
    else:
        dt = get_default_dtype()
    n = max(int(math.ceil((end - start) / step)), 0)
    arr = (start + np.arange(n, dtype=np.float64) * step) if dt.is_floating_point else \
        np.arange(start, end, step)
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def range_(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated ``torch.range``: like arange but includes ``end``; float by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    arr = start + np.arange(n, dtype=np.float64) * step
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False,
             layout=None):
    """``steps`` evenly spaced values from start to end inclusive."""
    _check_steps("linspace", start, end, steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return _finish(_linspace_values(start, end, int(steps), dt), dt, device, requires_grad)


def _fma64(a, b, c):
    """``a * b + c`` rounded once, in float64 (Dekker's exact product, compensated sum)."""
    split = 134217729.0
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = split * a
    ah = t - (t - a)
    al = a - ah
    t = split * b
    bh = t - (t - b)
    bl = b - bh
    p = a * b
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    back = s - p
    return s + (((p - (s - back)) + (c - back)) + err)


_C_INT_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                "int64": "int64_t"}


def _linspace_values(start, end, steps, dt):
    """PyTorch's CPU linspace, value for value: the first half counts up from ``start``, the
    second down from ``end``. float32/float64 use one fused multiply-add per value, half
    types round every operation to the type, integers truncate a float64 ramp."""
    if dt.name == "bool":
        if steps <= 1:  # filled without the kernel, as in PyTorch
            return np.full(steps, bool(start))
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    if not dt.is_floating_point:
        return _int_linspace(start, end, steps, dt)
    start, end = float(start), float(end)
    i = np.arange(steps)
    up = (i < steps // 2) | (steps == 1)  # a single step is ``start``
    rest = steps - 1 - i
    if dt.np.itemsize >= 4:
        if dt.np == np.float32:
            s, e = np.float32(start), np.float32(end)
            step = np.float32((e - s) / np.float32(max(steps - 1, 1)))
            vals = np.where(up, np.float64(s) + np.float64(step) * i,
                            np.float64(e) - np.float64(step) * rest)
        else:
            step = (end - start) / max(steps - 1, 1)
            vals = np.where(up, _fma64(step, i, start), _fma64(-step, rest, end))
        return vals.astype(dt.np)
    # float16 / bfloat16: every operation computed in float32 and rounded to the type
    h, f = dt.np, np.float32
    s, e = f(h.type(start)), f(h.type(end))
    step = f(h.type(f(h.type(e - s)) / f(h.type(max(steps - 1, 1)))))

    def times_step(n):  # step * n, both operands and the product rounded to the type
        return (step * n.astype(h).astype(f)).astype(h).astype(f)
    return np.where(up, (s + times_step(i)).astype(h), (e - times_step(rest)).astype(h))


def _int_linspace(start, end, steps, dt):
    """Integer linspace: the ends converted (checked as PyTorch checks a Python int or float
    against the type), then a float64 ramp truncated."""
    if steps == 0:
        return np.zeros(0, dt.np)
    info = np.iinfo(dt.np)
    for v in (start, end) if steps > 1 else (start,):
        if isinstance(v, (int, np.integer)):
            bad = v > info.max or v < (-info.max if info.min == 0 else info.min)
        else:
            bad = v < info.min - 1 or v > info.max + 1
        if bad:
            raise RuntimeError(f"value cannot be converted to type {_C_INT_NAMES[dt.name]} "
                               "without overflow")
    i = np.arange(steps)
    up = (i < steps // 2) | (steps == 1)
    rest = steps - 1 - i
    s = float(np.array(np.trunc(start)).astype(np.int64).astype(dt.np))
    e = float(np.array(np.trunc(end)).astype(np.int64).astype(dt.np))
    step = (e - s) / max(steps - 1, 1)
    vals = np.where(up, _fma64(step, i, s), _fma64(-step, rest, e))
    return np.trunc(vals).astype(np.int64).astype(dt.np)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None,
             requires_grad=False, layout=None):
    _check_steps("logspace", start, end, steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    arr = np.power(float(base), np.linspace(float(start), float(end), int(steps)))
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def _check_steps(fn, start, end, steps):
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        got = ", ".join(type(v).__name__ for v in (start, end, steps))
        raise TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:")


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return _finish(np.array(s, dtype=dt.np), dt, device, requires_grad)


def legacy_new(cls, args, device=None, dtype=None):
    """``Tensor(...)``: sizes -> uninitialised, data -> a copy as the legacy type."""
    dt = to_dtype(dtype) if dtype is not None else getattr(cls, "_legacy_dtype", None) \
        or get_default_dtype()
    if len(args) == 1 and isinstance(args[0], Tensor) and dtype is None and \
            getattr(cls, "_legacy_dtype", None) is None:
        return args[0]
    if not args:
        t = _finish(np.empty((0,), dt.np), dt, device, False)
    elif all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or \
            (len(args) == 1 and type(args[0]).__name__ == "Size"):
        shape = check_size(shape_arg(args))
        t = _finish(np.zeros(shape, dt.np), dt, device, False)
    elif len(args) == 1:
        if isinstance(args[0], str):
            raise TypeError("new(): invalid data type 'str'")
        arr, _ = _from_data(args[0], dt)
        t = _finish(arr, dt, device, False)
    else:
        raise TypeError("new() received an invalid combination of arguments")
    if cls is not Tensor and issubclass(cls, Tensor) and getattr(cls, "_legacy_dtype", None) is \
            None:
        t.__class__ = cls
    return t


class _LegacyTypeMeta(type):
    """``isinstance(t, ember.FloatTensor)`` checks the dtype, as in PyTorch."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype and \
            obj.device.type == "cpu"


def _legacy_type(name, dt):
    def new(cls, *args, device=None, dtype=None):
        return legacy_new(Tensor, args, device=device, dtype=dt)
    return _LegacyTypeMeta(name, (), {"__new__": new, "_legacy_dtype": dt,
                                      "__doc__": f"Legacy constructor for {dt!r} tensors."})


FloatTensor = _legacy_type("FloatTensor", float32)
DoubleTensor = _legacy_type("DoubleTensor", float64)
LongTensor = _legacy_type("LongTensor", int64)
IntTensor = _legacy_type("IntTensor", to_dtype("int32"))
ShortTensor = _legacy_type("ShortTensor", to_dtype("int16"))
CharTensor = _legacy_type("CharTensor", to_dtype("int8"))
ByteTensor = _legacy_type("ByteTensor", to_dtype("uint8"))
BoolTensor = _legacy_type("BoolTensor", bool_)
HalfTensor = _legacy_type("HalfTensor", to_dtype("float16"))
_ = Number


def _tri_indices(fn, np_fn, row, col, offset, dtype, device):
    dt = int64 if dtype is None else to_dtype(dtype)
    if dt.name not in ("int64", "int32"):
        raise NotImplementedError(f'"{fn}" not implemented for \'{dt._legacy[:-6]}\'')
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{name} must be non-negative, got{v}")
    r, c = np_fn(row, offset, col)
    return _finish(np.stack([r, c]).astype(dt.np, copy=False), dt, device, False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """Row and column indices (a 2 x N tensor) of the lower triangle of a row x col matrix.

    >>> ember.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """Row and column indices (a 2 x N tensor) of the upper triangle of a row x col matrix."""
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)
