"""Random number generation: ``Generator``, ``manual_seed``, RNG state."""
from __future__ import annotations

import json
import time

import numpy as np

from ._device import to_device


class Generator:
    """A seeded source of random numbers: PyTorch's MT19937 stream (NumPy's ``MT19937``
    seeded as PyTorch seeds it), so seeded programs draw what PyTorch draws.

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g)
    tensor([0.4963, 0.7682])
    """

    def __init__(self, device="cpu"):
        self.device = to_device(device)
        self._reseed(67280421310721)

    def _reseed(self, seed):
        self._seed = seed
        self._bitgen = np.random.MT19937(0)
        self._bitgen._legacy_seeding(seed & 0xFFFF_FFFF)  # PyTorch keeps the low 32 bits
        self._rng = np.random.Generator(self._bitgen)
        self._next_normal = None  # normal_distribution<double>'s cached second value

    def manual_seed(self, seed):
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise RuntimeError("Overflow when unpacking long")
        self._reseed(seed & 0xFFFF_FFFF_FFFF_FFFF)
        return self

    def seed(self) -> int:
        s = int(time.time_ns() ^ np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def _state(self):
        return {"seed": self._seed, "state": _jsonable(self._bitgen.state),
                "next_normal": self._next_normal}

    def _restore(self, d):
        bg = np.random.MT19937(0)
        st = dict(d["state"])
        st["state"] = {"key": np.asarray(st["state"]["key"], dtype=np.uint32),
                       "pos": int(st["state"]["pos"])}
        bg.state = st
        self._seed = d["seed"]
        self._bitgen = bg
        self._rng = np.random.Generator(bg)
        self._next_normal = d.get("next_normal")

    def get_state(self):
        """The full state as a uint8 tensor (restorable with ``set_state``)."""
        from .ops.creation import tensor
        blob = json.dumps(self._state())
        return tensor(np.frombuffer(blob.encode(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
            raise TypeError("expected a torch.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        try:
            d = json.loads(bytes(new_state.numpy()).decode())
            self._restore(d)
        except Exception:
            raise RuntimeError("Invalid RNG state: not a state produced by get_state()") from None
        return self

    def __getstate__(self):
        return {"device": str(self.device), **self._state()}

    def __setstate__(self, d):
        self.device = to_device(d["device"])
        self._restore(d)

    @property
    def numpy_rng(self) -> np.random.Generator:
        return self._rng


def _jsonable(state):
    st = dict(state)
    st["state"] = {"key": [int(k) for k in st["state"]["key"]], "pos": int(st["state"]["pos"])}
    return st


default_generator = Generator()


def _gen(generator):
    return (generator or default_generator)._rng


def _generator(generator):
    """The ember Generator to draw from (PyTorch's samplers need more than NumPy's API)."""
    return generator or default_generator


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
