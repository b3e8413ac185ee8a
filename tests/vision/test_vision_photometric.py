"""Photometric ops and augmentation policies: tensor kernels vs torchvision's formulas written
in torch, PIL and tensor paths agree, argument errors, reprs, seeded randomness."""
from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import _autoaugment as A
from ember.vision.transforms import _photometric
from ember.vision.transforms import functional as F

torch = pytest.importorskip("torch")


def _img(h=9, w=11, seed=0, lo=0, hi=256):
    a = np.random.default_rng(seed).integers(lo, hi, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(a), a


def _chw(a):
    return ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def _hwc(t):
    return t.numpy().transpose(1, 2, 0)


# ---- torchvision's tensor functions, written in torch (the references) ----

def _bound(x):
    return 1.0 if x.is_floating_point() else 255


def tv_invert(x):
    return _bound(x) - x


def tv_posterize(x, bits):
    return x & -int(2 ** (8 - bits))


def tv_solarize(x, threshold):
    return torch.where(x >= threshold, tv_invert(x), x)


def tv_blend(a, b, ratio):
    return (ratio * a + (1.0 - ratio) * b).clamp(0, _bound(a)).to(a.dtype)


def tv_sharpness(x, factor):
    if x.shape[-1] <= 2 or x.shape[-2] <= 2:
        return x
    dtype = x.dtype if x.is_floating_point() else torch.float32
    kernel = torch.ones((3, 3), dtype=dtype)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    c = x.shape[-3]
    flat = x.reshape(-1, *x.shape[-3:]).to(dtype)
    blurred = torch.nn.functional.conv2d(flat, kernel.expand(c, 1, 3, 3), groups=c)
    if not x.is_floating_point():
        blurred = torch.round(blurred)
    degenerate = x.clone()
    degenerate[..., 1:-1, 1:-1] = blurred.to(x.dtype).reshape(degenerate[..., 1:-1, 1:-1].shape)
    return tv_blend(x, degenerate, factor)


def tv_autocontrast(x):
    dtype = x.dtype if x.is_floating_point() else torch.float32
    lo = x.amin(dim=(-2, -1), keepdim=True).to(dtype)
    hi = x.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = _bound(x) / (hi - lo)
    flat = torch.isfinite(scale).logical_not()
    lo[flat] = 0
    scale[flat] = 1
    return ((x - lo) * scale).clamp(0, _bound(x)).to(x.dtype)


def tv_scale_channel(chan):
    hist = torch.bincount(chan.reshape(-1), minlength=256)
    step = torch.div(hist[hist != 0][:-1].sum(), 255, rounding_mode="floor")
    if step == 0:
        return chan
    lut = torch.div(torch.cumsum(hist, 0) + torch.div(step, 2, rounding_mode="floor"), step,
                    rounding_mode="floor")
    lut = torch.nn.functional.pad(lut, [1, 0])[:-1].clamp(0, 255)
    return lut[chan.to(torch.int64)].to(torch.uint8)


def tv_equalize(x):
    flat = x.reshape(-1, *x.shape[-2:])
    return torch.stack([tv_scale_channel(c) for c in flat]).reshape(x.shape)


def tv_gamma(x, gamma, gain=1):
    res = x if x.is_floating_point() else x.to(torch.float32) / 255.0
    res = (gain * res.pow(gamma)).clamp(0, 1)
    return res if x.is_floating_point() else res.mul(255 + 1.0 - 1e-3).to(x.dtype)


def _sample(dtype, shape, seed=1):
    rng = np.random.default_rng(seed)
    if dtype == "uint8":
        a = rng.integers(30, 200, shape, dtype=np.uint8)
        a[..., 0, :2, :3] = 250  # a few extremes so autocontrast / equalize have work to do
        a[..., -1, :, :] = np.where(a[..., -1, :, :] > 100, 140, 60).astype(np.uint8)
    else:
        a = (rng.random(shape, dtype=np.float32) * 0.6 + 0.2).astype(np.float32)
    return a


OPS = {
    "invert": (F.invert, tv_invert),
    "posterize3": (lambda x: F.posterize(x, 3), lambda x: tv_posterize(x, 3)),
    "posterize0": (lambda x: F.posterize(x, 0), lambda x: tv_posterize(x, 0)),
    "posterize8": (lambda x: F.posterize(x, 8), lambda x: tv_posterize(x, 8)),
    "solarize": (lambda x: F.solarize(x, 0.5 * _bound_np(x)),
                 lambda x: tv_solarize(x, 0.5 * _bound(x))),
    "sharpness0.3": (lambda x: F.adjust_sharpness(x, 0.3), lambda x: tv_sharpness(x, 0.3)),
    "sharpness2.5": (lambda x: F.adjust_sharpness(x, 2.5), lambda x: tv_sharpness(x, 2.5)),
    "autocontrast": (F.autocontrast, tv_autocontrast),
    "equalize": (F.equalize, tv_equalize),
    "gamma0.5": (lambda x: F.adjust_gamma(x, 0.5), lambda x: tv_gamma(x, 0.5)),
    "gamma2_gain0.8": (lambda x: F.adjust_gamma(x, 2.0, 0.8), lambda x: tv_gamma(x, 2.0, 0.8)),
}
UINT8_ONLY = {"posterize3", "posterize0", "posterize8", "equalize"}


def _bound_np(x):
    return 1.0 if isinstance(x, ember.Tensor) and x.dtype.is_floating_point else 255


@pytest.mark.parametrize("shape", [(3, 9, 11), (2, 1, 6, 7), (3, 2, 5), (3, 24, 30)])
@pytest.mark.parametrize("name,dtype", [(n, d) for n in OPS for d in ("uint8", "float32")
                                        if d == "uint8" or n not in UINT8_ONLY])
def test_tensor_ops_match_torchvision_formulas(name, dtype, shape):
    ours, ref = OPS[name]
    a = _sample(dtype, shape)
    out = ours(ember.from_numpy(a.copy()))
    expected = ref(torch.from_numpy(a.copy())).numpy()
    assert out.dtype == (ember.uint8 if dtype == "uint8" else ember.float32)
    assert tuple(out.shape) == shape
    if dtype == "uint8":
        np.testing.assert_array_equal(out.numpy(), expected)
    else:
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_float64_and_constant_channels():
    a = np.random.default_rng(2).random((3, 6, 7))
    a[1] = 0.25  # constant channel: autocontrast leaves it alone
    for ours, ref in (OPS["autocontrast"], OPS["sharpness2.5"], OPS["invert"],
                      OPS["gamma0.5"]):
        out = ours(ember.from_numpy(a.copy()))
        assert out.dtype == ember.float64
        np.testing.assert_allclose(out.numpy(), ref(torch.from_numpy(a.copy())).numpy(),
                                   rtol=1e-12, atol=1e-12)
    assert np.all(F.autocontrast(ember.from_numpy(a.copy())).numpy()[1] == 0.25)


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("name", ["invert", "posterize3", "posterize8", "solarize",
                                  "sharpness0.3", "sharpness2.5", "autocontrast", "equalize",
                                  "gamma0.5", "gamma2_gain0.8"])
def test_pil_and_tensor_paths_agree(name, mode):
    im, _ = _img(13, 17, seed=3, lo=40, hi=190)
    im = im.convert(mode)
    ours = OPS[name][0]
    from_pil = np.asarray(ours(im)).astype(int)
    from_tensor = ours(F.pil_to_tensor(im)).numpy().astype(int)
    from_tensor = from_tensor[0] if mode == "L" else from_tensor.transpose(1, 2, 0)
    assert ours(im).mode == mode
    assert from_pil.shape == from_tensor.shape
    assert np.abs(from_pil - from_tensor).max() <= 1
    assert np.mean(from_pil == from_tensor) > 0.9


def test_op_values_by_hand():
    x = ember.tensor([[[0, 100, 200, 255]]], dtype=ember.uint8)
    assert F.invert(x).tolist() == [[[255, 155, 55, 0]]]
    assert F.posterize(x, 1).tolist() == [[[0, 0, 128, 128]]]
    assert F.solarize(x, 100).tolist() == [[[0, 155, 55, 0]]]
    y = ember.tensor([[[50, 100, 150]]], dtype=ember.uint8)
    assert F.autocontrast(y).tolist() == [[[0, 127, 255]]]
    f = ember.tensor([[[0.25, 0.5]]])
    np.testing.assert_allclose(F.adjust_gamma(f, 2.0).numpy(), [[[0.0625, 0.25]]])
    np.testing.assert_allclose(F.invert(f).numpy(), [[[0.75, 0.5]]])
    small = ember.from_numpy(_sample("uint8", (3, 2, 9)))
    assert F.adjust_sharpness(small, 3.0) is small  # too small to blur: returned as is


def test_argument_errors():
    u8 = ember.zeros(3, 4, 4, dtype=ember.uint8)
    fl = ember.zeros(3, 4, 4)
    with pytest.raises(ValueError, match="The number if bits should be between 0 and 8. Got 9"):
        F.posterize(u8, 9)
    with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported, but "
                                        "found torch.float32"):
        F.posterize(fl, 4)
    with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported"):
        F.equalize(fl)
    with pytest.raises(TypeError, match="should have 3 or 4 dimensions, but found 5"):
        F.equalize(ember.zeros(1, 1, 3, 4, 4, dtype=ember.uint8))
    with pytest.raises(TypeError, match="Threshold should be less than bound of img."):
        F.solarize(fl, 1.5)
    with pytest.raises(TypeError, match="at least 3 dimensions, but found 2"):
        F.invert(ember.zeros(4, 4))
    with pytest.raises(TypeError, match=r"permitted channel values are \[1, 3\], but found 2"):
        F.autocontrast(ember.zeros(2, 4, 4))
    with pytest.raises(TypeError, match="Tensor is not a torch image."):
        F.adjust_sharpness(ember.zeros(4), 1.0)
    with pytest.raises(ValueError, match=r"sharpness_factor \(-1\) is not non-negative."):
        F.adjust_sharpness(fl, -1)
    with pytest.raises(ValueError, match="Gamma should be a non-negative real number"):
        F.adjust_gamma(fl, -0.5)
    with pytest.raises(ValueError, match="Gamma should be a non-negative real number"):
        F.adjust_gamma(_img()[0], -0.5)
    for fn in (F.invert, F.autocontrast, F.equalize, lambda x: F.solarize(x, 3),
               lambda x: F.adjust_sharpness(x, 2), lambda x: F.adjust_gamma(x, 2)):
        with pytest.raises(TypeError, match="img should be PIL Image. Got <class 'list'>"):
            fn([1, 2])
    with pytest.raises(ValueError, match="The severity must be between \\[1, 10\\]. Got 11"):
        T.AugMix(severity=11)
    with pytest.raises(ValueError, match="The provided policy imagenet is not recognized."):
        T.AutoAugment("imagenet")
    with pytest.raises(ValueError, match="The provided operator Blur is not recognized."):
        A._apply_op(fl, "Blur", 1.0, T.InterpolationMode.NEAREST, None)


def test_reprs():
    assert repr(T.RandomInvert()) == "RandomInvert(p=0.5)"
    assert repr(T.RandomPosterize(4, p=0.3)) == "RandomPosterize(bits=4,p=0.3)"
    assert repr(T.RandomSolarize(128)) == "RandomSolarize(threshold=128,p=0.5)"
    assert repr(T.RandomAdjustSharpness(2)) == "RandomAdjustSharpness(sharpness_factor=2,p=0.5)"
    assert repr(T.RandomAutocontrast(0.1)) == "RandomAutocontrast(p=0.1)"
    assert repr(T.RandomEqualize()) == "RandomEqualize(p=0.5)"
    assert repr(T.AutoAugment()) == "AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=None)"
    assert repr(T.AutoAugment(T.AutoAugmentPolicy.SVHN, fill=[1, 2, 3])) == (
        "AutoAugment(policy=AutoAugmentPolicy.SVHN, fill=[1, 2, 3])")
    assert repr(T.RandAugment()) == (
        "RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, "
        "interpolation=InterpolationMode.NEAREST, fill=None)")
    assert repr(T.TrivialAugmentWide(fill=0)) == (
        "TrivialAugmentWide(num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, "
        "fill=0)")
    assert repr(T.AugMix()) == (
        "AugMix(severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True, "
        "interpolation=InterpolationMode.BILINEAR, fill=None)")
    assert [p.value for p in T.AutoAugmentPolicy] == ["imagenet", "cifar10", "svhn"]


RANDOM_OPS = [T.RandomInvert(), T.RandomPosterize(2), T.RandomSolarize(100),
              T.RandomAdjustSharpness(3.0), T.RandomAutocontrast(), T.RandomEqualize()]


@pytest.mark.parametrize("tf", RANDOM_OPS, ids=lambda t: type(t).__name__)
def test_random_ops_seeded_and_random(tf):
    x = ember.from_numpy(_sample("uint8", (3, 24, 30)))
    applied = type(tf).__new__(type(tf))
    applied.__dict__.update(tf.__dict__, p=1.0)
    changed = applied(x).numpy()
    assert not np.array_equal(changed, x.numpy())
    ember.manual_seed(5)
    first = [np.array_equal(tf(x).numpy(), changed) for _ in range(24)]
    ember.manual_seed(5)
    again = [np.array_equal(tf(x).numpy(), changed) for _ in range(24)]
    assert first == again and 4 < sum(first) < 20
    applied.p = 0.0
    assert applied(x) is x
    im = Image.fromarray(_hwc(x))
    applied.p = 1.0
    assert np.array_equal(np.asarray(applied(im)).transpose(2, 0, 1), changed) or \
        np.abs(np.asarray(applied(im)).astype(int).transpose(2, 0, 1) - changed).max() <= 1


# ---- magnitude tables: torchvision's _augmentation_space written in torch ----

def tv_space(kind, num_bins, height, width):
    lin = torch.linspace
    if kind == "trivial":
        tops = dict(ShearX=0.99, ShearY=0.99, TranslateX=32.0, TranslateY=32.0, Rotate=135.0,
                    Brightness=0.99, Color=0.99, Contrast=0.99, Sharpness=0.99)
        post = 8 - (torch.arange(num_bins) / ((num_bins - 1) / 6)).round().int()
    elif kind == "augmix":
        tops = dict(ShearX=0.3, ShearY=0.3, TranslateX=width / 3.0, TranslateY=height / 3.0,
                    Rotate=30.0)
        post = 4 - (torch.arange(num_bins) / ((num_bins - 1) / 4)).round().int()
    else:
        tops = dict(ShearX=0.3, ShearY=0.3, TranslateX=150.0 / 331.0 * width,
                    TranslateY=150.0 / 331.0 * height, Rotate=30.0, Brightness=0.9, Color=0.9,
                    Contrast=0.9, Sharpness=0.9)
        post = 8 - (torch.arange(num_bins) / ((num_bins - 1) / 4)).round().int()
    space = {"Identity": (torch.tensor(0.0), False)} if kind in ("rand", "trivial") else {}
    space.update({k: (lin(0.0, v, num_bins), True) for k, v in tops.items()})
    space.update(Posterize=(post, False), Solarize=(lin(255.0, 0.0, num_bins), False),
                 AutoContrast=(torch.tensor(0.0), False), Equalize=(torch.tensor(0.0), False))
    if kind == "auto":
        space["Invert"] = (torch.tensor(0.0), False)
    if kind == "augmix":
        space.update({k: (lin(0.0, 0.9, num_bins), True)
                      for k in ("Brightness", "Color", "Contrast", "Sharpness")})
    return space


def test_linspace_edge_cases():
    for steps in (0, 1, 2, 3, 64):
        np.testing.assert_array_equal(A._linspace(2.5, -7.25, steps),
                                      torch.linspace(2.5, -7.25, steps).numpy())


def _ours_space(kind, num_bins, height, width):
    if kind == "auto":
        return T.AutoAugment()._augmentation_space(num_bins, (height, width))
    if kind == "rand":
        return T.RandAugment()._augmentation_space(num_bins, (height, width))
    if kind == "trivial":
        return T.TrivialAugmentWide()._augmentation_space(num_bins)
    return T.AugMix()._augmentation_space(num_bins, (height, width))


@pytest.mark.parametrize("kind", ["auto", "rand", "trivial", "augmix"])
@pytest.mark.parametrize("num_bins", [10, 31, 7, 2])
@pytest.mark.parametrize("hw", [(32, 32), (17, 331), (224, 97)])
def test_augmentation_spaces_match_torchvision(kind, num_bins, hw):
    ref = tv_space(kind, num_bins, *hw)
    ours = _ours_space(kind, num_bins, *hw)
    assert list(ours) == list(ref)
    for name, (mags, signed) in ref.items():
        assert ours[name][1] == signed, name
        np.testing.assert_array_equal(ours[name][0], mags.numpy(), err_msg=name)


# ---- forcing every op of every policy ----

def _expected_op(img, name, mag, fill=None, interp=T.InterpolationMode.NEAREST):
    """torchvision's _apply_op, spelled out with ember's functional ops."""
    if name in ("ShearX", "ShearY"):
        deg = math.degrees(math.atan(mag))
        shear = [deg, 0.0] if name == "ShearX" else [0.0, deg]
        return F.affine(img, 0.0, [0, 0], 1.0, shear, interp, fill, center=[0, 0])
    if name in ("TranslateX", "TranslateY"):
        tr = [int(mag), 0] if name == "TranslateX" else [0, int(mag)]
        return F.affine(img, 0.0, tr, 1.0, [0.0, 0.0], interp, fill)
    simple = {"Rotate": lambda: F.rotate(img, mag, interp, fill=fill),
              "Brightness": lambda: F.adjust_brightness(img, 1 + mag),
              "Color": lambda: F.adjust_saturation(img, 1 + mag),
              "Contrast": lambda: F.adjust_contrast(img, 1 + mag),
              "Sharpness": lambda: F.adjust_sharpness(img, 1 + mag),
              "Posterize": lambda: F.posterize(img, int(mag)),
              "Solarize": lambda: F.solarize(img, mag), "AutoContrast": lambda: F.autocontrast(img),
              "Equalize": lambda: F.equalize(img), "Invert": lambda: F.invert(img),
              "Identity": lambda: img}
    return simple[name]()


def _same(a, b):
    if isinstance(a, Image.Image):
        return a.size == b.size and a.mode == b.mode and np.array_equal(np.asarray(a),
                                                                        np.asarray(b))
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy())


def _images():
    im, a = _img(20, 26, seed=7)
    return [im, im.convert("L"), _chw(a), ember.from_numpy(np.stack([a, a[::-1]]).transpose(
        0, 3, 1, 2).copy())]


def _script(monkeypatch, values):
    """Make _autoaugment._randint return ``values`` in order (checking each is in range)."""
    queue = list(values)

    def fake(lo, hi):
        v = queue.pop(0)
        assert lo <= v < hi
        return v
    monkeypatch.setattr(A, "_randint", fake)
    return queue


@pytest.mark.parametrize("img_i", range(4))
@pytest.mark.parametrize("policy", list(T.AutoAugmentPolicy))
def test_autoaugment_every_subpolicy(policy, img_i, monkeypatch):
    aa = T.AutoAugment(policy, fill=[7])
    img = _images()[img_i]
    fill = [7] if isinstance(img, Image.Image) else [7.0] * F.get_dimensions(img)[0]
    for sid, ((n0, _, m0), (n1, _, m1)) in enumerate(aa.policies):
        signs = [sid % 2, 1 - sid % 2]
        monkeypatch.setattr(T.AutoAugment, "get_params", staticmethod(
            lambda n, sid=sid, signs=signs: (sid, torch.zeros(2).tolist(), signs)))
        ref = tv_space("auto", 10, 20, 26)
        out = img
        for (name, mid), sign in zip(((n0, m0), (n1, m1)), signs):
            mags, signed = ref[name]
            mag = float(mags[mid]) if mid is not None else 0.0
            mag = -mag if signed and sign == 0 else mag
            out = _expected_op(out, name, mag, fill=fill)
        assert _same(aa(img), out), (policy, sid)


def test_autoaugment_probabilities_gate_ops(monkeypatch):
    ember.manual_seed(1)
    draws = [T.AutoAugment.get_params(25) for _ in range(30)]
    for pid, probs, signs in draws:
        assert 0 <= pid < 25 and probs.dtype == ember.float32 and tuple(probs.shape) == (2,)
        assert set(signs.tolist()) <= {0, 1} and 0 <= probs.min().item() < 1
    assert len({d[0] for d in draws}) > 5
    aa = T.AutoAugment(T.AutoAugmentPolicy.IMAGENET)
    img = _images()[2]
    monkeypatch.setattr(T.AutoAugment, "get_params", staticmethod(
        lambda n: (13, [0.7, 0.99], [1, 1])))  # Invert p=0.6 skipped, Equalize p=1.0 applied
    assert _same(aa(img), F.equalize(img))


@pytest.mark.parametrize("img_i", range(4))
def test_randaugment_every_op(img_i, monkeypatch):
    img = _images()[img_i]
    _, h, w = F.get_dimensions(img)
    ref = tv_space("rand", 31, h, w)
    for op_i, (name, (mags, signed)) in enumerate(ref.items()):
        for sign in ((0, 1) if signed else (None,)):
            _script(monkeypatch, [op_i] + ([] if sign is None else [sign]))
            out = T.RandAugment(num_ops=1, magnitude=9)(img)
            mag = float(mags[9]) if mags.ndim > 0 else 0.0
            mag = -mag if sign else mag
            assert _same(out, _expected_op(img, name, mag)), (name, sign)


@pytest.mark.parametrize("img_i", range(4))
def test_trivialaugment_every_op(img_i, monkeypatch):
    img = _images()[img_i]
    ref = tv_space("trivial", 31, 0, 0)
    for op_i, (name, (mags, signed)) in enumerate(ref.items()):
        bin_i = (7 * op_i + 3) % 31
        script = [op_i] + ([bin_i] if mags.ndim > 0 else []) + ([1] if signed else [])
        _script(monkeypatch, script)
        out = T.TrivialAugmentWide(fill=3)(img)
        mag = -float(mags[bin_i]) if signed else (float(mags[bin_i]) if mags.ndim else 0.0)
        fill = [3.0] * F.get_dimensions(img)[0] if isinstance(img, ember.Tensor) else 3
        assert _same(out, _expected_op(img, name, mag, fill=fill)), name


@pytest.mark.parametrize("tf", [T.AutoAugment(), T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
                                T.AutoAugment(T.AutoAugmentPolicy.SVHN), T.RandAugment(),
                                T.RandAugment(num_ops=3, magnitude=20,
                                              interpolation=T.InterpolationMode.BILINEAR),
                                T.TrivialAugmentWide(), T.AugMix(),
                                T.AugMix(chain_depth=2, all_ops=False, fill=5)],
                         ids=lambda t: repr(t).split("(")[0])
@pytest.mark.parametrize("hw", [(32, 32), (17, 23), (5, 7)])
def test_policies_keep_shape_dtype_and_are_seeded(tf, hw):
    im, a = _img(*hw, seed=11)
    for img in (im, im.convert("L"), _chw(a), _chw(a)[None].repeat(2, 1, 1, 1)):
        ember.manual_seed(3)
        outs = [tf(img) for _ in range(6)]
        ember.manual_seed(3)
        again = [tf(img) for _ in range(6)]
        for o, g in zip(outs, again):
            assert _same(o, g)
            if isinstance(img, Image.Image):
                assert o.mode == img.mode and o.size == img.size
            else:
                assert o.shape == img.shape and o.dtype == img.dtype
        arrays = [np.asarray(o) if isinstance(o, Image.Image) else o.numpy() for o in outs]
        assert any(not np.array_equal(arrays[0], x) for x in arrays[1:])


def _dirichlet(beta, chains):
    """A fake _sample_dirichlet: ``beta`` for the 2-parameter draw, ``chains`` otherwise."""
    def fake(params):
        row = beta if params.shape[1] == 2 else chains
        return np.tile(np.array(row, np.float32), (params.shape[0], 1))
    return fake


def test_augmix_mixing(monkeypatch):
    img = _images()[2]
    am = T.AugMix(severity=10, mixture_width=3, chain_depth=1)
    names = list(am._augmentation_space(10, (20, 26)))
    # all weight on the original image: the output is the input
    monkeypatch.setattr(am, "_sample_dirichlet", _dirichlet([1.0, 0.0], [0.2, 0.3, 0.5]))
    assert _same(am(img), img)
    # all weight on chain 0 with a forced op: the output is that op (to float and back)
    monkeypatch.setattr(am, "_sample_dirichlet", _dirichlet([0.0, 1.0], [1.0, 0.0, 0.0]))
    _script(monkeypatch, [names.index("AutoContrast"), names.index("Solarize"), 2,
                          names.index("Equalize")])
    assert _same(am(img), F.autocontrast(img))
    # an even split between the original and chain 0 = Solarize(0), i.e. the inverse
    monkeypatch.setattr(am, "_sample_dirichlet", _dirichlet([0.5, 0.5], [1.0, 0.0, 0.0]))
    queue = _script(monkeypatch, [names.index("Solarize"), 9, names.index("Equalize"),
                                  names.index("AutoContrast")])
    x = img.numpy().astype(np.float32)
    np.testing.assert_array_equal(am(img).numpy(), (0.5 * x + 0.5 * (255 - x)).astype(np.uint8))
    assert queue == []


def test_augmix_pil_and_dirichlet_draws():
    im, _ = _img(12, 14, seed=4)
    ember.manual_seed(0)
    out = T.AugMix(mixture_width=4)(im)
    assert isinstance(out, Image.Image) and out.size == im.size and out.mode == "RGB"
    w = T.AugMix()._sample_dirichlet(np.full((5, 3), 1.0, np.float32))
    assert w.shape == (5, 3) and w.dtype == np.float32
    np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-5)


def test_docstring_examples_run():
    for mod in (_photometric, A):
        result = doctest.testmod(mod, extraglobs={"ember": ember})
        assert result.failed == 0 and result.attempted > 0
