"""Argument handling shared by the ops: dims, operands, promotion, devices."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import _FROM_NP, dtype as _dtype_cls, get_default_dtype, result_type, to_dtype
from .._tensor import Tensor


def wrap_dim(dim, ndim):
    """Normalise a possibly negative dim, with PyTorch's IndexError."""
    n = max(ndim, 1)
    if type(dim) is not int and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be int, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dims, ndim):
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out if ndim else ()  # a 0-dim tensor accepts dim 0 / -1 and has no axis to reduce


def shape_arg(size):
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers or a single integer, got "
                            f"'{type(s).__name__}'")
        out.append(int(s))
    return tuple(out)


def check_device(a, b):
    if a.device != b.device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {_devname(a.device)} and {_devname(b.device)}!")


def _devname(d):
    return str(d) if d.type == "cpu" else f"{d.type}:{d.index or 0}"


def scalar_tensor(value, dt, like):
    """A constant 0-dim tensor of dtype ``dt`` on ``like``'s device."""
    xp = like._backend.xp
    try:
        arr = xp.asarray(value, dtype=dt.np)
    except OverflowError:
        arr = xp.asarray(np.asarray(value).astype(dt.np))
    return Tensor._make(arr, dt, like.device, like._backend)


def as_tensor_arg(x, like=None):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (Number, np.number, np.bool_)):
        if like is None:
            from .creation import tensor
            return tensor(x)
        return scalar_tensor(x, result_type(x), like)
    from .creation import as_tensor
    return as_tensor(x, device=like.device if like is not None else None)


def binary(a, b, float_result=False):
    """Two same-dtype, same-device tensor operands following PyTorch's promotion."""
    ta = type(a) is Tensor or isinstance(a, Tensor)
    tb = type(b) is Tensor or isinstance(b, Tensor)
    if ta and tb and a.dtype is b.dtype and a.device is b.device and not float_result:
        return a, b
    if isinstance(a, (np.ndarray, list)):
        a, ta = as_tensor_arg(a, b if tb else None), True
    if isinstance(b, (np.ndarray, list)):
        b, tb = as_tensor_arg(b, a if ta else None), True
    if not ta and not tb:
        a = as_tensor_arg(a)
        ta = True
    dt = result_type(a, b)
    if float_result and not (dt.is_floating_point or dt.is_complex):
        dt = get_default_dtype()
    like = a if ta else b
    if ta and tb:
        check_device(a, b)
    return _cast(a, dt, like), _cast(b, dt, like)


def _cast(x, dt, like):
    if isinstance(x, Tensor):
        return x if x.dtype is dt else x.to(dt)
    if not isinstance(x, (Number, np.number, np.bool_)):
        raise TypeError(f"unsupported operand type: '{type(x).__name__}'")
    return scalar_tensor(x, dt, like)


def to_float(x):
    """Integer and bool tensors become the default float dtype (for exp, sqrt, mean ...)."""
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return x
    return x.to(get_default_dtype())


def np_dtype_of(arr):
    return _FROM_NP[arr.dtype]


def opt_dtype(d):
    return None if d is None else to_dtype(d)


__all__ = ["wrap_dim", "wrap_dims", "shape_arg", "binary", "to_float", "check_device",
           "scalar_tensor", "as_tensor_arg", "_dtype_cls", "np_dtype_of", "opt_dtype"]
