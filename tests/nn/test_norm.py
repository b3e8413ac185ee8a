"""batch/layer/group/instance/local-response norm and their modules vs torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

F = ember.nn.functional


def _F(lib):
    return lib.nn.functional


def test_batch_norm_training():
    x, w, b = rand_array((4, 3, 3, 3)), rand_array((3,)), rand_array((3,))
    check_op(lambda lib, x, w, b: _F(lib).batch_norm(x, None, None, w, b, True), x, w, b)
    check_op(lambda lib, x: _F(lib).batch_norm(x, None, None, training=True), x[:, :, 0])


def test_batch_norm_eval():
    rm, rv = rand_array((3,)), rand_array((3,), positive=True)
    x, w, b = rand_array((4, 3, 2, 2)), rand_array((3,)), rand_array((3,))
    check_op(lambda lib, x, w, b: _F(lib).batch_norm(
        x, lib.from_numpy(rm).to(x.dtype), lib.from_numpy(rv).to(x.dtype), w, b, False), x, w, b)


def test_layer_norm():
    x = rand_array((3, 4, 5))
    check_op(lambda lib, x, w, b: _F(lib).layer_norm(x, (4, 5), w, b), x, rand_array((4, 5)),
             rand_array((4, 5)))
    check_op(lambda lib, x: _F(lib).layer_norm(x, (5,)), x)


def test_group_norm():
    check_op(lambda lib, x, w, b: _F(lib).group_norm(x, 2, w, b), rand_array((2, 4, 3, 2)),
             rand_array((4,)), rand_array((4,)))


def test_instance_norm():
    check_op(lambda lib, x, w, b: _F(lib).instance_norm(x, weight=w, bias=b),
             rand_array((2, 3, 4, 3)), rand_array((3,)), rand_array((3,)))


def test_local_response_norm():
    check_op(lambda lib, x: _F(lib).local_response_norm(x, 3), rand_array((2, 4, 3, 3)))
    check_op(lambda lib, x: _F(lib).local_response_norm(x, 2), rand_array((2, 4, 3)))


def test_batch_norm_numpy_reference():
    x = rand_array((5, 3, 4))
    mean, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    out = F.batch_norm(ember.from_numpy(x), None, None, training=True, eps=1e-5)
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10)


def test_batch_norm_one_value_per_channel_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(ember.randn(1, 3), None, None, training=True)


SPECS = ["BatchNorm2d(3)", "BatchNorm1d(3, momentum=None, affine=False, "
         "track_running_stats=False)", "LayerNorm((4, 5))",
         "LayerNorm(4, elementwise_affine=False, bias=False)", "GroupNorm(2, 4)",
         "InstanceNorm2d(3)", "InstanceNorm1d(3, affine=True, track_running_stats=True)",
         "LocalResponseNorm(3)", "BatchNorm2d(3, bias=False)"]


@requires_torch()
@pytest.mark.parametrize("spec", SPECS)
def test_norm_module_repr_and_state(spec):
    tm, em = eval("torch.nn." + spec), eval("ember.nn." + spec)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape), str(v.dtype).split(".")[-1]) for k, v in em.state_dict().items()] \
        == [(k, tuple(v.shape), str(v.dtype).split(".")[-1]) for k, v in tm.state_dict().items()]


@requires_torch()
@pytest.mark.parametrize("spec,shape", [("BatchNorm2d(3)", (4, 3, 5, 5)),
                                        ("BatchNorm1d(3, momentum=None)", (6, 3)),
                                        ("BatchNorm1d(3)", (6, 3, 4)),
                                        ("InstanceNorm1d(3, affine=True, "
                                         "track_running_stats=True)", (2, 3, 7))])
def test_running_stats_match_torch(spec, shape):
    tm, em = eval("torch.nn." + spec), eval("ember.nn." + spec)
    rng = np.random.default_rng(0)
    for i in range(3):
        x = (rng.standard_normal(shape) * (i + 1) + i).astype(np.float32)
        np.testing.assert_allclose(em(ember.from_numpy(x)).detach().numpy(),
                                   tm(torch.from_numpy(x)).detach().numpy(), atol=1e-5)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)
    tm.eval()
    em.eval()
    np.testing.assert_allclose(em(ember.from_numpy(x)).detach().numpy(),
                               tm(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


def test_batch_norm_wrong_dim():
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        ember.nn.BatchNorm2d(3)(ember.randn(2, 3, 4))
