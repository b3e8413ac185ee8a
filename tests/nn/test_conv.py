"""conv1d/conv2d/conv_transpose, pad, interpolate, unfold/fold and the Conv modules vs torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

F = ember.nn.functional
# torch warns about an internal padded copy for even kernels with padding="same"
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def _F(lib):
    return lib.nn.functional


CONV2D_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1, dilation=2),
    dict(stride=(2, 1), padding=(1, 2)),
    dict(padding="same"),
    dict(padding="valid", stride=1),
]


@pytest.mark.parametrize("kw", CONV2D_CASES)
def test_conv2d(kw):
    x, w, b = rand_array((2, 2, 5, 5)), rand_array((3, 2, 3, 2)), rand_array((3,))
    check_op(lambda lib, x, w, b: _F(lib).conv2d(x, w, b, **kw), x, w, b)


def test_conv2d_groups_no_bias():
    x, w = rand_array((2, 4, 5, 5)), rand_array((6, 2, 3, 3))
    check_op(lambda lib, x, w: _F(lib).conv2d(x, w, groups=2, padding=1), x, w)


def test_conv1d():
    x, w, b = rand_array((2, 3, 7)), rand_array((4, 3, 3)), rand_array((4,))
    check_op(lambda lib, x, w, b: _F(lib).conv1d(x, w, b, stride=2, padding=1), x, w, b)


def test_conv_unbatched():
    x, w = rand_array((3, 5, 5)), rand_array((2, 3, 3, 3))
    check_op(lambda lib, x, w: _F(lib).conv2d(x, w), x, w, gradgrad=False)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2, dilation=2)])
def test_conv_transpose2d(kw):
    g = kw.get("groups", 1)
    x, w, b = rand_array((1, 4, 3, 3)), rand_array((4, 2, 2, 2)), rand_array((2 * g,))
    check_op(lambda lib, x, w, b: _F(lib).conv_transpose2d(x, w, b, **kw), x, w, b)


def test_conv_transpose1d():
    x, w = rand_array((2, 3, 5)), rand_array((3, 2, 3))
    check_op(lambda lib, x, w: _F(lib).conv_transpose1d(x, w, stride=2), x, w)


def test_conv2d_grad_fn_name():
    x = ember.randn(1, 1, 5, 5, requires_grad=True)
    assert F.conv2d(x, ember.randn(2, 1, 3, 3)).grad_fn.name() == "ConvolutionBackward0"


@requires_torch()
@pytest.mark.parametrize("make,msg", [
    (lambda lib: _F(lib).conv2d(lib.randn(1, 1, 32, 32), lib.randn(6, 3, 5, 5)),
     r"Given groups=1, weight of size \[6, 3, 5, 5\], expected input\[1, 1, 32, 32\] to have "
     r"3 channels, but got 1 channels instead"),
    (lambda lib: _F(lib).conv2d(lib.randn(1, 1, 2, 2), lib.randn(2, 1, 3, 3)),
     r"Kernel size can't be greater than actual input size"),
    (lambda lib: _F(lib).conv2d(lib.randn(1, 1, 5, 5), lib.randn(2, 1, 3, 3), stride=2,
                                padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda lib: _F(lib).conv2d(lib.randn(1, 1, 5, 5), lib.randn(2, 1, 3, 3), padding="foo"),
     "Invalid padding string: 'foo'"),
])
def test_conv_errors_match_torch(make, msg):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=msg):
            make(lib)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes(mode):
    x = rand_array((2, 3, 4, 5))
    check_op(lambda lib, x: _F(lib).pad(x, (1, 2, 2, 1), mode=mode), x)
    check_op(lambda lib, x: _F(lib).pad(x, (2, 1), mode=mode), x[0])


_PAD_CASES = {
    "list_input": lambda L: L.nn.functional.pad([1., 2.], (1, 1)),
    "empty_replicate": lambda L: L.nn.functional.pad(L.zeros(1, 0, 3), (1, 1), mode="replicate"),
    "reflect_value": lambda L: L.nn.functional.pad(L.ones(2, 3, 4), (1, 1), mode="reflect",
                                                   value=1.0),
    "reflect_value0": lambda L: L.nn.functional.pad(L.ones(2, 3, 4), (1, 1), mode="reflect",
                                                    value=0.0),
    "float_pad": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (1.5, 1)),
    "bool_pad": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (True, 1)),
    "int_pad": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), 1),
    "odd_length": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (1, 1, 1)),
    "bad_mode": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (1, 1), mode="bogus"),
    "reflect_4d_width_only": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (5, 5),
                                                           mode="reflect"),
    "reflect_too_wide": lambda L: L.nn.functional.pad(L.ones(2, 3, 4), (5, 5), mode="reflect"),
    "reflect_too_high": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (1, 1, 5, 5),
                                                      mode="reflect"),
    "reflect_too_deep": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4, 5), (1, 1, 1, 1, 9, 9),
                                                      mode="reflect"),
    "circular_wraps": lambda L: L.nn.functional.pad(L.ones(1, 2, 3, 4), (5, 5, 1, 1),
                                                    mode="circular"),
    "reflect_1d": lambda L: L.nn.functional.pad(L.ones(5), (1, 1), mode="reflect"),
    "too_long": lambda L: L.nn.functional.pad(L.ones(3, 4), (1,) * 6, mode="replicate"),
    "empty_batch": lambda L: L.nn.functional.pad(L.zeros(0, 2, 4), (1, 1), mode="replicate"),
    "empty_height": lambda L: L.nn.functional.pad(L.zeros(1, 2, 0, 4), (1, 1, 1, 1),
                                                  mode="reflect"),
    "negative_replicate": lambda L: L.nn.functional.pad(L.arange(36.).reshape(2, 3, 6),
                                                        (-1, -2), mode="replicate"),
}


@requires_torch()
@pytest.mark.parametrize("name", sorted(_PAD_CASES))
def test_pad_arguments_match_torch(name):
    """Same exception type and message as torch, or the same result."""
    def run(lib):
        try:
            out = _PAD_CASES[name](lib)
        except Exception as e:  # noqa: BLE001 - the exception itself is compared
            return type(e).__name__, str(e)
        return "ok", np.asarray(out.numpy() if lib is ember else out.detach().numpy()).tolist()
    assert run(ember) == run(torch)


def test_pad_constant_value_and_crop():
    x = rand_array((2, 3, 4, 5))
    check_op(lambda lib, x: _F(lib).pad(x, (1, -2, 2, 0), value=3.5), x)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(5, 7)),
                                dict(scale_factor=1.5, mode="bilinear"),
                                dict(size=(3, 7), mode="bilinear", align_corners=True),
                                dict(size=(2, 3), mode="bilinear")])
def test_interpolate(kw):
    x = rand_array((2, 2, 4, 5))
    check_op(lambda lib, x: _F(lib).interpolate(x, **kw), x)


def test_interpolate_linear_1d():
    check_op(lambda lib, x: _F(lib).interpolate(x, scale_factor=2.5, mode="linear"),
             rand_array((2, 3, 4)))


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 4, 5), dict(scale_factor=1.75, mode="bicubic")),
    ((1, 2, 4, 5), dict(size=(3, 7), mode="bicubic", align_corners=True)),
    ((1, 2, 6, 5), dict(size=(2, 3), mode="bicubic")),
    ((2, 2, 7), dict(size=3, mode="area")),
    ((1, 2, 5, 7), dict(scale_factor=0.5, mode="area")),
    ((1, 1, 3, 4, 5), dict(size=(2, 3, 2), mode="area")),
    ((1, 1, 3, 2, 4), dict(scale_factor=1.5, mode="trilinear")),
    ((1, 1, 3, 2, 4), dict(size=(4, 3, 5), mode="trilinear", align_corners=True)),
    ((1, 2, 7, 9), dict(scale_factor=0.5, mode="bilinear", antialias=True)),
    ((1, 2, 7, 9), dict(size=(3, 11), mode="bicubic", antialias=True)),
    ((1, 2, 7, 9), dict(size=(4, 4), mode="bicubic", antialias=True, align_corners=True)),
    ((1, 1, 9, 8), dict(scale_factor=0.4, mode="lanczos", antialias=True)),
])
def test_interpolate_modes(shape, kw):
    """bicubic, area, trilinear and the antialiased modes, values and gradients vs torch."""
    check_op(lambda lib, x: _F(lib).interpolate(x, **kw), rand_array(shape),
             gradgrad=False)


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 5), dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="linear")),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="trilinear")),
    ((1, 2, 5, 5, 5), dict(scale_factor=2, mode="bicubic")),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="box")),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="area", align_corners=False)),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="nearest", antialias=True)),
    ((1, 2, 5), dict(scale_factor=0.5, mode="linear", antialias=True)),
    ((1, 2, 5, 5), dict(scale_factor=0.5, mode="lanczos")),
    ((1, 2, 5, 5), dict(scale_factor=0.5, mode="lanczos", antialias=True, align_corners=True)),
    ((1, 2, 5, 5), dict(size=3, scale_factor=2, mode="bilinear")),
    ((1, 2, 5, 5), dict(size=3, mode="bilinear", recompute_scale_factor=True)),
])
@requires_torch()
def test_interpolate_bad_arguments_match_torch(shape, kw):
    x = rand_array(shape)
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.interpolate(torch.tensor(x), **kw)
    with pytest.raises(type(theirs.value)) as mine:
        F.interpolate(ember.tensor(x), **kw)
    assert str(mine.value) == str(theirs.value)


def test_unfold_fold():
    check_op(lambda lib, x: _F(lib).unfold(x, (2, 3), padding=1, stride=2),
             rand_array((2, 2, 4, 5)))
    check_op(lambda lib, x: _F(lib).fold(x, (5, 6), (2, 2), padding=1, stride=2),
             rand_array((2, 8, 12)))


def test_conv2d_im2col_matches_direct_sum():
    """Against a direct NumPy sum over the kernel (independent of torch)."""
    x, w = rand_array((2, 3, 6, 7)), rand_array((4, 3, 3, 2))
    ref = np.zeros((2, 4, 4, 6))
    for i in range(3):
        for j in range(2):
            ref += np.einsum("nchw,oc->nohw", x[:, :, i:i + 4, j:j + 6], w[:, :, i, j])
    out = F.conv2d(ember.from_numpy(x), ember.from_numpy(w)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def _direct_conv(x, w, stride, pad, dil):
    """conv2d as a sum over kernel offsets in NumPy (float64), the reference below."""
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dil
    xp_ = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    o, _, kh, kw = w.shape
    ho = (xp_.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp_.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], o, ho, wo))
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            win = xp_[:, :, r:r + (ho - 1) * sh + 1:sh, q:q + (wo - 1) * sw + 1:sw]
            out += np.einsum("nchw,oc->nohw", win, w[:, :, i, j])
    return out


@pytest.mark.parametrize("form", ["two_pass", "one_pass", "row_split"])
@pytest.mark.parametrize("cin,cout,k,stride,pad,dil", [
    (3, 6, 5, 1, 0, 1),     # LeNet's conv1: 6 rows padded to 8 in the GEMMs
    (12, 8, 3, 1, 1, 1),    # no row padding anywhere (8 rows, 36 input-gradient rows)
    (2, 40, 3, 1, 2, 2),    # 40 output channels (left unpadded), dilation with padding
    (3, 5, 3, 2, 1, 1),     # stride 2: the general col2im input gradient
    (2, 3, (3, 2), (1, 2), (2, 1), (2, 1)),  # column stride, uneven kernel, row dilation
])
def test_conv_kernels_against_direct_sum(monkeypatch, form, cin, cout, k, stride, pad, dil):
    """Every im2col strategy and GEMM shape gives the direct sum's output and gradients
    (the row-split form applies where the row stride is 1; elsewhere it falls back)."""
    from ember._backend import conv_kernels as K
    monkeypatch.setattr(K, "TWO_PASS_MAX", 1 << 40 if form == "two_pass" else 0)
    monkeypatch.setattr(K, "ROW_SPLIT", form == "row_split")
    k, stride, pad, dil = (v if isinstance(v, tuple) else (v, v) for v in (k, stride, pad, dil))
    rng = np.random.default_rng(cin * 100 + cout)
    x, w = rng.standard_normal((2, cin, 9, 8)), rng.standard_normal((cout, cin) + k)
    b = rng.standard_normal(cout)
    ref = _direct_conv(x, w, stride, pad, dil) + b.reshape(1, -1, 1, 1)
    g = rng.standard_normal(ref.shape)
    xt, wt, bt = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dil)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    out.backward(ember.tensor(g))
    # gradients of <out, g> from the direct sum, by linearity: d/dw is a correlation of x
    # with g, d/dx the adjoint; both checked through finite-free identities
    gw_ref = np.stack([_direct_conv(x[:, c:c + 1].transpose(1, 0, 2, 3),
                                    g.transpose(1, 0, 2, 3), dil, pad, stride)[0]
                       for c in range(cin)], 1)
    np.testing.assert_allclose(wt.grad.numpy(), gw_ref[:, :, :k[0], :k[1]], rtol=1e-10,
                               atol=1e-10)
    # input gradient: <conv(x), g> is linear in x, so <grad_x, e> == <conv(e), g> for any e
    e = rng.standard_normal(x.shape)
    lhs = float((xt.grad.numpy() * e).sum())
    rhs = float((_direct_conv(e, w, stride, pad, dil) * g).sum())
    assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(rhs))
    np.testing.assert_allclose(bt.grad.numpy(), g.sum((0, 2, 3)), rtol=1e-10)


@pytest.mark.parametrize("form", ["im2col", "row_split"])
def test_conv_gradients_with_non_finite_values(monkeypatch, form):
    """inf in an input's corner and in a weight give the direct sum's inf/NaN pattern: the
    shifted-copy GEMMs (row-split weight gradient, stride-1 input gradient) would otherwise
    multiply them by their zero padding and spread NaN where the sum has no such term."""
    from ember._backend import conv_kernels as K
    monkeypatch.setattr(K, "ROW_SPLIT", form == "row_split")
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 3))
    x[0, 1, 0, 0] = np.inf  # the corner reaches kernel offset (0, 0) only
    w[1, 2, 2, 2] = -np.inf  # reaches every input position but the first two rows/columns
    g = rng.standard_normal((2, 4, 7, 6))
    xt, wt = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    F.conv2d(xt, wt).backward(ember.tensor(g))
    gw_ref = np.empty_like(w)
    gx_ref = np.zeros_like(x)
    with np.errstate(invalid="ignore"):
        for i in range(3):
            for j in range(3):
                win = x[:, :, i:i + 7, j:j + 6]
                gw_ref[:, :, i, j] = np.einsum("nchw,nohw->oc", win, g)
                gx_ref[:, :, i:i + 7, j:j + 6] += np.einsum("nohw,oc->nchw", g, w[:, :, i, j])
    assert np.isfinite(gw_ref).sum() > 0 and np.isfinite(gx_ref).sum() > 0
    np.testing.assert_allclose(wt.grad.numpy(), gw_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(xt.grad.numpy(), gx_ref, rtol=1e-10, atol=1e-10)


# ---- modules ----

MODULE_SPECS = ["Conv2d(3, 6, 5)", "Conv2d(3, 6, (3, 5), stride=2, padding=1, dilation=2, "
                "groups=3, bias=False, padding_mode='reflect')",
                "Conv2d(4, 4, 4, padding='same', padding_mode='replicate')",
                "Conv1d(4, 2, 3, padding='same', padding_mode='circular')", "Conv1d(3, 6, 5)",
                "ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)",
                "ConvTranspose1d(4, 2, 3, stride=2)"]


@requires_torch()
@pytest.mark.parametrize("spec", MODULE_SPECS)
def test_conv_module_parity(spec):
    tm = eval("torch.nn." + spec)
    em = eval("ember.nn." + spec)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    shape = (2, tm.in_channels, 8, 9) if "2d" in spec else (2, tm.in_channels, 9)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    xe, xt = ember.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ye, yt = em(xe), tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-4,
                               atol=1e-4)


def test_conv_module_init_bounds():
    m = ember.nn.Conv2d(3, 6, 5)
    bound = 1 / np.sqrt(75)
    assert float(m.weight.abs().max()) <= bound and float(m.bias.abs().max()) <= bound
    assert float(m.weight.std()) > bound / 4


def test_conv_transpose_output_size():
    m = ember.nn.ConvTranspose2d(4, 2, 3, stride=2)
    assert tuple(m(ember.randn(1, 4, 5, 5), output_size=(12, 12)).shape) == (1, 2, 12, 12)
    with pytest.raises(ValueError, match="requested an output size"):
        m(ember.randn(1, 4, 5, 5), output_size=(14, 14))


def test_conv_module_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        ember.nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        ember.nn.Conv2d(3, 6, 3, padding_mode="foo")
    with pytest.raises(RuntimeError, match="expected input\\[1, 1, 32, 32\\] to have 3"):
        ember.nn.Conv2d(3, 6, 5)(ember.randn(1, 1, 32, 32))
