"""nn.init: distribution bounds and statistics (not exact values), gains, fans, errors."""
import math

import numpy as np
import pytest

import ember
from ember.nn import init
from tests.helpers import requires_torch, torch


def _w(*shape):
    return ember.empty(*shape)


def test_calculate_gain_matches_torch():
    if torch is None:
        pytest.skip("torch missing")
    for args in [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",),
                 ("leaky_relu",), ("leaky_relu", 0.2), ("selu",)]:
        assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(_w(6, 3, 5, 5)) == (75, 150)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(_w(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(_w(3, 3), mode="fan_avg")


def test_uniform_normal_constant():
    t = init.uniform_(_w(200, 100), -2.0, 3.0)
    a = t.numpy()
    assert a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05
    n = init.normal_(_w(200, 100), 1.0, 2.0).numpy()
    assert abs(n.mean() - 1) < 0.05 and abs(n.std() - 2) < 0.05
    assert (init.constant_(_w(3, 3), 0.7).numpy() == np.float32(0.7)).all()
    assert (init.ones_(_w(2)).numpy() == 1).all() and (init.zeros_(_w(2)).numpy() == 0).all()


def test_trunc_normal():
    a = init.trunc_normal_(_w(300, 100), mean=0.5, std=1.0, a=-0.5, b=1.0).numpy()
    assert a.min() >= -0.5 and a.max() <= 1.0
    assert abs(a.mean() - 0.3) < 0.05  # mean of N(0.5, 1) truncated to [-0.5, 1]: ~0.30
    b = init.trunc_normal_(_w(300, 100), std=0.02).numpy()
    assert abs(b.std() - 0.02) < 0.002 and np.abs(b).max() <= 2.0


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_and_xavier(mode):
    t = _w(256, 128, 3)
    fan = 128 * 3 if mode == "fan_in" else 256 * 3
    u = init.kaiming_uniform_(t, a=0, mode=mode, nonlinearity="relu").numpy()
    bound = math.sqrt(2.0) * math.sqrt(3.0 / fan)
    assert np.abs(u).max() <= bound and np.abs(u).max() > 0.98 * bound
    n = init.kaiming_normal_(t, mode=mode, nonlinearity="leaky_relu", a=0.1).numpy()
    assert abs(n.std() - math.sqrt(2 / 1.01) / math.sqrt(fan)) < 0.01 * n.std() * 5
    xb = math.sqrt(6.0 / (128 * 3 + 256 * 3)) * 2.0
    x = init.xavier_uniform_(t, gain=2.0).numpy()
    assert np.abs(x).max() <= xb and np.abs(x).max() > 0.98 * xb
    xn = init.xavier_normal_(t).numpy()
    assert abs(xn.std() - math.sqrt(2.0 / (128 * 3 + 256 * 3))) < 0.002


def test_eye_dirac_orthogonal_sparse():
    np.testing.assert_array_equal(init.eye_(_w(3, 4)).numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(_w(3))
    d = init.dirac_(_w(4, 2, 3, 3), groups=2).numpy()
    x = np.random.default_rng(0).standard_normal((1, 4, 5, 5)).astype(np.float32)
    if torch is not None:
        ref = torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2).numpy()
        np.testing.assert_array_equal(d, ref)
    assert x.shape[1] == 4
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(_w(3, 3))
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        q = init.orthogonal_(_w(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = min(q.shape)
        gram = q @ q.T if q.shape[0] == small else q.T @ q
        np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-5)
    s = init.sparse_(_w(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(0) >= 3).all()


def test_generator_reproducible_and_no_grad():
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    p = ember.nn.Parameter(ember.empty(4, 4))
    a = init.kaiming_uniform_(p, a=math.sqrt(5), generator=g1).detach().clone()
    b = init.kaiming_uniform_(ember.empty(4, 4), a=math.sqrt(5), generator=g2)
    assert ember.equal(a, b)
    assert p.grad_fn is None and p.requires_grad
    c = init.trunc_normal_(ember.empty(5), generator=ember.Generator().manual_seed(1))
    d = init.trunc_normal_(ember.empty(5), generator=ember.Generator().manual_seed(1))
    assert ember.equal(c, d)


def test_zero_element_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(_w(0, 3))


@requires_torch()
def test_default_layer_init_std_like_torch():
    torch.manual_seed(0)
    e, t = ember.nn.Linear(300, 200), torch.nn.Linear(300, 200)
    assert abs(e.weight.detach().numpy().std() - t.weight.detach().numpy().std()) < 1e-3
