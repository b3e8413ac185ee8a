"""Out-of-place updates at indices: index_add, index_copy, index_fill, index_put."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import int32, int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim
from .index import Index, IndexPut, _accumulate, _consumed, _normalise_key, getitem_raw
from .scatter import _check_tensor_arg, _first_bad, _out, _shape_str


def _dim_key(dim, idx):
    return (slice(None),) * dim + (idx,)


class IndexAddDim(Primitive, node_name="IndexAddBackward0"):
    """A copy of x with the slices of ``src`` added at ``index`` along ``dim``."""

    def forward(self, x, src):
        out = x.copy()
        _accumulate(self.xp, out, _dim_key(self.dim, self.index), src)
        return out

    def backward(self, grad):
        gsrc = Index.apply(grad, key=_dim_key(self.dim, self.index), in_shape=grad.shape,
                           advanced=True) if self._in_meta[1] else None
        return grad, gsrc


def _written(self, x, values):
    """A copy of ``x`` with ``values`` assigned at ``index`` along ``dim``."""
    out = x.copy()
    out[_dim_key(self.dim, self.index)] = values
    return out


class IndexCopyDim(Primitive, node_name="IndexCopyBackward0"):
    """A copy of x with the slices of ``src`` written at ``index`` along ``dim``."""

    forward = _written  # ``src``'s slices at ``index``

    def backward(self, grad):
        key = _dim_key(self.dim, self.index)
        gx = IndexFillDim.apply(grad, grad.new_zeros(()), dim=self.dim, index=self.index)
        gsrc = Index.apply(grad, key=key, in_shape=grad.shape, advanced=True) \
            if self._in_meta[1] else None
        return gx, gsrc


class IndexFillDim(Primitive, node_name="IndexFillBackward0"):
    """A copy of x with the 0-dim ``value`` at ``index`` along ``dim``."""

    forward = _written  # ``value`` at every ``index``

    def backward(self, grad):
        gx = IndexFillDim.apply(grad, grad.new_zeros(()), dim=self.dim, index=self.index)
        gv = None
        if self._in_meta[1]:  # each filled slice counts once, even when index repeats
            uniq = self.xp.unique(self.index % grad.shape[self.dim])
            gv = Index.apply(grad, key=_dim_key(self.dim, uniq), in_shape=grad.shape,
                             advanced=True).sum()
        return gx, gv


class IndexFillTensor(IndexFillDim, node_name="IndexFillBackward1"):
    pass


class IndexPutAccumulate(Primitive, node_name="IndexPutBackward0"):
    """A copy of x with ``values`` added at ``key`` (repeated indices accumulate)."""

    def forward(self, x, v):
        out = x.copy()
        _accumulate(self.xp, out, self.key, v)
        return out

    def backward(self, grad):
        gv = getitem_raw(grad, self.key, self.advanced) if self._in_meta[1] else None
        return grad, gv


def _check_index_vector(name, index, dtypes, ndim_error):
    if index.dtype not in dtypes:
        got = index.dtype._legacy[:-6]
        msg = {"index_add_": f"index_add_(): Expected dtype int32/int64 for index but got: {got}",
               "index_copy_": f"index_copy_(): Expected a long tensor for index, but got {got}",
               "index_fill_": "index_fill_(): Expected dtype int64 for index."}[name]
        raise (IndexError if name == "index_fill_" else RuntimeError)(msg)
    if index.ndim > 1:
        raise ndim_error


def _check_index_bounds(name, index, input, dim, allow_negative=False):
    n = input.shape[dim] if input.ndim else 1
    arr = index._data
    if not arr.size:
        return arr.reshape(-1)
    lo = -n if allow_negative else 0
    if int(arr.max()) >= n or int(arr.min()) < lo:
        bad = _first_bad(arr, lo, n)
        prefix = "index_copy_(): " if name == "index_copy_" else ""
        err = RuntimeError if name == "index_add_" else IndexError
        raise err(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {n}")
    return arr.reshape(-1)


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats add up).

    >>> ember.zeros(3).index_add(0, ember.tensor([0, 2, 0]), ember.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    _check_tensor_arg("index_add", "index", 2, index)
    _check_tensor_arg("index_add", "source", 3, source)
    dim = wrap_dim(dim, input.ndim)
    _check_index_vector("index_add_", index, (int64, int32), IndexError(
        f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
        f"{index.dtype._legacy[:-6]} and size: {_shape_str(index)}"))
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._legacy[:-6]}) and source "
                           f"({source.dtype._legacy[:-6]}) must have the same scalar type")
    if source.ndim != input.ndim and not (source.ndim <= 1 and input.ndim <= 1) or \
            source.ndim > 0 and input.ndim > 0 and any(
                a != b for i, (a, b) in enumerate(zip(input.shape, source.shape)) if i != dim):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_shape_str(input)} "
                           f"source.shape = {_shape_str(source)}")
    n_src = source.shape[dim] if source.ndim else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal "
                           f"to source.size(dim): ({n_src}), for dim: {dim}")
    idx = _check_index_bounds("index_add_", index, input, dim)
    if alpha != 1:
        from .math import mul
        source = mul(source, alpha if input.dtype.is_floating_point else int(alpha))
    if input.ndim == 0:
        res = IndexAddDim.apply(input.reshape(1), source.reshape(1), dim=0,
                                index=idx).reshape(())
    else:
        res = IndexAddDim.apply(input, source, dim=dim, index=idx)
    return res if out is None else _out(res, out)


def index_copy(input, dim, index, source, *, out=None):
    """``input`` with the slices of ``source`` copied to ``index`` along ``dim``.

    >>> ember.zeros(3).index_copy(0, ember.tensor([2, 0]), ember.tensor([1., 2.]))
    tensor([2., 0., 1.])
    """
    _check_tensor_arg("index_copy", "index", 2, index)
    _check_tensor_arg("index_copy", "source", 3, source)
    dim = wrap_dim(dim, input.ndim)
    _check_index_vector("index_copy_", index, (int64,), IndexError(
        f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})"))
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {input.dtype._legacy[:-6]} and (source) "
                           f"{source.dtype._legacy[:-6]}")
    if source.ndim and input.ndim and source.ndim != input.ndim:
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({source.ndim}), "
                         f"destination dimensionality ({input.ndim})")
    for i, (a, b) in enumerate(zip(input.shape, source.shape)):
        if i != dim and a != b:
            j = i - (i > dim)  # PyTorch counts the dims of a slice (without ``dim``)
            raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {a} at dimension {j} and "
                               f"source slice shape: {b} at dimension {j}.")
    n_src = source.shape[dim] if source.ndim else 1
    if index.numel() != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({n_src})")
    idx = _check_index_bounds("index_copy_", index, input, dim)
    if input.ndim == 0:
        res = IndexCopyDim.apply(input.reshape(1), source.reshape(1), dim=0,
                                 index=idx).reshape(())
    else:
        res = IndexCopyDim.apply(input, source, dim=dim, index=idx)
    return res if out is None else _out(res, out)


def index_fill(input, dim, index, value):
    """``input`` with ``value`` written to the slices at ``index`` along ``dim``.

    >>> ember.zeros(2, 3).index_fill(1, ember.tensor([0, 2]), -1.)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    _check_tensor_arg("index_fill", "index", 2, index)
    if not isinstance(value, (Tensor, Number, np.number, np.bool_)):
        raise TypeError(f"index_fill() received an invalid combination of arguments - got "
                        f"(Tensor, int, Tensor, {type(value).__name__}), but expected one of:")
    dim = wrap_dim(dim, input.ndim)
    _check_index_vector("index_fill_", index, (int64,), RuntimeError(
        "Index has to be a vector/scalar"))
    idx = _check_index_bounds("index_fill_", index, input, dim, allow_negative=True)
    kind = IndexFillTensor if isinstance(value, Tensor) else IndexFillDim
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        v = value.to(input.dtype) if value.dtype is not input.dtype else value
    else:
        from ._util import scalar_tensor
        v = scalar_tensor(value, input.dtype, input)
    if input.ndim == 0:
        return kind.apply(input.reshape(1), v, dim=0, index=idx).reshape(())
    return kind.apply(input, v, dim=dim, index=idx)


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` put at ``input[indices]`` (added there when ``accumulate``).

    >>> ember.zeros(3).index_put((ember.tensor([0, 0]),), ember.tensor(1.), accumulate=True)
    tensor([2., 0., 0.])
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, k in enumerate(indices):
        if not isinstance(k, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(k).__name__}")
    _check_tensor_arg("index_put", "values", 2, values)
    if values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{input.dtype._legacy[:-6]} for the destination and "
                           f"{values.dtype._legacy[:-6]} for the source.")
    if _consumed(tuple(indices)) > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got "
                         f"{len(indices)})")
    key, advanced = _normalise_key(input, tuple(indices))
    target = input._data[key].shape
    try:
        np.broadcast_shapes(values.shape, target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_shape_str(values)} cannot "
                           f"be broadcast to indexing result of shape "
                           f"[{', '.join(map(str, target))}]") from None
    if accumulate:
        return IndexPutAccumulate.apply(input, values, key=key, advanced=advanced)
    return IndexPut.apply(input, values, key=key, advanced=advanced)
