"""DataLoader throughput on CIFAR-10's training JPEGs with the seed tutorial's transforms.

Run: ``python benchmarks/dataloader.py [--batches N] [--workers 0 2]``. Extracts
``/work/shared/data/cifar10-jpg.tar.gz`` (train/<class>/NNNN.jpg) to a temporary folder and
times ``ember.vision.datasets.ImageFolder`` + ``ToTensor`` + ``Normalize((0.5,)*3, (0.5,)*3)``,
batch 4, shuffle, beside torch's DataLoader on the same files (torchvision's ImageFolder and
transforms when importable, else a PIL + torch equivalent). Without the archive or
``ember.vision`` it falls back to a synthetic in-memory set of 32x32x3 uint8 images.
Prints batches per second and the ratio ember / torch (above 1 means ember is faster).
"""
from __future__ import annotations

import argparse
import importlib
import os
import tarfile
import tempfile
import time

import numpy as np

import ember
from ember.utils.data import DataLoader, Dataset

try:
    import torch
except ImportError:  # the benchmark still times ember alone
    torch = None

ARCHIVE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                       "cifar10-jpg.tar.gz")
MEAN = STD = (0.5, 0.5, 0.5)


def extract_train(archive: str, dest: str) -> str:
    """Extract the ``train/`` tree of the archive into ``dest``; returns its path."""
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.lstrip("./").startswith("train/")]
        tar.extractall(dest, members=members, filter="data")
    return os.path.join(dest, "train")


def ember_folder(root: str):
    from ember.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    return datasets.ImageFolder(root, transform=tf)


def torch_folder(root: str):
    try:
        import torchvision
        from torchvision import transforms
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
        return torchvision.datasets.ImageFolder(root, transform=tf), "torchvision"
    except ImportError:
        return _TorchJpegFolder(root), "PIL + torch ops (torchvision not installed)"


class _TorchJpegFolder:
    """ImageFolder + ToTensor + Normalize written with PIL and torch (no torchvision)."""

    def __init__(self, root: str):
        classes = sorted(d.name for d in os.scandir(root) if d.is_dir())
        self.samples = [(os.path.join(root, c, f), i) for i, c in enumerate(classes)
                        for f in sorted(os.listdir(os.path.join(root, c)))]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        from PIL import Image
        path, target = self.samples[i]
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        x = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float().div(255)
        return (x - 0.5) / 0.5, target


class SyntheticImages(Dataset):
    """50000 random 32x32x3 uint8 images, transformed like ToTensor + Normalize."""

    def __init__(self, lib, n: int = 50000):
        self.lib, self.n = lib, n
        self.images = np.random.default_rng(0).integers(0, 256, (n, 32, 32, 3), np.uint8)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = self.images[i].transpose(2, 0, 1).astype(np.float32) / 255
        return self.lib.from_numpy((x - 0.5) / 0.5), i % 10


def batches_per_second(make_loader, batches: int) -> float:
    loader = make_loader()
    it = iter(loader)
    for _ in range(min(20, batches)):  # warm up: worker start, first prefetches
        next(it)
    start = time.perf_counter()
    done = 0
    for done, _ in enumerate(it, 1):
        if done == batches:
            break
    rate = done / (time.perf_counter() - start)
    del it
    return rate


def run(ember_ds, torch_ds, workers, batches):
    print(f"{'workers':>8} {'ember b/s':>11} {'torch b/s':>11} {'ember/torch':>12}")
    for nw in workers:
        ember.manual_seed(0)
        ours = batches_per_second(lambda: DataLoader(ember_ds, batch_size=4, shuffle=True,
                                                     num_workers=nw), batches)
        theirs = None
        if torch_ds is not None:
            torch.manual_seed(0)
            theirs = batches_per_second(lambda: torch.utils.data.DataLoader(
                torch_ds, batch_size=4, shuffle=True, num_workers=nw), batches)
        ratio = f"{ours / theirs:12.2f}" if theirs else f"{'-':>12}"
        print(f"{nw:>8} {ours:11.1f} {theirs or float('nan'):11.1f} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000, help="timed batches per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--synthetic", action="store_true", help="skip the JPEG archive")
    parser.add_argument("--archive", default=os.path.normpath(ARCHIVE))
    args = parser.parse_args()
    use_files = not args.synthetic and os.path.exists(args.archive)
    if use_files:
        try:
            importlib.import_module("ember.vision.datasets")
        except ImportError as exc:
            print(f"ember.vision unavailable ({exc}); using synthetic images")
            use_files = False
    if not use_files:
        print("dataset: synthetic 32x32x3 uint8 images, numpy ToTensor + Normalize")
        run(SyntheticImages(ember), SyntheticImages(torch) if torch else None, args.workers,
            args.batches)
        return
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        root = extract_train(args.archive, tmp)
        ember_ds = ember_folder(root)
        torch_ds, torch_kind = torch_folder(root) if torch else (None, "-")
        print(f"dataset: CIFAR-10 train JPEGs, {len(ember_ds)} images "
              f"(extracted in {time.perf_counter() - t0:.1f} s); torch side: {torch_kind}")
        run(ember_ds, torch_ds, args.workers, args.batches)


if __name__ == "__main__":
    main()
