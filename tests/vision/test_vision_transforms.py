"""Transforms: PIL and tensor paths agree, tensor kernels match torch, reprs, randomness."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

torch = pytest.importorskip("torch")


def _img(h=9, w=11, seed=0):
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(a), a


def _chw(a):
    return ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def test_to_tensor_and_back():
    im, a = _img()
    t = T.ToTensor()(im)
    assert t.dtype == ember.float32 and tuple(t.shape) == (3, 9, 11)
    ref = torch.from_numpy(a.transpose(2, 0, 1).copy()).float().div(255)
    np.testing.assert_array_equal(t.numpy(), ref.numpy())
    assert np.array_equal(np.asarray(T.ToPILImage()(t)), a)
    p = T.PILToTensor()(im)
    assert p.dtype == ember.uint8 and np.array_equal(p.numpy(), a.transpose(2, 0, 1))
    g = T.ToTensor()(im.convert("L"))
    assert tuple(g.shape) == (1, 9, 11)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


def test_normalize_matches_torch():
    x = np.random.default_rng(1).random((2, 3, 4, 5), dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(ember.from_numpy(x.copy()))
    ref = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(
        -1, 1, 1)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    t = ember.from_numpy(x.copy())
    assert T.Normalize(mean, std, inplace=True)(t) is t
    np.testing.assert_array_equal(t.numpy(), ref.numpy())
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(ember.zeros(3, 2, 2), mean, (1, 0, 1))


@pytest.mark.parametrize("fn", [
    F.hflip, F.vflip,
    lambda x: F.crop(x, 2, 3, 4, 5),
    lambda x: F.center_crop(x, (5, 4)),
    lambda x: F.center_crop(x, 13),
    lambda x: F.pad(x, [1, 2, 3, 4], fill=7),
    lambda x: F.pad(x, 2, padding_mode="reflect"),
    lambda x: F.pad(x, [1, 2], padding_mode="edge"),
    lambda x: F.pad(x, 3, padding_mode="symmetric"),
    lambda x: F.rotate(x, 90, expand=True),
    lambda x: F.rotate(x, 180),
    lambda x: F.resize(x, [18, 22], interpolation=T.InterpolationMode.NEAREST_EXACT),
    lambda x: F.adjust_brightness(x, 1.5),
], ids=["hflip", "vflip", "crop", "center_crop", "center_crop_pad", "pad", "reflect",
        "edge", "symmetric", "rot90", "rot180", "resize_nearest_x2", "brightness"])
def test_tensor_and_pil_agree(fn):
    im, a = _img()
    from_pil = np.asarray(fn(im)).astype(np.int64)
    from_tensor = fn(_chw(a)).numpy().transpose(1, 2, 0).astype(np.int64)
    assert from_pil.shape == from_tensor.shape
    assert np.abs(from_pil - from_tensor).max() <= 1


def test_grayscale_tensor_close_to_pil():
    im, a = _img()
    g_pil = np.asarray(F.rgb_to_grayscale(im)).astype(int)
    g_t = F.rgb_to_grayscale(_chw(a)).numpy()[0].astype(int)
    assert np.abs(g_pil - g_t).max() <= 1
    three = T.Grayscale(3)(im)
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[..., 0], g_pil)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [(5, 7), (14, 20), (9, 4)])
def test_tensor_resize_matches_torch(mode, antialias, size):
    x = np.random.default_rng(2).random((2, 3, 9, 11), dtype=np.float32)
    out = F.resize(ember.from_numpy(x), list(size), T.InterpolationMode(mode),
                   antialias=antialias)
    aa = antialias and mode in ("bilinear", "bicubic")
    ref = torch.nn.functional.interpolate(
        torch.from_numpy(x), size=size, mode=mode, antialias=aa,
        **({} if mode.startswith("nearest") else {"align_corners": False}))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_resize_sizes_and_pil():
    im, _ = _img(20, 30)
    assert F.resize(im, 10).size == (15, 10)
    assert F.resize(im, 10, max_size=12).size == (12, 8)
    assert F.resize(im, [7, 9]).size == (9, 7)
    ref = im.resize((15, 10), Image.BILINEAR)
    assert np.array_equal(np.asarray(T.Resize(10)(im)), np.asarray(ref))
    with pytest.raises(ValueError, match="max_size = 10 must be strictly greater"):
        F.resize(im, 10, max_size=10)


def test_random_transforms_use_ember_generator():
    im, a = _img(32, 32)
    tf = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.RandomRotation(20),
                    T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.RandomGrayscale(0.5),
                    T.RandomCrop(12, padding=2), T.GaussianBlur(3), T.ToTensor()])
    ember.manual_seed(0)
    first = [tf(im).numpy() for _ in range(3)]
    ember.manual_seed(0)
    again = [tf(im).numpy() for _ in range(3)]
    for x, y in zip(first, again):
        assert x.shape == (3, 12, 12)
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], first[1])
    tt = T.Compose([T.RandomCrop(12, padding=2, pad_if_needed=True), T.RandomVerticalFlip(1.0),
                    T.ColorJitter(0.4, 0.4, 0.4, 0.1)])
    out = tt(_chw(a).float() / 255)
    assert tuple(out.shape) == (3, 12, 12) and out.dtype == ember.float32


def test_random_apply_choice_order():
    im, _ = _img()
    assert T.RandomApply([T.Lambda(lambda x: "hit")], p=1.0)(im) == "hit"
    assert T.RandomApply([T.Lambda(lambda x: "hit")], p=0.0)(im) is im
    assert T.RandomChoice([T.Lambda(lambda x: 1), T.Lambda(lambda x: 2)], p=[0, 1])(im) == 2
    seen = {T.RandomOrder([T.Lambda(lambda x: x + "a"), T.Lambda(lambda x: x + "b")])("")
            for _ in range(40)}
    assert seen == {"ab", "ba"}


def test_gaussian_blur_matches_torch_conv():
    x = np.random.default_rng(3).random((1, 3, 8, 9), dtype=np.float32)
    out = F.gaussian_blur(ember.from_numpy(x), [5, 3], [1.2, 0.7]).numpy()
    k1x = torch.exp(-0.5 * (torch.linspace(-2, 2, 5) / 1.2) ** 2)
    k1y = torch.exp(-0.5 * (torch.linspace(-1, 1, 3) / 0.7) ** 2)
    k2 = torch.outer(k1y / k1y.sum(), k1x / k1x.sum()).expand(3, 1, 3, 5)
    padded = torch.nn.functional.pad(torch.from_numpy(x), [2, 2, 1, 1], mode="reflect")
    ref = torch.nn.functional.conv2d(padded, k2, groups=3)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_hue_tensor_vs_pil_close():
    im, a = _img()
    pil = np.asarray(F.adjust_hue(im, 0.2)).astype(int)
    ten = F.adjust_hue(_chw(a), 0.2).numpy().transpose(1, 2, 0).astype(int)
    assert np.mean(np.abs(pil - ten)) < 3


def test_convert_image_dtype():
    x = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    f = T.ConvertImageDtype(ember.float32)(x)
    np.testing.assert_allclose(f.numpy(), [[[0, 128 / 255, 1.0]]])
    back = F.convert_image_dtype(f, ember.uint8)
    assert back.numpy().tolist() == [[[0, 128, 255]]]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, ember.int32)


def test_reprs():
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == (
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)")
    assert repr(T.Resize(32)) == ("Resize(size=32, interpolation=bilinear, max_size=None, "
                                  "antialias=True)")
    assert repr(T.CenterCrop(4)) == "CenterCrop(size=(4, 4))"
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(T.RandomResizedCrop(8)) == (
        "RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
        "interpolation=bilinear, antialias=True)")
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.RandomRotation(10)) == (
        "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)")
    assert repr(T.ColorJitter(0.5, hue=0.1)) == (
        "ColorJitter(brightness=[0.5, 1.5], contrast=None, saturation=None, "
        "hue=[-0.1, 0.1])")
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    assert repr(T.Grayscale()) == "Grayscale(num_output_channels=1)"
    assert repr(T.RandomApply([T.ToTensor()])) == "RandomApply(\n    p=0.5\n    ToTensor()\n)"
    assert repr(T.ToPILImage()) == "ToPILImage()"
