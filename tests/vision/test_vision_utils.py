"""make_grid / save_image against torchvision's algorithm written out in torch ops."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision.utils import make_grid, save_image

torch = pytest.importorskip("torch")


def ref_make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
                  scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid's documented behaviour, step by step, in torch."""
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()

        def norm(img, lo, hi):
            img.clamp_(min=lo, max=hi)
            img.sub_(lo).div_(max(hi - lo, 1e-5))

        def norm_range(t):
            if value_range is not None:
                norm(t, value_range[0], value_range[1])
            else:
                norm(t, float(t.min()), float(t.max()))
        if scale_each:
            for t in tensor:
                norm_range(t)
        else:
            norm_range(tensor)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding),
                           pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding).copy_(tensor[k])
            k += 1
    return grid


CASES = [
    dict(shape=(5, 3, 4, 6)),
    dict(shape=(5, 3, 4, 6), nrow=2, padding=1, pad_value=0.7),
    dict(shape=(7, 1, 5, 5), nrow=3, normalize=True),
    dict(shape=(4, 3, 5, 5), normalize=True, scale_each=True, padding=0),
    dict(shape=(4, 3, 5, 5), normalize=True, value_range=(-1.0, 1.0)),
    dict(shape=(1, 3, 5, 5)),
    dict(shape=(1, 6, 6)),
    dict(shape=(6, 6)),
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_make_grid_matches_torchvision_algorithm(case):
    case = dict(case)
    shape = case.pop("shape")
    x = (np.random.default_rng(0).standard_normal(shape) * 2).astype(np.float32)
    out = make_grid(ember.from_numpy(x.copy()), **case)
    ref = ref_make_grid(torch.from_numpy(x.copy()), **case)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_make_grid_list_and_errors():
    xs = [ember.rand(3, 4, 4) for _ in range(3)]
    out = make_grid(xs, nrow=3, padding=0)
    assert tuple(out.shape) == (3, 4, 12)
    np.testing.assert_array_equal(out.numpy()[:, :, 4:8], xs[1].numpy())
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((3, 4, 4)))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(ember.rand(2, 3, 4, 4), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize("shape", [(6, 3, 5, 7), (2, 1, 4, 4), (3, 9, 8)])
def test_save_image_pixels(tmp_path, shape):
    x = np.random.default_rng(1).random(shape, dtype=np.float32) * 1.2 - 0.1
    path = tmp_path / "grid.png"
    save_image(ember.from_numpy(x.copy()), str(path), nrow=3)
    grid = ref_make_grid(torch.from_numpy(x.copy()), nrow=3)
    expected = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    got = np.asarray(Image.open(path))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    buf = io.BytesIO()
    save_image(ember.from_numpy(x.copy()), buf, format="png", nrow=3)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(buf.getvalue()))), expected)
