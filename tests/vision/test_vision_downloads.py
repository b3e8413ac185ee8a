"""Downloads and archive extraction against a local HTTP server: checksums, atomic writes,
no HTTPS downgrade, hostile archives refused."""
from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import urllib.error
import zipfile

import numpy as np
import pytest

from ember.vision import datasets
from ember.vision.datasets.utils import download_url, extract_archive
from vision_helpers import listing, tar_bytes


def md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


def idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def test_download_verified_and_atomic(http_server, tmp_path):
    body = os.urandom(100_000)
    http_server.routes["/f.bin"] = ("ok", body)
    download_url(http_server.url + "/f.bin", str(tmp_path), md5=md5(body))
    assert (tmp_path / "f.bin").read_bytes() == body
    assert listing(tmp_path) == ["f.bin"]


def test_bad_checksum_raises_and_leaves_nothing(http_server, tmp_path):
    http_server.routes["/f.bin"] = ("ok", b"payload")
    with pytest.raises(RuntimeError, match="md5"):
        download_url(http_server.url + "/f.bin", str(tmp_path), md5="0" * 32)
    assert listing(tmp_path) == []


def test_interrupted_download_leaves_nothing(http_server, tmp_path):
    http_server.routes["/f.bin"] = ("truncate", os.urandom(200_000))
    with pytest.raises(Exception, match="(?i)interrupted|incomplete|read"):
        download_url(http_server.url + "/f.bin", str(tmp_path))
    assert listing(tmp_path) == []


def test_https_to_http_redirect_refused(http_server, tmp_path):
    import urllib.request

    from ember.vision.datasets.utils import _NoDowngradeRedirectHandler
    handler = _NoDowngradeRedirectHandler()
    req = urllib.request.Request("https://example.org/data.tar.gz")
    with pytest.raises(urllib.error.HTTPError, match="never downgraded"):
        handler.redirect_request(req, None, 302, "Found", {}, http_server.url + "/x")
    # https -> https and http -> http are followed
    ok = handler.redirect_request(req, None, 302, "Found", {}, "https://mirror.org/x")
    assert ok.full_url == "https://mirror.org/x"


def test_http_redirect_followed(http_server, tmp_path):
    http_server.routes["/old"] = ("redirect", "/new.bin")
    http_server.routes["/new.bin"] = ("ok", b"abc")
    download_url(http_server.url + "/old", str(tmp_path), filename="x.bin", md5=md5(b"abc"))
    assert (tmp_path / "x.bin").read_bytes() == b"abc"


def test_redirect_to_file_scheme_refused(http_server, tmp_path):
    http_server.routes["/evil"] = ("redirect", "file:///etc/passwd")
    with pytest.raises(urllib.error.URLError):
        download_url(http_server.url + "/evil", str(tmp_path), filename="x.bin")
    assert listing(tmp_path) == []


def _member(name, type_=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = type_
    info.linkname = linkname
    return info


@pytest.mark.parametrize("bad", [
    (_member("../escape.txt"), b"x"),
    (_member("/tmp/ember-absolute.txt"), b"x"),
    (_member("a/../../escape.txt"), b"x"),
    (_member("link", tarfile.SYMTYPE, "/etc/passwd"), None),
    (_member("hard", tarfile.LNKTYPE, "/etc/passwd"), None),
    (_member("dev", tarfile.CHRTYPE), None),
], ids=["dotdot", "absolute", "nested-dotdot", "symlink", "hardlink", "device"])
def test_hostile_tar_refused(tmp_path, bad):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(tar_bytes([(_member("good/ok.txt"), b"fine"), bad]))
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="Refusing to extract"):
        extract_archive(str(archive), str(out))
    assert listing(out) == []
    assert not (tmp_path / "escape.txt").exists()
    assert not os.path.exists("/tmp/ember-absolute.txt")


def test_hostile_zip_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr("../escape.txt", "bad")
    with pytest.raises(RuntimeError, match="escapes the root"):
        extract_archive(str(archive), str(tmp_path / "out"))
    assert listing(tmp_path / "out") == []
    assert not (tmp_path / "escape.txt").exists()


def test_good_archives_extract(tmp_path):
    tgz = tmp_path / "a.tar.gz"
    tgz.write_bytes(tar_bytes([(_member("d/x.txt"), b"1"), (_member("y.txt"), b"2")]))
    extract_archive(str(tgz), str(tmp_path / "o"))
    assert (tmp_path / "o" / "d" / "x.txt").read_bytes() == b"1"
    assert listing(tmp_path / "o") == ["d", "d/x.txt", "y.txt"]
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("q/r.txt", "3")
    extract_archive(str(z), str(tmp_path / "o"))
    assert (tmp_path / "o" / "q" / "r.txt").read_text() == "3"
    g = tmp_path / "c.bin.gz"
    g.write_bytes(gzip.compress(b"hello"))
    extract_archive(str(g), str(tmp_path / "o"))
    assert (tmp_path / "o" / "c.bin").read_bytes() == b"hello"


def _mnist_files(n=7):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    lbls = rng.integers(0, 10, n).astype(np.uint8)
    return imgs, lbls, gzip.compress(idx_bytes(imgs)), gzip.compress(idx_bytes(lbls))


def test_mnist_download_from_local_mirror(http_server, tmp_path, monkeypatch, capsys):
    imgs, lbls, gi, gl = _mnist_files()
    routes = {"/m/t10k-images-idx3-ubyte.gz": gi, "/m/t10k-labels-idx1-ubyte.gz": gl,
              "/m/train-images-idx3-ubyte.gz": gi, "/m/train-labels-idx1-ubyte.gz": gl}
    http_server.routes.update({k: ("ok", v) for k, v in routes.items()})
    monkeypatch.setattr(datasets.MNIST, "mirrors",
                        [http_server.url + "/missing/", http_server.url + "/m/"])
    monkeypatch.setattr(datasets.MNIST, "resources",
                        [(k.rsplit("/", 1)[1], md5(v)) for k, v in routes.items()])
    ds = datasets.MNIST(str(tmp_path), train=False, download=True)
    assert "Failed to download (trying next)" in capsys.readouterr().out
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    assert ds.targets.tolist() == lbls.tolist()
    raw = sorted(os.listdir(tmp_path / "MNIST" / "raw"))
    assert not [f for f in raw if f.startswith(".")]  # no temp files left behind


def test_mnist_download_bad_checksum_leaves_nothing(http_server, tmp_path, monkeypatch):
    _, _, gi, gl = _mnist_files()
    http_server.routes["/m/t10k-images-idx3-ubyte.gz"] = ("ok", gi)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [http_server.url + "/m/"])
    monkeypatch.setattr(datasets.MNIST, "resources", [("t10k-images-idx3-ubyte.gz", "f" * 32)])
    with pytest.raises(RuntimeError, match="md5"):
        datasets.MNIST(str(tmp_path), train=False, download=True)
    assert listing(tmp_path / "MNIST" / "raw") == []


def test_cifar_download_extracts_archive(http_server, tmp_path, monkeypatch):
    import pickle
    from vision_helpers import cifar_batch_dict
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    members = [(_member("cifar-10-batches-py/test_batch"),
                pickle.dumps(cifar_batch_dict(imgs, [0, 1, 2, 3, 4, 5]), protocol=2)),
               (_member("cifar-10-batches-py/batches.meta"),
                pickle.dumps({b"label_names": [b"c%d" % i for i in range(10)]}, protocol=2))]
    body = tar_bytes(members)
    http_server.routes["/cifar.tgz"] = ("ok", body)
    monkeypatch.setattr(datasets.CIFAR10, "url", http_server.url + "/cifar.tgz")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", md5(body))
    ds = datasets.CIFAR10(str(tmp_path), train=False, download=True)
    assert len(ds) == 6 and ds.classes[:2] == ["c0", "c1"]
    np.testing.assert_array_equal(ds.data, imgs)
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


