"""View and shape primitives: view/reshape, permute, expand, slicing, cat, flip ..."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import shape_arg, wrap_dim, wrap_dims


class View(Primitive, node_name="ViewBackward0"):
    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, grad):
        return grad.reshape(self.in_shape)

    def backward_arrays(self, g):
        return (g.reshape(self.in_shape),)


class Reshape(View, node_name="ReshapeAliasBackward0"):
    pass


class UnsafeView(View, node_name="UnsafeViewBackward0"):
    pass


class Squeeze(View, node_name="SqueezeBackward0"):
    """squeeze() of every unit dim (PyTorch numbers the overloads: 0 all, 1 one dim, 2 dims)."""


class SqueezeDim(View, node_name="SqueezeBackward1"):
    pass


class SqueezeDims(View, node_name="SqueezeBackward2"):
    pass


class Unsqueeze(View, node_name="UnsqueezeBackward0"):
    pass


class Permute(Primitive, node_name="PermuteBackward0"):
    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, grad):
        return grad.permute(tuple(np.argsort(self.dims)))

    def backward_arrays(self, g):
        return (g.transpose(tuple(np.argsort(self.dims))),)


class Transpose(Permute, node_name="TransposeBackward0"):
    pass


class TransposeT(Permute, node_name="TBackward0"):
    pass


class Expand(Primitive, node_name="ExpandBackward0"):
    def forward(self, x):
        return self.xp.broadcast_to(x, self.shape)

    def backward(self, grad):
        return grad  # the engine sums it back to the input's shape

    def backward_arrays(self, g):
        return (g,)


class Flip(Primitive, node_name="FlipBackward0"):
    def forward(self, x):
        return self.xp.flip(x, self.dims).copy()

    def backward(self, grad):
        return grad.flip(self.dims)


class Roll(Primitive, node_name="RollBackward0"):
    def forward(self, x):
        return self.xp.roll(x, self.shifts, self.dims)

    def backward(self, grad):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return grad.roll(neg, self.dims)


class Unfold(Primitive, node_name="UnfoldBackward0"):
    """Windows of ``size`` every ``step`` along ``dim``, as a new last dimension (a view)."""

    def forward(self, x):
        win = self.xp.lib.stride_tricks.sliding_window_view(x, self.size, axis=self.dim)
        key = (slice(None),) * self.dim + (slice(None, None, self.step),)
        return win[key]

    def backward(self, grad):
        return Fold.apply(grad, dim=self.dim, size=self.size, step=self.step,
                          shape=self.in_shape)


class Fold(Primitive, node_name="UnfoldBackwardBackward0"):
    """The adjoint of Unfold: windows summed back into place."""

    def forward(self, g):
        out = self.xp.zeros(self.shape, dtype=g.dtype)
        n = g.shape[self.dim]
        for k in range(self.size):
            key = (slice(None),) * self.dim + (slice(k, k + self.step * (n - 1) + 1, self.step),)
            out[key] += g[..., k]
        return out

    def backward(self, grad):
        return Unfold.apply(grad, dim=self.dim, size=self.size, step=self.step,
                            in_shape=grad.shape)


def unfold(x, dimension, size, step):
    """All slices of ``size`` elements along ``dimension``, ``step`` apart (a view)."""
    dim = wrap_dim(dimension, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:
        return _as_view(x.reshape(1), x)
    return _as_view(Unfold.apply(x, dim=dim, size=size, step=step, in_shape=x.shape), x)


class Cat(Primitive, node_name="CatBackward0"):
    def forward(self, *xs):
        return self.xp.concatenate(xs, axis=self.dim)

    def backward(self, grad):
        out, start = [], 0
        for size in self.sizes:
            out.append(grad.narrow(self.dim, start, size))
            start += size
        return tuple(out)

    def backward_arrays(self, g):
        out, start, pre = [], 0, (slice(None),) * self.dim
        for size in self.sizes:
            out.append(g[pre + (slice(start, start + size),)])
            start += size
        return tuple(out)


class Tri(Primitive):
    def forward(self, x):
        return getattr(self.xp, self.kind)(x, self.diagonal)

    def backward(self, grad):
        return Tri.apply(grad, kind=self.kind, diagonal=self.diagonal)


class Diag(Primitive, node_name="DiagBackward0"):
    def forward(self, x):
        if x.ndim == 1:
            return self.xp.diag(x, self.diagonal)
        return self.xp.diagonal(x, self.diagonal).copy()

    def backward(self, grad):
        return diag(grad, self.diagonal)


def _as_view(out, src):
    """Make ``out`` a view of ``src``: shared version counter and base."""
    out._version_box = src._version_box
    out._base = src._base if src._base is not None else src
    return out


def view(x, *shape):
    """A view with a new shape; never copies (raises when the strides do not allow it)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        from .._dtype import to_dtype
        return _view_dtype(x, to_dtype(shape[0]))
    shape = infer_shape(shape_arg(shape), x.numel())
    try:
        np.reshape(x._data, shape, copy=False) if x._backend.xp is np else None
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.") from None
    return _as_view(View.apply(x, shape=shape, in_shape=x.shape), x)


def _view_dtype(x, dt):
    if dt.itemsize != x.dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported")
    return _as_view(x._from_array(x._data.view(dt.np)), x)


def infer_shape(shape, numel):
    """Resolve one -1 and check the element count, with PyTorch's message."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                                   f"[{', '.join(map(str, shape))}]")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape "
                               f"[{', '.join(map(str, shape))}] because the unspecified "
                               "dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                               f"size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                           f"size {numel}")
    return shape


def reshape(x, *shape):
    """Like view when possible, else a copy."""
    shape = infer_shape(shape_arg(shape), x.numel())
    if shape == x._data.shape:
        return _as_view(View.apply(x, shape=shape, in_shape=x.shape), x)
    out = Reshape.apply(x, shape=shape, in_shape=x.shape)
    d = x._data
    # a C-contiguous array always reshapes to a view; otherwise ask NumPy whether it copied
    if d.flags.c_contiguous or (x._backend.xp is np and np.shares_memory(out._data, d)):
        _as_view(out, x)
    return out


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = wrap_dim(start_dim, x.ndim), wrap_dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    sh = x.shape
    n = 1
    for d in sh[s:e + 1]:
        n *= d
    return reshape(x, sh[:s] + (n,) + sh[e + 1:])


def unflatten(x, dim, sizes):
    dim = wrap_dim(dim, x.ndim)
    sizes = tuple(sizes)
    if -1 not in sizes and math.prod(sizes) != x.shape[dim]:
        raise RuntimeError(f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't "
                           f"multiply up to the size of dim {dim} ({x.shape[dim]}) in the input "
                           "tensor")
    sizes = infer_shape(sizes, x.shape[dim])
    return view_or_reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def view_or_reshape(x, shape):
    return reshape(x, shape)


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
        op = Squeeze
    else:
        dims = wrap_dims(dim, x.ndim)
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
        op = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    return _as_view(op.apply(x, shape=shape, in_shape=x.shape), x)


def unsqueeze(x, dim):
    dim = wrap_dim(dim, x.ndim + 1)
    shape = x.shape[:dim] + (1,) + x.shape[dim:]
    return _as_view(Unsqueeze.apply(x, shape=shape, in_shape=x.shape), x)


def permute(x, *dims):
    dims = shape_arg(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _as_view(Permute.apply(x, dims=dims), x)


def transpose(x, dim0, dim1):
    n = x.ndim
    if n == 0:
        return _as_view(Transpose.apply(x, dims=()), x)
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _as_view(Transpose.apply(x, dims=tuple(dims)), x)


swapaxes = swapdims = transpose


def t(x):
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    dims = (1, 0) if x.ndim == 2 else tuple(range(x.ndim))
    return _as_view(TransposeT.apply(x, dims=dims), x)


def mT(x):
    if x.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{x.ndim}-D tensor.")
    return transpose(x, -2, -1)


def T(x):
    return permute(x, tuple(reversed(range(x.ndim))))


def movedim(x, source, destination):
    src, dst = _dim_list(source), _dim_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    for name, ds in (("source", src), ("destination", dst)):
        w = [wrap_dim(d, x.ndim) for d in ds]
        if len(set(w)) != len(w):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    src = wrap_dims(source, x.ndim)
    dst = wrap_dims(destination, x.ndim)
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, tuple(order))


moveaxis = movedim


def _dim_list(d):
    return (d,) if isinstance(d, int) else tuple(d)


def expand(x, *sizes):
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand(torch.{x.dtype._legacy}{{[{', '.join(map(str, x.shape))}]}}, "
                           f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({x.ndim})")
    lead = len(sizes) - x.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = x.shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            s = cur
        elif cur != 1 and cur != s:
            _expand_error(x, sizes)
        shape.append(s)
    return _as_view(Expand.apply(x, shape=tuple(shape)), x)


def _expand_error(x, sizes):
    """PyTorch names the last dimension that does not fit."""
    lead = len(sizes) - x.ndim
    for i in reversed(range(lead, len(sizes))):
        s, cur = sizes[i], x.shape[i - lead]
        if s != -1 and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"[{', '.join(map(str, sizes))}].  Tensor sizes: "
                               f"[{', '.join(map(str, x.shape))}]")


def expand_as(x, other):
    return expand(x, other.shape)


def broadcast_to(x, shape):
    return expand(x, shape)


def repeat(x, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension."""
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(r < 0 for r in sizes):
        shp = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
        final = [r * n for r, n in zip(sizes, shp)]
        neg = next(f for f in final if f < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"[{', '.join(map(str, final))}]")
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    inter, final = [], []
    for r, s in zip(sizes, x.shape):
        inter += [r, s]
        final.append(r * s)
    y = reshape(x, tuple(v for s in x.shape for v in (1, s)))
    return reshape(expand(y, inter), final)


def tile(x, dims):
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, dims)


def flip(x, *dims):
    dims = wrap_dims(shape_arg(dims), x.ndim)
    return Flip.apply(x, dims=dims)


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def roll(x, shifts, dims=None):
    if dims is None:
        return reshape(Roll.apply(flatten(x), shifts=shifts, dims=0), x.shape)
    if isinstance(shifts, int):
        shifts = (shifts,)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    return Roll.apply(x, shifts=tuple(shifts), dims=dims)


def narrow(x, dim, start, length):
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, x.ndim)
    if isinstance(start, Tensor):
        start = int(start)
    n = x.shape[dim]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += x.shape[dim]
    if start + length > x.shape[dim] or start < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({x.shape[dim]}).")
    key = (slice(None),) * dim + (slice(start, start + length),)
    from .index import getitem
    return getitem(x, key)


def split(x, split_size_or_sections, dim=0):
    dim = wrap_dim(dim, x.ndim)
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if any(v < 0 for v in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(x, dim, start, s))
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = x.shape[wrap_dim(dim, x.ndim)]
    step = -(-n // chunks) if n else 1
    return split(x, step, dim) if n else (x,)


def tensor_split(x, indices_or_sections, dim=0):
    dim = wrap_dim(dim, x.ndim)
    n = x.shape[dim]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        bounds = [0] + [min(max(i, 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return split(x, sizes, dim)


def unbind(x, dim=0):
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, x.ndim)
    from .index import getitem
    pre = (slice(None),) * dim
    return tuple(getitem(x, pre + (i,)) for i in range(x.shape[dim]))


def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dimension."""
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    dim = wrap_dim(dim, ref.ndim)
    from .._dtype import result_type
    dt = result_type(*tensors) if any(t.dtype is not ref.dtype for t in tensors) else ref.dtype
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{t.ndim}")
        for d in range(ref.ndim):
            if d != dim and t.shape[d] != ref.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {ref.shape[d]} but got size {t.shape[d]} for "
                                   f"tensor number {i} in the list.")
        if t.device != ref.device:
            from ._util import check_device
            check_device(ref, t)
    tensors = [t if t.dtype is dt else t.to(dt) for t in tensors]
    res = Cat.apply(*tensors, dim=dim, sizes=[t.shape[dim] for t in tensors])
    if out is not None:
        from .math import _out
        return _out(res, out)
    return res


concat = concatenate = cat


def _tensor_list(fn, tensors):
    """``tensors`` as a list, with PyTorch's TypeErrors for anything but a sequence of Tensors."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        "Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def stack(tensors, dim=0, *, out=None):
    """Join tensors of the same shape along a new dimension."""
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, tensors[0].shape))}] at entry 0 and "
                               f"[{', '.join(map(str, t.shape))}] at entry {i}")
    dim = wrap_dim(dim, tensors[0].ndim + 1)
    from ..autograd.grad_mode import STATE
    first = tensors[0]
    if out is None and not (STATE.enabled and any(t._rg for t in tensors)) and \
            all(t.dtype is first.dtype and t.device == first.device for t in tensors):
        # nothing to record (e.g. collating a batch): one array stack
        return first._from_array(first._backend.xp.stack([t._data for t in tensors], dim))
    return cat([unsqueeze(t, dim) for t in tensors], dim, out=out)


def hstack(tensors):
    tensors = _tensor_list("hstack", tensors)
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


def tril(x, diagonal=0):
    _check_tri("tril", x, diagonal)
    return Tri.apply(x, kind="tril", diagonal=diagonal)


def triu(x, diagonal=0):
    _check_tri("triu", x, diagonal)
    return Tri.apply(x, kind="triu", diagonal=diagonal)


def _check_tri(fn, x, diagonal):
    if not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{fn}(): argument 'diagonal' (position 2) must be int, not "
                        f"{type(diagonal).__name__}")
    if x.ndim < 2:
        raise RuntimeError(f"{fn}: input tensor must have at least 2 dimensions")


def diag(x, diagonal=0):
    if x.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{x.ndim}D")
    return Diag.apply(x, diagonal=diagonal)


def contiguous(x, memory_format=None):
    if x._data.flags.c_contiguous:
        return x
    from .elementwise import Clone
    return Clone.apply(x)


Tri.node_name = "TrilBackward0"


def _diag_view(xp, a, offset, dim1, dim2):
    """A writable strided view of ``a``'s diagonal, moved to the last dimension."""
    y = xp.moveaxis(a, (dim1, dim2), (-2, -1))
    y = y[..., :, offset:] if offset >= 0 else y[..., -offset:, :]
    n = max(min(y.shape[-2], y.shape[-1]), 0)
    return xp.lib.stride_tricks.as_strided(y, y.shape[:-2] + (n,),
                                           y.strides[:-2] + (y.strides[-2] + y.strides[-1],))


class Diagonal(Primitive, node_name="DiagonalBackward0"):
    """The diagonal of dims ``dim1``/``dim2`` as a view, appended as the last dimension."""

    def forward(self, x):
        return _diag_view(self.xp, x, self.offset, self.dim1, self.dim2)

    def backward(self, grad):
        return DiagonalBackward.apply(grad, shape=self.in_shape, offset=self.offset,
                                      dim1=self.dim1, dim2=self.dim2)


class DiagEmbed(Primitive, node_name="DiagEmbedBackward0"):
    """Zeros of ``shape`` with the input written on the diagonal of ``dim1``/``dim2``."""

    def forward(self, g):
        out = self.xp.zeros(self.shape, dtype=g.dtype)
        _diag_view(self.xp, out, self.offset, self.dim1, self.dim2)[...] = g
        return out

    def backward(self, grad):
        return Diagonal.apply(grad, offset=self.offset, dim1=self.dim1, dim2=self.dim2,
                              in_shape=grad.shape)


class DiagonalBackward(DiagEmbed, node_name="DiagonalBackwardBackward0"):
    pass


def _diag_dims(dim1, dim2, ndim):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (``offset`` above the main one) of dims ``dim1``/``dim2``, as a view.

    >>> ember.arange(6.).reshape(2, 3).diagonal(1)
    tensor([1., 5.])
    """
    d1, d2 = _diag_dims(dim1, dim2, input.ndim)
    out = Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2, in_shape=input.shape)
    return _as_view(out, input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose ``dim1``/``dim2`` diagonals are filled by the last dim of ``input``."""
    d1, d2 = _diag_dims(dim1, dim2, input.ndim + 1)
    n = input.shape[-1] + abs(int(offset))
    rest = iter(input.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(input.ndim + 1))
    return DiagEmbed.apply(input, shape=shape, offset=int(offset), dim1=d1, dim2=d2)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after joining ``prepend``/``append``)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"diff(): argument 'n' must be int, not {type(n).__name__}")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    parts = [input]
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        _check_diff_extra(name, extra, input, dim)
        parts.insert(0 if name == "prepend" else len(parts), extra)
    x = cat(parts, dim) if len(parts) > 1 else input
    from .math import logical_xor, sub
    for _ in range(n):
        m = x.shape[dim]
        if m == 0:
            break
        hi, lo = narrow(x, dim, 1, m - 1), narrow(x, dim, 0, m - 1)
        x = logical_xor(hi, lo) if x.dtype.name == "bool" else sub(hi, lo)
    return x


def _check_diff_extra(name, extra, input, dim):
    if not isinstance(extra, Tensor):
        raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(extra).__name__}")
    if extra.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for d in range(input.ndim):
        if d != dim and extra.shape[d] != input.shape[d]:
            raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match "
                               f"that of input except along the differencing dimension; "
                               f"input.size({d}) = {input.shape[d]}, but got "
                               f"tensor.size({d}) = {extra.shape[d]}")


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to, as a ``Size``."""
    from .._size import Size
    seqs = []
    for s in shapes:
        if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
            seqs.append((s,))
        elif isinstance(s, (tuple, list)):
            seqs.append(s)
        else:
            raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list "
                               f"of ints, got {s}")
    out = [1] * max((len(s) for s in seqs), default=0)
    for j, (given, s) in enumerate(zip(shapes, seqs)):
        for i in range(-1, -len(s) - 1, -1):
            if s[i] < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if out[i] == 1 or out[i] == s[i]:
                out[i] = s[i]
            elif s[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at "
                                   f"{i}! Mismatching argument at index {j} had {given!r}; but "
                                   f"expected shape should be broadcastable to "
                                   f"[{', '.join(map(str, out))}]")
    return Size(out)


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape."""
    from ..autograd.node import broadcast_error
    tensors = _tensor_list("broadcast_tensors", tensors)
    shape = ()
    for t in tensors:
        try:
            shape = tuple(np.broadcast_shapes(shape, tuple(t.shape)))
        except ValueError:
            raise broadcast_error(shape, tuple(t.shape)) from None
    return tuple(expand(t, shape) for t in tensors)
