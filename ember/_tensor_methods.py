"""Attach the functional ops to ``Tensor`` as methods, operators and in-place variants."""
from __future__ import annotations

from ._tensor import Tensor
from .ops import creation, elementwise as E, index, inplace, linalg, math as M, random as R, \
    reduce, shape
from .ops._util import binary
from .ops.inplace import apply_inplace
from .autograd.node import binary_operator

_METHODS = {
    M: "add sub mul div true_divide floor_divide remainder fmod pow neg negative exp exp2 log "
       "log2 log10 log1p expm1 sqrt rsqrt sin cos tan tanh sinh cosh asin acos atan arcsin "
       "arccos arctan sigmoid erf reciprocal relu abs absolute floor ceil trunc fix round sign "
       "sgn frac clamp clip clamp_min clamp_max maximum minimum fmax fmin lerp addcmul addcdiv "
       "square xlogy atan2 hypot eq ne lt le gt ge less less_equal greater greater_equal "
       "not_equal logical_and logical_or logical_xor logical_not bitwise_and bitwise_or "
       "bitwise_xor bitwise_not isnan isinf isfinite isposinf isneginf signbit isclose "
       "allclose equal nan_to_num clone where multiply subtract divide rsub",
    reduce: "sum nansum mean nanmean prod max min amax amin aminmax argmax argmin var std norm "
            "logsumexp cumsum cumprod all any count_nonzero sort argsort topk kthvalue median "
            "unique bincount msort",
    shape: "view reshape flatten unflatten squeeze unsqueeze permute transpose swapaxes swapdims "
           "t movedim moveaxis expand expand_as broadcast_to repeat tile flip fliplr flipud roll "
           "narrow split chunk tensor_split unbind tril triu diag contiguous unfold",
    index: "gather scatter scatter_add index_select masked_fill masked_select nonzero argwhere "
           "take take_along_dim",
    linalg: "matmul mm bmm mv dot inner outer ger addmm addmv baddbmm addbmm",
    R: "bernoulli multinomial",
}

for _mod, _names in _METHODS.items():
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_mod, _name))


def _where(self, condition, y):
    """``x.where(condition, y)``: ``x`` where ``condition`` holds, else ``y``."""
    return M.where(condition, self, y)


Tensor.where = _where
Tensor.T = property(shape.T)
Tensor.mT = property(shape.mT)
Tensor.H = property(lambda self: shape.T(self).conj() if self.is_complex() else shape.T(self))
Tensor.mH = property(shape.mT)
Tensor.conj = lambda self: self
Tensor.view_as = lambda self, other: shape.view(self, other.shape)
Tensor.as_subclass = shape.as_subclass
Tensor.reshape_as = lambda self, other: shape.reshape(self, other.shape)


def _sum_to_size(self, *size):
    size = tuple(shape.shape_arg(size))
    lead = len(self.shape) - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, self.shape[lead:])):
        raise RuntimeError(f"size {{[{', '.join(map(str, size))}]}} is not expandable to size "
                           f"{{[{', '.join(map(str, self.shape))}]}}.")
    from .autograd.engine import sum_to
    return sum_to(self, size)


Tensor.sum_to_size = _sum_to_size
Tensor.softmax = lambda self, dim, dtype=None: _nnf().softmax(self, dim, dtype=dtype)
Tensor.log_softmax = lambda self, dim, dtype=None: _nnf().log_softmax(self, dim, dtype=dtype)
Tensor.__getitem__ = index.getitem
Tensor.__setitem__ = index.setitem


def _nnf():
    from .nn import functional
    return functional


# ---- dtype conversions ----
def _caster(dt):
    def cast(self, memory_format=None):
        return self.to(dt)
    return cast


for _n, _d in (("float", "float32"), ("double", "float64"), ("half", "float16"),
               ("long", "int64"), ("int", "int32"), ("short", "int16"), ("char", "int8"),
               ("byte", "uint8"), ("bool", "bool"), ("bfloat16", "bfloat16"),
               ("cfloat", "complex64"), ("cdouble", "complex128")):
    try:
        setattr(Tensor, _n, _caster(creation.to_dtype(_d)))
    except TypeError:  # bfloat16 without ml_dtypes
        pass


# ---- operators ----
def _rev(fn):
    return lambda self, other: fn(other, self)




Tensor.__add__ = binary_operator(E.Add, M.add)
Tensor.__radd__ = M.add
Tensor.__sub__ = binary_operator(E.Sub, M.sub, skip=creation.to_dtype("bool"))  # bool - bool raises
Tensor.__rsub__ = _rev(M.sub)
Tensor.__mul__ = binary_operator(E.Mul, M.mul)
Tensor.__rmul__ = M.mul
Tensor.__truediv__ = M.div
Tensor.__rtruediv__ = _rev(M.div)
Tensor.__floordiv__ = lambda self, other: M.floor_divide(self, other)
Tensor.__rfloordiv__ = _rev(M.floor_divide)
Tensor.__mod__ = lambda self, other: M.remainder(self, other)
Tensor.__rmod__ = _rev(M.remainder)
Tensor.__pow__ = lambda self, other: M.pow(self, other)
Tensor.__rpow__ = _rev(M.pow)
Tensor.__matmul__ = lambda self, other: linalg.matmul(self, other) \
    if isinstance(other, Tensor) else NotImplemented
Tensor.__rmatmul__ = lambda self, other: linalg.matmul(other, self) \
    if isinstance(other, Tensor) else NotImplemented
Tensor.__neg__ = M.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = M.abs


def _invert(self):
    if self.dtype.name == "bool":
        return M.logical_not(self)
    if self.dtype.is_floating_point or self.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return M.bitwise_not(self)


Tensor.__invert__ = _invert


def _contains(self, element):
    if not isinstance(element, (Tensor, int, float, complex, bool)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")
    return bool((self == element).any())


Tensor.__contains__ = _contains
Tensor.__and__ = Tensor.__rand__ = lambda self, other: M.bitwise_and(self, other)
Tensor.__or__ = Tensor.__ror__ = lambda self, other: M.bitwise_or(self, other)
Tensor.__xor__ = Tensor.__rxor__ = lambda self, other: M.bitwise_xor(self, other)
Tensor.__eq__ = lambda self, other: M.eq(self, other) if _cmp_ok(other) else NotImplemented
Tensor.__ne__ = lambda self, other: M.ne(self, other) if _cmp_ok(other) else NotImplemented
Tensor.__lt__ = lambda self, other: M.lt(self, other)
Tensor.__le__ = lambda self, other: M.le(self, other)
Tensor.__gt__ = lambda self, other: M.gt(self, other)
Tensor.__ge__ = lambda self, other: M.ge(self, other)
Tensor.__hash__ = object.__hash__


def _cmp_ok(other):
    from numbers import Number
    return isinstance(other, (Tensor, Number)) or hasattr(other, "__array__")


def _iop(fn):
    def op(self, other):
        return apply_inplace(self, lambda a: fn(a, other))
    return op


Tensor.__iadd__ = _iop(M.add)
Tensor.__isub__ = _iop(M.sub)
Tensor.__imul__ = _iop(M.mul)
Tensor.__itruediv__ = _iop(M.div)
Tensor.__ifloordiv__ = _iop(M.floor_divide)
Tensor.__imod__ = _iop(M.remainder)
Tensor.__ipow__ = _iop(M.pow)
Tensor.__iand__ = _iop(M.bitwise_and)
Tensor.__ior__ = _iop(M.bitwise_or)
Tensor.__ixor__ = _iop(M.bitwise_xor)


# ---- in-place variants: name_ computes name out of place and writes back ----
def _inplace_variant(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda a: fn(a, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


for _name in ("add sub mul div true_divide floor_divide remainder fmod pow neg negative exp "
              "exp2 log log2 log10 log1p expm1 sqrt rsqrt sin cos tan tanh sinh cosh asin acos "
              "atan sigmoid erf reciprocal relu abs floor ceil trunc fix round sign frac clamp "
              "clip clamp_min clamp_max lerp addcmul addcdiv square xlogy atan2 hypot "
              "masked_fill scatter scatter_add eq ne lt le gt ge logical_and logical_or "
              "logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not "
              "nan_to_num tril triu multiply subtract divide").split():
    _fn = getattr(Tensor, _name)
    setattr(Tensor, _name + "_", _inplace_variant(_fn))

Tensor.copy_ = inplace.copy_
Tensor.fill_ = inplace.fill_
Tensor.zero_ = inplace.zero_


def _shape_inplace(fn):
    def method(self, *args):
        res = fn(self, *args)
        self._data = res._data
        self._bump()
        return self
    return method


for _name in ("t", "transpose", "squeeze", "unsqueeze", "swapaxes", "swapdims"):
    setattr(Tensor, _name + "_", _shape_inplace(getattr(shape, _name)))


def _resize_(self, *size):
    import numpy as np
    shp = __import__("ember.ops.creation", fromlist=["check_size"]).check_size(
        shape.shape_arg(size))
    flat = self._data.reshape(-1)
    n = 1
    for s in shp:
        n *= s
    new = np.zeros(n, dtype=self._data.dtype)
    new[:min(n, flat.size)] = flat[:min(n, flat.size)]
    self._data = self._backend.xp.asarray(new.reshape(shp))
    self._bump()
    return self


Tensor.resize_ = _resize_
Tensor.resize_as_ = lambda self, other: _resize_(self, other.shape)


def _random_fill(method, **defaults):
    def fill(self, *args, generator=None, **kwargs):
        names = list(defaults)
        kw = dict(defaults)
        kw.update(zip(names, args))
        kw.update(kwargs)
        inplace.check_leaf(self)
        return R.fill_random(self, method, generator, **kw)
    return fill


Tensor.uniform_ = _random_fill("uniform", from_=0.0, to=1.0)
Tensor.normal_ = _random_fill("normal", mean=0.0, std=1.0)
Tensor.exponential_ = _random_fill("exponential", lambd=1.0)
Tensor.geometric_ = _random_fill("geometric", p=0.5)
Tensor.cauchy_ = _random_fill("cauchy", median=0.0, sigma=1.0)
Tensor.log_normal_ = _random_fill("log_normal", mean=1.0, std=2.0)
Tensor.bernoulli_ = _random_fill("bernoulli", p=0.5)


def _random_(self, from_=None, to=None, *, generator=None):
    """``random_()``: the dtype's full range; ``random_(to)``, ``random_(from, to)``."""
    inplace.check_leaf(self)
    if from_ is None and to is None:
        return R.fill_random(self, "random_full", generator)
    if to is None:
        from_, to = 0, from_
    return R.fill_random(self, "random", generator, from_=from_, to=to)


Tensor.random_ = _random_


def _index_fill_(self, dim, index, value):
    key = (slice(None),) * shape.wrap_dim(dim, self.ndim) + (index,)
    index_mod = __import__("ember.ops.index", fromlist=["setitem"])
    index_mod.setitem(self, key, value)
    return self


Tensor.index_fill_ = _index_fill_
# ---- linear algebra: trace, inverse, det, slogdet, svd, qr, cholesky ... ----
from .ops import linalg_decomp as _ld  # noqa: E402

for _name, _fn in (("trace", _ld.trace), ("inverse", _ld.inverse), ("det", _ld.det),
                   ("logdet", _ld.logdet), ("slogdet", _ld.slogdet_legacy),
                   ("svd", _ld.svd_legacy), ("qr", _ld.qr_legacy),
                   ("cholesky", _ld.cholesky_legacy), ("matrix_power", _ld.matrix_power),
                   ("pinverse", _ld.pinverse), ("triangular_solve", _ld.triangular_solve)):
    setattr(Tensor, _name, _fn)
Tensor.masked_scatter_ = None
del Tensor.masked_scatter_
# ---- index_add/copy/fill/put, scatter_reduce, cummax/cummin, mode, quantile, shifts ----
for _name in ("index_add", "index_copy", "index_fill", "index_put", "scatter_reduce"):
    setattr(Tensor, _name, getattr(index, _name))
    setattr(Tensor, _name + "_", _inplace_variant(getattr(index, _name)))
for _name in ("cummax", "cummin", "mode", "quantile", "nanquantile", "histc"):
    setattr(Tensor, _name, getattr(reduce, _name))
for _name in ("bitwise_left_shift", "bitwise_right_shift"):
    setattr(Tensor, _name, getattr(M, _name))
    setattr(Tensor, _name + "_", _inplace_variant(getattr(M, _name)))
Tensor.__lshift__ = lambda self, other: M.bitwise_left_shift(self, other)
Tensor.__rshift__ = lambda self, other: M.bitwise_right_shift(self, other)
Tensor.__rlshift__ = _rev(M.bitwise_left_shift)
Tensor.__rrshift__ = _rev(M.bitwise_right_shift)
Tensor.__ilshift__ = _iop(M.bitwise_left_shift)
Tensor.__irshift__ = _iop(M.bitwise_right_shift)
Tensor.apply_ = lambda self, fn: (self._data.__setitem__(
    Ellipsis, __import__("numpy").vectorize(fn)(self._data)), self._bump(), self)[-1]
Tensor.map_ = lambda self, other, fn: (self._data.__setitem__(
    Ellipsis, __import__("numpy").vectorize(fn)(self._data, other._data)), self._bump(), self)[-1]
_ = binary

# ---- diagonal, diag_embed, diff, kron, cross ----
for _mod, _names in ((shape, "diagonal diag_embed diff"), (linalg, "kron cross")):
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_mod, _name))

# ---- extra ops (C) ----
from .ops import (bucket as _bk, combine as _cb, grids as _gr, math_extra as _mx,  # noqa: E402
                  memory as _mem, stats_extra as _sx, strided as _st)

for _mod, _names in ((_gr, "rot90"), (_cb, "hsplit vsplit dsplit ravel masked_scatter"),
                     (_st, "as_strided"), (_bk, "histogram unique_consecutive"),
                     (_mx, "frexp ldexp logaddexp logaddexp2 float_power copysign nextafter "
                           "heaviside gcd lcm sinc deg2rad rad2deg angle positive"),
                     (_sx, "logcumsumexp renorm cov corrcoef"),
                     (_mem, "storage share_memory_ is_shared pin_memory is_pinned")):
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_mod, _name))
for _name in "copysign nextafter heaviside gcd lcm sinc deg2rad rad2deg renorm".split():
    setattr(Tensor, _name + "_", _inplace_variant(getattr(Tensor, _name)))
Tensor.masked_scatter_ = _cb.masked_scatter_
Tensor.float_power_ = _mx.float_power_
Tensor.ldexp_ = _mx.ldexp_

# ---- core fixes (F) ----
from .ops import bounds as _bo, rearrange as _ra  # noqa: E402


def _tensor_other(fn):
    def method(self, other, *, out=None):
        if not isinstance(other, Tensor):
            raise TypeError(f"{fn.__name__}(): argument 'other' (position 1) must be Tensor, "
                            f"not {type(other).__name__}")
        return fn(self, other, out=out)
    method.__name__ = fn.__name__
    return method


Tensor.fmax, Tensor.fmin = _tensor_other(_bo.fmax), _tensor_other(_bo.fmin)
Tensor.select = _ra.select_method
for _name in ("select_scatter", "slice_scatter", "diagonal_scatter"):
    setattr(Tensor, _name, getattr(_ra, _name))

# ---- NaN semantics (G) ----
from .ops import nan_ops as _nan  # noqa: E402

Tensor.median, Tensor.nanmedian = _nan.median, _nan.nanmedian
