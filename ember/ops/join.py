"""Joining and splitting: cat, stack, hstack, vstack, narrow, split, chunk, unbind."""
from __future__ import annotations

import numpy as np

from .._dtype import int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import wrap_dim
from .shape import unsqueeze


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


_TS_SIGS = (" * (Tensor input, tuple of ints indices, int dim = 0)\n"
            " * (Tensor input, Tensor tensor_indices_or_sections, int dim = 0)\n"
            " * (Tensor input, int sections, int dim = 0)\n")


def tensor_split(input, indices_or_sections=None, dim=0, *, indices=None, sections=None,
                 tensor_indices_or_sections=None):
    """Split ``input`` along ``dim`` into ``sections`` near-equal pieces, or at ``indices``
    (each piece is ``input[start:end]`` for consecutive indices, as in Python slicing)."""
    spec, kw = _split_spec(indices_or_sections, indices, sections, tensor_indices_or_sections)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    dim = wrap_dim(dim, input.ndim)
    if isinstance(spec, Tensor):
        spec = _tensor_spec(spec)
    if _is_int(spec) and kw in (None, "sections"):
        k, n = int(spec), input.shape[dim]
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        return split(input, [n // k + (1 if i < n % k else 0) for i in range(k)], dim)
    if isinstance(spec, (list, tuple)) and kw in (None, "indices") and all(
            _is_int(i) or isinstance(i, Tensor) and i.numel() == 1 and not
            i.dtype.is_floating_point for i in spec):
        from .index import getitem
        pre, out, start = (slice(None),) * dim, [], 0
        for end in [int(i) for i in spec] + [None]:
            out.append(getitem(input, pre + (slice(start, end),)))
            start = end
        return tuple(out)
    got = type(spec).__name__ if kw is None else f"{kw}={type(spec).__name__}"
    raise TypeError(f"tensor_split() received an invalid combination of arguments - got (Tensor, "
                    f"{got}), but expected one of:\n{_TS_SIGS}")


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _split_spec(positional, indices, sections, tensor_spec):
    """The one split specification given, and the keyword it came by (None: positional)."""
    given = [(k, v) for k, v in (("indices", indices), ("sections", sections),
                                 ("tensor_indices_or_sections", tensor_spec)) if v is not None]
    if positional is not None or not given:
        return positional, None
    kw, v = given[0]
    return v, None if kw == "tensor_indices_or_sections" and isinstance(v, Tensor) else kw


def _tensor_spec(t):
    """A tensor ``tensor_indices_or_sections``: a 0-dim count of sections or 1-D indices."""
    if t.device.type != "cpu":
        raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be on cpu, but "
                           f"it's on {t.device}")
    if t.dtype is not int64:
        raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of "
                           f"long, but got {t.dtype._legacy[:-6]}")
    if t.ndim > 1:
        raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                           f"zero-dimensional or one-dimensional tensor, but got a tensor with "
                           f"{t.ndim} dims")
    return int(t.item()) if t.ndim == 0 else [int(v) for v in t.tolist()]


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
    """Concatenate along dim 1 (dim 0 for 1-D tensors), after ``atleast_1d``."""
    tensors = _tensor_list("hstack", tensors)
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, after ``atleast_2d`` (a 1-D tensor becomes one row)."""
    tensors = _tensor_list("vstack", tensors)
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)
