"""Reading PyTorch zip checkpoints: archive checks, storage records, unpickling."""
from __future__ import annotations

import io
import pickle
import re
import struct
import zipfile
import zlib

import numpy as np

from .._device import CPU, device as _device
from .._storage import UntypedStorage
from .rebuild import STORAGE_TYPES, LoadedStorage, safe_global, trusted_global
from .unpickler import SafeUnpickler, weights_only_error

LEGACY_MAGIC = (0x1950a86a20f9469cfc6c).to_bytes(10, "little")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
               NotImplementedError, struct.error, zlib.error, UnicodeDecodeError,
               OverflowError, KeyError, IndexError)
_KEY = re.compile(r"[0-9A-Za-z_.\-]{1,64}\Z")
MAX_VERSION = 10


def check_legacy(head: bytes) -> None:
    """Refuse the pre-1.6 format and anything that is not a zip archive."""
    if head.startswith(b"PK\x03\x04"):
        return
    if LEGACY_MAGIC in head[:16]:
        raise RuntimeError(
            "ember.load: this file uses PyTorch's legacy (pre-1.6, non-zip) serialization "
            "format, which ember does not support. Convert it with PyTorch: "
            "torch.save(torch.load(path, weights_only=True), new_path) writes the zip format.")
    if len(head) > 262 and head[257:262] == b"ustar":
        raise RuntimeError("ember.load: this is PyTorch's legacy tar checkpoint format, which "
                           "ember does not support. Load it in PyTorch and re-save it with "
                           "torch.save to get the zip format.")
    raise RuntimeError("ember.load: invalid checkpoint: the file is not a zip archive "
                       "written by torch.save / ember.save (it may be truncated or corrupt)")


class Archive:
    """A checked PyTorch zip archive: one top-level folder, no path tricks, no duplicates."""

    def __init__(self, fileobj, path=None):
        self.path = path
        try:
            self.zf = zipfile.ZipFile(fileobj)
            infos = self.zf.infolist()
        except _ZIP_ERRORS as e:
            raise RuntimeError(f"ember.load: corrupt or truncated zip archive ({e})") from None
        names = [i.filename for i in infos]
        if not names:
            raise RuntimeError("ember.load: the zip archive is empty")
        if len(set(names)) != len(names):
            raise RuntimeError("ember.load: the zip archive has duplicate member names")
        for n in names:
            _check_name(n)
        prefixes = {n.split("/", 1)[0] for n in names}
        if len(prefixes) != 1:
            raise RuntimeError(f"ember.load: the zip archive must hold one top-level folder, "
                               f"found {sorted(prefixes)[:5]}")
        self.prefix = prefixes.pop()
        self.infos = {i.filename: i for i in infos}

    def has(self, name: str) -> bool:
        return f"{self.prefix}/{name}" in self.infos

    def read_small(self, name: str, limit: int = 1 << 31) -> bytes:
        info = self._info(name)
        if info.file_size > limit:
            raise RuntimeError(f"ember.load: record {name} is too large")
        try:
            return self.zf.read(info)
        except _ZIP_ERRORS as e:
            raise RuntimeError(f"ember.load: cannot read record {name} ({e})") from None

    def _info(self, name):
        info = self.infos.get(f"{self.prefix}/{name}")
        if info is None:
            raise RuntimeError(f"ember.load: the archive has no record '{name}' "
                               "(PytorchStreamReader failed locating file)")
        return info

    def read_storage(self, key: str, nbytes: int, mmap: bool) -> np.ndarray:
        """The bytes of ``data/<key>`` as a writable uint8 array of exactly ``nbytes``."""
        info = self._info(f"data/{key}")
        if info.file_size != nbytes:
            raise RuntimeError(
                f"ember.load: storage '{key}' holds {info.file_size} bytes but the pickle "
                f"claims {nbytes} bytes")
        if nbytes == 0:
            return np.empty(0, np.uint8)
        try:
            if mmap and info.compress_type == zipfile.ZIP_STORED:
                return np.memmap(self.path, np.uint8, "c", self._data_offset(info), (nbytes,))
            out = np.empty(nbytes, np.uint8)
            if info.compress_type == zipfile.ZIP_STORED:
                got = self._read_stored(info, memoryview(out))
            else:
                with self.zf.open(info) as f:
                    got = f.readinto(memoryview(out))
                    got += len(f.read(1))
        except _ZIP_ERRORS as e:
            raise RuntimeError(f"ember.load: cannot read storage '{key}' ({e})") from None
        if got != nbytes:
            raise RuntimeError(f"ember.load: storage '{key}' is truncated")
        return out

    def _read_stored(self, info, view) -> int:
        """Read an uncompressed member straight into ``view``, checking its CRC-32."""
        fp = self.zf.fp
        fp.seek(self._data_offset(info))
        got, crc = 0, 0
        while got < len(view):
            n = fp.readinto(view[got:got + (1 << 26)])
            if not n:
                break
            crc = zlib.crc32(view[got:got + n], crc)
            got += n
        if got == len(view) and crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return got

    def _data_offset(self, info) -> int:
        fp = self.zf.fp
        fp.seek(info.header_offset)
        head = fp.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("corrupt local zip header")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + name_len + extra_len


def _check_name(name: str) -> None:
    parts = name.split("/")
    bad = (name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ":" in parts[0]
           or any(p in ("", ".", "..") for p in parts) or len(parts) < 2)
    if bad:
        raise RuntimeError(f"ember.load: unsafe member name in zip archive: {name!r}")


class Loader:
    """Rebuilds the objects of one archive (storages are read once per key)."""

    def __init__(self, archive: Archive, map_location, weights_only: bool, mmap: bool):
        self.archive = archive
        self.map_location = map_location
        self.weights_only = weights_only
        self.mmap = mmap
        self.raw: dict = {}
        self.typed: dict = {}
        self.big_endian = False

    def load(self):
        arc = self.archive
        self._check_version()
        if arc.has("byteorder"):
            order = arc.read_small("byteorder", 16)
            if order not in (b"little", b"big"):
                raise RuntimeError(f"ember.load: unknown byteorder {order[:16]!r}")
            self.big_endian = order == b"big"
        data = arc.read_small("data.pkl")
        if self.weights_only:
            return SafeUnpickler(data, safe_global, self.persistent_load).load()
        return _TrustedUnpickler(io.BytesIO(data), self).load()

    def _check_version(self):
        arc = self.archive
        name = "version" if arc.has("version") else ".data/version"
        raw = arc.read_small(name, 64)
        try:
            version = int(raw.strip())
        except ValueError:
            raise RuntimeError(f"ember.load: invalid archive version record {raw!r}") from None
        if not 1 <= version <= MAX_VERSION:
            raise RuntimeError(
                f"Attempted to read a PyTorch file with version {version}, but the maximum "
                f"supported version for reading is {MAX_VERSION}.")

    def persistent_load(self, pid):
        if type(pid) is not tuple or len(pid) != 5 or pid[0] != "storage":
            raise weights_only_error(f"unknown persistent id {pid!r:.80}")
        _, stype, key, location, numel = pid
        if not any(stype is s for s in STORAGE_TYPES.values()):
            raise weights_only_error(f"unknown storage type {stype!r:.60}")
        if type(key) is not str or not _KEY.match(key) or type(location) is not str \
                or type(numel) is not int or numel < 0:
            raise weights_only_error(f"malformed storage id {pid!r:.120}")
        dtype = stype.dtype
        cached = self.typed.get((key, dtype))
        if cached is None:
            raw = self.raw.get(key)
            nbytes = numel * dtype.itemsize
            if raw is None:
                raw = self.raw[key] = self.archive.read_storage(key, nbytes, self.mmap)
            elif raw.nbytes != nbytes:
                raise RuntimeError(f"ember.load: storage '{key}' is used with sizes "
                                   f"{raw.nbytes} and {nbytes} bytes")
            arr = raw.view(dtype.np)
            if self.big_endian and dtype.itemsize > 1:
                arr = raw.view(dtype.np.newbyteorder(">")).astype(dtype.np)
            cached = self.typed[(key, dtype)] = arr
        return LoadedStorage(cached, dtype, self.target_device(location, cached))

    def target_device(self, location: str, arr) -> _device:
        ml = self.map_location
        loc = location
        if isinstance(ml, (str, _device)):
            loc = ml
        elif isinstance(ml, dict):
            loc = ml.get(location, location)
        elif callable(ml):
            res = ml(UntypedStorage(arr.view(np.uint8)), location)
            if res is not None:
                loc = getattr(res, "device", location)
        elif ml is not None:
            raise TypeError(f"map_location should be a str, device, dict or callable, "
                            f"got {type(ml).__name__}")
        dev = _device(loc) if isinstance(loc, str) else loc
        if not isinstance(dev, _device):
            raise TypeError(f"map_location produced an invalid location {loc!r}")
        if dev.type == "cuda":
            validate_cuda(dev)
        elif dev.type != "cpu":
            raise RuntimeError(f"ember.load: don't know how to restore data location "
                               f"'{location}' (mapped to '{dev}')")
        return CPU if dev.type == "cpu" else dev


def validate_cuda(dev) -> None:
    from .. import cuda
    if not cuda.is_available():
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")
    count = cuda.device_count()
    if (dev.index or 0) >= count:
        raise RuntimeError(
            f"Attempting to deserialize object on CUDA device {dev.index or 0} but "
            f"torch.cuda.device_count() is {count}. Please use torch.load with map_location "
            "to map your storages to an existing device.")


class _TrustedUnpickler(pickle.Unpickler):
    """``weights_only=False``: the stdlib unpickler, torch names mapped to ember."""

    def __init__(self, file, loader: Loader):
        super().__init__(file)
        self._loader = loader

    def find_class(self, module, name):
        obj = trusted_global(module, name)
        return super().find_class(module, name) if obj is None else obj

    def persistent_load(self, pid):
        return self._loader.persistent_load(pid)
