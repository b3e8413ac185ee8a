"""The elementwise math functions of the ``ember`` namespace (and Tensor methods)."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import bool_, get_default_dtype, int64, result_type
from .._tensor import Tensor
from . import elementwise as E
from .bounds import clamp, clamp_max, clamp_min, clip, fmax, fmin  # noqa: F401
from ..autograd.node import broadcast_error
from ._util import as_tensor_arg, binary, to_float


def _out(result, out):
    """Honour ``out=``: write into ``out`` (resizing it when needed) and return it."""
    if out is None:
        return result
    from .inplace import copy_into_out
    return copy_into_out(out, result)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcasting, with PyTorch's type promotion."""
    if alpha != 1 or alpha is True:
        _check_alpha("add", input, other, alpha)
        other = mul(other, alpha)
    x, y = binary(input, other)
    res = E.Add.apply(x, y)
    return res if out is None else _out(res, out)


def sub(input, other, *, alpha=1, out=None):
    if isinstance(input, Tensor) and input.dtype is bool_ or (
            isinstance(other, Tensor) and other.dtype is bool_):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1 or alpha is True:
        _check_alpha("sub", input, other, alpha)
        other = mul(other, alpha)
    x, y = binary(input, other)
    res = E.Sub.apply(x, y)
    return res if out is None else _out(res, out)


def _check_alpha(name, input, other, alpha):
    """PyTorch's rules for ``alpha``: a number that does not widen the result's category."""
    if not isinstance(alpha, (Number, np.number)):
        raise TypeError(f"{name}(): argument 'alpha' must be Number, not {type(alpha).__name__}")
    dt = result_type(input, other)
    if isinstance(alpha, bool) and dt is not bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, (float, np.floating)) and not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    x, y = binary(input, other)
    res = E.Mul.apply(x, y)
    return res if out is None else _out(res, out)


def div(input, other, *, rounding_mode=None, out=None):
    """True division; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient."""
    if rounding_mode is None:
        x, y = binary(input, other, float_result=True)
        return _out(E.Div.apply(x, y), out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    x, y = binary(input, other)
    if not x.dtype.is_floating_point:
        fn = np.floor_divide if rounding_mode == "floor" else _trunc_div
        return _out(x._from_array(_int_div(x, y, fn)), out)
    q = E.Div.apply(x, y)
    return _out(floor(q) if rounding_mode == "floor" else trunc(q), out)


def _trunc_div(a, b):
    return (np.abs(a) // np.abs(b)) * np.sign(a) * np.sign(b)


def _int_div(x, y, fn):
    if (y._data == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return fn(x._data, y._data).astype(x._data.dtype, copy=False)


true_divide = divide = div
multiply = mul
subtract = sub


def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor", out=out)


def remainder(input, other, *, out=None):
    """Python-style modulus (the sign of the divisor)."""
    x, y = binary(input, other)
    if x.dtype.is_floating_point:
        return _out(sub(x, mul(floor(E.Div.apply(x, y)), y)), out)
    if (y._data == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return _out(x._from_array(x._backend.xp.remainder(x._data, y._data)), out)


def fmod(input, other, *, out=None):
    """C-style modulus (the sign of the dividend)."""
    x, y = binary(input, other)
    if x.dtype.is_floating_point:
        return _out(sub(x, mul(trunc(E.Div.apply(x, y)), y)), out)
    return _out(x._from_array(x._backend.xp.fmod(x._data, y._data)), out)


def pow(input, exponent, *, out=None):
    """input ** exponent (either may be a Python number)."""
    if isinstance(exponent, (Number, np.number)) and isinstance(input, Tensor) and \
            not isinstance(exponent, bool):
        x = input
        if isinstance(exponent, float) and not (x.dtype.is_floating_point or x.dtype.is_complex):
            x = x.to(get_default_dtype())
        if not x.dtype.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _out(E.PowScalar.apply(x, exponent=exponent), out)
    if isinstance(input, (Number, np.number)):
        y = exponent if exponent.dtype.is_floating_point or isinstance(input, int) else \
            exponent.to(get_default_dtype())
        if isinstance(input, (int, np.integer)) and not y.dtype.is_floating_point:
            x, y = binary(input, y)
            return _out(E.Pow.apply(x, y), out)
        return _out(E.RPowScalar.apply(y, base=input), out)
    x, y = binary(input, exponent)
    return _out(E.Pow.apply(x, y), out)


def neg(input, *, out=None):
    if input.dtype is bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _out(E.Neg.apply1(input), out)


negative = neg


def _float_unary(prim):
    def fn(input, *, out=None):
        return _out(prim.apply1(to_float(as_tensor_arg(input))), out)
    fn.__name__ = prim.__name__.replace("Backward0", "").lower()
    fn.__doc__ = f"Elementwise {fn.__name__}; integer inputs give the default float dtype."
    return fn


exp = _float_unary(E.Exp)
log = _float_unary(E.Log)
log2 = _float_unary(E.Log2)
log10 = _float_unary(E.Log10)
log1p = _float_unary(E.Log1p)
expm1 = _float_unary(E.Expm1)
sqrt = _float_unary(E.Sqrt)
rsqrt = _float_unary(E.Rsqrt)
sin = _float_unary(E.Sin)
cos = _float_unary(E.Cos)
tan = _float_unary(E.Tan)
tanh = _float_unary(E.Tanh)
sinh = _float_unary(E.Sinh)
cosh = _float_unary(E.Cosh)
asin = arcsin = _float_unary(E.Asin)
acos = arccos = _float_unary(E.Acos)
atan = arctan = _float_unary(E.Atan)
sigmoid = _float_unary(E.Sigmoid)
erf = _float_unary(E.Erf)
reciprocal = _float_unary(E.Reciprocal)


def exp2(input, *, out=None):
    return _out(pow(2.0, to_float(input)), out)


def relu(input):
    return E.Relu.apply1(input)


def abs(input, *, out=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"abs(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dtype is bool_:
        return input.clone()
    return _out(E.Abs.apply1(input), out)


absolute = abs


def _keep_int(prim, fn):
    def op(input, *, out=None):
        if not input.dtype.is_floating_point:
            return _out(input.clone(), out)
        return _out(prim.apply(input, fn=fn), out)
    return op


floor = _keep_int(E.Floor, lambda xp, x: xp.floor(x))
ceil = _keep_int(E.Ceil, lambda xp, x: xp.ceil(x))
trunc = fix = _keep_int(E.Trunc, lambda xp, x: xp.trunc(x))


def round(input, *, decimals=0, out=None):
    """Round half to even, like PyTorch."""
    if not input.dtype.is_floating_point:
        return _out(input.clone(), out)
    return _out(E.Round.apply(input, fn=lambda xp, x: xp.round(x, decimals)), out)


def sign(input, *, out=None):
    if input.dtype is bool_:
        return _out(input.clone(), out)
    return _out(E.Sign.apply(input, fn=lambda xp, x: xp.sign(x)), out)


def sgn(input):
    return sign(input)


def frac(input):
    return sub(input, trunc(input))


def maximum(input, other, *, out=None):
    x, y = binary(input, other)
    return _out(E.Maximum.apply(x, y), out)


def minimum(input, other, *, out=None):
    x, y = binary(input, other)
    return _out(E.Minimum.apply(x, y), out)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input)."""
    _check_lerp(input, end, weight)
    try:
        return _out(add(input, mul(weight, sub(end, input))), out)
    except RuntimeError as e:
        raise (broadcast_error(input.shape, end.shape) or e) from None


def _check_lerp(input, end, weight):
    if not isinstance(end, Tensor) or not isinstance(weight, (Tensor, Number, np.number)):
        got = ", ".join(type(a).__name__ for a in (input, end, weight))
        raise TypeError(f"lerp() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        kind = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise NotImplementedError(f'"lerp_kernel_{kind}" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_cname(input)} for `{name}` but got dtype "
                               f"{_cname(t)}")


def _cname(t):
    return {"float32": "float", "float64": "double"}.get(t.dtype.name, t.dtype.name)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return _out(add(input, mul(mul(tensor1, tensor2), value)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    return _out(add(input, mul(div(tensor1, tensor2), value)), out)


def square(input, *, out=None):
    return _out(pow(input, 2), out)


def xlogy(input, other):
    x, y = binary(input, other, float_result=True)
    return E.where(x == 0, x.new_zeros(()), mul(x, log(y)))


def atan2(input, other):
    x, y = binary(input, other, float_result=True)
    base = atan(div(x, y))
    pi = np.pi
    adj = E.where(y < 0, E.where(x >= 0, as_tensor_arg(pi, x), as_tensor_arg(-pi, x)),
                  as_tensor_arg(0.0, x))
    return add(base, adj)


arctan2 = atan2


def hypot(input, other):
    return sqrt(add(mul(input, input), mul(other, other)))


# ---- comparisons and logic: results are bool tensors without history ----

def _compare(np_name, op_name):
    def fn(input, other, *, out=None):
        x, y = binary(input, other)
        xp = x._backend.xp
        try:
            res = getattr(xp, np_name)(x._data, y._data)
        except ValueError as e:
            raise broadcast_error(x.shape, y.shape, e) from None
        return _out(x._from_array(res), out)
    fn.__name__ = op_name
    fn.__doc__ = f"Elementwise ``{op_name}`` as a bool tensor."
    return fn


eq = _compare("equal", "eq")
ne = not_equal = _compare("not_equal", "ne")
lt = less = _compare("less", "lt")
le = less_equal = _compare("less_equal", "le")
gt = greater = _compare("greater", "gt")
ge = greater_equal = _compare("greater_equal", "ge")
logical_and = _compare("logical_and", "logical_and")
logical_or = _compare("logical_or", "logical_or")
logical_xor = _compare("logical_xor", "logical_xor")


def _bitwise(np_name, op_name):
    def fn(input, other, *, out=None):
        x, y = binary(input, other)
        if x.dtype.is_floating_point:
            raise NotImplementedError(f'"{op_name}_cpu" not implemented for '
                                      f"'{x.dtype._legacy[:-6]}'")
        try:
            res = getattr(x._backend.xp, np_name)(x._data, y._data)
        except ValueError as e:
            raise broadcast_error(x.shape, y.shape, e) from None
        return _out(x._from_array(res), out)
    fn.__name__ = op_name
    return fn


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


def _shift(op_name, kernel, left):
    def fn(input, other, *, out=None):
        if isinstance(input, Tensor) and type(other) is int and \
                not (input.dtype.is_floating_point or input.dtype.is_complex):
            other = _wrap_int(other, input)  # a Python int shift wraps into the dtype (as in C)
        x, y = binary(input, other)
        if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype is bool_:
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for '
                                      f"'{x.dtype._legacy[:-6]}'")
        xp, a, s = x._backend.xp, x._data, y._data
        try:
            bits = a.dtype.itemsize * 8
            ok = (s >= 0) & (s < bits)  # PyTorch: shifting by <0 or >=width shifts all out
            s = xp.where(ok, s, 0)
            if left:
                res = xp.where(ok, xp.left_shift(a, s), 0)
            else:
                fill = xp.where(a < 0, -1, 0) if a.dtype.kind == "i" else 0
                res = xp.where(ok, xp.right_shift(a, s), fill)
        except ValueError as e:
            raise broadcast_error(x.shape, y.shape, e) from None
        return _out(x._from_array(xp.asarray(res).astype(a.dtype, copy=False)), out)
    fn.__name__ = op_name
    fn.__doc__ = (f"Elementwise ``input {'<<' if left else '>>'} other`` on integer tensors "
                  "(a shift by a negative or too large amount fills with the sign bit or 0).")
    return fn


def _wrap_int(v, like):
    if like.dtype is bool_:
        return v
    bits = like._data.dtype.itemsize * 8
    v &= (1 << bits) - 1
    if like._data.dtype.kind == "i" and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


bitwise_left_shift = _shift("bitwise_left_shift", "lshift", True)
bitwise_right_shift = _shift("bitwise_right_shift", "rshift", False)


def bitwise_not(input):
    if input.dtype.is_floating_point:
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    return input._from_array(input._backend.xp.invert(input._data))


def logical_not(input, *, out=None):
    return _out(input._from_array(input._backend.xp.logical_not(input._data)), out)


def _predicate(np_name):
    def fn(input):
        return input._from_array(getattr(input._backend.xp, np_name)(input._data))
    fn.__name__ = np_name
    return fn


isnan = _predicate("isnan")
isinf = _predicate("isinf")
isfinite = _predicate("isfinite")
isposinf = _predicate("isposinf")
isneginf = _predicate("isneginf")
signbit = _predicate("signbit")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._legacy[:-6]} did not match {other.dtype._legacy[:-6]}")
    x, y = binary(input, other)
    try:
        res = x._backend.xp.isclose(x._data, y._data, rtol, atol, equal_nan)
    except ValueError as e:
        raise broadcast_error(x.shape, y.shape, e) from None
    return x._from_array(res)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(eq(input, other).all())


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and lowest finite values); differentiable where the input is finite."""
    from .nan_ops import NanToNum
    from ..autograd.grad_mode import STATE
    if out is not None and STATE.enabled and (input._rg or out._rg):
        raise RuntimeError("nan_to_num(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    return _out(NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf), out)


def clone(input, *, memory_format=None):
    return E.Clone.apply1(input)


where = E.where
_ = int64
