"""More elementwise math: frexp/ldexp, logaddexp/logaddexp2, float_power, copysign,
nextafter, heaviside, gcd/lcm, sinc, deg2rad/rad2deg, angle, positive."""
from __future__ import annotations

import math

import numpy as np

from .._dtype import bool_, complex128, float64
from .._tensor import Tensor
from ..autograd.node import Primitive, broadcast_error
from . import math as M
from ._util import binary, to_float
from .reduce import _return_type, where_

FREXP = _return_type("frexp", ("mantissa", "exponent"))


def _need_tensor(name, arg, pos, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(value).__name__}")


def _not_implemented(kernel, t):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{t.dtype._legacy[:-6]}'")


def _safe(x, bad):
    """``x`` with ones where ``bad`` holds (so a formula masked there stays finite)."""
    return where_(bad, x.new_ones(()), x)


class Frexp(Primitive, node_name="FrexpBackward0"):
    def forward(self, x):
        mantissa, exponent = self.xp.frexp(x)
        self.exponent = exponent.astype(np.int32)
        return mantissa, self.exponent

    def backward(self, grad):
        scale = self.xp.ldexp(self.xp.ones(self.exponent.shape, grad._data.dtype),
                              -self.exponent)
        return grad * grad._from_array(scale)


def frexp(input: Tensor):
    """Mantissa in [0.5, 1) (in magnitude) and int32 exponent with input = m * 2**e.

    >>> ember.frexp(ember.tensor([8., 0.75]))
    torch.return_types.frexp(
    mantissa=tensor([0.5000, 0.7500]),
    exponent=tensor([4, 0], dtype=torch.int32))
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return FREXP(*Frexp.apply(input))


class Ldexp(Primitive, node_name="LdexpBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, x, e):
        xp = self.xp
        whole = xp.isfinite(e) & (e == xp.round(e))
        k = xp.where(whole, xp.clip(e, -(2 ** 30), 2 ** 30), 0).astype(np.int32)
        return xp.where(whole, xp.ldexp(x, k), x * xp.exp2(e)).astype(x.dtype, copy=False)

    def backward(self, grad):
        x, e = self.inputs
        gx = grad * M.pow(2.0, e) if self._in_meta[0] else None
        ge = grad * self.output * math.log(2.0) if self._in_meta[1] else None
        return gx, ge


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2**other (exact for integral exponents; integer inputs give floats).

    >>> ember.ldexp(ember.tensor([1., 3.]), ember.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    _need_tensor("ldexp", "other", 2, other)
    x, e = binary(input, other, float_result=True)
    return Ldexp.apply(x, e)


class LogAddExp(Primitive, node_name="LogaddexpBackward0"):
    save_inputs = True
    base = math.e

    def forward(self, x, y):
        return (self.xp.logaddexp if self.base == math.e else self.xp.logaddexp2)(x, y)

    def backward(self, grad):
        x, y = self.inputs
        gx = grad / (self._power(y - x) + 1) if self._in_meta[0] else None
        gy = grad / (self._power(x - y) + 1) if self._in_meta[1] else None
        return gx, gy

    def _power(self, t):
        return t.exp() if self.base == math.e else M.pow(2.0, t)


class LogAddExp2(LogAddExp, node_name="Logaddexp2Backward0"):
    base = 2.0


def _log_add(prim, name, input, other):
    _need_tensor(name, "input", 1, input)
    _need_tensor(name, "other", 2, other)
    x, y = binary(input, other)
    if not x.dtype.is_floating_point:
        raise _not_implemented(f"{name}_cpu", x)
    return prim.apply(x, y)


def ldexp_(self: Tensor, other: Tensor) -> Tensor:
    """In-place :func:`ldexp` (``self`` must have a floating dtype)."""
    from .inplace import apply_inplace
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError(f"ldexp can't be cast to the desired output type "
                           f"{self.dtype._legacy[:-6]}")
    return apply_inplace(self, lambda a: ldexp(a, other))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)), without overflow."""
    return _log_add(LogAddExp, "logaddexp", input, other)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2**input + 2**other), without overflow."""
    return _log_add(LogAddExp2, "logaddexp2", input, other)


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in double precision (complex128 for complex operands).

    >>> ember.float_power(ember.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=torch.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__}), but expected one "
                        "of:\n * (Tensor input, Tensor exponent, *, Tensor out = None)\n")
    cplx = any(isinstance(a, complex) or (isinstance(a, Tensor) and a.dtype.is_complex)
               for a in (input, exponent))
    dt = complex128 if cplx else float64
    x = input.to(dt) if isinstance(input, Tensor) else input
    e = exponent.to(dt) if isinstance(exponent, Tensor) else exponent
    return M.pow(x, e)


def float_power_(self: Tensor, exponent) -> Tensor:
    """In-place :func:`float_power`; ``self`` must already be float64 (or complex128)."""
    from .inplace import apply_inplace
    need = complex128 if self.dtype.is_complex or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.dtype.is_complex) else float64
    if self.dtype is not need:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{self.dtype._legacy[:-6]} but the operation's result requires "
                           f"dtype {need._legacy[:-6]}")
    return apply_inplace(self, lambda a: float_power(a, exponent))


class Copysign(Primitive, node_name="CopysignBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, x, y):
        return self.xp.copysign(x, y)

    def backward(self, grad):
        x, _ = self.inputs
        zero = x == 0
        gx = where_(zero, grad * 0, grad * self.output / _safe(x, zero)) \
            if self._in_meta[0] else None
        return gx, (grad * 0 if self._in_meta[1] else None)


def copysign(input: Tensor, other) -> Tensor:
    """|input| with the sign (bit) of ``other``; integer inputs give floats."""
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__}), but expected one "
                        "of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n * (Tensor "
                        "input, Number other, *, Tensor out = None)\n")
    x, y = binary(input, other, float_result=True)
    return Copysign.apply(x, y)


class Nextafter(Primitive, node_name="NextafterBackward0"):
    def forward(self, x, y):
        return self.xp.nextafter(x, y)

    def backward(self, grad):
        return grad, grad * 0


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next representable floating-point value after ``input`` towards ``other``."""
    _need_tensor("nextafter", "other", 2, other)
    x, y = binary(input, other)
    if not x.dtype.is_floating_point:
        raise _not_implemented("nextafter_cpu", x)
    return Nextafter.apply(x, y)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where input < 0, 1 where input > 0, ``values`` where input == 0
    (not differentiable).

    >>> ember.heaviside(ember.tensor([-1.5, 0., 2.]), ember.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _need_tensor("heaviside", "values", 2, values)
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    xp = input._backend.xp
    x, v = input._data, values._data
    try:
        res = xp.where(x == 0, v, (x > 0).astype(x.dtype))
    except ValueError:
        raise broadcast_error(tuple(input.shape), tuple(values.shape)) from None
    return input._from_array(res.astype(x.dtype, copy=False))


def _integer_pair(name, input, other):
    _need_tensor(name, "other", 2, other)
    x, y = binary(input, other)
    if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype is bool_:
        raise _not_implemented(f"{name}_cpu", x)
    return x, y


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise greatest common divisor of integer tensors (gcd(0, 0) = 0)."""
    x, y = _integer_pair("gcd", input, other)
    return x._from_array(x._backend.xp.gcd(x._data, y._data))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise least common multiple of integer tensors (wrapping like C on overflow)."""
    x, y = _integer_pair("lcm", input, other)
    xp = x._backend.xp
    g = xp.gcd(x._data, y._data)
    zero = g == 0
    q = x._data // xp.where(zero, xp.ones((), g.dtype), g)
    res = xp.where(zero, xp.zeros((), g.dtype), xp.abs(q * y._data))
    return x._from_array(res.astype(g.dtype, copy=False))


class Sinc(Primitive, node_name="SincBackward0"):
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        p = x * xp.asarray(math.pi, dtype=x.dtype)
        safe = xp.where(x == 0, xp.ones((), x.dtype), p)
        return xp.where(x == 0, xp.ones((), x.dtype), xp.sin(safe) / safe)

    def backward(self, grad):
        (x,) = self.inputs
        zero = x == 0
        p = _safe(x, zero) * math.pi
        d = (p * p.cos() - p.sin()) / (p * _safe(x, zero))
        return where_(zero, grad * 0, grad * d)


def sinc(input: Tensor) -> Tensor:
    """The normalised sinc: sin(pi x) / (pi x), and 1 at x = 0."""
    return Sinc.apply(to_float(input))


def _scale(input, factor):
    """input * factor, with half-precision inputs computed in float32 and rounded once."""
    x = to_float(input)
    if x.dtype.itemsize < 4:
        return M.mul(x.float(), factor).to(x.dtype)
    return M.mul(x, factor)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians (integer inputs give the default float dtype)."""
    return _scale(input, math.pi / 180)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees (integer inputs give the default float dtype)."""
    return _scale(input, 180 / math.pi)


class Angle(Primitive, node_name="AngleBackward0"):
    """The argument of a real number: pi for negatives, 0 otherwise, NaN kept."""

    def forward(self, x):
        xp = self.xp
        pi = xp.asarray(math.pi, dtype=x.dtype)
        return xp.where(xp.isnan(x), x, xp.where(x < 0, pi, xp.zeros((), x.dtype)))

    def backward(self, grad):
        return grad * 0


def angle(input: Tensor) -> Tensor:
    """The elementwise argument (phase): of complex numbers, or 0/pi for real ones."""
    if input.dtype.is_complex:
        return input._from_array(input._backend.xp.angle(input._data))
    return Angle.apply(to_float(input))


def positive(input: Tensor) -> Tensor:
    """``input`` itself (unary plus); bool tensors are rejected as in PyTorch."""
    if input.dtype is bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input

