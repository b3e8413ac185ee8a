"""Helpers shared by the vision tests (importable as a plain module)."""
from __future__ import annotations

import io
import os
import tarfile

import numpy as np


def tar_bytes(members: list, mode: str = "w:gz") -> bytes:
    """Build a tar archive from (TarInfo, data-or-None) pairs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return buf.getvalue()


def listing(path) -> list:
    return sorted(os.path.relpath(os.path.join(r, f), path)
                  for r, ds, fs in os.walk(path) for f in fs + ds)


def cifar_batch_dict(images: np.ndarray, labels: list) -> dict:
    """A dict shaped like an official CIFAR-10 python batch (bytes keys)."""
    flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return {b"batch_label": b"testing batch 1 of 1", b"labels": list(labels),
            b"data": np.ascontiguousarray(flat, dtype=np.uint8),
            b"filenames": [f"{i}.png".encode() for i in range(len(images))]}
