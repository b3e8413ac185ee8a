"""Random transforms draw their parameters as torchvision does (one-element ``torch.rand``,
``torch.randint``, ``uniform_``, ``randperm`` on the default generator), so a seeded
augmentation pipeline makes PyTorch's choices and leaves the stream where PyTorch leaves it.
torchvision is not needed: its documented draws are replayed with torch calls."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember.vision import transforms as T

torch = pytest.importorskip("torch")


def _image(h=32, w=32):
    return ember.arange(3 * h * w, dtype=ember.float32).reshape(3, h, w) / (3 * h * w)


def test_crop_and_flip_positions_and_stream():
    ember.manual_seed(3)
    img = _image()
    crop, flip = T.RandomCrop(28), T.RandomHorizontalFlip()
    got = []
    for _ in range(5):
        got.append(T.RandomCrop.get_params(img, (28, 28))[:2])
        got.append(flip(img)[0, 0, 0].item() != img[0, 0, 0].item())
    crop(img)
    mine_after = ember.rand(4).numpy()

    torch.manual_seed(3)
    want = []
    for _ in range(5):
        i = torch.randint(0, 32 - 28 + 1, size=(1,)).item()
        j = torch.randint(0, 32 - 28 + 1, size=(1,)).item()
        want.append((i, j))
        want.append(bool(torch.rand(1) < 0.5))
    torch.randint(0, 5, size=(1,))
    torch.randint(0, 5, size=(1,))
    assert got == want
    np.testing.assert_array_equal(mine_after, torch.rand(4).numpy())


def test_resized_crop_and_color_jitter_parameters():
    ember.manual_seed(11)
    img = _image(40, 50)
    mine = [T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(6)]
    jitter = T.ColorJitter.get_params([0.6, 1.4], [0.7, 1.3], None, [-0.1, 0.1])
    mine_after = ember.rand(3).numpy()

    torch.manual_seed(11)
    want = []
    for _ in range(6):
        log_ratio = torch.log(torch.tensor([3 / 4, 4 / 3]))
        for _ in range(10):
            area = 40 * 50 * torch.empty(1).uniform_(0.08, 1.0).item()
            aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
            w = int(round(math.sqrt(area * aspect)))
            h = int(round(math.sqrt(area / aspect)))
            if 0 < w <= 50 and 0 < h <= 40:
                i = torch.randint(0, 40 - h + 1, size=(1,)).item()
                j = torch.randint(0, 50 - w + 1, size=(1,)).item()
                want.append((i, j, h, w))
                break
    assert mine == want
    order = torch.randperm(4).tolist()
    b = torch.empty(1).uniform_(0.6, 1.4).item()
    c = torch.empty(1).uniform_(0.7, 1.3).item()
    hue = torch.empty(1).uniform_(-0.1, 0.1).item()
    assert list(jitter[0]) == order
    assert jitter[1:] == (b, c, None, hue)
    np.testing.assert_array_equal(mine_after, torch.rand(3).numpy())
