"""Datasets on real data (../shared/data) and on hostile or corrupt files."""
from __future__ import annotations

import gzip
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.vision import datasets, transforms
from ember.vision.datasets._safe_pickle import safe_loads
from conftest import MNIST_DIR, need

# Label counts of the MNIST t10k split (computed with numpy from the IDX file; the well
# known test-set class frequencies).
T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def mnist_root(tmp_path):
    need(MNIST_DIR)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in os.listdir(MNIST_DIR):
        os.symlink(MNIST_DIR / f, raw / f)
    return tmp_path


def test_mnist_real_t10k(mnist_root):
    ds = datasets.MNIST(str(mnist_root), train=False)
    assert tuple(ds.data.shape) == (10000, 28, 28) and ds.data.dtype == ember.uint8
    assert ds.targets.dtype == ember.int64 and len(ds) == 10000
    with gzip.open(MNIST_DIR / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    assert np.bincount(labels).tolist() == T10K_COUNTS
    assert np.bincount(ds.targets.numpy()).tolist() == T10K_COUNTS
    img, target = ds[0]
    assert img.mode == "L" and img.size == (28, 28) and isinstance(target, int)
    assert target == int(labels[0])
    np.testing.assert_array_equal(np.asarray(img), ds.data.numpy()[0])
    assert repr(ds) == ("Dataset MNIST\n    Number of datapoints: 10000\n"
                        f"    Root location: {mnist_root}\n    Split: Test")
    assert ds.class_to_idx["3 - three"] == 3


def test_mnist_transform_and_repr(mnist_root):
    ds = datasets.MNIST(str(mnist_root), train=False, transform=transforms.ToTensor(),
                        target_transform=lambda y: y + 100)
    x, y = ds[1]
    assert tuple(x.shape) == (1, 28, 28) and x.dtype == ember.float32 and y >= 100
    ds.target_transform = ds.transforms.target_transform = None
    # torchvision indents only the first line of the transforms' repr
    assert repr(ds).splitlines()[-3:] == ["    Split: Test", "    StandardTransform",
                                          "Transform: ToTensor()"]


def test_mnist_missing_split_raises(mnist_root):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        datasets.MNIST(str(mnist_root), train=True)


def _write_idx(path, header: bytes, body: bytes):
    path.write_bytes(header + body)


@pytest.mark.parametrize("case", ["truncated", "bad-magic", "extra", "bad-gzip", "mismatch"])
def test_corrupt_idx_files(tmp_path, case):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = np.zeros((5, 28, 28), np.uint8)
    hdr = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in imgs.shape)
    body = imgs.tobytes()
    lbl_hdr = bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big")
    lbl_n = 4 if case == "mismatch" else 5
    lbl_hdr = bytes([0, 0, 8, 1]) + lbl_n.to_bytes(4, "big")
    _write_idx(raw / "t10k-labels-idx1-ubyte", lbl_hdr, bytes(lbl_n))
    target = raw / "t10k-images-idx3-ubyte"
    if case == "truncated":
        _write_idx(target, hdr, body[:-100])
    elif case == "bad-magic":
        _write_idx(target, b"\x12\x34" + hdr[2:], body)
    elif case == "extra":
        _write_idx(target, hdr, body + b"junk")
    elif case == "bad-gzip":
        target = raw / "t10k-images-idx3-ubyte.gz"
        target.write_bytes(gzip.compress(hdr + body)[:-20])
    else:
        _write_idx(target, hdr, body)
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(str(tmp_path), train=False)
    assert str(raw) in str(err.value)
    if case != "mismatch":
        assert str(target) in str(err.value)


def test_cifar10_from_jpegs(cifar_batches):
    root, images, labels, classes = cifar_batches
    ds = datasets.CIFAR10(str(root), train=False)
    assert len(ds) == len(images) == 300
    assert ds.data.shape == (300, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.targets == labels and ds.classes == classes
    assert ds.class_to_idx["airplane"] == 0
    img, target = ds[123]
    assert img.mode == "RGB" and img.size == (32, 32) and target == labels[123]
    np.testing.assert_array_equal(np.asarray(img), images[123])
    assert repr(ds).splitlines()[-1] == "    Split: Test"
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(str(root), train=True)


def test_seed_tutorial_pipeline(cifar_batches):
    root = cifar_batches[0]
    tf = transforms.Compose([transforms.ToTensor(),
                             transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = datasets.CIFAR10(root=str(root), train=False, download=False, transform=tf)
    for i in (0, 57, 299):
        x, y = ds[i]
        a = x.numpy()
        assert tuple(x.shape) == (3, 32, 32) and x.dtype == ember.float32
        assert a.min() >= -1.0 and a.max() <= 1.0
        expected = (ds.data[i].transpose(2, 0, 1).astype(np.float32) / 255 - 0.5) / 0.5
        np.testing.assert_allclose(a, expected, rtol=0, atol=1e-6)


def test_imagefolder_real_jpegs(cifar_jpg_root):
    ds = datasets.ImageFolder(str(cifar_jpg_root))
    assert ds.classes == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                          "horse", "ship", "truck"]
    assert len(ds) == 300 and ds.targets[:30] == [0] * 30 and ds.imgs is ds.samples
    img, target = ds[45]
    assert img.mode == "RGB" and img.size == (32, 32) and target == 1
    assert repr(ds) == ("Dataset ImageFolder\n    Number of datapoints: 300\n"
                        f"    Root location: {cifar_jpg_root}")


def test_datasetfolder_options(tmp_path):
    for c in ("a", "b", "empty"):
        (tmp_path / c).mkdir()
    (tmp_path / "a" / "1.txt").write_text("1")
    (tmp_path / "a" / "2.dat").write_text("2")
    (tmp_path / "b" / "3.txt").write_text("3")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.DatasetFolder(str(tmp_path), loader=str, extensions=(".txt",))
    ds = datasets.DatasetFolder(str(tmp_path), loader=lambda p: Path(p).read_text(),
                                extensions=(".txt",), allow_empty=True)
    assert [s[1] for s in ds.samples] == [0, 1] and ds[1] == ("3", 1)
    ds = datasets.DatasetFolder(str(tmp_path), loader=str, allow_empty=True,
                                is_valid_file=lambda p: p.endswith(".dat"))
    assert len(ds) == 1 and ds.class_to_idx == {"a": 0, "b": 1, "empty": 2}
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.DatasetFolder(str(tmp_path), loader=str)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path / "a"))


def test_fakedata_reproducible():
    ds = datasets.FakeData(size=4, image_size=(3, 8, 6), num_classes=3,
                           transform=transforms.PILToTensor())
    state = ember.get_rng_state()
    x0, y0 = ds[0]
    assert ember.equal(ember.get_rng_state(), state)
    assert tuple(x0.shape) == (3, 8, 6) and 0 <= y0 < 3
    assert ember.equal(ds[0][0], x0) and not ember.equal(ds[1][0], x0)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


def test_hostile_pickle_refused(tmp_path):
    sentinel = tmp_path / "pwned"
    evil = _Evil()
    evil.sentinel = sentinel
    payload = pickle.dumps({b"data": evil, b"labels": []}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="forbidden"):
        safe_loads(payload)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(payload)
    with pytest.raises(pickle.UnpicklingError):
        datasets.CIFAR10(str(tmp_path), train=False)
    assert not sentinel.exists()


def test_safe_pickle_builds_plain_data():
    arr = np.arange(12, dtype=np.int16).reshape(3, 4)
    obj = {b"x": arr, "y": [1, 2.5, "s", b"b", (3,)], "z": np.float32(1.5)}
    for proto in (2, 4, 5):
        out = safe_loads(pickle.dumps(obj, protocol=proto))
        np.testing.assert_array_equal(out[b"x"], arr)
        assert out["y"] == [1, 2.5, "s", b"b", (3,)] and out["z"] == 1.5
    with pytest.raises(pickle.UnpicklingError):
        safe_loads(pickle.dumps(np.array([object()], dtype=object), protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        safe_loads(pickle.dumps(shutil.rmtree, protocol=2))


def test_cifar_corrupt_batch(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    good = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]})
    (folder / "test_batch").write_bytes(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match="test_batch"):
        datasets.CIFAR10(str(tmp_path), train=False)
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": np.zeros((2, 10), np.uint8),
                                                      b"labels": [0, 1]}))
    with pytest.raises(RuntimeError, match="Corrupt file .*test_batch"):
        datasets.CIFAR10(str(tmp_path), train=False)


def test_seed_tutorial_loop_with_workers(cifar_batches):
    """The seed's loop: ToTensor + Normalize, batch 4, shuffle, 2 workers, one epoch."""
    data = pytest.importorskip("ember.utils.data")
    tf = transforms.Compose([transforms.ToTensor(),
                             transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = datasets.CIFAR10(root=str(cifar_batches[0]), train=False, transform=tf)
    loader = data.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2)
    seen = []
    for images, labels in loader:
        assert tuple(images.shape) == (4, 3, 32, 32) and images.dtype == ember.float32
        seen += labels.tolist()
    assert sorted(seen) == sorted(cifar_batches[2])
