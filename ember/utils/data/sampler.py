"""Samplers: the order in which a DataLoader visits a map-style dataset's indices."""
from __future__ import annotations

from typing import Iterable, Iterator, Optional, Sequence

import numpy as np

from ember import _torch_sampling as TS
from ember._random import Generator, _generator


class Sampler:
    """Base class: subclasses define ``__iter__`` over indices (and usually ``__len__``)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` draws with replacement.

    Args:
        replacement: draw with replacement (then ``num_samples`` may exceed the length).
        num_samples: how many indices per pass (default: the dataset's length).
        generator: an ``ember.Generator`` (default: the global one).
    """

    def __init__(self, data_source, replacement: bool = False,
                 num_samples: Optional[int] = None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError("replacement should be a boolean value, "
                            f"but got replacement={replacement}")
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        # PyTorch's draws: without a generator, a fresh one seeded from the default stream;
        # replacement in blocks of 32 randint draws, else one randperm per pass
        n = len(self.data_source)
        gen = self.generator
        if gen is None:
            gen = Generator().manual_seed(TS.int64_seed(_generator(None)._rng))
        rng = gen._rng
        if self.replacement:
            for size in [32] * (self.num_samples // 32) + [self.num_samples % 32]:
                yield from TS.integers(rng, size, 0, n).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from TS.permutation(rng, n).tolist()
        yield from TS.permutation(rng, n)[:self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in TS.permutation(_generator(self.generator)._rng, len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights: Sequence[float], num_samples: int,
                 replacement: bool = True, generator=None) -> None:
        _check_positive_int("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, "
                             f"but got replacement={replacement}")
        w = _as_float_array(weights)
        if w.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have "
                             f"shape {tuple(w.shape)}")
        self.weights = _weights_tensor(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        w = _as_float_array(self.weights)
        if not np.isfinite(w).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (w < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > len(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        from ...ops.random import multinomial  # PyTorch's draws: torch.multinomial
        idx = multinomial(_weights_tensor(w), self.num_samples, self.replacement,
                          generator=self.generator)
        yield from idx.tolist()

    def __len__(self) -> int:
        return self.num_samples


def _as_float_array(weights) -> np.ndarray:
    data = getattr(weights, "_data", weights)
    if hasattr(data, "get") and not isinstance(data, (np.ndarray, dict)):
        data = data.get()  # cupy -> numpy
    return np.asarray(data, dtype=np.float64)


def _weights_tensor(w: np.ndarray):
    from ember.ops.creation import tensor
    return tensor(w)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size``.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        _check_positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
