"""MNIST, FashionMNIST, KMNIST and EMNIST (IDX files, torchvision's on-disk layout)."""
from __future__ import annotations

import gzip
import os
import string
import urllib.error
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .utils import download_and_extract_archive, extract_archive
from .vision import VisionDataset, _require_pil

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
              0x0E: ">f8"}


def _read_bytes(path: str) -> bytes:
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"Corrupt or truncated file {path}: {e}") from e


def read_sn3_pascalvincent(path: str) -> np.ndarray:
    """Parse an IDX (``*-ubyte``) file, validating its magic number and size."""
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"Corrupt file {path}: not an IDX file (bad magic number "
                           f"{data[:4].hex() or 'empty'})")
    nd = data[3]
    header = 4 + 4 * nd
    if len(data) < header:
        raise RuntimeError(f"Truncated file {path}: header needs {header} bytes, "
                           f"file has {len(data)}")
    shape = tuple(int(d) for d in np.frombuffer(data, ">i4", nd, 4))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        kind = "Truncated" if len(data) < expected else "Corrupt"
        raise RuntimeError(f"{kind} file {path}: shape {shape} needs {expected} bytes, "
                           f"file has {len(data)}")
    arr = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


def read_image_file(path: str) -> np.ndarray:
    x = read_sn3_pascalvincent(path)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise RuntimeError(f"Corrupt file {path}: expected uint8 images of 3 dims, "
                           f"got {x.dtype} with shape {x.shape}")
    return x


def read_label_file(path: str) -> np.ndarray:
    x = read_sn3_pascalvincent(path)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise RuntimeError(f"Corrupt file {path}: expected uint8 labels of 1 dim, "
                           f"got {x.dtype} with shape {x.shape}")
    return x.astype(np.int64)


class MNIST(VisionDataset):
    """`MNIST <http://yann.lecun.com/exdb/mnist/>`_ from ``root/MNIST/raw``.

    Args:
        root: folder holding ``MNIST/raw/*-ubyte`` (or ``*-ubyte.gz``).
        train: the 60k training split if True, else the 10k test split.
        transform, target_transform: applied to the PIL image / the int target.
        download: fetch the files (md5-verified) if they are missing.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> Dict[str, int]:
        return {_class: i for i, _class in enumerate(self.classes)}

    def _split_files(self) -> List[str]:
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _find(self, name: str) -> Optional[str]:
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self) -> bool:
        return all(self._find(name) is not None for name in self._split_files())

    def _load_data(self) -> Tuple[Any, Any]:
        from ...ops.creation import from_numpy
        img_name, lbl_name = self._split_files()
        data = self._read_images(self._find(img_name))
        targets = read_label_file(self._find(lbl_name))
        if len(data) != len(targets):
            raise RuntimeError(f"Corrupt dataset in {self.raw_folder}: {len(data)} images but "
                               f"{len(targets)} labels")
        return from_numpy(data), from_numpy(targets)

    def _read_images(self, path: str) -> np.ndarray:
        return read_image_file(path)

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        Image = _require_pil()
        img = Image.fromarray(_numpy(self.data)[index], mode="L")
        target = int(_numpy(self.targets)[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def download(self) -> None:
        """Download the files missing from ``raw_folder`` (trying each mirror)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            base = os.path.splitext(filename)[0]
            if os.path.isfile(os.path.join(self.raw_folder, base)):
                continue
            if os.path.isfile(os.path.join(self.raw_folder, filename)):
                extract_archive(os.path.join(self.raw_folder, filename), self.raw_folder)
                continue
            self._download_one(filename, md5)

    def _download_one(self, filename: str, md5: Optional[str]) -> None:
        for mirror in self.mirrors:
            url = f"{mirror}{filename}"
            try:
                print(f"Downloading {url}")
                download_and_extract_archive(url, download_root=self.raw_folder,
                                             filename=filename, md5=md5)
            except urllib.error.URLError as error:
                print(f"Failed to download (trying next):\n{error}")
                continue
            return
        raise RuntimeError(f"Error downloading {filename}")

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


def _numpy(x: Any) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


class FashionMNIST(MNIST):
    """`Fashion-MNIST <https://github.com/zalandoresearch/fashion-mnist>`_ (MNIST's layout)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """`Kuzushiji-MNIST <https://github.com/rois-codh/kmnist>`_ (MNIST's layout)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


_merged = set("cijklmopsuvwxyz")
_all = list(string.digits + string.ascii_uppercase + string.ascii_lowercase)


class EMNIST(MNIST):
    """`EMNIST <https://www.nist.gov/itl/products-and-services/emnist-dataset>`_ splits.

    Files ``root/EMNIST/raw/emnist-{split}-{train|test}-{images-idx3|labels-idx1}-ubyte``.
    Images come out as stored (transposed), exactly as torchvision returns them.
    """

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    classes_split_dict = {
        "byclass": _all,
        "bymerge": [c for c in _all if c not in _merged],
        "balanced": [c for c in _all if c not in _merged],
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str, split: str, **kwargs: Any) -> None:
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(s) for s in self.splits)}}}.")
        self.split = split
        self.classes = self.classes_split_dict[split]
        super().__init__(root, **kwargs)

    def _split_files(self) -> List[str]:
        part = "train" if self.train else "test"
        return [f"emnist-{self.split}-{part}-images-idx3-ubyte",
                f"emnist-{self.split}-{part}-labels-idx1-ubyte"]

    def download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
