"""Elementwise primitives: arithmetic, unary math, comparisons, casts."""
from __future__ import annotations

import math
import operator as _operator

from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import binary


class Add(Primitive, node_name="AddBackward0"):
    forward = staticmethod(_operator.add)  # x + y, without a Python frame

    def backward(self, grad):
        return grad, grad

    def backward_arrays(self, g):
        return g, g


class Sub(Primitive, node_name="SubBackward0"):
    forward = staticmethod(_operator.sub)  # x - y, without a Python frame

    def backward(self, grad):
        return grad, -grad

    def backward_arrays(self, g):
        return g, -g


class Mul(Primitive, node_name="MulBackward0"):
    save_inputs = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, self._in_meta[0] is not None)

    forward = staticmethod(_operator.mul)  # x * y, without a Python frame

    def backward(self, grad):
        x, y = self.inputs
        return (grad * y if self._in_meta[0] else None,
                grad * x if self._in_meta[1] else None)

    def backward_arrays(self, g):
        x, y = self.inputs
        return (g * y._data if self._in_meta[0] else None,
                g * x._data if self._in_meta[1] else None)


class Div(Primitive, node_name="DivBackward0"):
    save_inputs = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, True)

    forward = staticmethod(_operator.truediv)  # x / y, without a Python frame

    def backward(self, grad):
        x, y = self.inputs
        gx = grad / y
        return gx, (-gx * x / y if self._in_meta[1] else None)

    def backward_arrays(self, g):
        x, y = self.inputs
        gx = g / y._data
        return gx, (-gx * x._data / y._data if self._in_meta[1] else None)


class Pow(Primitive, node_name="PowBackward1"):
    save_inputs = True
    save_output = True

    def forward(self, x, y):
        return x ** y

    def backward(self, grad):
        x, y = self.inputs
        gx = grad * y * x ** (y - 1) if self._in_meta[0] else None
        gy = None
        if self._in_meta[1]:
            safe = where(x == 0, x.new_ones(()), x)
            gy = where((x == 0) & (y >= 0), grad.new_zeros(()), grad * self.output * safe.log())
        return gx, gy


class PowScalar(Primitive, node_name="PowBackward0"):
    """x ** c for a Python number c."""
    save_inputs = True

    def forward(self, x):
        return x ** self.exponent

    def backward(self, grad):
        (x,) = self.inputs
        c = self.exponent
        if c == 0:
            return grad * 0
        if c == 2:
            return grad * (x * 2)
        return grad * (x ** (c - 1) * c)


class RPowScalar(Primitive, node_name="PowBackward2"):
    """c ** x for a Python number c."""
    save_output = True

    def forward(self, x):
        return self.xp.asarray(self.base, dtype=x.dtype) ** x

    def backward(self, grad):
        return grad * self.output * math.log(self.base) if self.base > 0 else grad * 0


class Neg(Primitive, node_name="NegBackward0"):
    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad

    def backward_arrays(self, g):
        return (-g,)


def _unary(name, np_name, node, grad_fn, save="input"):
    """Define a unary primitive whose derivative is ``grad_fn(grad, x_or_out)``.

    ``grad_fn`` is written with operators only, so the same formula also runs on raw arrays
    (``backward_arrays``) when no graph of the backward is needed.
    """
    def forward(self, x):
        return getattr(self.xp, np_name)(x)

    def backward(self, grad):
        saved = self.output if save == "output" else self.inputs[0]
        return grad_fn(grad, saved)

    attrs = {"forward": forward, "backward": backward, "node_name": node,
             "save_inputs": save == "input", "save_output": save == "output"}
    if name in _OPERATOR_ONLY:
        def backward_arrays(self, g):
            saved = self.output_array if save == "output" else self.inputs[0]._data
            return (grad_fn(g, saved),)
        attrs["backward_arrays"] = backward_arrays
    return type(name, (Primitive,), attrs)


# unary derivatives written with arithmetic operators only (valid on arrays too)
_OPERATOR_ONLY = {"Exp", "Log", "Log1p", "Expm1", "Sqrt", "Tan", "Tanh", "Reciprocal"}


Exp = _unary("Exp", "exp", "ExpBackward0", lambda g, out: g * out, "output")
Log = _unary("Log", "log", "LogBackward0", lambda g, x: g / x)
Log2 = _unary("Log2", "log2", "Log2Backward0", lambda g, x: g / (x * math.log(2)))
Log10 = _unary("Log10", "log10", "Log10Backward0", lambda g, x: g / (x * math.log(10)))
Log1p = _unary("Log1p", "log1p", "Log1PBackward0", lambda g, x: g / (x + 1))
Expm1 = _unary("Expm1", "expm1", "Expm1Backward0", lambda g, out: g * (out + 1), "output")
Sqrt = _unary("Sqrt", "sqrt", "SqrtBackward0", lambda g, out: g / (out * 2), "output")
Sin = _unary("Sin", "sin", "SinBackward0", lambda g, x: g * x.cos())
Cos = _unary("Cos", "cos", "CosBackward0", lambda g, x: -g * x.sin())
Tan = _unary("Tan", "tan", "TanBackward0", lambda g, out: g * (out * out + 1), "output")
Tanh = _unary("Tanh", "tanh", "TanhBackward0", lambda g, out: g * (1 - out * out), "output")
Sinh = _unary("Sinh", "sinh", "SinhBackward0", lambda g, x: g * x.cosh())
Cosh = _unary("Cosh", "cosh", "CoshBackward0", lambda g, x: g * x.sinh())
Asin = _unary("Asin", "arcsin", "AsinBackward0", lambda g, x: g * (1 - x * x).rsqrt())
Acos = _unary("Acos", "arccos", "AcosBackward0", lambda g, x: -g * (1 - x * x).rsqrt())
Atan = _unary("Atan", "arctan", "AtanBackward0", lambda g, x: g / (x * x + 1))
Abs = _unary("Abs", "abs", "AbsBackward0", lambda g, x: g * x.sign())
Reciprocal = _unary("Reciprocal", "reciprocal", "ReciprocalBackward0",
                    lambda g, out: -g * out * out, "output")


class Rsqrt(Primitive, node_name="RsqrtBackward0"):
    save_output = True

    def forward(self, x):
        return 1 / self.xp.sqrt(x)

    def backward(self, grad):
        out = self.output
        return grad * out * out * out * -0.5


class Sigmoid(Primitive, node_name="SigmoidBackward0"):
    save_output = True

    def forward(self, x):
        xp = self.xp
        # split by sign so that exp never overflows
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, grad):
        out = self.output
        return grad * out * (1 - out)

    def backward_arrays(self, g):
        out = self.output_array
        return (g * out * (1 - out),)


class Relu(Primitive, node_name="ReluBackward0"):
    save_output = True

    def forward(self, x):
        # against a zero array, not the scalar 0: NumPy's SIMD maximum skips stride-0
        # operands, and the scalar form is 2-3x slower
        return self.xp.maximum(x, self.xp.zeros(x.shape, x.dtype))

    # ``out != 0`` rather than ``out > 0`` (out is never negative): a NaN input passes its
    # gradient through, as PyTorch's
    def backward(self, grad):
        out = self.output
        return grad * (out != 0)

    def backward_arrays(self, g):
        return (g * (self.output_array != 0),)


class Erf(Primitive, node_name="ErfBackward0"):
    save_inputs = True

    def forward(self, x):
        from .._backend.special import erf
        return erf(self.xp, x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


class ZeroGrad(Primitive):
    """Piecewise-constant functions (floor, ceil, round, trunc, sign): zero derivative."""

    def forward(self, x):
        return self.fn(self.xp, x)

    def backward(self, grad):
        return grad * 0


def _zero_grad_op(name):
    return type(name, (ZeroGrad,), {"node_name": f"{name}Backward0"})


Floor, Ceil, Round, Trunc, Sign = (_zero_grad_op(n) for n in
                                   ("Floor", "Ceil", "Round", "Trunc", "Sign"))


class Clamp(Primitive, node_name="ClampBackward1"):
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        out = x
        if self.lo is not None:
            out = xp.maximum(out, xp.asarray(self.lo, dtype=x.dtype))
        if self.hi is not None:
            out = xp.minimum(out, xp.asarray(self.hi, dtype=x.dtype))
        return out

    def backward(self, grad):
        (x,) = self.inputs
        mask = None
        if self.lo is not None:
            mask = x >= self.lo
        if self.hi is not None:
            m = x <= self.hi
            mask = m if mask is None else mask & m
        return grad * mask


class Maximum(Primitive, node_name="MaximumBackward0"):
    save_inputs = True

    def forward(self, x, y):
        return self.xp.maximum(x, y)

    def backward(self, grad):
        x, y = self.inputs
        return _tie_split(grad, x > y, x < y, x == y)


class Minimum(Primitive, node_name="MinimumBackward0"):
    save_inputs = True

    def forward(self, x, y):
        return self.xp.minimum(x, y)

    def backward(self, grad):
        x, y = self.inputs
        return _tie_split(grad, x < y, x > y, x == y)


def _tie_split(grad, x_wins, y_wins, tie):
    """Half each at a tie; where neither wins (a NaN operand) both get all of it."""
    share = where(tie, grad * 0.5, grad)
    zero = grad.new_zeros(())
    return where(y_wins, zero, share), where(x_wins, zero, share)


class Where(Primitive, node_name="WhereBackward0"):
    def forward(self, x, y):
        return self.xp.where(self.cond, x, y)

    def backward(self, grad):
        zero = grad.new_zeros(())
        c = Tensor._make(self.cond, _bool(), grad.device)
        return where(c, grad, zero), where(c, zero, grad)


def _bool():
    from .._dtype import bool_
    return bool_


class Convert(Primitive, node_name="ToCopyBackward0"):
    """Cast and/or move; the gradient goes back to the source dtype and device."""

    def forward(self, x):
        from .. import _backend
        dst = _backend.get(self.device)
        if self.src_device != self.device:
            x = dst.from_host(self.src_backend.to_host(x), self.device.index)
        return x.astype(self.dtype.np, copy=self.src_device == self.device)

    def backward(self, grad):
        return grad.to(self.src_device)


class Clone(Primitive, node_name="CloneBackward0"):
    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad

    def backward_arrays(self, g):
        return (g,)


def convert(x, dtype, device):
    if x._rg and not (dtype.is_floating_point or dtype.is_complex):
        x = x.detach()  # an integer or bool result is not differentiable: no graph, as PyTorch
    out = Convert.apply(x, dtype=dtype, device=device, src_device=x.device,
                        src_backend=x._backend)
    if device != x.device:
        from .. import _backend
        out.device = device
        out._backend = _backend.get(device)
    return out


def where(condition, input=None, other=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    if input is None and other is None:
        from .index import nonzero
        return nonzero(condition, as_tuple=True)
    x, y = binary(input, other)
    cond = condition._data if isinstance(condition, Tensor) else condition
    if cond.dtype != bool:
        if isinstance(condition, Tensor) and condition.dtype.name != "uint8":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype._legacy[:-6]}")
        cond = cond.astype(bool)
    try:
        return Where.apply(x, y, cond=cond)
    except (ValueError, RuntimeError) as e:  # name the operands in PyTorch's order
        import numpy as np

        from ..autograd.node import broadcast_error
        sc = cond.shape
        err = broadcast_error(sc, x.shape) or broadcast_error(
            np.broadcast_shapes(sc, x.shape), y.shape)
        raise (err or e) from None
