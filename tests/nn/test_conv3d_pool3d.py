"""conv3d / conv_transpose3d, 3-D pooling and unpooling, and their modules vs torch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

F = ember.nn.functional
# torch warns about an internal padded copy for even kernels with padding="same"
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def _F(lib):
    return lib.nn.functional


CONV3D_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1, dilation=2),
    dict(stride=(2, 1, 1), padding=(1, 0, 1)),
    dict(padding="same"),
    dict(padding="valid", stride=1),
]


@pytest.mark.parametrize("kw", CONV3D_CASES)
def test_conv3d(kw):
    x, w, b = rand_array((1, 2, 4, 5, 4)), rand_array((3, 2, 3, 2, 2)), rand_array((3,))
    check_op(lambda lib, x, w, b: _F(lib).conv3d(x, w, b, **kw), x, w, b)


def test_conv3d_groups_no_bias():
    x, w = rand_array((1, 4, 3, 4, 3)), rand_array((6, 2, 2, 2, 2))
    check_op(lambda lib, x, w: _F(lib).conv3d(x, w, groups=2, padding=1), x, w)


def test_conv3d_unbatched_and_batch():
    x, w = rand_array((2, 3, 4, 3)), rand_array((2, 2, 2, 2, 2))
    check_op(lambda lib, x, w: _F(lib).conv3d(x, w), x, w, gradgrad=False)
    x = rand_array((2, 2, 3, 4, 3))
    check_op(lambda lib, x, w: _F(lib).conv3d(x, w, stride=(1, 2, 1)), x, w, gradgrad=False)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2, dilation=2),
                                dict(stride=(2, 1, 2), output_padding=(1, 0, 0))])
def test_conv_transpose3d(kw):
    g = kw.get("groups", 1)
    x, w, b = rand_array((1, 4, 2, 3, 2)), rand_array((4, 2, 2, 2, 2)), rand_array((2 * g,))
    check_op(lambda lib, x, w, b: _F(lib).conv_transpose3d(x, w, b, **kw), x, w, b)


def test_conv_transpose3d_unbatched():
    x, w = rand_array((2, 2, 3, 2)), rand_array((2, 3, 2, 1, 2))
    check_op(lambda lib, x, w: _F(lib).conv_transpose3d(x, w, stride=2), x, w, gradgrad=False)


def test_conv3d_large_matches_numpy_loop():
    # more output channels than the GEMM's row multiple, several offsets, a batch of 3
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4, 6, 7, 5)), rng.standard_normal((40, 4, 3, 2, 2))
    out = F.conv3d(ember.from_numpy(x), ember.from_numpy(w), stride=(1, 2, 1)).numpy()
    ref = np.zeros(out.shape)
    for i in range(3):
        for j in range(2):
            for k in range(2):
                patch = x[:, :, i:i + 4, j:j + 5:2, k:k + 4]
                ref += np.einsum("ncdhw,oc->nodhw", patch, w[:, :, i, j, k])
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)


def test_conv3d_grad_fn_names():
    x = ember.randn(1, 1, 3, 3, 3, requires_grad=True)
    w = ember.randn(2, 1, 2, 2, 2, requires_grad=True)
    y = F.conv3d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "ConvolutionBackwardBackward0"
    assert F.conv_transpose3d(x, w.transpose(0, 1)).grad_fn.name() == "ConvolutionBackward0"


MAX_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=(2, 3, 2), stride=1, dilation=2, padding=1),
             dict(kernel_size=2, stride=(1, 2, 2), ceil_mode=True),
             dict(kernel_size=3, ceil_mode=True)]


@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool3d(kw):
    check_op(lambda lib, x: _F(lib).max_pool3d(x, **kw), rand_array((1, 2, 4, 5, 4)))


@requires_torch()
@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool3d_indices_and_ties(kw):
    x = np.maximum(rand_array((2, 2, 4, 5, 4)), 0.0)  # many ties at zero
    ye, ie = F.max_pool3d(ember.from_numpy(x), return_indices=True, **kw)
    yt, it = torch.nn.functional.max_pool3d(torch.from_numpy(x), return_indices=True, **kw)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    assert ie.dtype == ember.int64
    xe, xt = ember.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    F.max_pool3d(xe, **kw).sum().backward()
    torch.nn.functional.max_pool3d(xt, **kw).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


@requires_torch()
def test_max_pool3d_nan_int_unbatched():
    x = np.array([np.nan, 1, np.nan, 2, 0, 5, 0, 0]).reshape(1, 1, 2, 2, 2)
    ye, ie = F.max_pool3d(ember.from_numpy(x), 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool3d(torch.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    xi = np.arange(2 * 64).reshape(2, 4, 4, 4) % 7
    ye = F.max_pool3d(ember.from_numpy(xi), 2, 1)
    yt = torch.nn.functional.max_pool3d(torch.from_numpy(xi), 2, 1)
    assert ye.dtype == ember.int64 and tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())


def test_max_pool3d_grad_fn_names():
    x = ember.randn(1, 1, 4, 4, 4, requires_grad=True)
    y = F.max_pool3d(x, 2)
    assert y.grad_fn.name() == "MaxPool3DWithIndicesBackward0"
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "MaxPool3DWithIndicesBackwardBackward0"
    y = F.adaptive_max_pool3d(x, 3)
    assert y.grad_fn.name() == "AdaptiveMaxPool3DBackward0"
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "AdaptiveMaxPool3DBackwardBackward0"


AVG_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
             dict(kernel_size=(2, 3, 2), stride=2, padding=1, ceil_mode=True),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             dict(kernel_size=2, stride=1, divisor_override=3)]


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool3d(kw):
    check_op(lambda lib, x: _F(lib).avg_pool3d(x, **kw), rand_array((1, 2, 4, 5, 4)))


def test_avg_pool3d_unbatched_and_names():
    check_op(lambda lib, x: _F(lib).avg_pool3d(x, 2, 1), rand_array((2, 3, 4, 3)))
    x = ember.randn(1, 1, 4, 4, 4, requires_grad=True)
    y = F.avg_pool3d(x, 2)
    assert y.grad_fn.name() == "AvgPool3DBackward0"
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "AvgPool3DBackwardBackward0"


@requires_torch()
def test_avg_pool3d_integer():
    xi = np.arange(-40, 88).reshape(2, 4, 4, 4) * 3 % 11 - 5
    ye = F.avg_pool3d(ember.from_numpy(xi), 2, 1, 1)
    yt = torch.nn.functional.avg_pool3d(torch.from_numpy(xi), 2, 1, 1)
    assert ye.dtype == ember.int64
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())


@pytest.mark.parametrize("size", [(2, 3, 2), (3, None, 1), 1, (4, 5, 4), (3, 4, 3)])
def test_adaptive_avg_pool3d(size):
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, size), rand_array((1, 2, 4, 5, 4)))


def test_adaptive_avg_pool3d_names_unbatched():
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, 2), rand_array((2, 3, 4, 5)),
             gradgrad=False)
    x = ember.randn(1, 1, 4, 4, 4, requires_grad=True)
    y = F.adaptive_avg_pool3d(x, 3)
    assert y.grad_fn.name() == "AdaptiveAvgPool3DBackward0"
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "AdaptiveAvgPool3DBackwardBackward0"


@pytest.mark.parametrize("size", [(2, 3, 2), (3, None, 1), 1, (3, 4, 3), (2, 7, 2)])
def test_adaptive_max_pool3d(size):
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, size), rand_array((1, 2, 4, 5, 4)))


@requires_torch()
@pytest.mark.parametrize("size", [(2, 3, 2), (3, 4, 3), (0, 2, 2)])
def test_adaptive_max_pool3d_indices(size):
    x = np.maximum(rand_array((2, 2, 4, 5, 4)), 0.0)
    ye, ie = F.adaptive_max_pool3d(ember.from_numpy(x), size, return_indices=True)
    yt, it = torch.nn.functional.adaptive_max_pool3d(torch.from_numpy(x), size, True)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    assert ie.dtype == ember.int64 and tuple(ie.shape) == tuple(it.shape)


@requires_torch()
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=2, stride=1),
                                dict(kernel_size=3, stride=2, padding=1,
                                     output_size=(4, 5, 4))])
def test_max_unpool3d(kw):
    x = torch.from_numpy(rand_array((1, 2, 4, 5, 4)))
    pool = {k: v for k, v in kw.items() if k != "output_size"}
    _, idx = torch.nn.functional.max_pool3d(x, return_indices=True, **pool)
    kw = dict(kw, output_size=(4, 5, 4))
    idx_np = idx.numpy()
    vals = rand_array(tuple(idx.shape))
    ve, vt = ember.from_numpy(vals).requires_grad_(), torch.from_numpy(vals).requires_grad_()
    ye = F.max_unpool3d(ve, ember.from_numpy(idx_np.copy()), **kw)
    yt = torch.nn.functional.max_unpool3d(vt, idx, **kw)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    assert ye.grad_fn.name() == "MaxUnpool3DBackward0"
    g = rand_array(tuple(yt.shape))
    ye.backward(ember.from_numpy(g))
    yt.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(ve.grad.numpy(), vt.grad.numpy())
    for n in range(2):  # gradcheck where every index is distinct (no overwritten values)
        if np.unique(idx_np[0, n]).size == idx_np[0, n].size:
            i = idx_np[:, n:n + 1].copy()
            check_op(lambda lib, v: _F(lib).max_unpool3d(v, lib.from_numpy(i.copy()), **kw),
                     vals[:, n:n + 1])


@requires_torch()
def test_max_unpool3d_roundtrip_unbatched():
    x = rand_array((2, 4, 4, 4))
    ye, ie = F.max_pool3d(ember.from_numpy(x), 2, return_indices=True)
    ue = F.max_unpool3d(ye, ie, 2)
    yt, it = torch.nn.functional.max_pool3d(torch.from_numpy(x), 2, return_indices=True)
    ut = torch.nn.functional.max_unpool3d(yt, it, 2)
    np.testing.assert_array_equal(ue.numpy(), ut.numpy())


# ---------------------------------------------------------------- modules


MODULES = [
    lambda nn: nn.Conv3d(2, 4, 3),
    lambda nn: nn.Conv3d(2, 4, (3, 2, 1), stride=2, padding=1, dilation=2, groups=2,
                         bias=False),
    lambda nn: nn.Conv3d(2, 4, 2, padding="same", padding_mode="reflect"),
    lambda nn: nn.Conv3d(2, 4, (3, 2, 2), padding=(1, 1, 0), padding_mode="replicate"),
    lambda nn: nn.Conv3d(2, 4, 3, padding=1, padding_mode="circular"),
    lambda nn: nn.Conv3d(2, 4, 3, padding="valid"),
    lambda nn: nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=1),
    lambda nn: nn.ConvTranspose3d(2, 4, 2, groups=2, dilation=2, padding=1, bias=False),
    lambda nn: nn.MaxPool3d(2),
    lambda nn: nn.MaxPool3d((2, 3, 3), stride=1, padding=1, dilation=2, ceil_mode=True),
    lambda nn: nn.AvgPool3d(2),
    lambda nn: nn.AvgPool3d(3, 2, 1, True, False, 4),
    lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)),
    lambda nn: nn.AdaptiveMaxPool3d(2),
    lambda nn: nn.MaxUnpool3d(2),
    lambda nn: nn.MaxUnpool3d((2, 2, 1), 1, 0),
]


@requires_torch()
@pytest.mark.parametrize("make", MODULES)
def test_module_repr_state_and_forward(make):
    me, mt = make(ember.nn), make(torch.nn)
    assert repr(me) == repr(mt)
    se, st = me.state_dict(), mt.state_dict()
    assert list(se) == list(st)
    assert [tuple(v.shape) for v in se.values()] == [tuple(v.shape) for v in st.values()]
    me.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in st.items()})
    if isinstance(mt, torch.nn.MaxUnpool3d):
        return
    x = rand_array((1, 2, 5, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(me(ember.from_numpy(x)).detach().numpy(),
                               mt(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@requires_torch()
def test_module_attributes():
    for make in MODULES:
        me, mt = make(ember.nn), make(torch.nn)
        pub = lambda m: {k: v for k, v in vars(m).items()  # noqa: E731
                         if not k.startswith("_") and k != "training"}
        assert pub(me) == pub(mt), type(mt).__name__


@requires_torch()
def test_modules_with_indices_and_output_size():
    x = rand_array((1, 2, 4, 6, 4)).astype(np.float32)
    pe, pt = ember.nn.MaxPool3d(2, return_indices=True), torch.nn.MaxPool3d(2,
                                                                            return_indices=True)
    (ye, ie), (yt, it) = pe(ember.from_numpy(x)), pt(torch.from_numpy(x))
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    ue = ember.nn.MaxUnpool3d(2)(ye, ie, output_size=(1, 2, 5, 7, 5))
    ut = torch.nn.MaxUnpool3d(2)(yt, it, output_size=(1, 2, 5, 7, 5))
    np.testing.assert_array_equal(ue.numpy(), ut.numpy())
    ae, at = ember.nn.AdaptiveMaxPool3d(3, True), torch.nn.AdaptiveMaxPool3d(3, True)
    np.testing.assert_array_equal(ae(ember.from_numpy(x))[1].numpy(),
                                  at(torch.from_numpy(x))[1].numpy())
    ce, ct = ember.nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3,
                                                                                 stride=2)
    ce.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in
                        ct.state_dict().items()})
    oe = ce(ember.from_numpy(x), output_size=(10, 14, 10))
    ot = ct(torch.from_numpy(x), output_size=(10, 14, 10))
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_conv3d_init_bounds_and_gradients():
    ember.manual_seed(0)
    m = ember.nn.Conv3d(4, 8, (3, 2, 2))
    fan_in = 4 * 3 * 2 * 2
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives the same bound
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound and np.std(w) > 0.4 * bound
    m(ember.randn(2, 4, 4, 4, 4)).sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.shape == m.bias.shape
    t = ember.nn.ConvTranspose3d(4, 6, 2, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 2, 2, 2)
    fan_in_t = 3 * 8  # weight.size(1) * prod(kernel), as PyTorch computes it
    assert np.abs(t.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in_t)


# ---------------------------------------------------------------- bad input


def _r(lib, *shape, dtype=None):
    return lib.zeros(*shape) if dtype is None else lib.zeros(*shape, dtype=dtype)


def _long(lib, *shape):
    return lib.zeros(*shape, dtype=lib.int64)


BAD = [
    lambda L: _F(L).conv3d(_r(L, 2, 4, 4), _r(L, 3, 2, 2, 2, 2)),
    lambda L: _F(L).conv3d(_r(L, 1, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2)),
    lambda L: _F(L).conv3d(_r(L, 1, 3, 4, 4, 4), _r(L, 3, 2, 2, 2, 2)),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), groups=0),
    lambda L: _F(L).conv3d(_r(L, 1, 4, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), groups=2),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), _r(L, 4)),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 1, 4), _r(L, 3, 2, 2, 2, 2)),
    lambda L: _F(L).conv3d(_r(L, 1, 1, 4, 2, 4), _r(L, 1, 1, 2, 2, 2), dilation=2),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), stride=0),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), stride=(1, 2)),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), padding=-1),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), dilation=(1, 0, 1)),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), padding="same",
                           stride=2),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2), padding="foo"),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2, dtype=L.float64)),
    lambda L: _F(L).conv3d(_r(L, 1, 2, 4, 4, 4), _r(L, 3, 2, 2, 2, 2),
                           _r(L, 3, dtype=L.float64)),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 3, 4, 4, 4), _r(L, 2, 3, 2, 2, 2)),
    lambda L: _F(L).conv_transpose3d(_r(L, 3, 4, 4), _r(L, 2, 3, 2, 2, 2)),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2),
                                     output_padding=1),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2),
                                     stride=(2, 1, 1), output_padding=(1, 1, 0)),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2), dilation=0),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2),
                                     padding="same"),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2), _r(L, 2)),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 4, 4, 4), _r(L, 2, 3, 2, 2, 2), groups=4),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 3, 4, 4, 4), _r(L, 3, 3, 2, 2, 2), groups=2),
    lambda L: _F(L).conv_transpose3d(_r(L, 1, 2, 1, 4, 4), _r(L, 2, 3, 2, 2, 2),
                                     padding=(2, 0, 0)),
    lambda L: _F(L).max_pool3d(_r(L, 4, 4, 4), 2),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), (2, 2)),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, (2, 2)),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, (1, 1)),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, 0, (1, 1)),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 0),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 0, 1),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, -1),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, 2),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, -1),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, 0, 0),
    lambda L: _F(L).max_pool3d(_r(L, 1, 2, 4, 1, 4), 2),
    lambda L: _F(L).max_pool3d(_r(L, 1, 0, 4, 4, 4), 2),
    lambda L: _F(L).max_pool3d(_r(L, 2, 0, 4, 4), 2),
    lambda L: _F(L).avg_pool3d(_r(L, 4, 4, 4), 2),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), (2, 2)),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), 2, (2, 2)),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), 2, 2, (1, 1)),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), 0, 1),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), 2, -1),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 1, 4), 2, 2, 2),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 1, 4), 3, 1, 1),
    lambda L: _F(L).avg_pool3d(_r(L, 1, 2, 4, 4, 4), 2, divisor_override=0),
    lambda L: _F(L).avg_pool3d(_r(L, 2, 4, 4, 0), 2),
    lambda L: _F(L).adaptive_avg_pool3d(_r(L, 4, 4, 4), 2),
    lambda L: _F(L).adaptive_avg_pool3d(_r(L, 1, 2, 4, 4, 4), (2, 2)),
    lambda L: _F(L).adaptive_avg_pool3d(_r(L, 1, 2, 4, 4, 4), (2, -1, 2)),
    lambda L: _F(L).adaptive_avg_pool3d(_r(L, 1, 2, 0, 4, 4), 2),
    lambda L: _F(L).adaptive_avg_pool3d(_long(L, 1, 1, 4, 4, 4), 2),
    lambda L: _F(L).adaptive_max_pool3d(_r(L, 4, 4, 4), 2),
    lambda L: _F(L).adaptive_max_pool3d(_r(L, 1, 2, 4, 4, 4), (2, 2)),
    lambda L: _F(L).adaptive_max_pool3d(_r(L, 1, 2, 4, 4, 4), (2, -1, 2)),
    lambda L: _F(L).adaptive_max_pool3d(_r(L, 2, 4, 4, 0), 2),
    lambda L: _F(L).max_unpool3d(_r(L, 2, 2, 2), _long(L, 2, 2, 2), 2),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2) + 64, 2),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2) - 1, 2),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 1), 2),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _r(L, 1, 1, 2, 2, 2), 2),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2), 2,
                                 output_size=(4, 4)),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2), 2,
                                 output_size=(9, 4, 4)),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2), (2, 2)),
    lambda L: _F(L).max_unpool3d(_r(L, 1, 1, 2, 2, 2), _long(L, 1, 1, 2, 2, 2), 2, 0),
    lambda L: L.nn.Conv3d(3, 4, 2, groups=2),
    lambda L: L.nn.Conv3d(2, 3, 2, groups=2),
    lambda L: L.nn.Conv3d(2, 4, 2, padding="same", stride=2),
    lambda L: L.nn.ConvTranspose3d(2, 4, 2, padding_mode="reflect"),
    lambda L: L.nn.ConvTranspose3d(2, 4, 2, stride=2)(_r(L, 1, 2, 3, 3, 3),
                                                      output_size=(9, 6, 6)),
]


def _error(fn, lib):
    with pytest.raises(Exception) as info:
        fn(lib)
    return info.value


@requires_torch()
@pytest.mark.parametrize("make", BAD)
def test_bad_input_matches_torch(make):
    et, ee = _error(make, torch), _error(make, ember)
    assert type(ee).__name__ == type(et).__name__, (ee, et)
    assert str(ee).replace("ember.", "torch.") == str(et).split("\n")[0], (str(ee), str(et))
