"""affine_grid / grid_sample, pixel and channel shuffles, rms_norm / RMSNorm, gumbel_softmax and
the CosineSimilarity / PairwiseDistance / Fold / Unfold modules, against PyTorch."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array

torch = pytest.importorskip("torch")

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _F(lib):
    return lib.nn.functional


def _same_error(call):
    """``call(lib)`` raises the same exception type and message on ember and torch."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_err:
            call(torch)
    with pytest.raises(type(t_err.value)) as e_err:
        call(ember)
    assert str(e_err.value) == str(t_err.value)


def _grid(*shape, spread=1.2):
    return rand_array(shape, -spread, spread)


# ---------------------------------------------------------------- grid_sample

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", (False, True))
def test_grid_sample_4d(mode, padding_mode, align_corners):
    check_op(lambda lib, x, g: _F(lib).grid_sample(x, g, mode, padding_mode, align_corners),
             rand_array((2, 2, 3, 4)), _grid(2, 2, 3, 2))


@pytest.mark.parametrize("mode", ("bilinear", "nearest"))
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_grid_sample_5d(mode, padding_mode):
    check_op(lambda lib, x, g: _F(lib).grid_sample(x, g, mode, padding_mode, False),
             rand_array((1, 2, 2, 3, 3)), _grid(1, 2, 2, 1, 3), gradgrad=False)


def test_grid_sample_5d_align_corners_gradgrad():
    check_op(lambda lib, x, g: _F(lib).grid_sample(x, g, "bilinear", "reflection", True),
             rand_array((1, 1, 2, 2, 3)), _grid(1, 1, 2, 2, 3))


@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_larger_matches_torch(mode):
    x, g = rand_array((3, 4, 9, 11)), _grid(3, 7, 5, 2, spread=1.5)
    for pm in PADDINGS:
        e = _F(ember).grid_sample(ember.tensor(x), ember.tensor(g), mode, pm, False)
        t = _F(torch).grid_sample(torch.tensor(x), torch.tensor(g), mode, pm, False)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_grid_sample_default_align_corners_is_false():
    x, g = ember.randn(1, 2, 4, 5), ember.rand(1, 3, 3, 2) * 2 - 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _F(ember).grid_sample(x, g)
    assert ember.equal(out, _F(ember).grid_sample(x, g, align_corners=False))
    assert not ember.equal(out, _F(ember).grid_sample(x, g, align_corners=True))


def test_grid_sample_identity_grid_reproduces_input():
    x = ember.randn(2, 3, 5, 6)
    theta = ember.eye(2, 3).expand(2, 2, 3)
    g = _F(ember).affine_grid(theta, (2, 3, 5, 6), align_corners=False)
    out = _F(ember).grid_sample(x, g, align_corners=False)
    np.testing.assert_allclose(out.numpy(), x.numpy(), rtol=1e-5, atol=1e-6)


def test_grid_sample_grad_fn_names_and_nearest_grid_grad():
    x = ember.randn(1, 1, 3, 3, requires_grad=True)
    g = (ember.rand(1, 2, 2, 2) * 2 - 1).requires_grad_()
    assert _F(ember).grid_sample(x, g, align_corners=False).grad_fn.name() == \
        "GridSampler2DBackward0"
    x5 = ember.randn(1, 1, 2, 3, 3, requires_grad=True)
    g5 = ember.rand(1, 1, 2, 2, 3)
    assert _F(ember).grid_sample(x5, g5, align_corners=False).grad_fn.name() == \
        "GridSampler3DBackward0"
    _F(ember).grid_sample(x, g, mode="nearest", align_corners=False).sum().backward()
    assert g.grad is not None and not g.grad.abs().sum().item()
    assert x.grad.sum().item() == pytest.approx(4.0)


def test_grid_sample_non_finite_grid_zeros_padding():
    """As PyTorch's CPU kernel: NaN/inf positions give NaN (bilinear) or 0 (nearest), huge
    finite ones 0."""
    g = np.array([[[[np.nan, 0.0], [np.inf, 0.0], [1e30, 0.0], [-np.inf, 0.3]]]])
    for mode in ("bilinear", "nearest"):
        e = _F(ember).grid_sample(ember.ones(1, 1, 3, 3).double(), ember.tensor(g), mode,
                                  align_corners=False)
        t = _F(torch).grid_sample(torch.ones(1, 1, 3, 3, dtype=torch.float64), torch.tensor(g),
                                  mode, align_corners=False)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_grid_sample_empty_batch_and_grid():
    for lib in (ember, torch):
        assert tuple(_F(lib).grid_sample(lib.zeros(0, 2, 3, 3), lib.zeros(0, 4, 4, 2),
                                         align_corners=False).shape) == (0, 2, 4, 4)
        assert tuple(_F(lib).grid_sample(lib.zeros(2, 2, 3, 3), lib.zeros(2, 0, 4, 2),
                                         align_corners=False).shape) == (2, 2, 0, 4)


def test_grid_sample_float16_values():
    x, g = np.random.default_rng(0).standard_normal((1, 2, 4, 4)), _grid(1, 3, 3, 2)
    e = _F(ember).grid_sample(ember.tensor(x).half(), ember.tensor(g).half(),
                              align_corners=False)
    t = _F(torch).grid_sample(torch.tensor(x).half(), torch.tensor(g).half(),
                              align_corners=False)
    assert e.dtype == ember.float16
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), atol=2e-2)


def _gs(lib, xs=(2, 3, 4, 5), gs=(2, 6, 7, 2), xdt=None, gdt=None, **kw):
    x, g = lib.zeros(*xs), lib.zeros(*gs)
    x = x if xdt is None else x.to(getattr(lib, xdt))
    g = g if gdt is None else g.to(getattr(lib, gdt))
    kw.setdefault("align_corners", False)
    return _F(lib).grid_sample(x, g, **kw)


@pytest.mark.parametrize("call", [
    lambda l: _gs(l, mode="foo"),
    lambda l: _gs(l, padding_mode="foo"),
    lambda l: _gs(l, gs=(2, 6, 7, 1)),
    lambda l: _gs(l, gs=(1, 6, 7, 2)),
    lambda l: _gs(l, xs=(3, 4, 5)),
    lambda l: _gs(l, xs=(2, 3, 0, 5)),
    lambda l: _gs(l, gs=(2, 1, 6, 7, 2)),
    lambda l: _gs(l, gs=(2, 6, 7)),
    lambda l: _gs(l, xs=(2, 3, 2, 4, 5), gs=(2, 2, 6, 7, 3), mode="bicubic"),
    lambda l: _gs(l, xs=(2, 3, 2, 4, 5), gs=(2, 6, 7, 3)),
    lambda l: _gs(l, gdt="float64"),
    lambda l: _gs(l, xdt="float64"),
    lambda l: _gs(l, xdt="int32", gdt="int32"),
    lambda l: _gs(l, gdt="int32"),
    lambda l: _gs(l, xs=(2, 3, 2, 4, 5), gs=(2, 2, 6, 7, 3), xdt="int32", gdt="int32"),
])
def test_grid_sample_errors(call):
    _same_error(call)


# ---------------------------------------------------------------- affine_grid

@pytest.mark.parametrize("align_corners", (False, True))
def test_affine_grid_2d(align_corners):
    check_op(lambda lib, th: _F(lib).affine_grid(th, (2, 3, 4, 5), align_corners),
             rand_array((2, 2, 3)))


@pytest.mark.parametrize("align_corners", (False, True))
def test_affine_grid_3d(align_corners):
    check_op(lambda lib, th: _F(lib).affine_grid(th, [2, 1, 2, 3, 4], align_corners),
             rand_array((2, 3, 4)))


def test_affine_grid_unit_size_and_torch_size():
    th = rand_array((1, 2, 3))
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        e = _F(ember).affine_grid(ember.tensor(th), (1, 1, 1, 3), align_corners=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = _F(torch).affine_grid(torch.tensor(th), (1, 1, 1, 3), align_corners=True)
    np.testing.assert_allclose(e.numpy(), t.numpy())
    e = _F(ember).affine_grid(ember.tensor(th), ember.Size([1, 1, 2, 3]))
    assert tuple(e.shape) == (1, 2, 3, 2)


def test_stn_training_step_through_affine_grid_and_grid_sample():
    """The Spatial Transformer tutorial's path: theta from a layer, then sample."""
    ember.manual_seed(0)
    loc = ember.nn.Linear(4, 6)
    x = ember.randn(3, 1, 6, 6)
    theta = loc(ember.randn(3, 4)).view(-1, 2, 3)
    grid = _F(ember).affine_grid(theta, x.size(), align_corners=False)
    out = _F(ember).grid_sample(x, grid, align_corners=False)
    out.pow(2).mean().backward()
    assert loc.weight.grad is not None and loc.weight.grad.abs().sum().item() > 0


@pytest.mark.parametrize("call", [
    lambda l: _F(l).affine_grid(l.zeros(2, 2, 3), (2, 1, 4), False),
    lambda l: _F(l).affine_grid(l.zeros(2, 2, 3), [2, 1, 4, 5, 6], False),
    lambda l: _F(l).affine_grid(l.zeros(2, 2, 3, dtype=l.int32), (2, 1, 4, 5), False),
    lambda l: _F(l).affine_grid(l.zeros(2, 3), (2, 1, 4, 5), False),
    lambda l: _F(l).affine_grid(l.zeros(2, 2, 3), (2, 1, 0, 5), False),
    lambda l: _F(l).affine_grid(l.zeros(2, 2, 3), (3, 1, 4, 5), False),
])
def test_affine_grid_errors(call):
    _same_error(call)


# ---------------------------------------------------------------- shuffles

def test_pixel_shuffle_and_unshuffle():
    check_op(lambda lib, x: _F(lib).pixel_shuffle(x, 2), rand_array((2, 8, 2, 3)))
    check_op(lambda lib, x: _F(lib).pixel_shuffle(x, 2), rand_array((4, 2, 3)))
    check_op(lambda lib, x: _F(lib).pixel_shuffle(x, 3), rand_array((2, 1, 9, 1, 2)))
    check_op(lambda lib, x: _F(lib).pixel_unshuffle(x, 2), rand_array((2, 2, 4, 6)))
    check_op(lambda lib, x: _F(lib).pixel_unshuffle(x, 3), rand_array((1, 6, 3)))


def test_channel_shuffle():
    check_op(lambda lib, x: _F(lib).channel_shuffle(x, 2), rand_array((2, 6, 2, 3)))
    check_op(lambda lib, x: _F(lib).channel_shuffle(x, 3), rand_array((2, 6, 2)))
    check_op(lambda lib, x: _F(lib).channel_shuffle(x, 2), rand_array((1, 4, 1, 2, 2)))


def test_shuffles_roundtrip_int_dtype_and_no_alias():
    x = ember.arange(2 * 8 * 3 * 4).reshape(2, 8, 3, 4)
    t = torch.arange(2 * 8 * 3 * 4).reshape(2, 8, 3, 4)
    for name, arg in (("pixel_shuffle", 2), ("pixel_unshuffle", 1), ("channel_shuffle", 4)):
        e, r = getattr(_F(ember), name)(x, arg), getattr(_F(torch), name)(t, arg)
        assert e.dtype == ember.int64
        np.testing.assert_array_equal(e.numpy(), r.numpy())
    assert ember.equal(_F(ember).pixel_unshuffle(_F(ember).pixel_shuffle(x, 2), 2), x)
    y = ember.randn(1, 4, 2, 2)
    before = y.clone()
    for out in (_F(ember).pixel_shuffle(y, 1), _F(ember).pixel_unshuffle(y, 1),
                _F(ember).channel_shuffle(y, 1)):
        assert ember.equal(out, y)
        out.add_(1)
    assert ember.equal(y, before)


def test_shuffle_grad_fn_names():
    x = ember.randn(1, 4, 2, 2, requires_grad=True)
    assert _F(ember).pixel_shuffle(x, 2).grad_fn.name() == "PixelShuffleBackward0"
    assert _F(ember).pixel_unshuffle(x, 2).grad_fn.name() == "PixelUnshuffleBackward0"
    assert _F(ember).channel_shuffle(x, 2).grad_fn.name() == "ChannelShuffleBackward0"


@pytest.mark.parametrize("call", [
    lambda l: _F(l).pixel_shuffle(l.zeros(2, 8, 3, 4), 3),
    lambda l: _F(l).pixel_shuffle(l.zeros(8, 3), 2),
    lambda l: _F(l).pixel_shuffle(l.zeros(2, 8, 3, 4), 0),
    lambda l: _F(l).pixel_shuffle(l.zeros(2, 8, 3, 4), -2),
    lambda l: _F(l).pixel_shuffle(l.zeros(2, 8, 3, 4), 2.0),
    lambda l: _F(l).pixel_unshuffle(l.zeros(2, 8, 3, 4), 2),
    lambda l: _F(l).pixel_unshuffle(l.zeros(2, 8, 4, 4), 3),
    lambda l: _F(l).pixel_unshuffle(l.zeros(3, 4), 2),
    lambda l: _F(l).pixel_unshuffle(l.zeros(2, 8, 4, 4), 0),
    lambda l: _F(l).channel_shuffle(l.zeros(2, 8, 3, 4), 3),
    lambda l: _F(l).channel_shuffle(l.zeros(2, 8, 3, 4), 0),
    lambda l: _F(l).channel_shuffle(l.zeros(2, 8, 3, 4), -1),
    lambda l: _F(l).channel_shuffle(l.zeros(3, 4), 2),
    lambda l: _F(l).channel_shuffle(l.zeros(2, 8, 3), 2.0),
])
def test_shuffle_errors(call):
    _same_error(call)


def test_shuffle_modules():
    for cls, arg, shape in (("PixelShuffle", 2, (1, 8, 2, 3)), ("PixelUnshuffle", 2, (1, 2, 4, 6)),
                            ("ChannelShuffle", 2, (1, 4, 2, 3))):
        em, tm = getattr(ember.nn, cls)(arg), getattr(torch.nn, cls)(arg)
        assert repr(em) == repr(tm)
        x = rand_array(shape)
        np.testing.assert_array_equal(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy())
        assert not list(em.parameters())


# ---------------------------------------------------------------- rms_norm / RMSNorm

def test_rms_norm_values_and_grads():
    check_op(lambda lib, x: _F(lib).rms_norm(x, (4,)), rand_array((2, 3, 4)))
    check_op(lambda lib, x, w: _F(lib).rms_norm(x, [3, 4], w), rand_array((2, 3, 4)),
             rand_array((3, 4)))
    check_op(lambda lib, x, w: _F(lib).rms_norm(x, (4,), w, 0.5), rand_array((3, 4)),
             rand_array((4,)))


def test_rms_norm_default_eps_per_dtype():
    x = np.full((1, 4), 1e-3)
    for dt in ("float32", "float64", "float16", "bfloat16"):
        e = _F(ember).rms_norm(ember.tensor(x).to(getattr(ember, dt)), (4,))
        t = _F(torch).rms_norm(torch.tensor(x).to(getattr(torch, dt)), (4,))
        assert e.dtype.name == dt
        np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=1e-3)


@pytest.mark.parametrize("call", [
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), 4),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), (4.0,)),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), ()),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), (5,)),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), [2, 4]),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), (2, 3, 4, 5)),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), (2, 3, 4, 5), l.ones(3)),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4), (3, 4), l.ones(4)),
    lambda l: _F(l).rms_norm(l.zeros(2, 3, 4, dtype=l.int32), (4,)),
    lambda l: l.nn.RMSNorm(4)(l.zeros(2, 5)),
])
def test_rms_norm_errors(call):
    _same_error(call)


def test_rms_norm_module():
    for args, kw in (((4,), {}), (([3, 4],), dict(eps=1e-5, elementwise_affine=False)),
                     ((4,), dict(dtype="float64"))):
        kw_e = {k: getattr(ember, v) if k == "dtype" else v for k, v in kw.items()}
        kw_t = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        em, tm = ember.nn.RMSNorm(*args, **kw_e), torch.nn.RMSNorm(*args, **kw_t)
        assert repr(em) == repr(tm)
        assert em.normalized_shape == tm.normalized_shape and em.eps == tm.eps
        assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
        if em.weight is not None:
            assert em.weight.dtype.name == str(tm.weight.dtype)[6:]
            np.testing.assert_array_equal(em.weight.detach().numpy(), 1.0)
        x = rand_array((2, 3, 4))
        dt = em.weight.dtype if em.weight is not None else ember.float32
        e = em(ember.tensor(x).to(dt))
        t = tm(torch.tensor(x).to(getattr(torch, dt.name)))
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5)


# ---------------------------------------------------------------- gumbel_softmax

def test_gumbel_softmax_reproducible_and_formula():
    logits = ember.randn(4, 6)
    ember.manual_seed(7)
    a = _F(ember).gumbel_softmax(logits, tau=0.5)
    ember.manual_seed(7)
    b = _F(ember).gumbel_softmax(logits, tau=0.5)
    assert ember.equal(a, b)
    ember.manual_seed(7)
    g = -ember.empty_like(logits).exponential_().log()
    np.testing.assert_allclose(a.numpy(), ((logits + g) / 0.5).softmax(-1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(a.sum(-1).numpy(), 1.0, rtol=1e-6)
    assert not ember.equal(a, _F(ember).gumbel_softmax(logits, tau=0.5))


def test_gumbel_softmax_hard_straight_through():
    logits = ember.randn(5, 3, 4, requires_grad=True)
    ember.manual_seed(3)
    y = _F(ember).gumbel_softmax(logits, hard=True, dim=1)
    ember.manual_seed(3)
    soft = _F(ember).gumbel_softmax(logits, dim=1)
    assert y.grad_fn.name() == "AddBackward0"
    np.testing.assert_array_equal(y.detach().sum(1).numpy(), 1.0)
    assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    np.testing.assert_array_equal(y.detach().argmax(1).numpy(), soft.detach().argmax(1).numpy())
    w = ember.randn(5, 3, 4)
    (gy,) = ember.autograd.grad((y * w).sum(), logits)
    (gs,) = ember.autograd.grad((soft * w).sum(), logits)
    np.testing.assert_allclose(gy.numpy(), gs.numpy(), rtol=1e-5, atol=1e-7)


def test_gumbel_softmax_sampling_frequencies():
    ember.manual_seed(0)
    p = np.array([0.1, 0.2, 0.7])
    logits = ember.tensor(np.log(p), dtype=ember.float32).expand(20000, 3)
    y = _F(ember).gumbel_softmax(logits, hard=True)
    np.testing.assert_allclose(y.mean(0).numpy(), p, atol=0.02)


def test_gumbel_softmax_eps_warning_and_errors():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        _F(ember).gumbel_softmax(ember.randn(2, 3), eps=1e-3)
    _same_error(lambda l: _F(l).gumbel_softmax(l.zeros(3, 5, dtype=l.int32)))
    _same_error(lambda l: _F(l).gumbel_softmax(l.zeros(3, 5), dim=3))
    assert _F(ember).gumbel_softmax(ember.randn(2, 3).double()).dtype == ember.float64


# ---------------------------------------------------------------- distance, fold modules

def test_cosine_similarity_and_pairwise_distance_modules():
    x1, x2 = rand_array((3, 5)), rand_array((3, 5))
    for ctor in (lambda l: l.nn.CosineSimilarity(), lambda l: l.nn.CosineSimilarity(0, 1e-3),
                 lambda l: l.nn.PairwiseDistance(), lambda l: l.nn.PairwiseDistance(1, 0.1, True)):
        em, tm = ctor(ember), ctor(torch)
        assert repr(em) == repr(tm)
        assert {k: v for k, v in vars(em).items() if not k.startswith("_") and k != "training"} \
            == {k: v for k, v in vars(tm).items() if not k.startswith("_") and k != "training"}
        check_op(lambda lib, a, b, c=ctor: c(lib)(a, b), x1, x2)


def test_fold_unfold_modules():
    for args, kw, shape in (((2,), {}, (2, 3, 4, 5)),
                            (((2, 3),), dict(padding=1, stride=(1, 2)), (1, 2, 4, 5)),
                            ((2,), dict(dilation=2), (1, 1, 5, 5))):
        eu, tu = ember.nn.Unfold(*args, **kw), torch.nn.Unfold(*args, **kw)
        assert repr(eu) == repr(tu)
        x = rand_array(shape)
        check_op(lambda lib, a, m=(eu, tu): m[lib is torch](a), x)
        cols = tu(torch.tensor(x))
        ef = ember.nn.Fold(shape[2:], *args, **kw)
        tf = torch.nn.Fold(shape[2:], *args, **kw)
        assert repr(ef) == repr(tf)
        check_op(lambda lib, a, m=(ef, tf): m[lib is torch](a), cols.numpy())
    assert repr(ember.nn.Fold(4, (2, 3), dilation=2, padding=1, stride=(1, 2))) == \
        repr(torch.nn.Fold(4, (2, 3), dilation=2, padding=1, stride=(1, 2)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(2, 1, 16, 16), (1, 1, 5, 7), (1, 2, 3, 4)])
def test_identity_affine_grid_and_its_gradient_are_torchs(dtype, size):
    """At the Spatial Transformer's starting point (identity theta) every sample sits on a
    pixel centre, where the bilinear gradient is one-sided: the grid must be torch's bit for
    bit, and grid_sample's coordinates rounded as torch's fused multiply-add rounds them."""
    rng = np.random.default_rng(sum(size))
    x = rng.standard_normal(size).astype(dtype)
    up = rng.standard_normal(size).astype(dtype)
    theta = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * size[0]
    res = []
    for lib in (ember, torch):
        th = lib.tensor(theta, dtype=getattr(lib, dtype), requires_grad=True)
        grid = lib.nn.functional.affine_grid(th, size, align_corners=False)
        out = lib.nn.functional.grid_sample(lib.tensor(x), grid, align_corners=False)
        out.backward(lib.tensor(up))
        res.append((grid.detach().numpy(), th.grad.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5, atol=1e-4)
