"""``ember.device``: where a tensor's memory lives."""
from __future__ import annotations


class device:
    """A device such as ``device('cpu')`` or ``device('cuda', 0)``."""

    __slots__ = ("type", "index")
    _cache: dict = {}

    def __new__(cls, type_or_str="cpu", index=None):
        if isinstance(type_or_str, device):
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            type_or_str, index = "cuda", type_or_str
        key = (type_or_str, index)
        hit = cls._cache.get(key)
        if hit is not None:
            return hit
        kind, idx = _parse(type_or_str, index)
        self = object.__new__(cls)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", idx)
        cls._cache[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


_TYPES = ("cpu", "cuda", "meta", "mps")


def _parse(spec, index):
    if not isinstance(spec, str):
        raise TypeError("device() received an invalid combination of arguments - got "
                        f"({type(spec).__name__})")
    kind, _, num = spec.partition(":")
    if kind not in _TYPES:
        raise RuntimeError(
            f"Expected one of cpu, cuda, meta, mps device type at start of device string: {spec}")
    if num:
        if index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {spec}")
        if not num.isdigit():
            raise RuntimeError(f"Invalid device string: '{spec}'")
        index = int(num)
    if index is not None and index < 0:
        raise RuntimeError("Device index must not be negative")
    if kind == "cpu" and index not in (None, 0):
        raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
    return kind, index


CPU = device("cpu")


def to_device(d) -> device:
    """Normalise a device-like (str, int, device, None -> cpu)."""
    if d is None:
        return CPU
    return device(d)
