"""Indexing primitives: getitem/setitem, gather, scatter, index_select, masks."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import bool_, int32, int64
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


# ---- index_add / index_copy / index_fill / index_put / scatter_reduce ----

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


class IndexCopyDim(Primitive, node_name="IndexCopyBackward0"):
    """A copy of x with the slices of ``src`` written at ``index`` along ``dim``."""

    def forward(self, x, src):
        out = x.copy()
        out[_dim_key(self.dim, self.index)] = src
        return out

    def backward(self, grad):
        key = _dim_key(self.dim, self.index)
        gx = IndexFillDim.apply(grad, grad.new_zeros(()), dim=self.dim, index=self.index)
        gsrc = Index.apply(grad, key=key, in_shape=grad.shape, advanced=True) \
            if self._in_meta[1] else None
        return gx, gsrc


class IndexFillDim(Primitive, node_name="IndexFillBackward0"):
    """A copy of x with the 0-dim ``value`` at ``index`` along ``dim``."""

    def forward(self, x, v):
        out = x.copy()
        out[_dim_key(self.dim, self.index)] = v
        return out

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
