"""``F.embedding``: a row lookup whose gradient scatter-adds into the weight rows."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...autograd.node import Primitive

__all__ = ["embedding"]


class Embedding(Primitive, node_name="EmbeddingBackward0"):
    """``weight[indices]``; backward scatter-adds rows (padding row and freq scaling applied)."""

    def forward(self, w):
        return w[self.idx]

    def backward(self, grad):
        return EmbeddingDense.apply(grad, idx=self.idx, num=self._in_meta[0][0][0],
                                    padding_idx=self.padding_idx, scale=self.scale)


class EmbeddingDense(Primitive, node_name="EmbeddingDenseBackward0"):
    """The dense weight gradient of an embedding lookup (linear in ``grad``)."""

    def forward(self, g):
        xp = self.xp
        d = g.shape[-1]
        out = xp.zeros((self.num, d), dtype=g.dtype)
        rows = g.reshape(-1, d)
        if self.scale is not None:
            rows = rows * self.scale.reshape(-1, 1)
        from ... import _backend
        backend = _backend.numpy_backend if xp.__name__ == "numpy" else _backend.cupy_backend
        backend.index_add(out, self.idx.reshape(-1), rows)
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return out

    def backward(self, gg):
        out = Embedding.apply(gg, idx=self.idx, padding_idx=self.padding_idx, scale=self.scale)
        keep = (self.idx != self.padding_idx) if self.padding_idx is not None else None
        if self.scale is not None:
            s = self.scale.reshape(self.idx.shape + (1,))
            out = out * gg._from_array(s.astype(gg.dtype.np))
        if keep is not None:
            out = out * gg._from_array(keep[..., None].astype(gg.dtype.np))
        return out


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale in place the looked-up rows whose norm exceeds ``max_norm``."""
    xp = weight._backend.xp
    rows = xp.unique(idx.reshape(-1))
    with no_grad():
        sub = weight._data[rows]
        norms = (xp.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        factor = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight._data[rows] = (sub * factor[:, None]).astype(sub.dtype)
        weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` at integer ``input`` (any shape) -> ``(*, embedding_dim)``.

    ``sparse=True`` is accepted but the gradient is dense.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"embedding(): argument 'indices' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for embedding)")
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
            padding_idx = num + padding_idx
    idx = input._data
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    scale = None
    if scale_grad_by_freq:
        xp = weight._backend.xp
        counts = xp.bincount(idx.reshape(-1), minlength=num)
        scale = 1.0 / counts[idx.reshape(-1)]
    return Embedding.apply(weight, idx=idx, padding_idx=padding_idx, scale=scale)
