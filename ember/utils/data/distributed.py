"""``DistributedSampler``: each process of a distributed job reads its own shard."""
from __future__ import annotations

import math
from typing import Iterator, Optional

from ..._random import Generator
from ..._torch_sampling import permutation
from .sampler import Sampler


def _default_world(what: str) -> int:
    """The process group's world size or rank, once ``ember.distributed`` provides one."""
    try:
        from ember import distributed as dist
        if dist.is_available() and dist.is_initialized():
            return dist.get_world_size() if what == "world size" else dist.get_rank()
    except (ImportError, AttributeError):
        pass
    raise ValueError("Default process group has not been initialized, please make sure to "
                     "call init_process_group.")


class DistributedSampler(Sampler):
    """Restricts loading to the shard of the dataset that belongs to ``rank``.

    Args:
        num_replicas: number of processes (default: the process group's world size).
        rank: this process's rank (default: the process group's rank).
        shuffle: reshuffle with ``seed + epoch`` (call ``set_epoch`` every epoch).
        drop_last: drop the tail instead of padding with repeated indices.
    """

    def __init__(self, dataset, num_replicas: Optional[int] = None, rank: Optional[int] = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _default_world("world size")
        if rank is None:
            rank = _default_world("rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            # PyTorch's draw: randperm from a generator seeded with seed + epoch
            gen = Generator().manual_seed(self.seed + self.epoch)
            indices = permutation(gen._rng, n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        shard = indices[self.rank:self.total_size:self.num_replicas]
        assert len(shard) == self.num_samples
        return iter(shard)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which changes the shuffle order (same on every replica)."""
        self.epoch = epoch
