"""Joining and splitting: cat, stack, hstack, vstack, narrow, split, chunk, unbind."""
from __future__ import annotations

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
