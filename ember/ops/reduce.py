"""Reductions: sum, mean, prod, var/std, norm, logsumexp, all/any, and shared helpers.

max/min/sort/topk/kthvalue/median/mode live in ``extrema.py``, cumsum/cumprod/cummax/cummin
in ``cumulative.py`` and quantile/histc/unique/bincount in ``stats.py``; all are re-exported
here.
"""
from __future__ import annotations

from collections import namedtuple
from math import prod as _prod

import numpy as _np

from .._dtype import bool_, int64, to_dtype
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import to_float, wrap_dim, wrap_dims


def _return_type(name, fields=("values", "indices")):
    """A named tuple printed like ``torch.return_types.max(values=..., indices=...)``."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"
    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})
    cls.__module__ = "ember.return_types"
    return cls


RETURN_TYPES = {n: _return_type(n) for n in ("max", "min", "sort", "topk", "kthvalue",
                                             "median", "nanmedian", "mode", "cummax",
                                             "cummin")}
RETURN_TYPES["aminmax"] = _return_type("aminmax", ("min", "max"))


_add_reduce = _np.add.reduce


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Primitive, node_name="SumBackward1"):
    def forward(self, x):
        return x.sum(axis=self.dims, keepdims=self.keepdim, dtype=self.out_np)

    def backward(self, grad):
        return ExpandReduced.apply(grad, dims=self.dims, keepdim=self.keepdim,
                                   shape=self.in_shape)

    def backward_arrays(self, g):
        return (expand_reduced(self.xp, g, self.dims, self.keepdim, self.in_shape),)


def expand_reduced(xp, g, dims, keepdim, shape):
    """The array adjoint of a sum over ``dims``: broadcast back over them."""
    if not keepdim and dims is not None:
        g = g.reshape(_keep_shape(shape, dims))
    return broadcast(xp, g, shape)


class ExpandReduced(Primitive, node_name="ExpandBackward0"):
    """Broadcast a reduction's gradient back over the reduced dims (adjoint of Sum)."""

    def forward(self, g):
        return expand_reduced(self.xp, g, self.dims, self.keepdim, self.shape)

    def backward(self, grad):
        return Sum.apply(grad, dims=self.dims, keepdim=self.keepdim, out_np=grad.dtype.np,
                         in_shape=grad.shape)


class SumAll(Sum, node_name="SumBackward0"):
    # the defaults of ``x.sum()``, so the common call passes no parameters
    dims = None
    keepdim = False
    out_np = None

    def forward(self, x):
        if self.xp is _np:  # the ufunc itself: ndarray.sum goes through a Python function
            return _add_reduce(x, None, self.out_np, None, self.keepdim)
        return x.sum(axis=None, keepdims=self.keepdim, dtype=self.out_np)

    @property
    def in_shape(self):
        return self._in_meta[0][0]

    def backward_arrays(self, g):
        return (broadcast(self.xp, g, self._in_meta[0][0]),)  # any keepdim shape broadcasts


class Mean(Primitive, node_name="MeanBackward1"):
    def forward(self, x):
        return x.mean(axis=self.dims, keepdims=self.keepdim)

    def backward(self, grad):
        return ExpandReduced.apply(grad, dims=self.dims, keepdim=self.keepdim,
                                   shape=self.in_shape) / self.n

    def backward_arrays(self, g):
        return (expand_reduced(self.xp, g / self.n, self.dims, self.keepdim, self.in_shape),)


class MeanAll(Mean, node_name="MeanBackward0"):
    pass


class Prod(Primitive, node_name="ProdBackward1"):
    save_inputs = True
    save_output = True

    def forward(self, x):
        return x.prod(axis=self.dims, keepdims=True)

    def backward(self, grad):
        (x,) = self.inputs
        out = self.output
        d = self.dims
        zero = x == 0
        if not bool(zero.any()):
            return grad * out / x
        nz = where_(zero, x.new_ones(()), x)
        p = nz.prod(d[0], keepdim=True) if len(d) == 1 else nz.prod()
        zc = zero.sum(d, keepdim=True)
        others = where_(zero, where_(zc == 1, p, x.new_zeros(())),
                        where_(zc == 0, p / nz, x.new_zeros(())))
        return grad * others


def broadcast(xp, arr, shape):
    """Broadcast ``arr`` to ``shape``: a copy when small (cheaper than a view), else a view."""
    if _prod(shape) <= 4096:
        out = xp.empty(shape, dtype=arr.dtype)
        out[...] = arr
        return out
    return xp.broadcast_to(arr, shape)


def where_(c, a, b):
    from .elementwise import where
    return where(c, a, b)


def _out_dtype(x, dtype):
    if dtype is not None:
        return to_dtype(dtype)
    if x.dtype is bool_ or not (x.dtype.is_floating_point or x.dtype.is_complex):
        return int64
    return x.dtype


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (all dims when None); ints and bools sum as int64."""
    if dim is None and dtype is None and out is None and input.dtype.is_floating_point:
        return SumAll.apply(input, keepdim=True) if keepdim else SumAll.apply1(input)
    dims = wrap_dims(dim, input.ndim) if not (isinstance(dim, (tuple, list)) and not dim) else \
        tuple(range(input.ndim))
    dt = _out_dtype(input, dtype)
    x = input if dt.is_floating_point == input.dtype.is_floating_point or not \
        dt.is_floating_point else input.to(dt)
    if dim is None:
        res = SumAll.apply(x, dims=dims, keepdim=keepdim, out_np=dt.np)
    else:
        res = Sum.apply(x, dims=dims, keepdim=keepdim, out_np=dt.np, in_shape=x.shape)
    return _maybe_out(res, out)


def _maybe_out(res, out):
    if out is None:
        return res
    from .math import _out
    return _out(res, out)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    from .elementwise import where
    return sum(where(input.isnan(), input.new_zeros(()), input), dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean; integer inputs raise as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype._legacy[:-6]}")
    dims = wrap_dims(dim, input.ndim) if not (isinstance(dim, (tuple, list)) and not dim) else \
        tuple(range(input.ndim))
    n = 1
    for d in dims:
        n *= input.shape[d]
    kind = MeanAll if dim is None else Mean
    res = kind.apply(input, dims=dims, keepdim=keepdim, in_shape=input.shape, n=n)
    return _maybe_out(res, out)


def nanmean(input, dim=None, keepdim=False):
    keep = ~input.isnan()
    return nansum(input, dim, keepdim) / keep.sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    dt = _out_dtype(input, dtype)
    x = input.to(dt) if dt is not input.dtype else input
    if dim is not None:
        wrap_dim(dim, x.ndim)  # one int, as in PyTorch
    dims = wrap_dims(dim, x.ndim) if dim is not None else tuple(range(x.ndim))
    res = Prod.apply(x, dims=dims)
    if not keepdim:
        res = res.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))
    return res


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is not None and unbiased is not None:
        raise TypeError("var() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction', but expected one of:")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = to_float(input)
    dims = wrap_dims(dim, x.ndim)
    n = 1
    for d in dims:
        n *= x.shape[d]
    mu = Sum.apply(x, dims=dims, keepdim=True, out_np=x.dtype.np, in_shape=x.shape)
    mu = mu / (n if n > 0 else 1)
    dev = x - mu
    ss = Sum.apply(dev * dev, dims=dims, keepdim=keepdim, out_np=x.dtype.np, in_shape=x.shape)
    return ss / (n - correction) if n - correction > 0 else ss * float("nan")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if correction is not None and unbiased is not None:
        raise TypeError("std() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction', but expected one of:")
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm (or Frobenius) over ``dim``."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {input.dtype._legacy[:-6]}")
    x = to_float(input)
    if p in ("fro", 2, 2.0):
        sq = sum(x * x, dim, keepdim)
        return _safe_sqrt(sq)
    if p in (float("inf"), "inf"):
        return amax(x.abs(), dim if dim is not None else (), keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(x.abs(), dim if dim is not None else (), keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim)
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type {p}")
    return sum(x.abs() ** p, dim, keepdim) ** (1.0 / p)


class SafeSqrt(Primitive, node_name="NormBackward1"):
    """sqrt whose derivative at 0 is 0 (how PyTorch's norm treats a zero vector)."""
    save_output = True

    def forward(self, x):
        return self.xp.sqrt(x)

    def backward(self, grad):
        out = self.output
        safe = where_(out == 0, out.new_ones(()), out)
        return where_(out == 0, grad * 0, grad / (safe * 2))


def _safe_sqrt(x):
    return SafeSqrt.apply1(x)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) computed stably."""
    x = to_float(input)
    dims = wrap_dims(dim, x.ndim)
    if x.numel() == 0:
        return sum(x.exp(), dims, keepdim).log()
    m = Tensor._make(x._backend.xp.max(x._data, axis=dims, keepdims=True), x.dtype, x.device)
    m = where_(m.isinf(), m.new_zeros(()), m)
    s = sum((x - m).exp(), dims, keepdim=True).log() + m
    return s if keepdim else s.squeeze(dims)


def all(input, dim=None, keepdim=False):
    xp = input._backend.xp
    axis = None if dim is None else wrap_dims(dim, input.ndim)
    return input._from_array(xp.asarray(xp.all(input._data, axis=axis, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    xp = input._backend.xp
    axis = None if dim is None else wrap_dims(dim, input.ndim)
    return input._from_array(xp.asarray(xp.any(input._data, axis=axis, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


# Re-exported so that every name stays importable from here (imported last: those
# modules import from this one).
from .extrema import (  # noqa: E402,F401
    Amax, ArgExtreme, MaxDim, MinDim, ModeDim, _arg, _check_nonempty, _extreme, amax, amin, aminmax,
    argmax, argmin, argsort, kthvalue, max, min, mode, msort, sort, topk)
from .nan_ops import median  # noqa: E402,F401
from .cumulative import (  # noqa: E402,F401
    CumExtreme, Cummax, Cummin, Cumprod, Cumsum, _cum_extreme, _cumprod_grad_exact,
    _cumprod_grad_masked, _rev_cumsum, cummax, cummin, cumprod, cumsum)
from .stats import (  # noqa: E402,F401
    _INTERPOLATIONS, _c_num, _quantile, _quantile_checks, bincount, histc, nanquantile, quantile,
    unique)
