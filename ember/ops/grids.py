"""Grids and arrangements: meshgrid, cartesian_prod, combinations, block_diag, rot90."""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .._dtype import result_type
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import check_device, wrap_dim
from .join import _tensor_list, stack
from .shape import expand, view

_MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the "
                     "indexing argument.")


def _sizes(t):
    return f"[{', '.join(map(str, t.shape))}]"


def _legacy_print(t):
    """The C++ print of a tensor that some PyTorch messages embed (values, then the type)."""
    rows = t.detach().cpu().numpy().reshape(t.shape[0] if t.ndim else 1, -1)
    body = "\n".join(" " + "  ".join(str(v) for v in row) for row in rows.tolist())
    return f"{body}\n[ torch.{t.dtype._legacy}{{{','.join(map(str, t.shape))}}} ]"


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 0-D/1-D tensors (``'ij'``: matrix order, ``'xy'``: Cartesian).

    >>> xs, ys = ember.meshgrid(ember.tensor([1, 2, 3]), ember.tensor([4, 5]), indexing="ij")
    >>> xs.shape
    torch.Size([3, 2])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _tensor_list("meshgrid", tensors)
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for a, b in zip(tensors, tensors[1:]):
        if a.dtype is not b.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if a.device != b.device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {_legacy_print(t)}")
    shape = tuple(t.numel() for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        vshape = (1,) * i + (-1,) + (1,) * (len(tensors) - i - 1)
        grids.append(expand(view(t, vshape), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _check_vector(t):
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {_sizes(t)}")


def cartesian_prod(*tensors) -> Tensor:
    """All tuples taking one element from each 1-D tensor, as rows (like itertools.product).

    >>> ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    tensors = _tensor_list("cartesian_prod", tensors)
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as rows.

    >>> ember.combinations(ember.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(make(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    from .index import getitem
    return getitem(input, input._from_array(input._backend.xp.asarray(idx)))


class BlockDiag(Primitive, node_name="BlockDiagBackward0"):
    """Matrices placed along the diagonal of a zero matrix (inputs already 2-D and cast)."""

    def forward(self, *blocks):
        rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
        out = self.xp.zeros((rows, cols), dtype=blocks[0].dtype)
        r = c = 0
        for b in blocks:
            out[r:r + b.shape[0], c:c + b.shape[1]] = b
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    def backward(self, grad):
        out, r, c = [], 0, 0
        for h, w in self.block_shapes:
            out.append(grad[r:r + h, c:c + w])
            r, c = r + h, c + w
        return tuple(out)


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix from 0-D, 1-D (one row) and 2-D tensors.

    >>> ember.block_diag(ember.tensor([[1, 2]]), ember.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    tensors = _tensor_list("block_diag", tensors)
    if not tensors:
        from .creation import empty
        return empty(1, 0)
    for t in tensors[1:]:
        check_device(tensors[0], t)
    dt = result_type(*tensors)
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
        t = t.to(dt)
        blocks.append(t if t.ndim == 2 else t.reshape(1, -1))
    return BlockDiag.apply(*blocks, block_shapes=[tuple(b.shape) for b in blocks])


class Rot90(Primitive, node_name="Rot90Backward0"):
    def forward(self, x):
        d0, d1 = self.dims
        xp = self.xp
        if self.k == 1:
            return xp.swapaxes(xp.flip(x, d1).copy(), d0, d1)
        if self.k == 2:
            return xp.flip(x, (d0, d1)).copy()
        if self.k == 3:
            return xp.swapaxes(xp.flip(x, d0).copy(), d0, d1)
        return x.copy()

    def backward(self, grad):
        return rot90(grad, -self.k, self.dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the
    second axis).

    >>> ember.rot90(ember.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"rot90(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d = (wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim))
    if d[0] == d[1]:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    return Rot90.apply(input, k=int(k) % 4, dims=d)
