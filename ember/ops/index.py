"""Indexing: getitem/setitem and their primitives, index_select, masks, nonzero, take.

The gather/scatter family lives in ``scatter.py`` and index_add/copy/fill/put in
``index_update.py``; both are re-exported here.
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import bool_, int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim


class Index(Primitive, node_name="IndexBackward0"):
    """x[key] for a normalised key (basic keys give views; advanced ones copy)."""

    def forward(self, x):
        return x[self.key]

    def backward(self, grad):
        return IndexAdd.apply(grad, key=self.key, shape=self.in_shape, accumulate=self.advanced)

    def backward_arrays(self, g):
        return (_scatter_into_zeros(self.xp, g, self.key, self.in_shape, self.advanced),)


class Select(Index, node_name="SelectBackward0"):
    pass


class Slice(Index, node_name="SliceBackward0"):
    pass


class IndexAdd(Primitive, node_name="IndexPutBackward0"):
    """zeros(shape) with ``grad`` added at ``key`` (the adjoint of Index)."""

    def forward(self, g):
        return _scatter_into_zeros(self.xp, g, self.key, self.shape, self.accumulate)

    def backward(self, grad):
        return Index.apply(grad, key=self.key, in_shape=self.shape, advanced=self.accumulate)


def _scatter_into_zeros(xp, g, key, shape, accumulate):
    """zeros(shape) with ``g`` written (or, for repeated indices, added) at ``key``."""
    out = xp.zeros(shape, dtype=g.dtype)
    if accumulate:
        _accumulate(xp, out, key, g)
    else:
        out[key] = g
    return out


def _accumulate(xp, out, key, g):
    if xp is np:
        np.add.at(out, key, g)
    else:
        xp.add.at(out, key, g)


class IndexPut(Primitive, node_name="IndexPutBackward0"):
    """A copy of x with ``values`` written at ``key`` (out-of-place setitem)."""

    def forward(self, x, v):
        out = x.copy()
        out[self.key] = v
        return out

    def backward(self, grad):
        gx = IndexPut.apply(grad, grad.new_zeros(()), key=self.key)
        gv = getitem_raw(grad, self.key, self.advanced) if self._in_meta[1] else None
        return gx, gv


# ---- key normalisation ----

def _normalise_key(x, key):
    """Turn a user key into a NumPy key; return (key, is_advanced)."""
    if not isinstance(key, tuple):
        key = (key,)
    out, advanced, dim = [], False, 0
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis and not
                 (isinstance(k, (Tensor, np.ndarray)) and k.dtype in (bool_, np.bool_) and False))
    ellipsis_seen = False
    for k in key:
        if k is Ellipsis:
            if ellipsis_seen:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ellipsis_seen = True
            skip = x.ndim - _consumed(key)
            out.append(Ellipsis)
            dim += max(skip, 0)
            continue
        if k is None:
            out.append(None)
            continue
        if isinstance(k, bool):
            out.append(k)
            advanced = True
            continue
        if isinstance(k, (int, np.integer)):
            k = _check_int(int(k), x, dim)
        elif isinstance(k, slice):
            k = _check_slice(k)
        elif isinstance(k, Tensor):
            k, adv_dims = _tensor_key(k, x, dim)
            advanced = True
            dim += adv_dims
            out.append(k)
            continue
        elif isinstance(k, (list, tuple, np.ndarray, range)):
            k, adv_dims = _tensor_key(_as_index_tensor(k), x, dim)
            advanced = True
            dim += adv_dims
            out.append(k)
            continue
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices (got "
                             f"{type(k).__name__})")
        out.append(k)
        dim += 1
    if dim > x.ndim and not ellipsis_seen or _consumed(key) > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    del n_real
    return tuple(out), advanced


def _consumed(key):
    n = 0
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, bool):
            continue
        if isinstance(k, (Tensor, np.ndarray)) and k.dtype in (bool_, np.dtype(bool)):
            n += k.ndim
        else:
            n += 1
    return n


def _as_index_tensor(k):
    from .creation import tensor
    arr = np.asarray(k)
    if arr.dtype == object:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "or bool tensors are valid indices")
    if arr.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return tensor(arr)


def _check_int(i, x, dim):
    if x.ndim == 0:
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if dim >= x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    n = x.shape[dim]
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
    return i


def _check_slice(s):
    if s.step is not None:
        step = int(s.step)
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")
    return slice(_int_or_none(s.start), _int_or_none(s.stop), _int_or_none(s.step))


def _int_or_none(v):
    return None if v is None else int(v)


def _tensor_key(k, x, dim):
    if k.dtype is bool_ or k.dtype.name == "uint8":
        m = k._data.astype(bool, copy=False)
        for j, s in enumerate(m.shape):
            if dim + j >= x.ndim:
                raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
            if x.shape[dim + j] != s:
                raise IndexError(f"The shape of the mask [{', '.join(map(str, m.shape))}] at "
                                 f"index {j} does not match the shape of the indexed tensor "
                                 f"[{', '.join(map(str, x.shape))}] at index {dim + j}")
        return m, m.ndim
    if k.dtype.is_floating_point:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    arr = k._data
    if dim >= x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    n = x.shape[dim]
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi >= n or lo < -n:
            bad = hi if hi >= n else lo
            raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    return arr, 1


def getitem(x, key):
    """``x[key]`` with PyTorch's semantics (views for basic keys)."""
    fast = _fast_basic_key(x, key)
    if fast is not None:
        return getitem_raw(x, fast, False)
    nkey, advanced = _normalise_key(x, key)
    return getitem_raw(x, nkey, advanced)


def _fast_basic_key(x, key):
    """The key itself when it is ints and positive-step slices within bounds, else None."""
    if type(key) is not tuple:
        key = (key,)
    shape = x._data.shape
    if len(key) > len(shape):
        return None
    for k, n in zip(key, shape):
        tk = type(k)
        if tk is int:
            if not -n <= k < n:
                return None
        elif tk is slice:
            if k.step is not None and (type(k.step) is not int or k.step <= 0):
                return None
            if (k.start is not None and type(k.start) is not int) or \
                    (k.stop is not None and type(k.stop) is not int):
                return None
        else:
            return None
    return key


def getitem_raw(x, nkey, advanced):
    if advanced:
        return Index.apply(x, key=nkey, in_shape=x.shape, advanced=True)
    kind = Select if len(nkey) == 1 and isinstance(nkey[0], int) else Slice
    out = kind.apply(x, key=nkey, in_shape=x.shape, advanced=False)
    from .shape import _as_view
    return _as_view(out, x)


def setitem(x, key, value):
    """``x[key] = value`` in place (recorded for autograd as an IndexPut)."""
    from .inplace import apply_inplace
    nkey, advanced = _normalise_key(x, key)
    if not isinstance(value, (Tensor, Number, np.number, np.bool_, list, tuple, np.ndarray)):
        raise TypeError(f"can't assign a {type(value).__name__} to a torch.{x.dtype._legacy}")
    if not isinstance(value, Tensor):
        from ._util import scalar_tensor
        from .creation import tensor
        value = scalar_tensor(value, x.dtype, x) if np.ndim(value) == 0 else \
            tensor(value, dtype=x.dtype, device=x.device)
    elif value.dtype is not x.dtype:
        value = value.to(x.dtype)
    if value.device != x.device:
        from ._util import check_device
        check_device(x, value)
    from ..autograd.grad_mode import STATE
    if x._rg and x.grad_fn is None and STATE.enabled and not advanced and \
            any(type(k) is int for k in nkey):
        from .inplace import VIEW_LEAF_MSG
        raise RuntimeError(VIEW_LEAF_MSG)  # an int index selects a view first, as in PyTorch
    try:
        if not (STATE.enabled and (x._rg or value._rg)):
            x._data[nkey] = value._data
            x._bump()
            return
        apply_inplace(x, lambda s: IndexPut.apply(s, value, key=nkey, advanced=advanced))
    except ValueError:
        value.expand(x._data[nkey].shape)  # raises PyTorch's message for a value that won't fit
        raise


def index_select(input, dim, index):
    """Entries of ``input`` along ``dim`` at the 1-D (or 0-D) integer ``index``."""
    _check_tensor_arg("index_select", "index", 2, index)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype is not int64 and index.dtype.name != "int32":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    dim = wrap_dim(dim, input.ndim)
    key = (slice(None),) * dim + (index.reshape(-1),)
    try:
        return getitem(input, key)
    except IndexError:
        raise IndexError("index out of range in self") from None


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True."""
    if mask.dtype is not bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES.get(mask.dtype.name, mask.dtype.name)}")
    from .elementwise import where
    from ._util import scalar_tensor
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        v = value.to(input.dtype)
    else:
        v = scalar_tensor(value, input.dtype, input)
    try:
        return where(mask, v, input)
    except RuntimeError as e:
        from ..autograd.node import broadcast_error
        raise (broadcast_error(mask.shape, input.shape) or e) from None


_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "float16": "c10::Half"}


def masked_select(input, mask):
    from .shape import expand
    if mask.dtype is not bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        shape = np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        from ..autograd.node import broadcast_error
        raise broadcast_error(mask.shape, input.shape) from None
    return getitem(expand(input, shape), expand(mask, shape))


def nonzero(input, *, as_tuple=False):
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or a tuple of 1-D tensors."""
    idx = input._backend.xp.nonzero(input._data)
    if as_tuple:
        if input.ndim == 0:
            return (input._from_array(input._backend.xp.zeros(int(bool(input._data)),
                                                                dtype=np.int64)),)
        return tuple(input._from_array(i.astype(np.int64)) for i in idx)
    if input.ndim == 0:
        return input._from_array(input._backend.xp.zeros((int(bool(input._data)), 0),
                                                          dtype=np.int64))
    return input._from_array(input._backend.xp.stack(idx, axis=1).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def take(input, index):
    """Elements of the flattened input at ``index``."""
    _check_tensor_arg("take", "index", 2, index)
    if index.dtype is not int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{index.dtype._legacy[:-6]}")
    n = input.numel()
    arr = index._data
    if arr.size and (int(arr.max()) >= n or int(arr.min()) < -n):
        bad = int(arr.max()) if int(arr.max()) >= n else int(arr.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return getitem(input.reshape(-1), index)


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


# Re-exported so that every name stays importable from here (imported last: those
# modules import from this one).
from .scatter import (  # noqa: E402,F401
    _SCATTER_UFUNCS, Gather, Scatter, ScatterAdd, ScatterReduce, _check_gather_index,
    _check_index_sizes, _check_tensor_arg, _crop, _crop_tensor, _first_bad, _full_index, _identity,
    _out, _pad_to, _shape_str, gather, scatter, scatter_add, scatter_reduce)
from .index_update import (  # noqa: E402,F401
    IndexAddDim, IndexCopyDim, IndexFillDim, IndexFillTensor, IndexPutAccumulate,
    _check_index_bounds, _check_index_vector, _dim_key, index_add, index_copy, index_fill,
    index_put)
