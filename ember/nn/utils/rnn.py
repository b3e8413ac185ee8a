"""Variable-length sequence utilities: PackedSequence, packing, padding (PyTorch's API)."""
from __future__ import annotations

from collections import namedtuple
from typing import List, Optional, Tuple, Union

import numpy as np

import ember
from ember._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Holds the data and batch sizes of a packed batch of variable-length sequences."""

    def __new__(cls, data: Tensor, batch_sizes: Optional[Tensor] = None,
                sorted_indices: Optional[Tensor] = None,
                unsorted_indices: Optional[Tensor] = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not isinstance(data, (list, tuple)) or len(data) != 2:
            raise TypeError("PackedSequence expects (data, batch_sizes) when batch_sizes is None")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def _map(self, fn) -> "PackedSequence":
        """A copy whose data is fn(data) and whose indices follow the data's device."""
        data = fn(self.data)
        if data is self.data:
            return self
        move = (lambda t: t if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def to(self, *args, **kwargs) -> "PackedSequence":
        return self._map(lambda d: d.to(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        return self._map(lambda d: d.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> "PackedSequence":
        return self._map(lambda d: d.cpu(*args, **kwargs))

    def pin_memory(self) -> "PackedSequence":
        return self

    def double(self): return self.to(dtype=ember.float64)  # noqa: E704
    def float(self): return self.to(dtype=ember.float32)  # noqa: E704
    def half(self): return self.to(dtype=ember.float16)  # noqa: E704
    def long(self): return self.to(dtype=ember.int64)  # noqa: E704
    def int(self): return self.to(dtype=ember.int32)  # noqa: E704
    def short(self): return self.to(dtype=ember.int16)  # noqa: E704
    def char(self): return self.to(dtype=ember.int8)  # noqa: E704
    def byte(self): return self.to(dtype=ember.uint8)  # noqa: E704

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    perm = np.asarray(permutation.cpu().numpy(), dtype=np.int64)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size, dtype=np.int64)
    return ember.from_numpy(inv).to(permutation.device)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu" or lengths.ndim != 1:
            raise RuntimeError(
                f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                f"{lengths.ndim}D {lengths.device} {lengths.dtype} tensor")
        return np.asarray(lengths.numpy()).astype(np.int64)
    return np.asarray(list(lengths), dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths: Union[Tensor, List[int]],
                         batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch of variable-length sequences.

    Args:
        input: padded batch of shape ``(T, B, *)`` (or ``(B, T, *)`` if ``batch_first``).
        lengths: the length of each sequence (list or 1-D CPU tensor).
        batch_first: whether ``input`` is batch-major.
        enforce_sorted: if True, ``lengths`` must be sorted in decreasing order.
    """
    lens = _lengths_array(lengths)
    if enforce_sorted:
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={batch})")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    sorted_lens = lens if order is None else lens[order]
    cols = np.arange(batch) if order is None else order
    batch_sizes = (sorted_lens[None, :] > np.arange(sorted_lens[0])[:, None]).sum(1)
    if batch_sizes.size > steps:
        raise RuntimeError(f"Expected sequence length to be at most {steps}, but got "
                           f"{int(sorted_lens[0])}")
    flat = np.concatenate([t * batch + cols[:n] for t, n in enumerate(batch_sizes)])
    data = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = data.index_select(0, ember.from_numpy(flat).to(input.device))
    sorted_indices = None if order is None else ember.from_numpy(order).to(input.device)
    return PackedSequence(data, ember.from_numpy(batch_sizes.astype(np.int64)),
                          sorted_indices, None)


def _packed_layout(sequence: PackedSequence) -> Tuple[np.ndarray, np.ndarray]:
    """(batch_sizes, lengths in sorted order) of a packed sequence as int64 arrays."""
    bs = np.asarray(sequence.batch_sizes.numpy(), dtype=np.int64)
    lens = (bs[None, :] > np.arange(bs[0])[:, None]).sum(1)
    return bs, lens


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """Unpacks a PackedSequence into a padded batch and the lengths of its sequences.

    Returns:
        ``(padded, lengths)``: padded is ``(T, B, *)`` (``(B, T, *)`` if ``batch_first``);
        lengths is a CPU int64 tensor in the original batch order.
    """
    bs, lens = _packed_layout(sequence)
    steps, batch = bs.size, int(bs[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}")
        steps = total_length
    data = sequence.data
    n = data.shape[0]
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    idx = np.full((steps, batch), n, dtype=np.int64)
    for t, size in enumerate(bs):
        idx[t, :size] = offsets[t] + np.arange(size)
    if sequence.unsorted_indices is not None:
        unsorted = np.asarray(sequence.unsorted_indices.cpu().numpy(), dtype=np.int64)
        idx, lens = idx[:, unsorted], lens[unsorted]
    if batch_first:
        idx = idx.T
    pad = ember.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                     device=data.device)
    src = ember.cat([data, pad], 0)
    out = src.index_select(0, ember.from_numpy(idx.reshape(-1)).to(data.device))
    out = out.reshape(idx.shape + tuple(data.shape[1:]))
    return out, ember.from_numpy(lens.astype(np.int64))


def pad_sequence(sequences: Union[Tensor, List[Tensor]], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Pads a list of variable-length tensors ``(L_i, *)`` into ``(T, B, *)`` or ``(B, T, *)``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = ember.full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype,
                              device=s.device)
            s = ember.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        rows.append(s)
    return ember.stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor,
                   batch_first: bool = False) -> List[Tensor]:
    """Splits a padded batch back into a list of variable-length tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences: List[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of variable-length tensors ``(L_i, *)``."""
    lengths = ember.tensor([s.shape[0] for s in sequences], dtype=ember.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    """Unpacks a PackedSequence into a list of variable-length tensors."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
