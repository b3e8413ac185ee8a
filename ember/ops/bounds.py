"""Bounding ops: NaN-ignoring ``fmax``/``fmin`` and ``clamp`` (number or tensor bounds),
with PyTorch's gradients at ties and NaNs."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import get_default_dtype, result_type
from .._tensor import Tensor
from ..autograd.node import Primitive, broadcast_error
from . import elementwise as E
from ._util import check_device
from .elementwise import where


def _out(result, out):
    if out is None:
        return result
    from .inplace import copy_into_out
    return copy_into_out(out, result)


class Fmax(Primitive, node_name="FmaxBackward0"):
    """The larger operand; a NaN loses unless both are NaN. Ties and NaN pairs go to ``x``."""

    save_inputs = True

    def forward(self, x, y):
        return self.xp.fmax(x, y)

    def backward(self, grad):
        x, y = self.inputs
        return _route(grad, (x >= y) | y.isnan())


class Fmin(Primitive, node_name="FminBackward0"):
    """The smaller operand; a NaN loses unless both are NaN. Ties and NaN pairs go to ``x``."""

    save_inputs = True

    def forward(self, x, y):
        return self.xp.fmin(x, y)

    def backward(self, grad):
        x, y = self.inputs
        return _route(grad, (x <= y) | y.isnan())


def _route(grad, to_x):
    """``grad`` split between two operands: all of it to ``x`` where ``to_x``, else to ``y``."""
    zero = grad.new_zeros(())
    return where(to_x, grad, zero), where(to_x, zero, grad)


def _nan_ignoring(prim, name):
    def fn(input, other, *, out=None):
        for pos, (arg, v) in enumerate((("input", input), ("other", other)), 1):
            if not isinstance(v, Tensor):
                raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, "
                                f"not {type(v).__name__}")
        if input.dtype.is_complex or other.dtype.is_complex:
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        check_device(input, other)
        dt = result_type(input, other)
        return _out(prim.apply(input.to(dt), other.to(dt)), out)
    fn.__name__ = name
    fn.__doc__ = (f"Elementwise {'maximum' if name == 'fmax' else 'minimum'} where a NaN "
                  "operand is ignored (NaN only where both are NaN).")
    return fn


fmax = _nan_ignoring(Fmax, "fmax")
fmin = _nan_ignoring(Fmin, "fmin")


class ClampTensor(Primitive, node_name="ClampBackward0"):
    """``min(max(x, lo), hi)`` for tensor bounds (either may be absent), NaN propagating.

    The input gets the gradient where ``lo <= x <= hi`` (ties included); a bound gets it
    where it is the value taken, except that where ``lo > hi`` all of it goes to ``hi``.
    """

    save_inputs = True

    def forward(self, x, *bounds):
        xp, it = self.xp, iter(bounds)
        out = xp.maximum(x, next(it)) if self.has_lo else x
        return xp.minimum(out, next(it)) if self.has_hi else out

    def backward(self, grad):
        x, *bounds = self.inputs
        lo = bounds[0] if self.has_lo else None
        hi = bounds[-1] if self.has_hi else None
        zero = grad.new_zeros(())
        if lo is not None and hi is not None:
            keep = (x >= lo) & (x <= hi)
            to_lo, to_hi = (x < lo) & (lo < hi), (x > hi) | (hi < lo)
        elif lo is not None:
            keep, to_lo, to_hi = x >= lo, x < lo, None
        else:
            keep, to_lo, to_hi = x <= hi, None, x > hi
        grads = [where(keep, grad, zero)]
        grads += [where(m, grad, zero) for m in (to_lo, to_hi) if m is not None]
        return tuple(grads)


class ClampMinTensor(ClampTensor, node_name="ClampMinBackward1"):
    pass


class ClampMaxTensor(ClampTensor, node_name="ClampMaxBackward1"):
    pass


def clamp_tensors(input, min, max, prim=ClampTensor):
    """``clamp`` when the bounds are tensors (or None), promoted with the input."""
    bounds = [b for b in (min, max) if b is not None]
    for b in bounds:
        check_device(input, b)
    dt = result_type(input, *bounds)
    args = [t.to(dt) for t in (input, *bounds)]
    try:
        return prim.apply(*args, has_lo=min is not None, has_hi=max is not None)
    except ValueError as e:  # three operands that do not broadcast
        a, b, c = (tuple(t.shape) for t in args)
        err = broadcast_error(a, b) or broadcast_error(np.broadcast_shapes(a, b), c)
        raise (err or e) from None


class ClampMinScalar(E.Clamp, node_name="ClampMinBackward0"):
    pass


class ClampMaxScalar(E.Clamp, node_name="ClampMaxBackward0"):
    pass


# per function: (primitive for tensor bounds, for number bounds, its bound parameters)
_CLAMPS = {
    "clamp": (ClampTensor, E.Clamp, "{} min = None, {} max = None"),
    "clamp_min": (ClampMinTensor, ClampMinScalar, "{} min"),
    "clamp_max": (ClampMaxTensor, ClampMaxScalar, "{} max"),
}


def _clamp(name, input, min, max, given):
    """``clamp``/``clamp_min``/``clamp_max``: both bounds numbers or both tensors (or None);
    ``given`` are the bound arguments as passed (for the error message)."""
    if name == "clamp" and min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if input.dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    tensor_prim, number_prim, params = _CLAMPS[name]
    bounds = [v for v in (min, max) if v is not None]
    if bounds and all(isinstance(v, Tensor) for v in bounds):
        return clamp_tensors(input, min, max, tensor_prim)
    if not bounds or not all(isinstance(v, (Number, np.number)) for v in bounds):
        got = ", ".join(type(a).__name__ for a in given)
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"(Tensor, {got}), but expected one of:\n"
                        f" * (Tensor input, {params.format('Tensor', 'Tensor')}, *, Tensor out = "
                        f"None)\n * (Tensor input, {params.format('Number', 'Number')}, *, "
                        "Tensor out = None)\n")
    x = input
    if any(isinstance(v, float) for v in bounds) and not x.dtype.is_floating_point:
        x = x.to(get_default_dtype())
    return number_prim.apply(x, lo=min, hi=max)


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]; the bounds are both numbers or both tensors (or None).

    >>> ember.clamp(ember.tensor([0., 1., 2.]), ember.tensor([1., 1., 1.]))
    tensor([1., 1., 2.])
    """
    given = [min, max] if max is not None else [min]
    return _out(_clamp("clamp", input, min, max, given), out)


clip = clamp


def clamp_min(input, min, *, out=None):
    """``clamp`` with a lower bound only."""
    return _out(_clamp("clamp_min", input, min, None, [min]), out)


def clamp_max(input, max, *, out=None):
    """``clamp`` with an upper bound only."""
    return _out(_clamp("clamp_max", input, None, max, [max]), out)
