"""Cauchy, HalfCauchy, HalfNormal, Gumbel, Weibull, Pareto, Kumaraswamy, InverseGamma and
LogisticNormal against torch.distributions: values, moments, shapes, sampling, gradients and
validation."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import (PROPERTIES, assert_errors_match_torch, assert_gradchecks,
                          assert_grads_match_torch, assert_moments_match_torch, assert_same,
                          same_outcome, spec_pair, to_lib, torch_or_skip)


def _pos(r, shape, lo=0.5, hi=3.0):
    return r.uniform(lo, hi, shape)


#: name -> (parameters from a Generator (broadcast shapes), values to score from a Generator)
CASES = {
    "Cauchy": (lambda r: dict(loc=r.normal(size=(3,)), scale=_pos(r, (2, 1))),
               lambda r: 3 * r.normal(size=(4, 2, 3))),
    "HalfCauchy": (lambda r: dict(scale=_pos(r, (2, 3))), lambda r: _pos(r, (4, 2, 3), 0, 5)),
    "HalfNormal": (lambda r: dict(scale=_pos(r, (2, 3))), lambda r: _pos(r, (4, 2, 3), 0, 5)),
    "Gumbel": (lambda r: dict(loc=r.normal(size=(2, 3)), scale=_pos(r, (3,))),
               lambda r: r.normal(size=(4, 2, 3))),
    "Weibull": (lambda r: dict(scale=_pos(r, (2, 1)), concentration=_pos(r, (3,), 0.6, 4)),
                lambda r: _pos(r, (4, 2, 3), 0.05, 4)),
    "Pareto": (lambda r: dict(scale=np.array([0.5, 1.0, 2.0]), alpha=_pos(r, (2, 3), 0.5, 5)),
               lambda r: _pos(r, (4, 2, 3), 2.0, 9.0)),
    "Kumaraswamy": (lambda r: dict(concentration1=_pos(r, (2, 3), 0.4, 4),
                                   concentration0=_pos(r, (3,), 0.4, 4)),
                    lambda r: _pos(r, (4, 2, 3), 0.02, 0.98)),
    "InverseGamma": (lambda r: dict(concentration=_pos(r, (3,), 0.5, 5), rate=_pos(r, (2, 3))),
                     lambda r: _pos(r, (4, 2, 3), 0.05, 5)),
    "LogisticNormal": (lambda r: dict(loc=r.normal(size=(2, 3)), scale=_pos(r, (3,))),
                       lambda r: r.dirichlet(np.ones(4), (5, 2))),
    "GumbelScalar": (lambda r: dict(loc=0.5, scale=2.0), lambda r: r.normal(size=(4,))),
    "LogisticNormal1": (lambda r: dict(loc=0.3, scale=1.5), lambda r: r.dirichlet([1, 2], 3)),
}
ALL = sorted(CASES)
#: cases with Python-number parameters: those are float32 (the default dtype), and torch's
#: float32 log is not always correctly rounded, so these compare to float32 precision
NUMBER_CASES = ("GumbelScalar", "LogisticNormal1")
pair = functools.partial(spec_pair, table=CASES)


def _tol(case, dtype=np.float64):
    if dtype == np.float32 or case in NUMBER_CASES:
        return dict(rtol=2e-5, atol=2e-5)
    return dict(rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_prob_matches_torch(case, dtype):
    e, t, value, _, _ = pair(case, dtype=dtype)
    assert_same(e.log_prob(to_lib("ember", value, dtype)),
                t.log_prob(to_lib("torch", value, dtype)), **_tol(case, dtype))


@pytest.mark.parametrize("case", ALL)
def test_moments_entropy_and_shapes_match_torch(case):
    e, t, _, _, _ = pair(case)
    assert_moments_match_torch(e, t)
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    assert e.has_rsample == t.has_rsample
    assert repr(e) == repr(t)
    assert repr(e.support) == repr(t.support)
    assert list(e.arg_constraints) == list(t.arg_constraints)
    if hasattr(t, "base_dist"):
        assert type(e.base_dist).__name__ == type(t.base_dist).__name__
        assert [type(x).__name__ for x in e.transforms] == [type(x).__name__
                                                             for x in t.transforms]


@pytest.mark.parametrize("case", ALL)
def test_cdf_and_icdf_match_torch(case):
    e, t, value, _, _ = pair(case)
    same_outcome(lambda: e.cdf(to_lib("ember", value)), lambda: t.cdf(to_lib("torch", value)),
                 rtol=1e-9, atol=1e-12)
    q = np.random.default_rng(1).uniform(0.01, 0.99, (5,) + tuple(e.batch_shape))
    same_outcome(lambda: e.icdf(to_lib("ember", q)), lambda: t.icdf(to_lib("torch", q)),
                 rtol=1e-9, atol=1e-12)


def test_half_distributions_outside_the_support():
    torch = torch_or_skip()
    v = [-1.0, 0.0, 2.0]
    for name in ("HalfNormal", "HalfCauchy"):
        e = getattr(ED, name)(ember.tensor(1.5), validate_args=False)
        t = getattr(torch.distributions, name)(torch.tensor(1.5), validate_args=False)
        assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)), rtol=1e-12)
        assert_same(e.cdf(ember.tensor(v)), t.cdf(torch.tensor(v)), rtol=1e-12)


def test_kumaraswamy_mode_and_pareto_moments_at_the_edges():
    torch = torch_or_skip()
    a, b = [0.5, 2.0, 3.0, 1.0], [2.0, 0.7, 4.0, 1.0]
    for lib, mod in ((ember, ED), (torch, torch.distributions)):
        d = mod.Kumaraswamy(lib.tensor(a), lib.tensor(b))
        p = mod.Pareto(lib.tensor(1.0), lib.tensor([0.5, 1.0, 1.5, 2.0, 3.0]))
        g = mod.InverseGamma(lib.tensor([0.5, 1.5, 3.0]), lib.tensor(2.0))
        w = mod.Weibull(lib.tensor(1.0), lib.tensor([0.5, 1.0, 2.0]))
        out = [x.numpy() for x in (d.mode, p.mean, p.variance, g.mean, g.variance, w.mode)]
        if lib is ember:
            mine = out
    for m, t in zip(mine, out):
        np.testing.assert_allclose(m, t, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("case", ALL)
def test_expand_matches_torch(case):
    e, t, value, _, _ = pair(case)
    shape = (4,) + tuple(e.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert type(ee) is type(e)
    assert ee.batch_shape == te.batch_shape == shape and ee.event_shape == te.event_shape
    assert ee._validate_args == e._validate_args
    ember.manual_seed(0)
    assert ee.sample((2,)).shape == te.sample((2,)).shape
    v = value[:4] if case != "LogisticNormal1" else value[:1]
    assert_same(ee.log_prob(to_lib("ember", v)), te.log_prob(to_lib("torch", v)), **_tol(case))
    for name in PROPERTIES:
        same_outcome(lambda: getattr(ee, name), lambda: getattr(te, name), rtol=1e-10)


@pytest.mark.parametrize("case", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sample_shape_dtype_support_and_seed(case, dtype):
    e, t, _, _, _ = pair(case, dtype=dtype)
    ember.manual_seed(3)
    s = e.sample((5, 2))
    ts = t.sample((5, 2))
    assert s.shape == ts.shape and s.dtype.name == str(ts.dtype).replace("torch.", "")
    assert not s.requires_grad and bool(e.support.check(s).all())
    r = e.rsample((3,))
    assert r.shape == (3,) + e.batch_shape + e.event_shape and bool(e.support.check(r).all())
    ember.manual_seed(3)
    np.testing.assert_array_equal(e.sample((5, 2)).numpy(), s.numpy())


N = 20000
#: name -> (kwargs of a scalar distribution, whether its mean and variance are finite)
SCALAR = {
    "Cauchy": (dict(loc=0.5, scale=2.0), False), "HalfCauchy": (dict(scale=1.5), False),
    "HalfNormal": (dict(scale=1.5), True), "Gumbel": (dict(loc=-0.5, scale=2.0), True),
    "Weibull": (dict(scale=2.0, concentration=1.7), True),
    "Pareto": (dict(scale=1.5, alpha=6.0), True),
    "Kumaraswamy": (dict(concentration1=0.8, concentration0=2.5), True),
    "InverseGamma": (dict(concentration=6.0, rate=2.0), True),
}


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_samples_follow_the_distribution(name):
    kwargs, finite = SCALAR[name]
    d = getattr(ED, name)(**{k: ember.tensor(v, dtype=ember.float64) for k, v in kwargs.items()})
    ember.manual_seed(2024)
    x = np.sort(d.sample((N,)).numpy())
    # Kolmogorov-Smirnov distance to the exact CDF (1.95 / sqrt(N) is the 0.1% level)
    cdf = d.cdf(ember.tensor(x)).numpy()
    ks = max(np.max(np.arange(1, N + 1) / N - cdf), np.max(cdf - np.arange(N) / N))
    assert ks < 1.95 / math.sqrt(N)
    if finite:
        mean, var = float(d.mean), float(d.variance)
        assert abs(x.mean() - mean) < 5 * math.sqrt(var / N)
        np.testing.assert_allclose(x.var(), var, rtol=0.15)


def test_logistic_normal_samples_follow_the_normal_underneath():
    loc = ember.tensor([0.5, -1.0, 0.0], dtype=ember.float64)
    scale = ember.tensor([1.0, 0.5, 2.0], dtype=ember.float64)
    d = ED.LogisticNormal(loc, scale)
    assert d.transforms == [ED.StickBreakingTransform()]
    ember.manual_seed(7)
    y = d.sample((N,))
    np.testing.assert_allclose(y.sum(-1).numpy(), 1.0, rtol=1e-12)
    x = d.transforms[0].inv(y).numpy()
    assert np.all(np.abs(x.mean(0) - loc.numpy()) < 5 * scale.numpy() / math.sqrt(N))
    np.testing.assert_allclose(x.std(0), scale.numpy(), rtol=0.05)


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_rsample_gradient_is_the_implicit_derivative(name):
    # a reparameterised draw x(theta) keeps F(x; theta) fixed: dx/dtheta = -dF/dtheta / p(x)
    kwargs, _ = SCALAR[name]
    params = {k: ember.tensor([v, 1.3 * v], dtype=ember.float64, requires_grad=True)
              for k, v in kwargs.items()}
    if name == "InverseGamma":  # the gamma CDF has no derivative in the concentration
        params["concentration"].requires_grad_(False)
    d = getattr(ED, name)(**params)
    ember.manual_seed(1)
    x = d.rsample((4,))
    leaves = [p for p in params.values() if p.requires_grad]
    # Weibull's parameters share a node built at construction: keep the graph
    pathwise = ember.autograd.grad(x.sum(), leaves, retain_graph=True)
    x0 = x.detach()
    density = d.log_prob(x0).exp().detach()
    for leaf, g in zip(leaves, pathwise):
        implicit = ember.autograd.grad((-d.cdf(x0) / density).sum(), leaf, retain_graph=True)[0]
        np.testing.assert_allclose(g.numpy(), implicit.numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("case", [c for c in ALL if c[-1] not in "1r"])
def test_log_prob_and_entropy_gradients_match_torch(case):
    torch = torch_or_skip()
    e, t, value, e_args, t_args = pair(case, requires_grad=True)
    w = np.random.default_rng(9).normal(size=t.log_prob(to_lib("torch", value)).shape)
    e_out = (e.log_prob(to_lib("ember", value)) * ember.tensor(w)).sum()
    t_out = (t.log_prob(to_lib("torch", value)) * torch.tensor(w)).sum()
    if case != "LogisticNormal":
        e_out, t_out = e_out + e.entropy().sum(), t_out + t.entropy().sum()
    assert_grads_match_torch(e_out, t_out, e_args, t_args)


def _v(*values):
    return ember.tensor(np.asarray(values, dtype=np.float64))


#: function of float64 tensors, and their values: checked by gradcheck and gradgradcheck
FUNCTIONS = {
    "cauchy": (lambda m, s: ED.Cauchy(m, s).log_prob(_v(0.3, -1.0)) + ED.Cauchy(m, s).cdf(
        _v(0.2, 1.0)) + ED.Cauchy(m, s).icdf(_v(0.1, 0.7)), ([0.1, 0.5], [0.7, 1.5])),
    "half_cauchy": (lambda s: ED.HalfCauchy(s).log_prob(_v(0.3, 2.0)) + ED.HalfCauchy(s).cdf(
        _v(0.2, 1.0)) + ED.HalfCauchy(s).entropy(), ([0.7, 1.5],)),
    "half_normal": (lambda s: ED.HalfNormal(s).log_prob(_v(0.3, 2.0)) + ED.HalfNormal(s).icdf(
        _v(0.2, 0.9)), ([0.7, 1.5],)),
    "gumbel": (lambda m, s: ED.Gumbel(m, s).log_prob(_v(0.3, -1.0)) + ED.Gumbel(m, s).cdf(
        _v(0.2, 1.0)) + ED.Gumbel(m, s).icdf(_v(0.3, 0.6)), ([0.1, 0.5], [0.7, 1.5])),
    "weibull": (lambda s, k: ED.Weibull(s, k).log_prob(_v(0.3, 2.0)) + ED.Weibull(s, k).mean
                + ED.Weibull(s, k).entropy(), ([0.7, 1.5], [0.8, 2.5])),
    "pareto": (lambda s, a: ED.Pareto(s, a).log_prob(_v(2.3, 3.0)) + ED.Pareto(s, a).variance
               + ED.Pareto(s, a).cdf(_v(2.5, 2.0)), ([0.7, 1.5], [2.8, 3.5])),
    "kumaraswamy": (lambda a, b: ED.Kumaraswamy(a, b).log_prob(_v(0.3, 0.8))
                    + ED.Kumaraswamy(a, b).variance + ED.Kumaraswamy(a, b).entropy(),
                    ([0.7, 1.5], [0.8, 2.5])),
    "inverse_gamma": (lambda c, r: ED.InverseGamma(c, r).log_prob(_v(0.3, 2.0))
                      + ED.InverseGamma(c, r).entropy(), ([0.7, 2.5], [0.8, 1.5])),
    "logistic_normal": (lambda m, s: ED.LogisticNormal(m, s).log_prob(_v(0.2, 0.3, 0.5)),
                        ([0.1, -0.5], [0.7, 1.5])),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    assert_gradchecks(*FUNCTIONS[name])


NAN = float("nan")
#: (name, fn(lib, distributions module)): each must raise exactly as torch does
BAD = [
    ("cauchy scale", lambda L, D: D.Cauchy(0.0, -1.0)),
    ("cauchy nan loc", lambda L, D: D.Cauchy(L.tensor([NAN]), L.tensor([1.0]))),
    ("half cauchy scale", lambda L, D: D.HalfCauchy(L.tensor([1.0, 0.0]))),
    ("half normal scale", lambda L, D: D.HalfNormal(L.tensor([-1.0]))),
    ("half normal value", lambda L, D: D.HalfNormal(L.tensor([1.0])).log_prob(L.tensor([-1.0]))),
    ("half cauchy value", lambda L, D: D.HalfCauchy(L.tensor(1.0)).cdf(L.tensor([-1.0]))),
    ("gumbel scale", lambda L, D: D.Gumbel(L.tensor([0.0]), L.tensor([-2.0]))),
    ("weibull concentration", lambda L, D: D.Weibull(L.tensor([1.0]), L.tensor([0.0]))),
    ("weibull value", lambda L, D: D.Weibull(1.0, 2.0).log_prob(L.tensor([0.0]))),
    ("pareto alpha", lambda L, D: D.Pareto(L.tensor([1.0]), L.tensor([-1.0]))),
    ("pareto below scale", lambda L, D: D.Pareto(L.tensor([2.0]), L.tensor([1.0])).log_prob(
        L.tensor([1.5]))),
    ("kumaraswamy concentration", lambda L, D: D.Kumaraswamy(L.tensor([-1.0]), L.tensor([1.0]))),
    ("kumaraswamy value", lambda L, D: D.Kumaraswamy(L.tensor([1.0]), L.tensor([1.0])).log_prob(
        L.tensor([1.5]))),
    ("inverse gamma rate", lambda L, D: D.InverseGamma(L.tensor([1.0]), L.tensor([-1.0]))),
    ("inverse gamma value", lambda L, D: D.InverseGamma(L.tensor(1.0), L.tensor(1.0)).log_prob(
        L.tensor(-1.0))),
    ("logistic normal scale", lambda L, D: D.LogisticNormal(L.zeros(2), L.tensor([1.0, -1.0]))),
    ("logistic normal off simplex", lambda L, D: D.LogisticNormal(L.zeros(2), L.ones(2))
     .log_prob(L.tensor([0.5, 0.5, 0.5]))),
    ("logistic normal event shape", lambda L, D: D.LogisticNormal(L.zeros(2), L.ones(2))
     .log_prob(L.tensor([0.5, 0.5]))),
    ("cauchy batch shape", lambda L, D: D.Cauchy(L.zeros(3), L.ones(3)).log_prob(L.zeros(2))),
    ("gumbel number value", lambda L, D: D.Gumbel(0.0, 1.0).log_prob(1.0)),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_errors_match_torch(case):
    assert_errors_match_torch(case[1])


def test_validate_args_false_and_custom_init_expand():
    d = ED.Pareto(ember.tensor([1.0]), ember.tensor([-1.0]), validate_args=False)
    assert not d._validate_args and not d.expand((3, 1))._validate_args

    class MyWeibull(ED.Weibull):
        def __init__(self, scale):
            super().__init__(scale, 2.0)

    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        MyWeibull(ember.ones(2)).expand((3, 2))
