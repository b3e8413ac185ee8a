"""A small CNN trained on real MNIST (the shared 10k split) reaches >95% held-out accuracy."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-t10k"


def _idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5)
        self.conv2 = nn.Conv2d(8, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


@pytest.mark.slow
def test_small_cnn_learns_real_mnist():
    images = MNIST / "t10k-images-idx3-ubyte.gz"
    if not images.exists():
        pytest.skip(f"real MNIST not available: {images} is absent (needs ../shared/data)")
    x = _idx(images, 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    y = _idx(MNIST / "t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x = (x - 0.1307) / 0.3081
    xt, yt = ember.from_numpy(x[:8000]), ember.from_numpy(y[:8000])
    xv, yv = ember.from_numpy(x[8000:]), ember.from_numpy(y[8000:])
    ember.manual_seed(0)
    model = SmallCNN()
    opt = ember.optim.Adam(model.parameters(), lr=2e-3)
    for _epoch in range(2):
        perm = ember.randperm(8000)
        for i in range(0, 8000, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with ember.no_grad():
        acc = (model(xv).argmax(1) == yv).float().mean().item()
    assert acc > 0.95, f"held-out accuracy {acc:.3f}"
