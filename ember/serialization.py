"""``ember.save`` / ``ember.load`` in PyTorch's zip checkpoint format, and safetensors.

Files written by ``torch.save`` load here without PyTorch installed, and files written by
``ember.save`` load in ``torch.load(weights_only=True)``.

Errors raised by :func:`load` on a bad or hostile file:

- ``pickle.UnpicklingError`` (message starting "Weights only load failed"): the pickle names
  a global outside the allowlist, uses a disallowed opcode or container operation, or is
  malformed. Nothing from the file is executed.
- ``RuntimeError``: the archive is wrong: not a zip / truncated / corrupt, the legacy
  (pre-1.6) format, unsafe or duplicate member names, a missing record, a storage whose
  byte size differs from what the pickle claims, a view reaching outside its storage, an
  unsupported version, or a CUDA location without a GPU.
- ``FileNotFoundError`` / ``OSError`` for the path itself, ``TypeError`` / ``ValueError``
  for bad arguments.
"""
from __future__ import annotations

import io
import os
import pickle
import tempfile
from typing import IO, Any, Callable, Union

from ._serialization.reader import Archive, Loader, check_legacy
from ._serialization.writer import write_checkpoint

FileLike = Union[str, os.PathLike, IO[bytes]]

__all__ = ["save", "load", "save_file", "load_file"]


def save(obj: object, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (nested containers of tensors, numbers, strings ...) to ``f``.

    Writes PyTorch's zip format; views sharing memory are stored once. Saving to a path is
    atomic: the data goes to a temporary file in the same folder, which replaces ``f`` only
    once it is complete and flushed to disk.

    Args:
        obj: the object to save.
        f: a path (``str`` / ``os.PathLike``) or a writable binary file object.

    >>> ember.save({"w": ember.ones(2)}, "/tmp/ember_doc.pt")
    >>> ember.load("/tmp/ember_doc.pt")["w"]
    tensor([1., 1.])
    """
    if not _use_new_zipfile_serialization:
        raise RuntimeError("ember.save only writes the zip format; the legacy format "
                           "(_use_new_zipfile_serialization=False) is not supported")
    if pickle_module is not pickle or pickle_protocol != 2:
        raise ValueError("ember.save supports only the default pickle_module and "
                         "pickle_protocol=2")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        name = os.path.splitext(os.path.basename(path))[0] or "archive"
        _atomic_write(path, lambda fh: write_checkpoint(obj, fh, _archive_name(name)))
    elif hasattr(f, "write"):
        write_checkpoint(obj, f, "archive")
    else:
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with "
                             f"a 'write' attribute, got {type(f).__name__}")


def _archive_name(stem: str) -> str:
    safe = "".join(c if c.isalnum() or c in "_-." else "_" for c in stem).strip(".")
    return safe or "archive"


def _atomic_write(path: str, write: Callable) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save`` (zip format).

    With ``weights_only=True`` (the default, also for ``None``) a restricted unpickler
    rebuilds only tensors, ``nn.Parameter``, storages, dtypes, devices, ``Size``,
    ``OrderedDict`` and builtin containers/scalars, and checks every storage and view
    against the archive. ``weights_only=False`` uses Python's full unpickler (torch names
    mapped to ember): only use it for files you trust, because a malicious pickle can then
    run arbitrary code.

    Args:
        f: a path or a readable binary file object.
        map_location: ``None`` (where saved), a device or string, a dict mapping saved
            locations to new ones, or a callable ``(storage, location) -> storage | None``.
        weights_only: restrict unpickling to tensors and plain data (default True).
        mmap: memory-map storages from the file instead of reading them (paths only).
    """
    if weights_only is None:
        weights_only = True
    if pickle_module is not None and weights_only:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    if pickle_load_args.pop("encoding", "utf-8") not in ("utf-8", "latin1", "bytes") or \
            pickle_load_args:
        raise TypeError(f"unsupported load arguments: {sorted(pickle_load_args)}")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as fh:
            return _load_from(fh, path, map_location, weights_only, bool(mmap))
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with "
                             f"a 'read' attribute, got {type(f).__name__}")
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not _seekable(f):
        f = io.BytesIO(f.read())
    return _load_from(f, None, map_location, weights_only, False)


def _seekable(f) -> bool:
    try:
        return bool(f.seekable()) and (f.tell() is not None)
    except (AttributeError, OSError, ValueError):
        return False


def _load_from(fh, path, map_location, weights_only, mmap):
    start = fh.tell()
    check_legacy(fh.read(512))
    fh.seek(start)
    if start:
        fh = io.BytesIO(fh.read())
    archive = Archive(fh, path)
    return Loader(archive, map_location, weights_only, mmap).load()


def save_file(tensors: dict, filename: FileLike, metadata: dict | None = None) -> None:
    """Save a flat ``{name: tensor}`` dict in the safetensors format (needs ``safetensors``)."""
    st = _safetensors()
    from ._tensor import Tensor
    arrays = {}
    for k, t in tensors.items():
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received "
                             f"{type(t)}")
        arrays[k] = t.detach().cpu().contiguous().numpy()
    path = os.fspath(filename)
    _atomic_write(path, lambda fh: fh.write(st.save(arrays, metadata=metadata)))


def load_file(filename: FileLike, device: Any = "cpu") -> dict:
    """Load a safetensors file as ``{name: tensor}`` (needs ``safetensors``)."""
    st = _safetensors()
    from ._tensor import Tensor
    from .ops.creation import from_numpy
    out = {}
    for k, arr in st.load_file(os.fspath(filename)).items():
        t = from_numpy(arr.copy() if not arr.flags.writeable else arr)
        out[k] = t if str(device) == "cpu" else t.to(device)
        assert isinstance(out[k], Tensor)
    return out


def _safetensors():
    try:
        import safetensors.numpy as st
    except ImportError:
        raise ImportError("ember.save_file / ember.load_file need the `safetensors` package: "
                          "pip install safetensors (or pip install ember[safetensors])"
                          ) from None
    return st
