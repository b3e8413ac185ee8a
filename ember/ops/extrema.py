"""Extremes and order: max/min, amax/amin, argmax/argmin, sort, topk, kthvalue, median, mode."""
from __future__ import annotations

import numpy as np

from .._dtype import int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim, wrap_dims
from .reduce import RETURN_TYPES, _keep_shape


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


class ReduceAll(Primitive):
    """A whole-tensor reduction whose value is one of the inputs (max, min, median): the
    gradient is shared evenly by every position equal to the result, or by every NaN when the
    result is NaN (as PyTorch)."""
    save_inputs = True
    save_output = True

    def forward(self, x):
        return self.xp.asarray(self.fn(self.xp, x.reshape(-1)), dtype=x.dtype)

    def backward(self, grad):
        (x,) = self.inputs
        out = self.output
        mask = (x == out) | (x.isnan() & out.isnan())
        return grad * mask / mask.sum()


class MaxAll(ReduceAll, node_name="MaxBackward1"):
    @staticmethod
    def fn(xp, flat):
        return xp.max(flat)


class MinAll(ReduceAll, node_name="MinBackward1"):
    @staticmethod
    def fn(xp, flat):
        return xp.min(flat)


def indexed_reduction(cls, name, input, d, keepdim, label=None):
    """``cls`` (a reduction giving values and indices) over dim ``d``, as PyTorch's named
    tuple ``name``; ``label`` names the op in the empty-dim error (default ``name``)."""
    if input.ndim == 0:
        return RETURN_TYPES[name](input.clone(), input.new_zeros((), dtype=int64))
    if input.shape[d] == 0:
        raise IndexError(f"{label or name}(): Expected reduction dim {d} to have non-zero "
                         "size.")
    vals, idx = cls.apply(input, dim=d, keepdim=keepdim, in_shape=input.shape)
    return RETURN_TYPES[name](vals, idx)


def _extreme(input, dim, keepdim, largest, name):
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return (MaxAll if largest else MinAll).apply1(input)
    if isinstance(dim, Tensor):
        from .math import maximum, minimum
        return (maximum if largest else minimum)(input, dim)
    return indexed_reduction(MaxDim if largest else MinDim, name, input,
                             wrap_dim(dim, input.ndim), keepdim)


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


def _argsort_descending(xp, a, d):
    """Stable descending argsort with NaN first (PyTorch orders NaN above every number).

    A stable ascending sort of the reversed array, read backwards, puts the largest values
    (NaN included, which NumPy sorts last) first and keeps equal values in index order.
    """
    n = a.shape[d]
    rev = xp.flip(a, axis=d)
    return (n - 1) - xp.flip(xp.argsort(rev, axis=d, kind="stable"), axis=d)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; stable when asked."""
    from .index import gather
    d = wrap_dim(dim, input.ndim)
    xp = input._backend.xp
    if input.ndim == 0:
        return RETURN_TYPES["sort"](input.clone(), input.new_zeros((), dtype=int64))
    if descending:
        idx = _argsort_descending(xp, input._data, d)
    else:
        idx = xp.argsort(input._data, axis=d, kind="stable")
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
    return indexed_reduction(ModeDim, "mode", input, wrap_dim(dim, input.ndim), keepdim)
