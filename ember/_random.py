"""Random number generation: ``Generator``, ``manual_seed``, RNG state."""
from __future__ import annotations

import struct
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
        bg = np.random.MT19937(0)
        bg._legacy_seeding(seed & 0xFFFF_FFFF)  # PyTorch keeps the low 32 bits
        self._adopt(seed, bg)

    def _adopt(self, seed, bg, next_normal=None, next_float_normal=(0.0, False)):
        """Take ``bg`` (an MT19937) and the cached normals as this generator's state."""
        self._seed = seed
        self._bitgen = bg
        self._rng = np.random.Generator(bg)
        self._next_normal = next_normal  # normal_distribution<double>'s cached second value
        self._next_float_normal = next_float_normal  # kept for PyTorch's state layout only

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

    def _state_bytes(self) -> bytes:
        """PyTorch's CPU generator state layout (5056 bytes): seed, the MT19937 words and
        position, and the cached normal values, so states pass between the two."""
        st = self._bitgen.state["state"]
        key, pos = np.asarray(st["key"], dtype=np.uint32), int(st["pos"])
        fresh = pos == 624 and int(key[1]) == (1812433253 * (int(key[0]) ^ (int(key[0]) >> 30))
                                               + 1) & 0xFFFF_FFFF
        cached = self._next_normal
        fval, fvalid = self._next_float_normal
        return b"".join([
            struct.pack("<Qii", self._seed, 625 - pos, 1),
            struct.pack("<Q", 0 if fresh else pos),
            key.astype("<u8").tobytes(),
            struct.pack("<dddi4x", 0.0, 0.0 if cached is None else cached, 0.0,
                        int(cached is not None)),
            struct.pack("<f?3x", fval, fvalid)])

    def _load_bytes(self, b: bytes):
        if len(b) != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but "
                               f"found the input RNG state size to be {len(b)}")
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", b, 0)
        key = np.frombuffer(b, dtype="<u8", count=624, offset=24)
        if seeded != 1 or not 1 <= left <= 624 or nxt > 624 or (key >> 32).any():
            raise RuntimeError("Invalid mt19937 state")
        _, normal_y, _, normal_valid = struct.unpack_from("<dddi", b, 24 + 624 * 8)
        fval, fvalid = struct.unpack_from("<f?", b, 24 + 624 * 8 + 32)
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937",
                    "state": {"key": key.astype(np.uint32), "pos": 625 - left}}
        self._adopt(seed, bg, normal_y if normal_valid else None, (fval, fvalid))

    def get_state(self):
        """The full state as a uint8 tensor in PyTorch's layout (``set_state`` restores it;
        so does PyTorch's ``set_state``, and the other way round)."""
        from .ops.creation import tensor
        return tensor(np.frombuffer(self._state_bytes(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError("expected a torch.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        if new_state.dtype.name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor")
        self._load_bytes(np.ascontiguousarray(new_state.detach().cpu().numpy()).tobytes())
        return self

    def __getstate__(self):
        return {"device": str(self.device), "state": self._state_bytes()}

    def __setstate__(self, d):
        self.device = to_device(d["device"])
        self._load_bytes(d["state"])

    @property
    def numpy_rng(self) -> np.random.Generator:
        return self._rng


#: bytes in PyTorch's CPU generator state
_STATE_SIZE = 5056


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
