"""Max/avg/adaptive pooling, unpooling and the pooling/padding modules vs torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

F = ember.nn.functional


def _F(lib):
    return lib.nn.functional


def _relu_like(shape):
    """Inputs with many ties at zero (as after ReLU) to test tie-breaking."""
    return np.maximum(rand_array(shape), 0.0)


MAX_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=(2, 3), dilation=2,
                                                                  padding=1),
             dict(kernel_size=3, ceil_mode=True)]


@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool2d(kw):
    x = rand_array((2, 3, 6, 7))
    check_op(lambda lib, x: _F(lib).max_pool2d(x, **kw), x)


@requires_torch()
@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool2d_indices_and_ties(kw):
    x = _relu_like((2, 3, 6, 7))
    ye, ie = F.max_pool2d(ember.from_numpy(x), return_indices=True, **kw)
    yt, it = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **kw)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    assert ie.dtype == ember.int64
    xe, xt = ember.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    F.max_pool2d(xe, **kw).sum().backward()
    torch.nn.functional.max_pool2d(xt, **kw).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_max_pool1d():
    check_op(lambda lib, x: _F(lib).max_pool1d(x, 3, 2, 1), rand_array((2, 3, 8)))


def test_max_pool_grad_fn_and_unbatched():
    x = ember.randn(3, 4, 4, requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert tuple(y.shape) == (3, 2, 2)
    assert F.max_pool2d(x.unsqueeze(0), 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"


AVG_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=3, stride=2, ceil_mode=True),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             dict(kernel_size=2, divisor_override=3)]


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool2d(kw):
    check_op(lambda lib, x: _F(lib).avg_pool2d(x, **kw), rand_array((2, 3, 6, 7)))


def test_avg_pool1d():
    check_op(lambda lib, x: _F(lib).avg_pool1d(x, 3, 2, 1), rand_array((2, 3, 8)))


@pytest.mark.parametrize("size", [1, 3, (2, 5), (4, None), 7])
def test_adaptive_pools(size):
    x = rand_array((2, 2, 6, 7))
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool2d(x, size), x)
    check_op(lambda lib, x: _F(lib).adaptive_max_pool2d(x, size), x)


@requires_torch()
def test_adaptive_max_indices():
    x = rand_array((2, 2, 7, 5))
    _, ie = F.adaptive_max_pool2d(ember.from_numpy(x), (3, 4), return_indices=True)
    _, it = torch.nn.functional.adaptive_max_pool2d(torch.from_numpy(x), (3, 4), True)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())


def test_adaptive_1d():
    x = rand_array((2, 3, 8))
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool1d(x, 3), x)
    check_op(lambda lib, x: _F(lib).adaptive_max_pool1d(x, 3), x)


def test_max_unpool2d():
    def f(lib, x):
        y, i = _F(lib).max_pool2d(x, 2, return_indices=True)
        return _F(lib).max_unpool2d(y, i, 2, output_size=x.shape[-2:])
    check_op(f, rand_array((2, 2, 5, 6)))


def test_lp_pool2d():
    check_op(lambda lib, x: _F(lib).lp_pool2d(x, 2, 2), rand_array((2, 2, 4, 6), positive=True))


def test_max_pool_numpy_reference():
    x = rand_array((2, 3, 6, 8))
    ref = x.reshape(2, 3, 3, 2, 4, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(F.max_pool2d(ember.from_numpy(x), 2).numpy(), ref)


@requires_torch()
@pytest.mark.parametrize("make,msg", [
    (lambda lib: _F(lib).max_pool2d(lib.randn(1, 3, 5, 5), 2, padding=2),
     "pad should be at most half of effective kernel size"),
    (lambda lib: _F(lib).max_pool2d(lib.randn(1, 3, 1, 1), 2), "Output size is too small"),
    (lambda lib: _F(lib).max_pool2d(lib.randn(5, 5), 2),
     "non-empty 3D or 4D \\(batch mode\\) tensor expected for input"),
])
def test_pool_errors_match_torch(make, msg):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=msg):
            make(lib)


SPECS = ["MaxPool2d(2)", "MaxPool2d((2, 3), stride=1, padding=1, ceil_mode=True)",
         "MaxPool1d(3)", "AvgPool2d(2)", "AvgPool2d(3, 2, 1, True, False, 2)", "AvgPool1d(3)",
         "AdaptiveAvgPool2d((5, 7))", "AdaptiveAvgPool2d(1)", "AdaptiveMaxPool2d((2, None))",
         "AdaptiveAvgPool1d(3)", "MaxUnpool2d(2)", "Upsample(scale_factor=2)",
         "Upsample(size=(3, 4), mode='bilinear', align_corners=True)",
         "UpsamplingNearest2d(scale_factor=2)", "UpsamplingBilinear2d(size=4)", "ZeroPad2d(2)",
         "ZeroPad2d((1, 2, 3, 4))", "ConstantPad2d(1, 3.5)", "ReflectionPad2d(1)",
         "ReplicationPad2d((1, 2, 3, 4))", "LPPool2d(2, 3)", "ZeroPad3d((1, 2, 1, 0, 2, 1))",
         "ConstantPad3d(1, 3.5)", "ReflectionPad3d(1)", "ReplicationPad3d((1, 2, 1, 0, 2, 1))",
         "CircularPad3d((1, 2, 1, 0, 2, 1))", "CircularPad2d(2)"]


@requires_torch()
@pytest.mark.parametrize("spec", SPECS)
def test_pool_module_parity(spec):
    tm, em = eval("torch.nn." + spec), eval("ember.nn." + spec)
    assert repr(em) == repr(tm)
    if "Unpool" in spec:
        return
    shape = (2, 3, 8) if "1d" in spec else (2, 3, 4, 5, 6) if "3d" in spec else (2, 3, 8, 9)
    x = np.abs(np.random.default_rng(0).standard_normal(shape)).astype(np.float32)
    np.testing.assert_allclose(em(ember.from_numpy(x)).numpy(), tm(torch.from_numpy(x)).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_max_pool_gradgrad_tied_windows():
    x = ember.from_numpy(_relu_like((1, 2, 4, 4))).requires_grad_()
    (g,) = ember.autograd.grad(F.max_pool2d(x, 2).sum(), x, create_graph=True)
    assert float(g.sum()) == 8.0  # one winner per window even when all values tie at 0
