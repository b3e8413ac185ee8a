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


# ---- affine, perspective, erasing, five/ten crop ----

def _tv_grid_sample(img, grid, mode, fill):
    """torchvision's _apply_grid_transform, written in torch (reference for the tensor path)."""
    n, _, h, w = img.shape
    if fill is not None:
        img = torch.cat([img, torch.ones(n, 1, h, w, dtype=img.dtype)], 1)
    out = torch.nn.functional.grid_sample(img, grid.expand(n, *grid.shape[1:]), mode=mode,
                                          padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, -1:].expand_as(out[:, :-1])
        out = out[:, :-1]
        fimg = torch.tensor(fill, dtype=out.dtype).view(1, -1, 1, 1).expand_as(out)
        if mode == "nearest":
            out = torch.where(mask < 0.5, fimg, out)
        else:
            out = out * mask + (1.0 - mask) * fimg
    return out


def _tv_affine(img, matrix, mode, fill):
    """torchvision's tensor affine: a centred pixel grid times the inverse matrix."""
    h, w = img.shape[-2:]
    theta = torch.tensor(matrix, dtype=img.dtype).reshape(1, 2, 3)
    base = torch.empty(1, h, w, 3, dtype=img.dtype)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, steps=h).unsqueeze(-1))
    base[..., 2].fill_(1)
    rescaled = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=img.dtype)
    grid = base.view(1, h * w, 3).bmm(rescaled).view(1, h, w, 2)
    return _tv_grid_sample(img, grid, mode, fill)


def _tv_perspective(img, coeffs, mode, fill):
    """torchvision's tensor perspective: a projective map of the pixel-centre grid."""
    h, w = img.shape[-2:]
    t1 = torch.tensor([[coeffs[:3], coeffs[3:6]]], dtype=img.dtype)
    t2 = torch.tensor([[[coeffs[6], coeffs[7], 1.0]] * 2], dtype=img.dtype)
    base = torch.empty(1, h, w, 3, dtype=img.dtype)
    base[..., 0].copy_(torch.linspace(0.5, w - 0.5, steps=w))
    base[..., 1].copy_(torch.linspace(0.5, h - 0.5, steps=h).unsqueeze(-1))
    base[..., 2].fill_(1)
    g1 = base.view(1, h * w, 3).bmm(t1.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h],
                                                                     dtype=img.dtype))
    g2 = base.view(1, h * w, 3).bmm(t2.transpose(1, 2))
    return _tv_grid_sample(img, (g1 / g2 - 1.0).view(1, h, w, 2), mode, fill)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill", [None, [0.5, 0.25, 1.0]])
@pytest.mark.parametrize("angle,translate,scale,shear,center", [
    (30.0, [2, -1], 1.2, [10.0, 5.0], None), (-75.5, [0, 0], 0.8, 0.0, [4, 3]),
    (12.0, [3, 4], 1.0, [-20.0], None)])
def test_tensor_affine_matches_torchvision_algorithm(mode, fill, angle, translate, scale, shear,
                                                     center):
    x = np.random.default_rng(3).random((2, 3, 13, 17))
    out = F.affine(ember.tensor(x), angle, translate, scale, shear,
                   T.InterpolationMode(mode), fill, center)
    sh = [shear, 0.0] if isinstance(shear, float) else (shear * 2 if len(shear) == 1 else shear)
    cf = [0.0, 0.0] if center is None else [center[0] - 8.5, center[1] - 6.5]
    # the inverse matrix of rotation/shear/scale/translation, as torchvision builds it
    rot, sx, sy = (np.radians(v) for v in (angle, sh[0], sh[1]))
    a, b = np.cos(rot - sy) / np.cos(sy), -np.cos(rot - sy) * np.tan(sx) / np.cos(sy) - np.sin(rot)
    c, d = np.sin(rot - sy) / np.cos(sy), -np.sin(rot - sy) * np.tan(sx) / np.cos(sy) + np.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    tx, ty = cf[0] + translate[0], cf[1] + translate[1]
    m[2] = -m[0] * tx - m[1] * ty + cf[0]
    m[5] = -m[3] * tx - m[4] * ty + cf[1]
    ref = _tv_affine(torch.tensor(x), m, mode, fill)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-12)


def test_pil_affine_is_pil_rotate_and_identity():
    im, a = _img(13, 17)
    for angle in (30, 90, -45):
        assert np.array_equal(np.asarray(F.affine(im, angle, [0, 0], 1.0, 0.0)),
                              np.asarray(F.rotate(im, -angle)))
    assert np.array_equal(np.asarray(F.affine(im, 0.0, [0, 0], 1.0, [0.0, 0.0])), a)
    shifted = np.asarray(F.affine(im, 0.0, [3, 2], 1.0, 0.0))
    assert np.array_equal(shifted[2:, 3:], a[:-2, :-3]) and not shifted[:2].any()
    t = F.affine(_chw(a), 0.0, [3, 2], 1.0, 0.0).numpy().transpose(1, 2, 0)
    assert np.array_equal(t, shifted)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_tensor_perspective_matches_torchvision_algorithm(mode):
    x = np.random.default_rng(4).random((1, 3, 13, 17))
    start = [[0, 0], [16, 0], [16, 12], [0, 12]]
    end = [[2, 1], [15, 0], [14, 11], [1, 12]]
    out = F.perspective(ember.tensor(x), start, end, T.InterpolationMode(mode), fill=[1.0])
    # the coefficients: least squares of the 8x8 system torchvision solves
    A = np.array([r for (ex, ey), (sx, sy) in zip(end, start)
                  for r in ([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey],
                            [0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])], dtype=np.float64)
    coeffs = np.linalg.solve(A, np.asarray(start, dtype=np.float64).reshape(8))
    ref = _tv_perspective(torch.tensor(x), coeffs.astype(np.float32).tolist(), mode, [1.0] * 3)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-12)
    im, a = _img(13, 17)
    corners = [[0, 0], [16, 0], [16, 12], [0, 12]]
    nearest = T.InterpolationMode.NEAREST
    assert np.array_equal(np.asarray(F.perspective(im, corners, corners, nearest)), a)
    # PIL's bilinear resampling rounds the float32 identity coefficients to within 1 level
    bil = np.asarray(F.perspective(im, corners, corners)).astype(int)
    assert np.abs(bil - a).max() <= 1
    assert np.array_equal(F.perspective(_chw(a), corners, corners).numpy(),
                          a.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="exactly four corners"):
        F.perspective(im, corners[:3], corners)


def test_random_affine_and_perspective():
    im, a = _img(20, 24)
    ra = T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=(-5, 5, -3, 3),
                        fill=(10, 20, 30))
    assert repr(ra) == ("RandomAffine(degrees=[-15.0, 15.0], translate=(0.1, 0.2), "
                        "scale=(0.9, 1.1), shear=[-5.0, 5.0, -3.0, 3.0], fill=(10, 20, 30))")
    ember.manual_seed(1)
    params = [ra.get_params(ra.degrees, ra.translate, ra.scale, ra.shear, [24, 20])
              for _ in range(200)]
    angles, trans, scales, shears = zip(*params)
    assert all(-15 <= v <= 15 for v in angles) and max(angles) > 10 and min(angles) < -10
    assert all(abs(tx) <= 2.4 + 0.5 and abs(ty) <= 4.5 for tx, ty in trans)
    assert all(0.9 <= s <= 1.1 for s in scales)
    assert all(-5 <= sx <= 5 and -3 <= sy <= 3 for sx, sy in shears)
    ember.manual_seed(2)
    first = [np.asarray(ra(im)) for _ in range(2)] + [ra(_chw(a)).numpy()]
    ember.manual_seed(2)
    again = [np.asarray(ra(im)) for _ in range(2)] + [ra(_chw(a)).numpy()]
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], first[1])
    rp = T.RandomPerspective(0.4, p=1.0)
    assert repr(rp) == "RandomPerspective(p=1.0)"
    start, end = rp.get_params(24, 20, 0.4)
    assert start == [[0, 0], [23, 0], [23, 19], [0, 19]]
    assert 0 <= end[0][0] <= 4 and 19 <= end[1][0] <= 23 and 15 <= end[2][1] <= 19
    assert np.asarray(rp(im)).shape == (20, 24, 3)
    assert T.RandomPerspective(p=0.0)(im) is im
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="shear should be a sequence of length 2 or 4."):
        T.RandomAffine(0, shear=(1, 2, 3))
    with pytest.raises(TypeError, match="Fill should be either a sequence or a number."):
        T.RandomAffine(0, fill=object())
    with pytest.raises(ValueError, match="Argument scale should be positive"):
        F.affine(im, 0, [0, 0], 0.0, 0)


def test_random_erasing():
    x = ember.rand(3, 20, 30)
    er = T.RandomErasing(p=1.0, scale=(0.05, 0.2), ratio=(0.5, 2.0), value=(1, 2, 3))
    assert repr(er) == ("RandomErasing(p=1.0, scale=(0.05, 0.2), ratio=(0.5, 2.0), "
                        "value=(1, 2, 3), inplace=False)")
    ember.manual_seed(0)
    for _ in range(20):
        out = er(x).numpy()
        changed = (out != x.numpy()).any(0)
        rows, cols = np.nonzero(changed)
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert changed.sum() == h * w  # one solid box
        assert 0.05 * 600 - 2 * (h + w) <= h * w <= 0.2 * 600 + 2 * (h + w)
        box = out[:, rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        assert np.array_equal(box, np.broadcast_to(np.array([1, 2, 3.0])[:, None, None],
                                                   box.shape))
    before = x.numpy().copy()
    noisy = T.RandomErasing(p=1.0, value="random")(x)
    assert np.array_equal(x.numpy(), before) and not np.array_equal(noisy.numpy(), before)
    same = ember.zeros(3, 8, 8)
    assert T.RandomErasing(p=1.0, value=5, inplace=True)(same) is same and same.max() == 5
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=1.5)
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=[1, 2])(x)
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.erase(Image.new("RGB", (4, 4)), 0, 0, 1, 1, 0)


def test_five_and_ten_crop():
    im, a = _img(9, 11)
    crops = T.FiveCrop((4, 5))(im)
    want = [a[:4, :5], a[:4, 6:], a[5:, :5], a[5:, 6:], a[2:6, 3:8]]
    for c, w in zip(crops, want):
        assert np.array_equal(np.asarray(c), w)
    ten = T.TenCrop(4)(_chw(a))
    assert len(ten) == 10 and repr(T.TenCrop(4)) == "TenCrop(size=(4, 4), vertical_flip=False)"
    flipped = a[:, ::-1]
    assert np.array_equal(ten[5].numpy(), flipped[:4, :4].transpose(2, 0, 1))
    vten = T.TenCrop(4, vertical_flip=True)(im)
    assert np.array_equal(np.asarray(vten[5]), a[::-1][:4, :4])
    with pytest.raises(ValueError, match=r"Requested crop size \(10, 10\) is bigger than input "
                                         r"size \(9, 11\)"):
        F.five_crop(im, 10)
