"""MixtureSameFamily, LowRankMultivariateNormal, Wishart and LKJCholesky against
torch.distributions: values, gradients, sampling, validation and KL divergences."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import (assert_gradchecks, assert_same, assert_same_error, float64_leaves,
                          torch_or_skip)

R = np.random.default_rng(7)


def _spd(shape, rng=R):
    a = rng.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])


def _tril(shape, rng=R):
    return np.linalg.cholesky(_spd(shape, rng))


def _mix(L, D, a):
    return D.MixtureSameFamily(D.Categorical(a["w"]), D.Normal(a["mu"], a["sd"]))


def _mix_mv(L, D, a):
    return D.MixtureSameFamily(D.Categorical(logits=a["w"]),
                               D.Independent(D.Normal(a["mu"], a["sd"]), 1))


def _mix_mvn(L, D, a):
    return D.MixtureSameFamily(D.Categorical(a["w"]), D.MultivariateNormal(a["mu"], a["cov"]))


#: name -> (builder(lib, distributions module, tensors), parameter arrays, values to score);
#: values None means "score the torch distribution's own samples"
CASES = {
    "mixture": (_mix, dict(w=R.uniform(0.1, 1, (2, 4)), mu=R.normal(size=(2, 4)),
                           sd=R.uniform(0.5, 2, (2, 4))), R.normal(size=(5, 2))),
    "mixture_scalar_mix": (_mix, dict(w=R.uniform(0.1, 1, (4,)), mu=R.normal(size=(3, 4)),
                                      sd=R.uniform(0.5, 2, (3, 4))), R.normal(size=(5, 3))),
    "mixture_independent": (_mix_mv, dict(w=R.normal(size=(2, 3)), mu=R.normal(size=(2, 3, 2)),
                                          sd=R.uniform(0.5, 2, (2, 3, 2))),
                            R.normal(size=(5, 2, 2))),
    "mixture_mvn": (_mix_mvn, dict(w=R.uniform(0.1, 1, (3,)), mu=R.normal(size=(3, 2)),
                                   cov=_spd((3, 2, 2))), R.normal(size=(4, 2))),
    "lowrank": (lambda L, D, a: D.LowRankMultivariateNormal(a["loc"], a["W"], a["D"]),
                dict(loc=R.normal(size=(2, 4)), W=R.normal(size=(4, 2)),
                     D=R.uniform(0.5, 2, (2, 4))), R.normal(size=(3, 2, 4))),
    "lowrank_batched_factor": (
        lambda L, D, a: D.LowRankMultivariateNormal(a["loc"], a["W"], a["D"]),
        dict(loc=R.normal(size=(3,)), W=R.normal(size=(2, 1, 3, 2)), D=R.uniform(0.5, 2, (3,))),
        R.normal(size=(5, 2, 1, 3))),
    "wishart_cov": (lambda L, D, a: D.Wishart(a["df"], covariance_matrix=a["S"]),
                    dict(df=np.array([4.5, 7.0]), S=_spd((3, 3))), None),
    "wishart_prec": (lambda L, D, a: D.Wishart(a["df"], precision_matrix=a["S"]),
                     dict(df=np.array(5.0), S=_spd((2, 3, 3))), None),
    "wishart_tril": (lambda L, D, a: D.Wishart(a["df"], scale_tril=a["S"]),
                     dict(df=np.array([[2.0], [6.0]]), S=_tril((3, 2, 2))), None),
    "lkj": (lambda L, D, a: D.LKJCholesky(3, a["c"]), dict(c=np.array([0.5, 1.0, 3.0])), None),
    "lkj4": (lambda L, D, a: D.LKJCholesky(4, a["c"]), dict(c=np.array(2.0)), None),
}


def _build(name, lib_name, grad=False, dtype=np.float64):
    make, params, _ = CASES[name]
    if lib_name == "ember":
        lib, mod = ember, ED
    else:
        lib = torch_or_skip()
        mod = lib.distributions
    args = {k: lib.tensor(v.astype(dtype), requires_grad=grad) for k, v in params.items()}
    return make(lib, mod, args), args


def _pair(name, grad=False, dtype=np.float64):
    """ember and torch distributions, their arguments, and values to score."""
    torch = torch_or_skip()
    e, ea = _build(name, "ember", grad, dtype)
    t, ta = _build(name, "torch", grad, dtype)
    value = CASES[name][2]
    if value is None:
        torch.manual_seed(0)
        with warnings.catch_warnings():
            # torch 2.13's Wishart warns "Singular sample detected." on every draw
            warnings.simplefilter("ignore")
            value = t.sample((4,)).numpy()
    return e, t, ea, ta, value.astype(dtype)


def _outcome(f):
    try:
        return f()
    except NotImplementedError as err:
        return err


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_match_torch(name, dtype):
    torch = torch_or_skip()
    e, t, _, _, value = _pair(name, dtype=dtype)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)
    assert_same(e.log_prob(ember.tensor(value)), t.log_prob(torch.tensor(value)), **tol)
    for prop in ("mean", "mode", "variance", "stddev"):
        ev, tv = _outcome(lambda: getattr(e, prop)), _outcome(lambda: getattr(t, prop))
        if isinstance(tv, Exception):
            assert isinstance(ev, NotImplementedError), prop
        else:
            assert_same(ev, tv, **tol)
    ev, tv = _outcome(e.entropy), _outcome(t.entropy)
    if isinstance(tv, Exception):
        assert isinstance(ev, NotImplementedError)
    else:
        assert_same(ev, tv, **tol)
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    assert e.has_rsample == t.has_rsample
    assert repr(e.support) == repr(t.support)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("name", ["lowrank", "lowrank_batched_factor", "wishart_cov",
                                  "wishart_prec", "wishart_tril"])
def test_matrix_properties_match_torch(name):
    e, t, _, _, _ = _pair(name)
    for prop in ("scale_tril", "covariance_matrix", "precision_matrix"):
        assert_same(getattr(e, prop), getattr(t, prop), rtol=1e-10, atol=1e-12)


def test_mixture_cdf_matches_torch():
    torch = torch_or_skip()
    e, t, _, _, value = _pair("mixture")
    assert_same(e.cdf(ember.tensor(value)), t.cdf(torch.tensor(value)), rtol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_gradients_match_torch(name):
    torch = torch_or_skip()
    e, t, ea, ta, value = _pair(name, grad=True)
    out_e, out_t = e.log_prob(ember.tensor(value)), t.log_prob(torch.tensor(value))
    w = R.normal(size=tuple(out_t.shape))
    loss_e = (out_e * ember.tensor(w)).sum()
    loss_t = (out_t * torch.tensor(w)).sum()
    if not isinstance(_outcome(t.entropy), Exception):
        loss_e, loss_t = loss_e + e.entropy().sum(), loss_t + t.entropy().sum()
    names = sorted(ta)
    g_t = torch.autograd.grad(loss_t, [ta[k] for k in names], allow_unused=True)
    g_e = ember.autograd.grad(loss_e, [ea[k] for k in names], allow_unused=True)
    for k, ge, gt in zip(names, g_e, g_t):
        if gt is None:
            assert ge is None or not bool(ge.ne(0).any()), k
        else:
            np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-8, atol=1e-10,
                                       err_msg=k)


_X = ember.tensor(R.normal(size=(2, 3)))
_V = ember.tensor(_spd((2, 3, 3)))
_C = ED.LKJCholesky(3, ember.tensor(1.0, dtype=ember.float64)).sample((2,))
_Y = ember.tensor(R.normal(size=(3, 2)))

#: name -> (function of float64 tensors, their values) for gradcheck and gradgradcheck
FUNCTIONS = {
    "lowrank": (lambda loc, W, D: ED.LowRankMultivariateNormal(loc, W, D).log_prob(_X)
                + ED.LowRankMultivariateNormal(loc, W, D).entropy(),
                (R.normal(size=3), R.normal(size=(3, 2)), R.uniform(0.5, 2, 3))),
    "wishart": (lambda df, L: ED.Wishart(df, scale_tril=L.tril()).log_prob(_V)
                + ED.Wishart(df, scale_tril=L.tril()).entropy(),
                (np.array([4.0, 6.5]), _tril((3, 3)))),
    "lkj": (lambda k: ED.LKJCholesky(3, k).log_prob(_C), (np.array([0.7, 2.0]),)),
    "mixture": (lambda w, m, s: ED.MixtureSameFamily(ED.Categorical(logits=w),
                                                     ED.Normal(m, s)).log_prob(_Y),
                (R.normal(size=(2, 3)), R.normal(size=(2, 3)), R.uniform(0.5, 2, (2, 3)))),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    assert_gradchecks(*FUNCTIONS[name])


@pytest.mark.parametrize("name", ["mixture", "mixture_independent", "lowrank", "wishart_cov",
                                  "lkj"])
def test_expand_matches_torch(name):
    torch = torch_or_skip()
    e, t, _, _, value = _pair(name)
    shape = (5,) + tuple(e.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert type(ee) is type(e) and ee.batch_shape == te.batch_shape == shape
    assert ee.event_shape == te.event_shape and ee._validate_args == e._validate_args
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's Wishart warns on every draw
        assert ee.sample((2,)).shape == te.sample((2,)).shape
    v = value[:1]
    assert_same(ee.log_prob(ember.tensor(v)), te.log_prob(torch.tensor(v)), rtol=1e-10)


def _moments(samples):
    return samples.mean(0), samples.var(0)


def test_lowrank_samples_have_the_covariance():
    ember.manual_seed(0)
    d = ED.LowRankMultivariateNormal(ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64),
                                     ember.tensor([[1.0, 0.5], [0.0, -1.0], [2.0, 0.3]],
                                                  dtype=ember.float64),
                                     ember.tensor([0.5, 1.0, 0.2], dtype=ember.float64))
    s = d.sample((40000,)).numpy()
    # standard errors: mean ~ sqrt(4.6 / 40000) = 0.011; covariance entries ~ 0.03
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), atol=0.05)
    np.testing.assert_allclose(np.cov(s.T), d.covariance_matrix.numpy(), atol=0.15)


def test_wishart_samples_have_mean_and_variance():
    ember.manual_seed(1)
    d = ED.Wishart(ember.tensor(5.0, dtype=ember.float64),
                   covariance_matrix=ember.tensor([[1.0, 0.3], [0.3, 0.5]], dtype=ember.float64))
    s = d.sample((40000,))
    assert bool(ED.constraints.positive_definite.check(s).all())
    mean, var = _moments(s)
    # relative standard error of the mean ~ sqrt(2 / (5 * 40000)) = 0.3 %
    np.testing.assert_allclose(mean.numpy(), d.mean.numpy(), rtol=0.03)
    np.testing.assert_allclose(var.numpy(), d.variance.numpy(), rtol=0.08)


def test_lkj_samples_are_correlation_factors_with_the_lkj_marginal():
    ember.manual_seed(2)
    dim, eta = 4, 2.0
    s = ED.LKJCholesky(dim, ember.tensor(eta, dtype=ember.float64)).sample((20000,))
    assert bool(ED.constraints.corr_cholesky.check(s).all())
    corr = (s @ s.mT).numpy()
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, atol=1e-5)
    # each correlation r has (r + 1) / 2 ~ Beta(eta - 1 + dim / 2, same): var 1 / (2 eta + dim - 1)
    off = corr[:, np.tril_indices(dim, -1)[0], np.tril_indices(dim, -1)[1]]
    np.testing.assert_allclose(off.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose(off.var(0), 1 / (2 * eta + dim - 1), rtol=0.06)


def test_mixture_samples_have_mean_and_variance():
    ember.manual_seed(3)
    e, _ = _build("mixture_independent", "ember")
    s = e.sample((40000,))
    assert s.shape == (40000, 2, 2) and not s.requires_grad
    mean, var = _moments(s)
    np.testing.assert_allclose(mean.numpy(), e.mean.numpy(), atol=0.06)
    np.testing.assert_allclose(var.numpy(), e.variance.numpy(), rtol=0.06)


def test_rsample_is_differentiable():
    ember.manual_seed(4)
    loc, W, D = float64_leaves([0.5, -1.0], [[1.0], [2.0]], [0.5, 2.0])
    s = ED.LowRankMultivariateNormal(loc, W, D).rsample((1000,))
    g_loc, g_D = ember.autograd.grad(s.sum(), [loc, D])
    np.testing.assert_allclose(g_loc.numpy(), [1000.0, 1000.0])
    assert np.isfinite(g_D.numpy()).all()
    # Wishart: d E[sum S] / d df = sum(Sigma); the pathwise gradient estimates it
    df, L = float64_leaves(4.0, [[1.0, 0.0], [0.5, 0.8]])
    S = ED.Wishart(df, scale_tril=L).rsample((20000,))
    g_df, g_L = ember.autograd.grad(S.sum(0).sum() / 20000, [df, L])
    sigma = np.array([[1.0, 0.0], [0.5, 0.8]]) @ np.array([[1.0, 0.5], [0.0, 0.8]])
    np.testing.assert_allclose(g_df.item(), sigma.sum(), rtol=0.05)
    assert np.isfinite(g_L.numpy()).all()
    assert not ED.LKJCholesky(3).has_rsample and not ED.MixtureSameFamily(
        ED.Categorical(ember.ones(2)), ED.Normal(ember.zeros(2), ember.ones(2))).has_rsample


def test_wishart_redraws_singular_samples_with_a_warning(monkeypatch):
    d = ED.Wishart(ember.tensor(5.0, dtype=ember.float64),
                   covariance_matrix=ember.eye(2, dtype=ember.float64))
    first = ember.stack([ember.eye(2, dtype=ember.float64), ember.zeros(2, 2,
                                                                        dtype=ember.float64)])
    draws = []

    def fake_bartlett(sample_shape):
        draws.append(sample_shape)
        return first if len(draws) == 1 else 3 * ember.eye(2, dtype=ember.float64).expand(2, 2, 2)

    monkeypatch.setattr(d, "_bartlett_sampling", fake_bartlett)
    with pytest.warns(UserWarning, match="Singular sample detected."):
        s = d.rsample((2,))
    # only the singular draw is replaced, after one redraw
    np.testing.assert_array_equal(s.numpy(), [np.eye(2), 3 * np.eye(2)])
    assert len(draws) == 2
    draws.clear()
    with pytest.warns(UserWarning, match="Singular sample detected."):
        s = d.rsample((2,), max_try_correction=0)
    np.testing.assert_array_equal(s.numpy(), first.numpy())
    ember.manual_seed(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ED.Wishart(ember.tensor(6.0), ember.eye(3)).rsample((50,))


def test_wishart_low_df_warns_like_torch():
    with pytest.warns(UserWarning, match="Low df values detected"):
        ED.Wishart(2.5, ember.eye(3))


def _bad_inputs(L, D):
    eye = L.eye(3)
    return [
        lambda: D.MixtureSameFamily(D.Categorical(L.ones(4)), D.Normal(L.zeros(3, 5),
                                                                       L.ones(3, 5))),
        lambda: D.MixtureSameFamily(D.Categorical(L.ones(2, 5)), D.Normal(L.zeros(3, 5),
                                                                          L.ones(3, 5))),
        lambda: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(L.zeros(5), L.ones(5))),
        lambda: D.MixtureSameFamily(D.Categorical(L.ones(5)), 3),
        lambda: D.MixtureSameFamily(D.Categorical(L.ones(5)), D.Normal(L.zeros(3, 5),
                                                                       L.ones(3, 5)),
                                    validate_args=True).log_prob(L.tensor([0.0, 1.0])),
        lambda: D.Wishart(2, eye),
        lambda: D.Wishart(4.0, eye, scale_tril=eye),
        lambda: D.Wishart(4.0, L.ones(3)),
        lambda: D.Wishart(4.0, L.ones(3, 3), validate_args=True),
        lambda: D.Wishart(4.0, scale_tril=-eye, validate_args=True),
        lambda: D.Wishart(4.0, eye, validate_args=True).log_prob(-eye),
        lambda: D.LKJCholesky(1),
        lambda: D.LKJCholesky(3, 1.0, validate_args=True).log_prob(eye * 2),
        lambda: D.LowRankMultivariateNormal(L.zeros(()), L.ones(3, 1), L.ones(3)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.ones(3), L.ones(3)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.ones(2, 1), L.ones(3)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(2)),
        lambda: D.LowRankMultivariateNormal(L.zeros(2, 3), L.ones(3, 3, 1), L.ones(3)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(3),
                                            validate_args=True).log_prob(L.zeros(2)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(3),
                                            validate_args=True).log_prob(L.full((3,), math.nan)),
        lambda: D.LowRankMultivariateNormal(L.zeros(3), L.zeros(3, 1),
                                            L.tensor([1.0, -1.0, 1.0]), validate_args=True),
    ]


def test_bad_input_raises_like_torch():
    torch = torch_or_skip()
    for i, (fe, ft) in enumerate(zip(_bad_inputs(ember, ED), _bad_inputs(torch,
                                                                         torch.distributions))):
        assert_same_error(fe, ft, i)



def test_lkj_rejects_a_nonpositive_concentration():
    # as in torch, the internal Beta's check fires first (its parameters differ from torch's,
    # see test_lkj_samples_are_correlation_factors_with_the_lkj_marginal)
    with pytest.raises(ValueError, match=r"IndependentConstraint\(GreaterThan\(lower_bound=0.0\), "
                                         r"1\), but found invalid values"):
        ED.LKJCholesky(3, -1.0, validate_args=True)


def _normals(lib, kind, seed, grad=False):
    """A batched LowRankMultivariateNormal ("lr") or MultivariateNormal ("mvn") over R^3."""
    r = np.random.default_rng(seed)
    t = lambda a: lib.tensor(a, requires_grad=grad)  # noqa: E731
    D = lib.distributions
    if kind == "lr":
        return D.LowRankMultivariateNormal(t(r.normal(size=(2, 3))), t(r.normal(size=(3, 2))),
                                           t(r.uniform(0.5, 2, (2, 1, 3))))
    return D.MultivariateNormal(t(r.normal(size=(3,))), scale_tril=t(_tril((2, 1, 3, 3), r)))


@pytest.mark.parametrize("kinds", [("lr", "lr"), ("mvn", "lr"), ("lr", "mvn")])
def test_kl_matches_torch_and_the_full_covariance_form(kinds):
    torch = torch_or_skip()
    pe, qe = _normals(ember, kinds[0], 1, True), _normals(ember, kinds[1], 2, True)
    pt, qt = _normals(torch, kinds[0], 1, True), _normals(torch, kinds[1], 2, True)
    ke, kt = ED.kl_divergence(pe, qe), torch.distributions.kl_divergence(pt, qt)
    assert_same(ke, kt, rtol=1e-10)
    w = R.normal(size=tuple(kt.shape))
    ge = ember.autograd.grad((ke * ember.tensor(w)).sum(), [pe.loc, qe.loc])
    gt = torch.autograd.grad((kt * torch.tensor(w)).sum(), [pt.loc, qt.loc])
    for a, b in zip(ge, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-12)
    # the same pair as full-covariance normals gives the same divergence
    full = [ED.MultivariateNormal(d.loc, d.covariance_matrix) for d in (pe, qe)]
    np.testing.assert_allclose(ke.detach().numpy(), ED.kl_divergence(*full).detach().numpy(),
                               rtol=1e-9)
    np.testing.assert_allclose(ED.kl_divergence(pe, pe).detach().numpy(), 0.0, atol=1e-12)


def test_kl_event_shape_mismatch_raises_like_torch():
    torch = torch_or_skip()
    for lib in (ember, torch):
        D = lib.distributions
        lr = [D.LowRankMultivariateNormal(lib.zeros(n), lib.ones(n, 1), lib.ones(n))
              for n in (2, 3)]
        mvn = D.MultivariateNormal(lib.zeros(3), lib.eye(3))
        msgs = []
        for p, q in ((lr[0], lr[1]), (lr[0], mvn), (mvn, lr[0])):
            with pytest.raises(ValueError) as info:
                D.kl_divergence(p, q)
            msgs.append(str(info.value))
        if lib is ember:
            ember_msgs = msgs
    assert ember_msgs == msgs


def test_wishart_kl_matches_torch_and_the_closed_form():
    # torch dispatches Wishart pairs to the exponential-family (Bregman) form
    torch = torch_or_skip()
    V1, V2, n1, n2, p = _spd((3, 3)), _spd((3, 3)), 4.0, 6.5, 3
    f64 = dict(dtype=ember.float64)
    ke = ED.kl_divergence(ED.Wishart(ember.tensor(n1, **f64), ember.tensor(V1)),
                          ED.Wishart(ember.tensor(n2, **f64), ember.tensor(V2)))
    kt = torch.distributions.kl_divergence(
        torch.distributions.Wishart(torch.tensor(n1, dtype=torch.float64), torch.tensor(V1)),
        torch.distributions.Wishart(torch.tensor(n2, dtype=torch.float64), torch.tensor(V2)))
    assert_same(ke, kt, rtol=1e-9)
    M = np.linalg.solve(V2, V1)
    mvlgamma = lambda a: sum(math.lgamma(a - i / 2) for i in range(p))  # noqa: E731
    mvdigamma = sum(ember.special.digamma(ember.tensor(n1 / 2 - i / 2, **f64)).item()
                    for i in range(p))
    closed = (-(n2 / 2) * np.linalg.slogdet(M)[1] + (n1 / 2) * (np.trace(M) - p)
              + mvlgamma(n2 / 2) - mvlgamma(n1 / 2) + (n1 - n2) / 2 * mvdigamma)
    np.testing.assert_allclose(ke.item(), closed, rtol=1e-10)
