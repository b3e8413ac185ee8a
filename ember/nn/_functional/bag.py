"""``F.embedding_bag``: sums, means or maxima of embedding rows over bags of indices.

A bag is a run of ``input`` (a row of a 2-D input, or ``input[offsets[i]:offsets[i + 1]]``);
entries equal to ``padding_idx`` are left out (of the mean's count too) and empty bags give
zeros. Sum and mean are a row gather, a per-entry coefficient and a segment sum; max gathers
the winning element of each (bag, column). All of it is differentiable, twice.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.node import Primitive
from .sparse import _renorm_

__all__ = ["embedding_bag"]


class SegmentSum(Primitive, node_name="EmbeddingBagBackward0"):
    """Rows of ``x`` (T, D) summed into their bags: out[bag[t]] += x[t] -> (B, D)."""

    def forward(self, x):
        out = self.xp.zeros((self.nbags, x.shape[1]), dtype=x.dtype)
        self.xp.add.at(out, self.bag, x)
        return out

    def backward(self, grad):
        return grad.index_select(0, grad._from_array(self.bag))


class BagMax(Primitive, node_name="EmbeddingBagBackward0"):
    """``w.reshape(-1)[flat]`` where ``keep``, else 0: the maximum of each (bag, column)."""

    def forward(self, w):
        return w.reshape(-1)[self.flat] * self.keep

    def backward(self, grad):
        from ...ops.creation import zeros
        n, d = self._in_meta[0][0]
        src = (grad * grad._from_array(self.keep)).reshape(-1)
        flat = grad._from_array(self.flat.reshape(-1))
        return zeros(n * d, dtype=grad.dtype, device=grad.device).scatter_add(0, flat, src) \
            .reshape(n, d)


def _bags(input, offsets, include_last_offset):
    """(flat int64 indices, bag id per entry, number of bags) from input and offsets."""
    idx = input._data.astype(np.int64, copy=False)
    if idx.ndim == 2:
        b, n = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(b), n), b
    off = offsets._data.astype(np.int64, copy=False)
    t = idx.shape[0]
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(off[0])}\n"
                           "[ torch.LongTensor{} ]")
    if off.size and off[-1] > t:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {t} but got "
                           f"offsets[-1] of {int(off[-1])}")
    ends = np.append(off[1:], t) if not include_last_offset else off[1:]
    starts = off if not include_last_offset else off[:-1]
    if np.any(ends < starts):
        raise RuntimeError("offsets must be non-decreasing")
    nbags = starts.shape[0]
    bag = np.repeat(np.arange(nbags), ends - starts)
    return idx[:bag.shape[0]], bag, nbags


def _check(input, weight, offsets, mode, per_sample_weights):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("embedding_bag(): input and weight must be Tensors")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    for t in (input, offsets):  # torch names both "argument #1 'indices'"
        if t is not None and t.dtype.name not in ("int64", "int32"):
            raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                               f"following scalar types: Long, Int; but got {t.type()} instead "
                               "(while checking arguments for embedding_bag)")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({input.shape})")
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub.")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Reduce embedding rows over bags: ``(B, N)`` input or 1-D input with ``offsets``
    -> ``(B, embedding_dim)``. ``sparse=True`` is accepted; the gradient is dense."""
    _check(input, weight, offsets, mode, per_sample_weights)
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx = padding_idx % num
    idx, bag, nbags = _bags(input, offsets, include_last_offset)
    if idx.size:
        bad = (idx < 0) | (idx >= num)
        if bad.any():
            k = int(np.argmax(bad))
            raise RuntimeError(f"Index {k} of input takes value {int(idx[k])} which is not in "
                               f"the valid range [0, {num})")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    keep = idx != padding_idx if padding_idx is not None else np.ones(idx.shape, bool)
    if mode == "max":
        return _bag_max(weight, idx, bag, keep, nbags)
    sel = np.nonzero(keep)[0]
    rows = weight.index_select(0, weight._from_array(idx[sel]))
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    if mode == "mean":
        count = np.bincount(bag[sel], minlength=nbags)
        coef = 1.0 / np.maximum(count, 1)[bag[sel]]
        rows = rows * weight._from_array(coef.astype(weight.dtype.np)[:, None])
    elif psw is not None:
        rows = rows * psw.index_select(0, psw._from_array(sel)).unsqueeze(1)
    return SegmentSum.apply(rows, bag=bag[sel], nbags=nbags)


def _bag_max(weight, idx, bag, keep, nbags):
    """Per (bag, column), the first maximal entry of the bag's rows (padding left out)."""
    num, dim = weight.shape
    w = weight._data
    vals = np.where(keep[:, None], w[idx], -np.inf)
    best = np.full((nbags, dim), -np.inf)
    np.maximum.at(best, bag, vals)
    # first entry reaching each (bag, column) maximum, scanning entries in order
    hit = (vals == best[bag]) & keep[:, None]
    first = np.full((nbags, dim), idx.shape[0], dtype=np.int64)
    pos = np.broadcast_to(np.arange(idx.shape[0])[:, None], hit.shape)
    np.minimum.at(first, (np.broadcast_to(bag[:, None], hit.shape)[hit],
                          np.broadcast_to(np.arange(dim), hit.shape)[hit]), pos[hit])
    found = first < idx.shape[0]
    rows = np.where(found, np.append(idx, 0)[np.minimum(first, idx.shape[0])], 0)
    flat = rows * dim + np.arange(dim)
    return BagMax.apply(weight, flat=flat, keep=found.astype(w.dtype))
