"""Random number generation: ``Generator``, ``manual_seed``, RNG state."""
from __future__ import annotations

import json
import time

import numpy as np

from ._device import to_device


class Generator:
    """A seeded source of random numbers (NumPy's PCG64 underneath).

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g).shape
    torch.Size([2])
    """

    def __init__(self, device="cpu"):
        self.device = to_device(device)
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise RuntimeError("Overflow when unpacking long")
        self._seed = seed & 0xFFFF_FFFF_FFFF_FFFF
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        s = int(time.time_ns() ^ np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (restorable with ``set_state``)."""
        from .ops.creation import tensor
        blob = json.dumps({"seed": self._seed, "state": self._rng.bit_generator.state})
        return tensor(np.frombuffer(blob.encode(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
            raise TypeError("expected a torch.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        try:
            d = json.loads(bytes(new_state.numpy()).decode())
            bg = np.random.PCG64()
            bg.state = d["state"]
        except Exception:
            raise RuntimeError("Invalid RNG state: not a state produced by get_state()") from None
        self._seed = d["seed"]
        self._rng = np.random.Generator(bg)
        return self

    def __getstate__(self):
        return {"device": str(self.device), "seed": self._seed,
                "state": self._rng.bit_generator.state}

    def __setstate__(self, d):
        self.device = to_device(d["device"])
        self._seed = d["seed"]
        bg = np.random.PCG64()
        bg.state = d["state"]
        self._rng = np.random.Generator(bg)

    @property
    def numpy_rng(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def _gen(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (and CUDA's, when present); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
