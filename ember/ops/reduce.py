"""Reductions: sum, mean, prod, max/min, var/std, norm, logsumexp, cumsum, sort, topk ..."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

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
                                             "median", "mode", "cummax", "cummin")}
RETURN_TYPES["aminmax"] = _return_type("aminmax", ("min", "max"))


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
    pass


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


class ArgExtreme(Primitive):
    """max/min along a dim: values (differentiable) and int64 indices."""

    def forward(self, x):
        xp = self.xp
        idx = (xp.argmax if self.largest else xp.argmin)(x, axis=self.dim, keepdims=True)
        if xp is np and x.dtype.kind == "f":
            nan_idx = np.isnan(x).argmax(axis=self.dim, keepdims=True)
            has_nan = np.isnan(x).any(axis=self.dim, keepdims=True)
            idx = np.where(has_nan, nan_idx, idx)
        vals = xp.take_along_axis(x, idx, self.dim)
        self.index = idx
        if not self.keepdim:
            vals, idx = vals.squeeze(self.dim), idx.squeeze(self.dim)
        return vals, idx.astype(np.int64)

    def backward(self, grad):
        from .index import ScatterAdd
        if not self.keepdim:
            grad = grad.unsqueeze(self.dim)
        return ScatterAdd.apply(grad.new_zeros(self.in_shape), grad, dim=self.dim,
                                index=self.index, src_shape=grad.shape)


class MaxDim(ArgExtreme, node_name="MaxBackward0"):
    largest = True


class MinDim(ArgExtreme, node_name="MinBackward0"):
    largest = False


class Amax(Primitive, node_name="AmaxBackward0"):
    """max/min over dims; ties share the gradient evenly (as PyTorch)."""
    save_inputs = True
    save_output = True

    def forward(self, x):
        fn = self.xp.max if self.largest else self.xp.min
        return fn(x, axis=self.dims, keepdims=self.keepdim)

    def backward(self, grad):
        (x,) = self.inputs
        out = self.output
        if not self.keepdim:
            shape = _keep_shape(self.in_shape, self.dims)
            out, grad = out.reshape(shape), grad.reshape(shape)
        mask = (x == out)
        count = mask.sum(self.dims, keepdim=True)
        return grad * mask / count


class Cumsum(Primitive, node_name="CumsumBackward0"):
    def forward(self, x):
        return self.xp.cumsum(x, axis=self.dim, dtype=x.dtype)

    def backward(self, grad):
        return grad.flip(self.dim).cumsum(self.dim).flip(self.dim)


class Cumprod(Primitive, node_name="CumprodBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, x):
        return self.xp.cumprod(x, axis=self.dim, dtype=x.dtype)

    def backward(self, grad):
        (x,) = self.inputs
        d = self.dim
        zero = x == 0
        if not bool(zero.any()):
            return _rev_cumsum(grad * self.output, d) / x
        from ..autograd.grad_mode import STATE
        if STATE.enabled:  # a graph of this gradient is being built: use the exact form
            return _cumprod_grad_exact(x, grad, d)
        return _cumprod_grad_masked(x, grad, self.output, zero, d)


def _rev_cumsum(t, d):
    return t.flip(d).cumsum(d).flip(d)


def _cumprod_grad_masked(x, grad, out, zero, d):
    """O(n) gradient of cumprod for inputs with zeros (not differentiable at the zeros).

    Before the first zero of a slice the division formula holds; at the first zero the
    gradient is sum_{j>=k} grad_j * prod_{m<=j, m!=k} x_m; after it, every term holds a zero.
    """
    nzero = zero.cumsum(d)
    before, first = nzero == 0, zero & (nzero == 1)
    one = x.new_ones(())
    g_before = _rev_cumsum(grad * out, d) / where_(before, x, one)
    g_first = _rev_cumsum(grad * where_(first, one, x).cumprod(d), d)
    return where_(before, g_before, where_(first, g_first, x.new_zeros(())))


def _cumprod_grad_exact(x, grad, d):
    """sum_{j>=k} grad_j * prod_{m<=j, m!=k} x_m for every k, as an (n, n) product table.

    Written with differentiable ops, so its own derivative is cumprod's second derivative
    (O(n^2) memory along ``dim``; used only when building a graph of the gradient).
    """
    from .creation import eye, ones
    n = x.shape[d]
    xm = x.movedim(d, -1).unsqueeze(-2).expand(*x.shape[:d], *x.shape[d + 1:], n, n)
    diag = eye(n, dtype=bool_, device=x.device)
    table = where_(diag, x.new_ones(()), xm).cumprod(-1)
    upper = ones(n, n, dtype=bool_, device=x.device).triu()
    g = grad.movedim(d, -1).unsqueeze(-2)
    return where_(upper, table * g, x.new_zeros(())).sum(-1).movedim(-1, d)


def broadcast(xp, arr, shape):
    """Broadcast ``arr`` to ``shape``: a copy when small (cheaper than a view), else a view."""
    n = 1
    for s in shape:
        n *= s
    if n <= 4096:
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
        return SumAll.apply(input, dims=None, keepdim=keepdim, out_np=None,
                            in_shape=input._data.shape)
    dims = wrap_dims(dim, input.ndim) if not (isinstance(dim, (tuple, list)) and not dim) else \
        tuple(range(input.ndim))
    dt = _out_dtype(input, dtype)
    x = input if dt.is_floating_point == input.dtype.is_floating_point or not \
        dt.is_floating_point else input.to(dt)
    kind = SumAll if dim is None else Sum
    res = kind.apply(x, dims=dims, keepdim=keepdim, out_np=dt.np, in_shape=x.shape)
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


def _extreme(input, dim, keepdim, largest, name):
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return Amax.apply(input, dims=tuple(range(input.ndim)), keepdim=False, largest=largest,
                          in_shape=input.shape)
    if isinstance(dim, Tensor):
        from .math import maximum, minimum
        return (maximum if largest else minimum)(input, dim)
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return RETURN_TYPES[name](input.clone(), input.new_zeros((), dtype=int64))
    if input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    cls = MaxDim if largest else MinDim
    vals, idx = cls.apply(input, dim=d, keepdim=keepdim, in_shape=input.shape)
    return RETURN_TYPES[name](vals, idx)


def max(input, dim=None, keepdim=False, *, out=None):
    """Largest value; with ``dim`` a (values, indices) named tuple; with a tensor, maximum."""
    return _extreme(input, dim, keepdim, True, "max")


def min(input, dim=None, keepdim=False, *, out=None):
    return _extreme(input, dim, keepdim, False, "min")


def _check_nonempty(input, dims, name, all_dims):
    """PyTorch's errors for reducing an empty tensor with an operation that has no identity."""
    if input.numel():
        return
    if all_dims:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    for d in dims:
        if input.shape[d] == 0:
            sep = ":" if name == "aminmax" else "():"
            raise IndexError(f"{name}{sep} Expected reduction dim {d} to have non-zero size.")


def amax(input, dim=(), keepdim=False):
    dims = wrap_dims(dim, input.ndim) if dim != () else tuple(range(input.ndim))
    _check_nonempty(input, dims, "amax", dim == ())
    return Amax.apply(input, dims=dims, keepdim=keepdim, largest=True, in_shape=input.shape)


def amin(input, dim=(), keepdim=False):
    dims = wrap_dims(dim, input.ndim) if dim != () else tuple(range(input.ndim))
    _check_nonempty(input, dims, "amin", dim == ())
    return Amax.apply(input, dims=dims, keepdim=keepdim, largest=False, in_shape=input.shape)


def aminmax(input, *, dim=None, keepdim=False):
    if input.numel() == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        _check_nonempty(input, (wrap_dim(dim, input.ndim),), "aminmax", False)
    return RETURN_TYPES["aminmax"](amin(input, () if dim is None else dim, keepdim),
              amax(input, () if dim is None else dim, keepdim))


def _arg(input, dim, keepdim, largest):
    xp = input._backend.xp
    fn = xp.argmax if largest else xp.argmin
    if input.numel() == 0:
        name = "argmax" if largest else "argmin"
        if dim is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        _check_nonempty(input, (wrap_dim(dim, input.ndim),), name, False)
    if dim is None:
        return input._from_array(xp.asarray(fn(input._data.reshape(-1))).astype(np.int64))
    d = wrap_dim(dim, input.ndim)
    return input._from_array(fn(input._data, axis=d, keepdims=keepdim).astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


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
    return SafeSqrt.apply(x)


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


def cumsum(input, dim, *, dtype=None):
    dt = _out_dtype(input, dtype)
    x = input if dt is input.dtype else input.to(dt)
    d = wrap_dim(dim, x.ndim)
    return Cumsum.apply(x, dim=d) if x.ndim else x.clone()


def cumprod(input, dim, *, dtype=None):
    dt = _out_dtype(input, dtype)
    x = input if dt is input.dtype else input.to(dt)
    d = wrap_dim(dim, x.ndim)
    return Cumprod.apply(x, dim=d) if x.ndim else x.clone()


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


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; stable when asked."""
    from .index import gather
    d = wrap_dim(dim, input.ndim)
    xp = input._backend.xp
    if input.ndim == 0:
        return RETURN_TYPES["sort"](input.clone(), input.new_zeros((), dtype=int64))
    key = input._data
    if descending:
        if key.dtype.kind in "bu":
            key = key.astype(np.int64)
        key = -key
    idx = xp.argsort(key, axis=d, kind="stable")
    index = input._from_array(idx.astype(np.int64))
    return RETURN_TYPES["sort"](gather(input, d, index), index)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along ``dim`` and their indices."""
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return RETURN_TYPES["topk"](*sort(input))
    v, i = sort(input, d, descending=largest)
    return RETURN_TYPES["topk"](v.narrow(d, 0, k), i.narrow(d, 0, k))


def kthvalue(input, k, dim=-1, keepdim=False):
    d = wrap_dim(dim, input.ndim)
    if not 1 <= k <= (input.shape[d] if input.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        return RETURN_TYPES["kthvalue"](*sort(input))
    v, i = sort(input, dim)
    v, i = v.narrow(d, k - 1, 1), i.narrow(d, k - 1, 1)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return RETURN_TYPES["kthvalue"](v, i)


def median(input, dim=None, keepdim=False):
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0 and input.dtype.is_floating_point:
            return flat.new_full((), float("nan"))
        return sort(flat).values[(flat.numel() - 1) // 2]
    n = input.shape[wrap_dim(dim, input.ndim)] if input.ndim else 1
    return RETURN_TYPES["median"](*kthvalue(input, (n - 1) // 2 + 1, dim, keepdim))


class ModeDim(ArgExtreme, node_name="ModeBackward0"):
    """The most frequent value along a dim (the smallest on a tie) and its last index."""

    def forward(self, x):
        xp, d = self.xp, self.dim
        order = xp.argsort(x, axis=d, kind="stable")
        s = xp.take_along_axis(x, order, d)
        n = x.shape[d]
        # a run of equal sorted values starts where a value differs from its predecessor
        # (NaN != NaN, so each NaN is its own run, as in PyTorch)
        new = xp.not_equal(xp.take(s, xp.arange(1, n), d), xp.take(s, xp.arange(n - 1), d))
        edge = xp.ones(_keep_shape(x.shape, (d,)), dtype=bool)
        start = xp.concatenate([edge, new], axis=d)
        end = xp.concatenate([new, edge], axis=d)
        pos = xp.arange(n).reshape((-1,) + (1,) * (x.ndim - d - 1))
        first = xp.maximum.accumulate(xp.where(start, pos, 0), axis=d)
        count = xp.where(end, pos - first + 1, 0)
        best = xp.argmax(count, axis=d, keepdims=True)
        self.index = xp.take_along_axis(order, best, d)
        vals, idx = xp.take_along_axis(s, best, d), self.index
        if not self.keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
        return vals, idx.astype(np.int64)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` and the index of its last
    occurrence; on a tie of counts the smallest value wins.

    >>> ember.mode(ember.tensor([3, 1, 3, 1, 2]))
    torch.return_types.mode(
    values=tensor(1),
    indices=tensor(3))
    """
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return RETURN_TYPES["mode"](input.clone(), input.new_zeros((), dtype=int64))
    if input.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    vals, idx = ModeDim.apply(input, dim=d, keepdim=keepdim, in_shape=input.shape)
    return RETURN_TYPES["mode"](vals, idx)


class CumExtreme(Primitive):
    """Running max/min along a dim: values and the index where each was (last) reached."""

    def forward(self, x):
        xp, d = self.xp, self.dim
        vals = (xp.maximum if self.largest else xp.minimum).accumulate(x, axis=d)
        hit = x == vals  # ties move the index forward (PyTorch compares with >= / <=)
        if x.dtype.kind in "fc":
            hit |= xp.isnan(x)
        pos = xp.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - d - 1))
        self.index = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d).astype(np.int64)
        return vals, self.index

    def backward(self, grad):
        from .index import ScatterAdd
        return ScatterAdd.apply(grad.new_zeros(self.in_shape), grad, dim=self.dim,
                                index=self.index, src_shape=grad.shape)


class Cummax(CumExtreme, node_name="CummaxBackward0"):
    largest = True


class Cummin(CumExtreme, node_name="CumminBackward0"):
    largest = False


def _cum_extreme(input, dim, cls, name):
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return RETURN_TYPES[name](input.clone(), input.new_zeros((), dtype=int64))
    vals, idx = cls.apply(input, dim=d, in_shape=input.shape)
    return RETURN_TYPES[name](vals, idx)


def cummax(input, dim):
    """(values, indices) of the running maximum along ``dim``.

    >>> ember.cummax(ember.tensor([1., 3., 2., 3.]), 0)
    torch.return_types.cummax(
    values=tensor([1., 3., 3., 3.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme(input, dim, Cummax, "cummax")


def cummin(input, dim):
    """(values, indices) of the running minimum along ``dim``."""
    return _cum_extreme(input, dim, Cummin, "cummin")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_checks(input, q, interpolation):
    from .creation import tensor
    if isinstance(q, Tensor):
        qt = q
    elif isinstance(q, (float, int)) and not isinstance(q, bool):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qt = tensor(float(q), dtype=input.dtype, device=input.device)
    else:
        raise TypeError(f"quantile() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__name__}), but expected one of:")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if qt.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype.name not in ("float32", "float64"):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qt.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if qt.numel() and not bool(((qt >= 0) & (qt <= 1)).all()):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    return qt


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    from .math import ceil, floor, lerp, round
    qt = _quantile_checks(input, q, interpolation)
    if dim is None:
        x = input.reshape(-1)
    else:
        d = wrap_dim(dim, input.ndim)
        x = input.movedim(d, -1) if input.ndim else input.reshape(1)
    srt = sort(x, -1).values
    n = srt.shape[-1]
    nan = srt.isnan()
    if ignore_nan:  # ranks among the non-NaN values; an all-NaN slice gives rank 0 (NaN)
        ranks = qt * (~nan).sum(-1, keepdim=True).sub(1)
        ranks = where_(ranks < 0, ranks.new_zeros(()), ranks)
    else:  # a slice holding NaN points at its last (NaN) value
        ranks = where_(nan.any(-1, keepdim=True), qt.new_full((), n - 1), qt * (n - 1))
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": floor, "higher": ceil, "nearest": round}[interpolation](ranks)
    below = ranks.long()
    res = srt.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weight = ranks - below if interpolation == "linear" else ranks.new_full((), 0.5)
        res = lerp(res, srt.gather(-1, ceil(ranks).long()), weight)
    res = res.movedim(-1, 0) if qt.ndim else res.squeeze(-1)
    if keepdim:
        lead = 1 if qt.ndim else 0
        if dim is None:
            res = res.reshape(res.shape[:lead] + (1,) * input.ndim)
        elif input.ndim:
            res = res.unsqueeze(lead + d)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles of ``input`` along ``dim`` (of all elements when None).

    Args:
        q: a float or a 1-D tensor of probabilities in [0, 1]; a tensor's values become the
            result's first dimension.
        interpolation: "linear", "lower", "higher", "midpoint" or "nearest".

    >>> ember.quantile(ember.tensor([1., 2., 3., 4.]), 0.5)
    tensor(2.5000)
    """
    return _maybe_out(_quantile(input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """:func:`quantile` ignoring NaN values (NaN only where a slice is all NaN)."""
    return _maybe_out(_quantile(input, q, dim, keepdim, interpolation, True), out)


def _c_num(v):
    v = float(v)
    return "-nan" if v != v else (str(int(v)) if v.is_integer() else repr(v))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range when equal).

    Elements outside the range are ignored; the last bin includes ``max``.

    >>> ember.histc(ember.tensor([1., 2., 1.]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    xp = input._backend.xp
    a = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_c_num(lo)}, {_c_num(hi)}] is not finite")
    lo_a, hi_a = a.dtype.type(lo), a.dtype.type(hi)
    kept = a[(a >= lo_a) & (a <= hi_a)]
    pos = ((kept - lo_a) * bins / (hi_a - lo_a)).astype(np.int64)
    pos[pos == bins] = bins - 1
    counts = xp.bincount(pos, minlength=bins).astype(a.dtype)
    return _maybe_out(input._from_array(counts), out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The sorted unique elements (optionally with inverse indices and counts)."""
    xp = input._backend.xp
    if dim is not None and input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if dim is not None:
        res = xp.unique(input._data, return_inverse=True, return_counts=True,
                        axis=wrap_dim(dim, input.ndim))
    else:
        res = xp.unique(input._data.reshape(-1), return_inverse=True, return_counts=True)
    vals, inv, counts = res
    out = [input._from_array(vals)]
    if return_inverse:
        shape = input.shape if dim is None else (input.shape[wrap_dim(dim, input.ndim)],)
        out.append(input._from_array(inv.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(input._from_array(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    if input.dtype.is_floating_point or input.dtype is bool_:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    if input.ndim != 1 or (input.numel() and int(input._data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = None if weights is None else weights._data
    return input._from_array(input._backend.xp.bincount(input._data, w, minlength))
