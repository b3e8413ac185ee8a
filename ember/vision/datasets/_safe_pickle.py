"""A restricted unpickler for dataset files (CIFAR batches): arrays and plain data only."""
from __future__ import annotations

import _codecs
import io
import pickle
from typing import Any, BinaryIO

import numpy as np


def _plain_dtype(*args: Any) -> np.dtype:
    dt = np.dtype(*args)
    if dt.hasobject:
        raise ForbiddenPickleError("object arrays are not allowed in a dataset file")
    return dt


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    if subtype is not np.ndarray:
        raise ForbiddenPickleError(f"only numpy.ndarray may be rebuilt, not {subtype!r}")
    return np.ndarray.__new__(np.ndarray, shape, _plain_dtype(dtype))


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    arr = np.frombuffer(buf, dtype=_plain_dtype(dtype))
    return arr.reshape(shape, order=order).copy()


def _scalar(dtype: Any, data: bytes = b"") -> Any:
    return np.frombuffer(data, dtype=_plain_dtype(dtype), count=1)[0]


def _encode(text: str, encoding: str = "utf-8") -> bytes:
    # Python 3 pickles of bytes at protocol < 3 go through _codecs.encode(str, 'latin1').
    if encoding.lower().replace("_", "-") not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise ForbiddenPickleError(f"encoding {encoding!r} is not allowed")
    return _codecs.encode(text, encoding)


_ALLOWED = {}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_mod, "_reconstruct")] = _reconstruct
    _ALLOWED[(_mod, "scalar")] = _scalar
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_mod, "_frombuffer")] = _frombuffer
_ALLOWED[("numpy", "ndarray")] = np.ndarray
_ALLOWED[("numpy", "dtype")] = _plain_dtype
_ALLOWED[("_codecs", "encode")] = _encode


class ForbiddenPickleError(pickle.UnpicklingError):
    """A pickle asked for something a dataset file may not contain."""


class RestrictedUnpickler(pickle.Unpickler):
    """Builds only NumPy arrays, lists, tuples, dicts, strings, bytes and numbers.

    Any other global (``os.system``, ``builtins.eval`` ...) raises
    ``pickle.UnpicklingError`` before it is called.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise ForbiddenPickleError(
                f"global '{module}.{name}' is forbidden in a dataset file") from None

    def persistent_load(self, pid: Any) -> Any:
        raise ForbiddenPickleError("persistent ids are forbidden in a dataset file")


def safe_load(f: BinaryIO, encoding: str = "latin1") -> Any:
    """``pickle.load`` restricted to plain data (see ``RestrictedUnpickler``)."""
    return RestrictedUnpickler(f, encoding=encoding).load()


def safe_loads(data: bytes, encoding: str = "latin1") -> Any:
    return safe_load(io.BytesIO(data), encoding=encoding)
