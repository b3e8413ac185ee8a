"""Gather and scatter along a dim: gather, scatter, scatter_add, scatter_reduce."""
from __future__ import annotations

import numpy as np

from .._dtype import bool_, int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim
from .index import IndexAdd, IndexPut


class Gather(Primitive, node_name="GatherBackward0"):
    def forward(self, x):
        return self.xp.take_along_axis(x, self.index, self.dim)

    def backward(self, grad):
        return ScatterAdd.apply(grad.new_zeros(self.in_shape), grad, dim=self.dim,
                                index=self.index, src_shape=grad.shape)


class ScatterAdd(Primitive, node_name="ScatterAddBackward0"):
    def forward(self, x, src):
        out = x.copy()
        from .. import _backend
        _backend.for_array(out).scatter_add(out, self.dim, self.index, _crop(src, self.index))
        return out

    def backward(self, grad):
        gsrc = Gather.apply(grad, dim=self.dim, index=self.index, in_shape=grad.shape)
        return grad, _pad_to(gsrc, self.src_shape) if self._in_meta[1] else None


class Scatter(Primitive, node_name="ScatterBackward0"):
    def forward(self, x, src):
        out = x.copy()
        idx = _full_index(self.xp, self.index, self.dim)
        out[idx] = _crop(src, self.index)
        return out

    def backward(self, grad):
        gx = Scatter.apply(grad, grad.new_zeros(self.index.shape), dim=self.dim, index=self.index,
                           src_shape=self.index.shape)
        gsrc = Gather.apply(grad, dim=self.dim, index=self.index, in_shape=grad.shape)
        return gx, _pad_to(gsrc, self.src_shape) if self._in_meta[1] else None


def _crop(src, index):
    if src.shape == index.shape or src.ndim == 0:
        return src if src.ndim else np.broadcast_to(src, index.shape) if isinstance(
            src, np.ndarray) else src
    return src[tuple(slice(0, s) for s in index.shape)]


def _pad_to(g, shape):
    if g.shape == tuple(shape):
        return g
    key = tuple(slice(0, s) for s in g.shape)
    return IndexAdd.apply(g, key=key, shape=tuple(shape), accumulate=False)


def _full_index(xp, index, dim):
    idx = list(xp.indices(index.shape, sparse=True))
    idx[dim] = index
    return tuple(idx)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values along ``dim`` at ``index`` (same number of dims as input)."""
    dim = wrap_dim(dim, input.ndim)
    _check_tensor_arg("gather", "index", 3, index)
    idx = _check_gather_index(input, dim, index, "gather")
    return Gather.apply(input, dim=dim, index=idx, in_shape=input.shape)


def _check_tensor_arg(fn, name, pos, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(t).__name__}")


def _check_gather_index(input, dim, index, name, src=None):
    if index.dtype is not int64 and index.dtype.name != "int32":
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        who = "input" if name == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {who} "
                           "tensor")
    _check_index_sizes(input, dim, index, name, src)
    arr = index._data
    n = input.shape[dim] if input.ndim else 1
    if arr.size and (int(arr.max()) >= n or int(arr.min()) < -n):
        raise RuntimeError(f"index {_first_bad(arr, -n, n)} is out of bounds for dimension {dim} "
                           f"with size {n}")
    return arr


def _first_bad(arr, lo, n):
    flat = arr.reshape(-1)
    return int(flat[((flat < lo) | (flat >= n)).argmax()])


def _shape_str(t):
    return f"[{', '.join(map(str, t.shape))}]"


def _check_index_sizes(input, dim, index, name, src):
    """PyTorch's bound: index no larger than input (but at dim) and than src."""
    if index.ndim != input.ndim:
        return
    too_big = any(i != dim and index.shape[i] > input.shape[i] for i in range(index.ndim))
    small_src = src is not None and src.ndim == index.ndim and \
        any(a > b for a, b in zip(index.shape, src.shape))
    if name == "gather" and too_big:
        d = next(i for i in range(index.ndim) if i != dim and index.shape[i] > input.shape[i])
        raise RuntimeError(f"Size does not match at dimension {d} expected index "
                           f"{_shape_str(index)} to be no larger than self {_shape_str(input)} "
                           f"apart from dimension {dim}")
    if name != "gather" and (too_big or small_src):
        msg = (f"Expected index {_shape_str(index)} to be no larger than self "
               f"{_shape_str(input)} apart from dimension {dim}")
        if src is not None:
            msg += f" and to be no larger size than src {_shape_str(src)}"
        raise RuntimeError(msg)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    dim = wrap_dim(dim, input.ndim)
    tsrc = src if isinstance(src, Tensor) else None
    idx = _check_gather_index(input, dim, index, "scatter", tsrc)
    if tsrc is not None and tsrc.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        full = src if isinstance(src, Tensor) else input.new_full(
            index.shape, value if src is None else src)
        if reduce == "add":
            return scatter_add(input, dim, index, full)
        return scatter_reduce(input, dim, index, full, "prod")
    if src is None or not isinstance(src, Tensor):
        from ._util import scalar_tensor
        src = scalar_tensor(value if src is None else src, input.dtype, input)
    src = src.to(input.dtype) if src.dtype is not input.dtype else src
    return Scatter.apply(input, src, dim=dim, index=idx, src_shape=src.shape)


def scatter_add(input, dim, index, src):
    _check_tensor_arg("scatter_add", "src", 3, src)
    dim = wrap_dim(dim, input.ndim)
    idx = _check_gather_index(input, dim, index, "scatter", src)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return ScatterAdd.apply(input, src.to(input.dtype), dim=dim, index=idx, src_shape=src.shape)


_SCATTER_UFUNCS = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "maximum",
                   "amin": "minimum"}


class ScatterReduce(Primitive, node_name="ScatterReduceBackward0"):
    """x with ``src`` reduced into it at ``index`` along ``dim`` (sum/prod/mean/amax/amin)."""
    save_inputs = True
    save_output = True

    def forward(self, x, src):
        xp = self.xp
        idx = _full_index(xp, self.index, self.dim)
        src = _crop(src, self.index)
        out = x.copy()
        if not self.include_self:
            out[idx] = _identity(self.reduce, out.dtype)
        getattr(xp, _SCATTER_UFUNCS[self.reduce]).at(out, idx, src)
        if self.reduce == "mean":
            count = xp.zeros(x.shape, dtype=np.int64)
            xp.add.at(count, idx, 1)
            count += int(self.include_self)
            count[count == 0] = 1
            self.count = count
            out = (out / count if out.dtype.kind in "fc" else out // count).astype(
                out.dtype, copy=False)
        return out

    def backward(self, grad):
        x, src = self.inputs
        src = _crop_tensor(src, self.index)
        gather_ = lambda t: Gather.apply(t, dim=self.dim, index=self.index, in_shape=t.shape)  # noqa
        if self.reduce == "sum":
            gx, gsrc = grad, gather_(grad)
        elif self.reduce == "mean":
            g = grad / grad._from_array(self.count.astype(grad._data.dtype))
            gx, gsrc = g, gather_(g)
        elif self.reduce == "prod":
            gx, gsrc = self._prod_grads(grad, x, src, gather_)
        else:
            gx, gsrc = self._extreme_grads(grad, x, src, gather_)
        if not self.include_self:
            gx = IndexPut.apply(gx, gx.new_zeros(()), key=_full_index(self.xp, self.index,
                                                                      self.dim))
        gsrc = _pad_to(gsrc, self.src_shape) if self._in_meta[1] else None
        return gx, gsrc

    def _again(self, x, src):
        return ScatterReduce.apply(x, src, dim=self.dim, index=self.index, reduce=self.reduce,
                                   include_self=self.include_self, src_shape=src.shape)

    def _prod_grads(self, grad, x, src, gather_):
        from .elementwise import where
        one = x.new_ones(())
        masked_x = where(x == 0, one, x)
        gx = grad * self._again(masked_x, src) / masked_x
        src_zero = src == 0
        n_zero = ScatterAdd.apply(x.new_zeros(x.shape), src_zero.to(x.dtype), dim=self.dim,
                                  index=self.index, src_shape=src.shape)
        single = src_zero & (gather_(n_zero) == 1)
        masked_src_result = self._again(x, where(single, one, src))
        gsrc = where(single, gather_(grad * masked_src_result),
                     gather_(grad * self.output) / where(src_zero, one, src))
        return gx, gsrc

    def _extreme_grads(self, grad, x, src, gather_):
        out = self.output
        x_is = (x == out).to(grad.dtype)
        src_is = (src == gather_(out)).to(grad.dtype)
        n = x_is + ScatterAdd.apply(x_is.new_zeros(x_is.shape), src_is, dim=self.dim,
                                    index=self.index, src_shape=src_is.shape)
        g = grad / n
        return x_is * g, src_is * gather_(g)


def _crop_tensor(src, index):
    if src.shape == index.shape or src.ndim == 0:
        return src
    return src[tuple(slice(0, s) for s in index.shape)]


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else (True if dtype.kind == "b" else np.iinfo(dtype).max)
    small = -np.inf if dtype.kind == "f" else (False if dtype.kind == "b" else
                                               np.iinfo(dtype).min)
    return small if reduce == "amax" else big


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``input`` with ``src`` reduced in at ``index`` along ``dim``.

    Args:
        reduce: "sum", "prod", "mean", "amax" or "amin".
        include_self: whether ``input``'s own values take part in the reduction.

    >>> src = ember.tensor([5., 3.])
    >>> ember.tensor([1., 2.]).scatter_reduce(0, ember.tensor([0, 0]), src, "amax")
    tensor([5., 2.])
    """
    _check_tensor_arg("scatter_reduce", "src", 3, src)
    if reduce not in _SCATTER_UFUNCS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    dim = wrap_dim(dim, input.ndim)
    idx = _check_gather_index(input, dim, index, "scatter", src)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce == "mean" and input.dtype is bool_:
        raise NotImplementedError('"scatter_gather_tensor_cpu_reduce_mean" not implemented for '
                                  "'Bool'")
    if input.ndim == 0:
        res = scatter_reduce(input.reshape(1), 0, index.reshape(-1), src.reshape(-1), reduce,
                             include_self=include_self).reshape(())
    else:
        res = ScatterReduce.apply(input, src, dim=dim, index=idx, reduce=reduce,
                                  include_self=include_self, src_shape=src.shape)
    return res if out is None else _out(res, out)


def _out(res, out):
    from .math import _out as write
    return write(res, out)
