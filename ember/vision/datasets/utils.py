"""Downloads, checksums and safe archive extraction for the vision datasets."""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any, Optional

USER_AGENT = "ember/vision"
_CHUNK = 1024 * 32


def calculate_md5(fpath: str, chunk_size: int = 1024 * 1024) -> str:
    """The hex md5 digest of a file."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str, md5: str, **kwargs: Any) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str, md5: Optional[str] = None) -> bool:
    """True when the file exists and (if ``md5`` is given) matches it."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


class _NoDowngradeRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects but refuses https -> http and non-http(s) targets."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old = urllib.parse.urlsplit(req.full_url).scheme.lower()
        new = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl)).scheme.lower()
        if new not in ("http", "https") or (old == "https" and new != "https"):
            raise urllib.error.HTTPError(
                newurl, code, f"refusing redirect from {req.full_url} to {newurl} "
                f"(HTTPS is never downgraded)", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoDowngradeRedirectHandler())


def _progress(total: Optional[int], desc: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


def _urlretrieve(url: str, fpath: str, desc: str = "", timeout: float = 60.0) -> None:
    """Stream ``url`` into ``fpath``; raise if the body is shorter than announced."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with _opener().open(req, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _progress(total, desc or os.path.basename(fpath))
        received = 0
        try:
            with open(fpath, "wb") as fh:
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    fh.write(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if total is not None and received != total:
        raise RuntimeError(f"Download of {url} was interrupted: got {received} of {total} bytes")


def download_url(url: str, root: str, filename: Optional[str] = None,
                 md5: Optional[str] = None, max_redirect_hops: int = 3) -> None:
    """Download ``url`` to ``root/filename``, atomically, verifying ``md5`` when given.

    The body goes to a temporary file in ``root`` that is renamed only once complete and
    verified, so a failed download never leaves a file at the final path.
    """
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(urllib.parse.urlsplit(url).path)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        print("Using downloaded and verified file: " + fpath)
        return
    print(f"Downloading {url} to {fpath}")
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{filename}.", suffix=".part")
    os.close(fd)
    try:
        _urlretrieve(url, tmp, desc=filename)
        if md5 is not None and not check_md5(tmp, md5):
            raise RuntimeError(f"File not found or corrupted: the md5 of {url} does not match "
                               f"the expected {md5}")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ---------------------------------------------------------------- safe extraction

def _safe_relpath(name: str, archive: str) -> str:
    """Validate an archive member name; return its normalised relative path."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise RuntimeError(f"Refusing to extract {archive}: member {name!r} has an absolute path")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise RuntimeError(f"Refusing to extract {archive}: member {name!r} escapes the root")
    if not parts:
        raise RuntimeError(f"Refusing to extract {archive}: member {name!r} has an empty name")
    return os.path.join(*parts)


def _check_inside(root: str, rel: str, archive: str) -> str:
    dest = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([dest, os.path.realpath(root)]) != os.path.realpath(root):
        raise RuntimeError(f"Refusing to extract {archive}: member {rel!r} escapes the root")
    return dest


def _tar_members(tar: tarfile.TarFile, archive: str) -> list:
    out = []
    for m in tar.getmembers():
        rel = _safe_relpath(m.name, archive)
        if not (m.isfile() or m.isdir()):
            kind = "link" if (m.issym() or m.islnk()) else "special file"
            raise RuntimeError(f"Refusing to extract {archive}: member {m.name!r} is a {kind}")
        out.append((m, rel))
    return out


def _extract_tar(from_path: str, tmp: str) -> None:
    with tarfile.open(from_path, "r:*") as tar:
        members = _tar_members(tar, from_path)
        for m, rel in members:
            dest = _check_inside(tmp, rel, from_path)
            if m.isdir():
                os.makedirs(dest, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            src = tar.extractfile(m)
            assert src is not None
            with src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst)


def _extract_zip(from_path: str, tmp: str) -> None:
    with zipfile.ZipFile(from_path) as zf:
        infos = []
        for info in zf.infolist():
            rel = _safe_relpath(info.filename, from_path)
            ftype = stat.S_IFMT(info.external_attr >> 16)
            if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
                raise RuntimeError(f"Refusing to extract {from_path}: member "
                                   f"{info.filename!r} is a link or special file")
            infos.append((info, rel))
        for info, rel in infos:
            dest = _check_inside(tmp, rel, from_path)
            if info.is_dir():
                os.makedirs(dest, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst)


_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz")


def _merge_into(src_dir: str, dst_dir: str) -> None:
    """Move the contents of ``src_dir`` into ``dst_dir`` (replacing files)."""
    for entry in os.listdir(src_dir):
        s, d = os.path.join(src_dir, entry), os.path.join(dst_dir, entry)
        if os.path.isdir(s) and os.path.isdir(d) and not os.path.islink(d):
            _merge_into(s, d)
        else:
            if os.path.isdir(d) and not os.path.islink(d):
                shutil.rmtree(d)
            os.replace(s, d)


def _decompress(from_path: str, to_path: str, opener) -> str:
    base = os.path.basename(os.path.splitext(from_path)[0])
    dest = os.path.join(to_path, base)
    fd, tmp = tempfile.mkstemp(dir=to_path, prefix=f".{base}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as dst, opener(from_path, "rb") as src:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, dest)
    except (OSError, EOFError, lzma.LZMAError) as e:
        raise RuntimeError(f"Could not decompress {from_path}: {e}") from e
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def extract_archive(from_path: str, to_path: Optional[str] = None,
                    remove_finished: bool = False) -> str:
    """Safely extract a tar/zip archive or decompress a .gz/.bz2/.xz file; returns to_path.

    Members with absolute paths, ``..`` components, links or device files are refused
    before anything is written; the archive is unpacked into a temporary folder inside
    ``to_path`` and moved into place only once complete.
    """
    to_path = os.path.dirname(from_path) if to_path is None else to_path
    os.makedirs(to_path, exist_ok=True)
    lower = from_path.lower()
    if lower.endswith(_TAR_SUFFIXES) or lower.endswith(".zip"):
        tmp = tempfile.mkdtemp(dir=to_path, prefix=".extract-")
        try:
            try:
                if lower.endswith(".zip"):
                    _extract_zip(from_path, tmp)
                else:
                    _extract_tar(from_path, tmp)
            except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
                raise RuntimeError(f"Could not extract {from_path}: {e}") from e
            _merge_into(tmp, to_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        ext = os.path.splitext(lower)[1]
        if ext not in _COMPRESSED:
            raise RuntimeError(f"Unsupported archive type for {from_path}: expected one of "
                               f"{', '.join(_TAR_SUFFIXES + ('.zip',) + tuple(_COMPRESSED))}")
        _decompress(from_path, to_path, _COMPRESSED[ext])
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str,
                                 extract_root: Optional[str] = None,
                                 filename: Optional[str] = None, md5: Optional[str] = None,
                                 remove_finished: bool = False) -> None:
    """Download an archive (verified) and extract it safely."""
    download_root = os.path.expanduser(download_root)
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(urllib.parse.urlsplit(url).path)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)
