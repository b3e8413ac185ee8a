"""View and shape primitives: view/reshape, flatten, squeeze, permute/transpose, expand ...

flip/roll/repeat/tile/unfold live in ``rearrange.py``, cat/stack/split/chunk/narrow in
``join.py`` and tril/triu/diag/diagonal/diff in ``diagonals.py``; all are re-exported here.
"""
from __future__ import annotations

import math

import numpy as np

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


class Alias(Primitive, node_name="AliasBackward0"):
    """A second tensor over the same data (``as_subclass``, ``alias``)."""

    def forward(self, x):
        return x.view()

    def backward(self, grad):
        return grad

    def backward_arrays(self, g):
        return (g,)


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


def alias(x):
    """A view of all of ``x``, attached to its graph."""
    return _as_view(Alias.apply1(x), x)


def as_subclass(x, cls):
    """``x``'s data and autograd history as an instance of ``cls`` (a Tensor subclass)."""
    from .._tensor import Tensor
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                        "Tensor is not possible. Make sure your class inherits from Tensor.")
    out = alias(x)
    if cls is not Tensor:
        out.__class__ = cls
    return out


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


def contiguous(x, memory_format=None):
    if x._data.flags.c_contiguous:
        return x
    from .elementwise import Clone
    return Clone.apply1(x)


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


# Re-exported so that every name stays importable from here (imported last: those
# modules import from this one).
from .join import (  # noqa: E402,F401
    Cat, _tensor_list, cat, chunk, concat, concatenate, hstack, narrow, split, stack, tensor_split,
    unbind, vstack)
from .diagonals import (  # noqa: E402,F401
    Diag, DiagEmbed, Diagonal, DiagonalBackward, Tri, _check_diff_extra, _check_tri, _diag_dims,
    _diag_view, diag, diag_embed, diagonal, diff, tril, triu)
from .rearrange import (  # noqa: E402,F401
    Flip, Fold, Roll, Unfold, flip, fliplr, flipud, repeat, roll, tile, unfold)
