"""Differentiable special functions: the primitives behind ``ember.special`` and the
``ember.*`` / ``Tensor`` methods PyTorch also has (erfc, erfinv, lgamma, digamma, polygamma,
mvlgamma, i0, logit)."""
from __future__ import annotations

import math

from .._tensor import Tensor
from ..autograd.node import Primitive
from ..ops._util import binary, to_float
from ..ops.elementwise import where
from ..ops.inplace import apply_inplace
from ..ops.math import _out, log1p, mul
from . import _kernels as K

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


class _Kernel(Primitive):
    """A unary special function whose forward is one array kernel."""

    kernel = None
    cpu_kernel = None  # PyTorch's kernel name, which its error for complex input names

    def forward(self, x):
        return self.kernel(self.xp, x)


class Erfc(_Kernel, node_name="ErfcBackward0"):
    cpu_kernel = "erfc_vml_cpu"
    kernel = staticmethod(K.erfc)
    save_inputs = True

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (-2 / _SQRT_PI) * (-(x * x)).exp()


class Erfinv(_Kernel, node_name="ErfinvBackward0"):
    cpu_kernel = "erfinv_vml_cpu"
    kernel = staticmethod(K.erfinv)
    save_output = True

    def backward(self, grad):
        out = self.output
        return grad * (_SQRT_PI / 2) * (out * out).exp()


class Erfcx(_Kernel, node_name="SpecialErfcxBackward0"):
    cpu_kernel = "erfcx_cpu"
    kernel = staticmethod(K.erfcx)
    save_inputs = save_output = True

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (2 * x * self.output - 2 / _SQRT_PI)


class Ndtri(_Kernel, node_name="SpecialNdtriBackward0"):
    cpu_kernel = "ndtri_cpu"
    kernel = staticmethod(K.ndtri)
    save_output = True

    def backward(self, grad):
        out = self.output
        return grad * _SQRT_2PI * (out * out / 2).exp()


class LogNdtr(_Kernel, node_name="SpecialLogNdtrBackward0"):
    cpu_kernel = "log_ndtr_cpu"
    kernel = staticmethod(K.log_ndtr)
    save_inputs = save_output = True

    def backward(self, grad):  # pdf / cdf = exp(-x^2 / 2 - log_ndtr(x)) / sqrt(2 pi)
        (x,) = self.inputs
        return grad * (-(self.output + x * x / 2)).exp() / _SQRT_2PI


class Lgamma(_Kernel, node_name="LgammaBackward0"):
    cpu_kernel = "lgamma_vml_cpu"
    kernel = staticmethod(K.lgamma)
    save_inputs = True

    def backward(self, grad):
        return grad * Digamma.apply(self.inputs[0])


class Digamma(_Kernel, node_name="DigammaBackward0"):
    cpu_kernel = "digamma"
    kernel = staticmethod(K.digamma)
    save_inputs = True

    def backward(self, grad):
        return grad * Polygamma.apply(self.inputs[0], n=1)


class Polygamma(Primitive, node_name="PolygammaBackward0"):
    save_inputs = True

    def forward(self, x):
        return K.polygamma(self.xp, self.n, x)

    def backward(self, grad):
        return grad * Polygamma.apply(self.inputs[0], n=self.n + 1)


class I0(_Kernel, node_name="I0Backward0"):
    cpu_kernel = "i0_vml_cpu"
    kernel = staticmethod(K.i0)
    save_inputs = True

    def backward(self, grad):
        return grad * I1.apply(self.inputs[0])


class I0e(_Kernel, node_name="SpecialI0EBackward0"):
    cpu_kernel = "i0e_cpu"
    kernel = staticmethod(K.i0e)
    save_inputs = save_output = True

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (I1e.apply(x) - x.sign() * self.output)


def _at_zero(x):
    """(mask of x == 0, x with those zeros replaced by 1) for formulas with a 0/0 at zero."""
    zero = x == 0
    return zero, where(zero, 1.0, x)


class I1(_Kernel, node_name="SpecialI1Backward0"):
    cpu_kernel = "i1_cpu"
    kernel = staticmethod(K.i1)
    save_inputs = save_output = True

    def backward(self, grad):  # I1' = I0 - I1 / x, 1/2 at 0
        (x,) = self.inputs
        zero, xs = _at_zero(x)
        return grad * where(zero, 0.5, I0.apply(x) - self.output / xs)


class I1e(_Kernel, node_name="SpecialI1EBackward0"):
    cpu_kernel = "i1e_cpu"
    kernel = staticmethod(K.i1e)
    save_inputs = save_output = True

    def backward(self, grad):
        (x,) = self.inputs
        zero, xs = _at_zero(x)
        return grad * where(zero, 0.5, I0e.apply(x) - self.output * (x.sign() + 1 / xs))


class Entr(Primitive, node_name="SpecialEntrBackward0"):
    cpu_kernel = "entr_cpu"
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        pos = x > 0
        out = -x * xp.log(xp.where(pos, x, 1))
        out = xp.where(pos, out, xp.where(x == 0, 0, -math.inf).astype(x.dtype))
        return xp.where(xp.isnan(x), x, out)

    def backward(self, grad):
        return grad * -(1 + self.inputs[0].log())


class Logit(Primitive, node_name="LogitBackward0"):
    cpu_kernel = "logit_cpu"
    save_inputs = True

    def forward(self, x):
        if self.eps is not None:
            x = self.xp.clip(x, self.eps, 1 - self.eps)
        return self.xp.log(x / (1 - x))

    def backward(self, grad):
        (x,) = self.inputs
        d = grad / (x * (1 - x))
        if self.eps is None:
            return d
        return where((x < self.eps) | (x > 1 - self.eps), 0.0, d)


class Zeta(Primitive, node_name="SpecialZetaBackward0"):
    cpu_kernel = "zeta_cpu"
    save_inputs = True

    def forward(self, x, q):
        return K.zeta(self.xp, x, q)

    def backward(self, grad):
        x, q = self.inputs
        if self._in_meta[0] is not None:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, grad * -x * Zeta.apply(x + 1, q)


# ---- the functions ----

def _check_tensor(name, input, arg="input", pos=1):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(input).__name__}")


def _real(t, kernel):
    """``t``, unless it is complex: these functions are real-only, as in PyTorch."""
    if t.dtype.is_complex:
        kind = "ComplexFloat" if t.dtype.name == "complex64" else "ComplexDouble"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{kind}\'')
    return t


def _check_int(name, arg, pos, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be int, not "
                        f"{type(value).__name__}")


def unary(prim, name):
    """The public function ``name(input, *, out=None)`` of a unary primitive (integer inputs
    become the default float dtype)."""
    def fn(input, *, out=None):
        _check_tensor(name, input)
        return _out(prim.apply(to_float(_real(input, prim.cpu_kernel))), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``; integer inputs give the default float dtype."
    return fn


erfc = unary(Erfc, "erfc")
erfinv = unary(Erfinv, "erfinv")
lgamma = unary(Lgamma, "lgamma")
digamma = unary(Digamma, "digamma")
i0 = unary(I0, "i0")


def polygamma(n: int, input: Tensor, *, out=None, _name="polygamma") -> Tensor:
    """The n-th derivative of digamma, elementwise."""
    _check_int(_name, "n", 1, n)
    _check_tensor(_name, input, pos=2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    kernel = {0: "digamma", 1: "trigamma"}.get(n, "polygamma")
    return _out(Polygamma.apply(to_float(_real(input, kernel)), n=n), out)


def mvlgamma(input: Tensor, p: int, *, out=None, _name="mvlgamma") -> Tensor:
    """Log of the multivariate gamma function of dimension ``p``, elementwise:
    ``sum_j lgamma(x - j / 2) + p (p - 1) / 4 * log(pi)``."""
    _check_tensor(_name, input)
    _check_int(_name, "p", 2, p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    from ..ops.creation import tensor
    x = to_float(_real(input, "arange_cpu"))
    offsets = tensor([(j - p + 1) / 2 for j in range(p)], dtype=x.dtype, device=x.device)
    res = Lgamma.apply(x.unsqueeze(-1) + offsets).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
    return _out(res, out)


def logit(input: Tensor, eps: float | None = None, *, out=None, _name="logit") -> Tensor:
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    _check_tensor(_name, input)
    return _out(Logit.apply(to_float(_real(input, Logit.cpu_kernel)), eps=eps), out)


def xlog1py(input, other, *, out=None) -> Tensor:
    """x * log1p(y), and 0 where x == 0 (unless y is NaN)."""
    x, y = binary(input, other, float_result=True)
    _real(x, "xlog1py_cpu")
    return _out(where((x == 0) & ~y.isnan(), 0.0, mul(x, log1p(y))), out)


def zeta(input, other, *, out=None) -> Tensor:
    """The Hurwitz zeta function sum_k (other + k) ** -input, elementwise."""
    x, q = binary(input, other, float_result=True)
    return _out(Zeta.apply(_real(x, Zeta.cpu_kernel), q), out)


def entr(input: Tensor, *, out=None) -> Tensor:
    """-x * log(x) for x > 0, 0 at 0, -inf below."""
    _check_tensor("special_entr", input)
    return _out(Entr.apply(to_float(_real(input, Entr.cpu_kernel))), out)


def ndtr(input: Tensor, *, out=None) -> Tensor:
    """The standard normal CDF, erfc(-x / sqrt(2)) / 2 (accurate in the lower tail)."""
    _check_tensor("special_ndtr", input)
    x = to_float(_real(input, "erf_vml_cpu"))
    return _out(Erfc.apply(x * -math.sqrt(0.5)) * 0.5, out)


# ---- Tensor methods (and their in-place variants) ----

def _inplace(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda a: fn(a, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


def _polygamma_method(self, n):
    return polygamma(n, self)


_polygamma_method.__name__ = "polygamma"
for _fn in (erfc, erfinv, lgamma, digamma, i0, logit, mvlgamma, _polygamma_method):
    setattr(Tensor, _fn.__name__, _fn)
    setattr(Tensor, _fn.__name__ + "_", _inplace(_fn))
