"""CIFAR-10 and CIFAR-100 from the official python batches (read with a safe unpickler)."""
from __future__ import annotations

import os
import pickle
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ._safe_pickle import ForbiddenPickleError, safe_load
from .utils import download_and_extract_archive
from .vision import VisionDataset, _require_pil


def _str_keys(entry: Any, path: str) -> Dict[str, Any]:
    if not isinstance(entry, dict):
        raise RuntimeError(f"Corrupt file {path}: expected a dict, got {type(entry).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


def _load_pickle(path: str) -> Dict[str, Any]:
    """Read one batch/meta file with the restricted unpickler; RuntimeError if corrupt."""
    try:
        with open(path, "rb") as f:
            entry = safe_load(f, encoding="latin1")
    except ForbiddenPickleError as e:
        raise ForbiddenPickleError(f"Refusing to load {path}: {e}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError) as e:
        raise RuntimeError(f"Corrupt or truncated file {path}: {e}") from e
    return _str_keys(entry, path)


def _decode(names: List[Any]) -> List[str]:
    return [n.decode("latin1") if isinstance(n, bytes) else n for n in names]


class CIFAR10(VisionDataset):
    """`CIFAR-10 <https://www.cs.toronto.edu/~kriz/cifar.html>`_ from
    ``root/cifar-10-batches-py``.

    Args:
        root: folder holding (or receiving) ``cifar-10-batches-py``.
        train: the 50k training batches if True, else the 10k ``test_batch``.
        transform, target_transform: applied to the PIL image / the int target.
        download: fetch the archive (md5-verified) and extract it safely.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root: str, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True "
                               "to download it")
        data: List[np.ndarray] = []
        self.targets: List[int] = []
        for file_name, _ in (self.train_list if train else self.test_list):
            d, t = self._load_batch(os.path.join(self.root, self.base_folder, file_name))
            data.append(d)
            self.targets.extend(t)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _load_batch(self, path: str) -> Tuple[np.ndarray, List[int]]:
        entry = _load_pickle(path)
        labels = entry.get("labels", entry.get("fine_labels"))
        arr = entry.get("data")
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != 2 \
                or arr.shape[1] != 3 * 32 * 32:
            got = f"{arr.dtype} {arr.shape}" if isinstance(arr, np.ndarray) else type(arr)
            raise RuntimeError(f"Corrupt file {path}: 'data' must be a uint8 array of shape "
                               f"(N, 3072), got {got}")
        if labels is None or len(labels) != len(arr):
            raise RuntimeError(f"Corrupt file {path}: expected {len(arr)} labels, got "
                               f"{None if labels is None else len(labels)}")
        return arr, [int(x) for x in labels]

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not os.path.isfile(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use "
                               "download=True to download it")
        entry = _load_pickle(path)
        if self.meta["key"] not in entry:
            raise RuntimeError(f"Corrupt file {path}: no '{self.meta['key']}' entry")
        self.classes = _decode(list(entry[self.meta["key"]]))
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        img = _require_pil().fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        # Presence only: each file is validated by parsing it (md5 is checked on download).
        folder = os.path.join(self.root, self.base_folder)
        needed = [f for f, _ in (self.train_list if self.train else self.test_list)]
        return all(os.path.isfile(os.path.join(folder, f)) for f in needed)

    def download(self) -> None:
        if self._check_integrity():
            print("Files already downloaded and verified")
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename,
                                     md5=self.tgz_md5)

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class CIFAR100(CIFAR10):
    """`CIFAR-100 <https://www.cs.toronto.edu/~kriz/cifar.html>`_ (fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
