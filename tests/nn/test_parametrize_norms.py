"""weight_norm / spectral_norm / orthogonal parametrizations and the legacy hook versions
(values, gradients, state_dict keys and training trajectories against torch)."""
import warnings

import numpy as np
import pytest

import ember
from ember.nn.utils import parametrizations as EPZ
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(11)
X = RNG.standard_normal((6, 4)).astype(np.float32)


def _np(t):
    return t.detach().numpy()


def _copy_params(me, mt):
    """Give the ember module the torch module's parameters and buffers."""
    with ember.no_grad():
        for (ne, pe), (nt, pt) in zip(me.state_dict(keep_vars=True).items(),
                                      mt.state_dict(keep_vars=True).items()):
            assert ne == nt
            pe.copy_(ember.tensor(pt.detach().numpy()))


def _pair(make, fn_e=None, fn_t=None):
    """The same module in both frameworks (torch's initial values), wrapped by fn_*."""
    mt = make(torch)
    me = make(ember)
    _copy_params(me, mt)
    if fn_t is not None:
        mt, me = fn_t(mt), fn_e(me)
    return me, mt


def _train(m, lib, steps=4, x=X, opt="sgd"):
    if opt == "sgd":
        o = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    else:
        o = lib.optim.Adam(m.parameters(), lr=0.05)
    x = lib.tensor(x)
    for _ in range(steps):
        o.zero_grad()
        ((m(x) - 0.5) ** 2).mean().backward()
        o.step()
    return m


def _linear(lib, i=4, o=3):
    return lib.nn.Linear(i, o)


# ---- parametrizations.weight_norm ----
@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_original0_original1_and_value_match_torch(dim):
    me, mt = _pair(_linear)
    EPZ.weight_norm(me, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(mt, dim=dim)
    pe, pt = me.parametrizations.weight, mt.parametrizations.weight
    assert pe.original0.shape == pt.original0.shape
    np.testing.assert_allclose(_np(pe.original0), _np(pt.original0), rtol=1e-6)
    np.testing.assert_allclose(_np(pe.original1), _np(pt.original1), rtol=1e-6)
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-5, atol=1e-7)
    assert list(me.state_dict()) == list(mt.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert repr(me) == repr(mt)


def test_weight_norm_training_trajectory_matches_torch():
    make = lambda lib: lib.nn.Conv2d(2, 3, 3)  # noqa: E731
    me, mt = _pair(make, EPZ.weight_norm, torch.nn.utils.parametrizations.weight_norm)
    x = RNG.standard_normal((2, 2, 5, 5)).astype(np.float32)
    _train(me, ember, x=x, opt="adam")
    _train(mt, torch, x=x, opt="adam")
    for (n, a), (_, b) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)


def test_weight_norm_gradcheck():
    w = ember.nn.Linear(3, 2).double()
    EPZ.weight_norm(w)
    pl = w.parametrizations.weight
    g0 = pl.original0.detach().clone().requires_grad_()
    v0 = pl.original1.detach().clone().requires_grad_()
    f = pl[0]
    assert ember.autograd.gradcheck(f, (g0, v0))
    assert ember.autograd.gradgradcheck(f, (g0, v0))


def test_weight_norm_loads_legacy_checkpoint_keys():
    mt = torch.nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(mt)
    sd = {k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()}
    assert sorted(sd) == ["bias", "weight_g", "weight_v"]
    me = EPZ.weight_norm(ember.nn.Linear(4, 3))
    me.load_state_dict(sd)
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-6)


# ---- parametrizations.spectral_norm ----
def _copy_uv(pe, pt):
    with ember.no_grad():
        pe._u.copy_(ember.tensor(pt._u.numpy()))
        pe._v.copy_(ember.tensor(pt._v.numpy()))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(4, 3),
    lambda lib: lib.nn.Conv2d(2, 3, 3),
    lambda lib: lib.nn.ConvTranspose2d(2, 3, 3),
], ids=["linear", "conv", "convtranspose"])
def test_spectral_norm_trajectory_matches_torch(make):
    me, mt = _pair(make)
    EPZ.spectral_norm(me, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(mt, n_power_iterations=2)
    pe, pt = me.parametrizations.weight[0], mt.parametrizations.weight[0]
    assert pe._u.shape == pt._u.shape and pe._v.shape == pt._v.shape
    # 15 power iterations at registration: sigma is already the top singular value
    mat = _np(pt._reshape_weight_to_matrix(mt.parametrizations.weight.original))
    sigma, top = _np(pe._u) @ mat @ _np(pe._v), np.linalg.norm(mat, 2)
    assert 0.95 * top <= sigma <= top * (1 + 1e-5)
    _copy_uv(pe, pt)
    assert list(me.state_dict()) == list(mt.state_dict())
    x = RNG.standard_normal((2, 2, 6, 6) if "Conv" in type(me).__name__ else (6, 4))
    x = x.astype(np.float32)
    _train(me, ember, x=x)
    _train(mt, torch, x=x)
    for (n, a), (_, b) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-4, atol=1e-5)


def test_spectral_norm_power_iteration_only_in_training():
    m = EPZ.spectral_norm(ember.nn.Linear(4, 3), n_power_iterations=1)
    p = m.parametrizations.weight[0]
    w = _np(m.parametrizations.weight.original)
    with ember.no_grad():
        p._u.copy_(ember.tensor([1.0, 0.0, 0.0]))
    v = _np(p._v).copy()
    m.eval()
    assert p.training is False
    m.weight  # noqa: B018
    np.testing.assert_array_equal(_np(p._u), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(_np(p._v), v)
    m.train()
    m.weight  # noqa: B018
    u1 = w @ v / np.linalg.norm(w @ v)
    v1 = w.T @ u1 / np.linalg.norm(w.T @ u1)
    np.testing.assert_allclose(_np(p._u), u1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(p._v), v1, rtol=1e-5, atol=1e-6)
    m.eval()  # in training, reading m.weight again would run another power iteration
    np.testing.assert_allclose(_np(m.weight), w / (u1 @ w @ v1), rtol=1e-5)


def test_spectral_norm_of_vector_is_normalize():
    m = ember.nn.Linear(3, 5)
    EPZ.spectral_norm(m, name="bias")
    b = _np(m.parametrizations.bias.original)
    np.testing.assert_allclose(_np(m.bias), b / np.linalg.norm(b), rtol=1e-6)
    assert list(m.state_dict()) == ["weight", "parametrizations.bias.original"]


def test_spectral_norm_gradients_match_torch():
    me, mt = _pair(_linear)
    EPZ.spectral_norm(me)
    torch.nn.utils.parametrizations.spectral_norm(mt)
    _copy_uv(me.parametrizations.weight[0], mt.parametrizations.weight[0])
    me.eval()
    mt.eval()
    (me(ember.tensor(X)) ** 2).sum().backward()
    (mt(torch.tensor(X)) ** 2).sum().backward()
    np.testing.assert_allclose(me.parametrizations.weight.original.grad.numpy(),
                               mt.parametrizations.weight.original.grad.numpy(),
                               rtol=1e-4, atol=1e-6)


# ---- parametrizations.orthogonal ----
@pytest.mark.parametrize("orth_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (4, 3), (3, 4)])
def test_orthogonal_trajectory_matches_torch(shape, orth_map):
    make = lambda lib: lib.nn.Linear(shape[1], shape[0])  # noqa: E731
    me, mt = _pair(make)
    EPZ.orthogonal(me, orthogonal_map=orth_map)
    torch.nn.utils.parametrizations.orthogonal(mt, orthogonal_map=orth_map)
    assert list(me.state_dict()) == list(mt.state_dict())
    pe, pt = me.parametrizations.weight, mt.parametrizations.weight
    if shape[0] == shape[1]:  # no random completion: the same base without copying
        np.testing.assert_allclose(_np(pe[0].base), _np(pt[0].base), rtol=1e-5, atol=1e-6)
    with ember.no_grad():
        pe[0].base.copy_(ember.tensor(pt[0].base.numpy()))
    np.testing.assert_allclose(_np(pe.original), _np(pt.original), atol=1e-6)
    x = RNG.standard_normal((5, shape[1])).astype(np.float32)
    _train(me, ember, x=x)
    _train(mt, torch, x=x)
    we, wt = _np(me.weight), _np(mt.weight)
    np.testing.assert_allclose(we, wt, rtol=1e-4, atol=1e-5)
    gram = we.T @ we if shape[0] >= shape[1] else we @ we.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_householder_without_trivialization_matches_torch(shape):
    make = lambda lib: lib.nn.Linear(shape[1], shape[0])  # noqa: E731
    me, mt = _pair(make)
    EPZ.orthogonal(me, orthogonal_map="householder", use_trivialization=False)
    torch.nn.utils.parametrizations.orthogonal(mt, orthogonal_map="householder",
                                               use_trivialization=False)
    assert list(me.state_dict()) == list(mt.state_dict()) == [
        "bias", "parametrizations.weight.original"]
    np.testing.assert_allclose(_np(me.parametrizations.weight.original),
                               _np(mt.parametrizations.weight.original), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-5, atol=1e-6)
    x = RNG.standard_normal((5, shape[1])).astype(np.float32)
    np.testing.assert_allclose(_np(_train(me, ember, x=x).weight),
                               _np(_train(mt, torch, x=x).weight), rtol=1e-4, atol=1e-5)


def test_orthogonal_assignment_sets_the_weight():
    m = EPZ.orthogonal(ember.nn.Linear(3, 3))
    q = np.linalg.qr(RNG.standard_normal((3, 3)))[0].astype(np.float32)
    m.weight = ember.tensor(q)
    np.testing.assert_allclose(_np(m.weight), q, atol=1e-5)


def test_orthogonal_gradcheck_all_maps():
    for orth_map in ("matrix_exp", "cayley", "householder"):
        m = EPZ.orthogonal(ember.nn.Linear(3, 4).double(), orthogonal_map=orth_map)
        f = m.parametrizations.weight[0]
        x = m.parametrizations.weight.original.detach().clone()
        x = (x + 0.1 * ember.tensor(RNG.standard_normal((4, 3)))).requires_grad_()
        assert ember.autograd.gradcheck(f, (x,)), orth_map


def _same_error(fe, ft):
    with pytest.raises(Exception) as ee:
        fe()
    with pytest.raises(Exception) as et:
        ft()
    assert type(ee.value) is type(et.value)
    assert str(ee.value) == str(et.value)


@pytest.mark.parametrize("call", [
    lambda P, lib: P.spectral_norm(lib.nn.Linear(3, 5), dim=2),
    lambda P, lib: P.spectral_norm(lib.nn.Linear(3, 5), n_power_iterations=0),
    lambda P, lib: P.spectral_norm(lib.nn.Linear(3, 5), name="foo"),
    lambda P, lib: P.orthogonal(lib.nn.Linear(3, 5), orthogonal_map="foo"),
    lambda P, lib: P.orthogonal(lib.nn.Linear(3, 5), name="bias"),
    lambda P, lib: P.orthogonal(lib.nn.Linear(3, 5), name="foo"),
    lambda P, lib: setattr(P.orthogonal(lib.nn.Linear(3, 3)), "weight", lib.ones(2, 2)),
    lambda P, lib: setattr(P.orthogonal(lib.nn.Linear(3, 3), use_trivialization=False),
                           "weight", lib.eye(3)),
])
def test_parametrization_errors_match_torch(call):
    _same_error(lambda: call(EPZ, ember), lambda: call(torch.nn.utils.parametrizations, torch))


# ---- legacy hooks: nn.utils.weight_norm / spectral_norm ----
def _legacy_weight_norm(m, nn_utils, **kw):
    with pytest.warns(FutureWarning, match="torch.nn.utils.weight_norm` is deprecated"):
        return nn_utils.weight_norm(m, **kw)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_matches_torch(dim):
    me, mt = _pair(_linear)
    _legacy_weight_norm(me, ember.nn.utils, dim=dim)
    _legacy_weight_norm(mt, torch.nn.utils, dim=dim)
    assert list(me.state_dict()) == list(mt.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in me.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert not isinstance(me.weight, ember.nn.Parameter)
    np.testing.assert_allclose(_np(me.weight_g), _np(mt.weight_g), rtol=1e-6)
    _train(me, ember, opt="adam")
    _train(mt, torch, opt="adam")
    for (n, a), (_, b) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)
    ember.nn.utils.remove_weight_norm(me)
    torch.nn.utils.remove_weight_norm(mt)
    assert list(me.state_dict()) == list(mt.state_dict()) == ["bias", "weight"]
    assert isinstance(me.weight, ember.nn.Parameter) and not me._forward_pre_hooks
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-4, atol=1e-6)


def test_legacy_weight_norm_errors_match_torch():
    def twice(lib):
        m = _legacy_weight_norm(lib.nn.Linear(2, 2), lib.nn.utils)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            lib.nn.utils.weight_norm(m)
    _same_error(lambda: twice(ember), lambda: twice(torch))
    _same_error(lambda: ember.nn.utils.remove_weight_norm(ember.nn.Linear(2, 2)),
                lambda: torch.nn.utils.remove_weight_norm(torch.nn.Linear(2, 2)))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(4, 3),
    lambda lib: lib.nn.ConvTranspose2d(2, 3, 3),
], ids=["linear", "convtranspose"])
def test_legacy_spectral_norm_matches_torch(make):
    me, mt = _pair(make)
    ember.nn.utils.spectral_norm(me)
    torch.nn.utils.spectral_norm(mt)
    sd_e, sd_t = me.state_dict(), mt.state_dict()
    assert list(sd_e) == list(sd_t) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert sd_e._metadata[""] == sd_t._metadata[""] == {
        "version": 1, "spectral_norm": {"weight.version": 1}}
    assert [n for n, _ in me.named_buffers()] == ["weight_u", "weight_v"]
    me.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd_t.items()})
    x = RNG.standard_normal((2, 2, 6, 6) if "Conv" in type(me).__name__ else (6, 4))
    x = x.astype(np.float32)
    _train(me, ember, x=x)
    _train(mt, torch, x=x)
    for (n, a), (_, b) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    me.eval()
    mt.eval()
    u = _np(me.weight_u).copy()
    ye, yt = me(ember.tensor(x)), mt(torch.tensor(x))
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(_np(me.weight_u), u)  # no power iteration in eval
    ember.nn.utils.remove_spectral_norm(me)
    torch.nn.utils.remove_spectral_norm(mt)
    assert list(me.state_dict()) == list(mt.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-4, atol=1e-5)
    # unlike torch 2.13 (which leaves its load hook behind), the plain module reloads
    me.load_state_dict(me.state_dict())


def test_legacy_spectral_norm_upgrades_version0_checkpoint():
    mt = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3))
    mt(torch.tensor(X))
    sd = {k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()}
    del sd["weight_v"]  # before version 1: weight stored, v missing
    sd["weight"] = ember.tensor(mt.weight.detach().numpy())
    me = ember.nn.utils.spectral_norm(ember.nn.Linear(4, 3))
    me.load_state_dict(sd)
    me.eval()
    np.testing.assert_allclose(_np(me(ember.tensor(X))),
                               _np(mt.eval()(torch.tensor(X))), rtol=1e-4, atol=1e-5)


def test_legacy_spectral_norm_errors_match_torch():
    def twice(lib):
        lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2)))

    def no_bias(lib):
        lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), name="bias")
    for fn in (twice, no_bias):
        _same_error(lambda: fn(ember), lambda: fn(torch))
    _same_error(lambda: ember.nn.utils.remove_spectral_norm(ember.nn.Linear(2, 2)),
                lambda: torch.nn.utils.remove_spectral_norm(torch.nn.Linear(2, 2)))
    _same_error(lambda: ember.nn.utils.spectral_norm(ember.nn.Linear(2, 2),
                                                     n_power_iterations=0),
                lambda: torch.nn.utils.spectral_norm(torch.nn.Linear(2, 2),
                                                     n_power_iterations=0))
