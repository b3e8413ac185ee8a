"""StudentT, Chi2, FisherSnedecor, Geometric, NegativeBinomial, ContinuousBernoulli, VonMises
and GeneralizedPareto: values and gradients against torch, sampling statistics and
validation errors (their KL divergences are in test_dist_kl_bernoulli_geometric.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import (PROPERTIES, assert_errors_match_torch, assert_gradchecks,
                          assert_grads_match_torch, assert_moments_match_torch, assert_same, make,
                          make_pair, same_outcome, to_lib, torch_or_skip)

R = np.random.default_rng(3)
POS = R.uniform(0.5, 3.0, (3, 1))


def _counts(shape, hi=6):
    return R.integers(0, hi, shape).astype(np.float64)


#: name -> (class, parameters with broadcasting batch shapes, values to score)
SPECS = {
    "StudentT": ("StudentT", dict(df=np.array([[0.7], [1.5], [2.0], [6.0]]),
                                  loc=R.normal(size=3), scale=R.uniform(0.5, 2.0, 3)),
                 R.normal(size=(2, 4, 3)) * 2),
    "Chi2": ("Chi2", dict(df=R.uniform(0.5, 6.0, (2, 3))), R.uniform(0.05, 6.0, (4, 2, 3))),
    "FisherSnedecor": ("FisherSnedecor", dict(df1=np.array([[1.0], [2.5], [7.0]]),
                                              df2=np.array([1.5, 3.0, 4.5, 9.0])),
                       R.uniform(0.05, 5.0, (2, 3, 4))),
    "Geometric": ("Geometric", dict(probs=np.array([0.2, 0.5, 0.93, 1.0])),
                  np.array([[0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 5.0, 1.0]])),
    "GeometricLogits": ("Geometric", dict(logits=R.normal(size=(2, 3)) * 2), _counts((4, 2, 3))),
    "NegativeBinomial": ("NegativeBinomial", dict(total_count=POS, probs=R.uniform(0, 0.9, 4)),
                         _counts((2, 3, 4))),
    "NegativeBinomialLogits": ("NegativeBinomial",
                               dict(total_count=np.array([0.0, 1.0, 2.5, 6.0]),
                                    logits=R.normal(size=(2, 1))), _counts((3, 2, 4))),
    "ContinuousBernoulli": ("ContinuousBernoulli",
                            dict(probs=np.array([0.02, 0.3, 0.4995, 0.5, 0.5008, 0.8, 0.999])),
                            R.uniform(0.0, 1.0, (3, 7))),
    "ContinuousBernoulliLogits": ("ContinuousBernoulli", dict(logits=R.normal(size=(2, 3)) * 3),
                                  R.uniform(0.0, 1.0, (4, 2, 3))),
    "VonMises": ("VonMises", dict(loc=R.normal(size=(2, 1)),
                                  concentration=np.array([0.05, 1.0, 3.7, 3.8, 25.0])),
                 R.normal(size=(3, 2, 5)) * 4),
}
ALL = sorted(SPECS)


def _pair(spec, dtype=np.float64, requires_grad=False):
    name, kwargs, value = SPECS[spec]
    e, t, e_args, t_args = make_pair(name, kwargs, dtype, requires_grad)
    return e, t, value, e_args, t_args


@pytest.mark.parametrize("spec", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_prob_matches_torch(spec, dtype):
    e, t, value, _, _ = _pair(spec, dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert_same(e.log_prob(to_lib("ember", value, dtype)),
                t.log_prob(to_lib("torch", value, dtype)), **tol)


@pytest.mark.parametrize("spec", ALL)
def test_moments_entropy_cdf_icdf_match_torch(spec):
    e, t, value, _, _ = _pair(spec)
    assert_moments_match_torch(e, t)
    q = R.uniform(0.01, 0.99, value.shape)
    for method, arg in (("cdf", value), ("icdf", q)):
        same_outcome(lambda: getattr(e, method)(to_lib("ember", arg)),
                     lambda: getattr(t, method)(to_lib("torch", arg)), rtol=1e-10, atol=1e-12)
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    assert e.has_rsample == t.has_rsample
    assert e.has_enumerate_support == t.has_enumerate_support
    assert repr(e) == repr(t)
    assert repr(e.support) == repr(t.support)
    assert repr(e.arg_constraints) == repr(t.arg_constraints)


@pytest.mark.parametrize("spec", ALL)
def test_log_prob_and_entropy_gradients_match_torch(spec):
    torch = torch_or_skip()
    e, t, value, e_args, t_args = _pair(spec, requires_grad=True)
    w = R.normal(size=np.broadcast_shapes(value.shape, tuple(e.batch_shape)))
    outs = []
    for lib, d in ((ember, e), (torch, t)):
        out = (d.log_prob(to_lib(lib.__name__, value)) * to_lib(lib.__name__, w)).sum()
        try:
            out = out + d.entropy().sum()
        except NotImplementedError:
            pass
        outs.append(out)
    assert_grads_match_torch(*outs, e_args, t_args)


@pytest.mark.parametrize("spec", ALL)
def test_expand_and_sample_shapes(spec):
    e, t, _, _, _ = _pair(spec)
    shape = (2,) + tuple(e.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert type(ee) is type(e) and ee.batch_shape == te.batch_shape == shape
    assert ee._validate_args == e._validate_args
    assert_same(ee.mean, te.mean, rtol=1e-12)
    ember.manual_seed(0)
    for d in (e, ee):
        s = d.sample((3,))
        assert s.shape == (3,) + tuple(d.batch_shape) and s.dtype == ember.float64
        assert not s.requires_grad and bool(d.support.check(s).all())
    assert str(t.sample((3,)).dtype) == repr(e.sample((3,)).dtype)


def _v(*values):
    return ember.tensor(list(values), dtype=ember.float64)


FUNCTIONS = {
    "studentT": (lambda df, m, s: ED.StudentT(df, m, s).log_prob(_v(0.3, -2.0, 4.0))
                 + ED.StudentT(df, m, s).entropy(), ([0.8, 2.5, 9.0], [0.1, 0.5, -1.0],
                                                     [0.7, 1.5, 2.0])),
    "chi2": (lambda df: ED.Chi2(df).log_prob(_v(0.3, 1.0, 5.0)) + ED.Chi2(df).entropy(),
             ([0.8, 2.5, 9.0],)),
    "fisher": (lambda a, b: ED.FisherSnedecor(a, b).log_prob(_v(0.3, 1.0, 5.0)),
               ([0.8, 2.5, 9.0], [1.5, 3.0, 12.0])),
    "geometric": (lambda p: ED.Geometric(p).log_prob(_v(0.0, 2.0, 7.0))
                  + ED.Geometric(p).entropy(), ([0.2, 0.5, 0.9],)),
    "negative_binomial": (lambda n, z: ED.NegativeBinomial(n, logits=z).log_prob(
        _v(0.0, 2.0, 7.0)), ([0.5, 2.0, 6.0], [0.3, -1.0, 1.5])),
    "continuous_bernoulli": (lambda p, x: ED.ContinuousBernoulli(p).log_prob(x)
                             + ED.ContinuousBernoulli(p).entropy()
                             + ED.ContinuousBernoulli(p).cdf(x) + ED.ContinuousBernoulli(p)
                             .icdf(x), ([0.2, 0.45, 0.9], [0.3, 0.6, 0.8])),
    "von_mises": (lambda m, k: ED.VonMises(m, k).log_prob(_v(0.3, -2.0, 4.0))
                  + ED.VonMises(m, k).variance, ([0.1, 0.5, -1.0], [0.7, 3.0, 8.0])),
    "generalized_pareto": (lambda m, s, c, q: ED.GeneralizedPareto(m, s, c).log_prob(
        _v(0.3, 1.0, 4.0)) + ED.GeneralizedPareto(m, s, c).cdf(_v(0.3, 1.0, 4.0))
        + ED.GeneralizedPareto(m, s, c).icdf(q) + ED.GeneralizedPareto(m, s, c).mean,
        ([0.1, 0.0, -1.0], [0.7, 1.5, 2.0], [0.3, -0.2, 0.6], [0.2, 0.5, 0.9])),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    assert_gradchecks(*FUNCTIONS[name])


# ---- sampling ----
N = 40000

#: (name, parameters): families whose mean and variance are finite here
MOMENTS = [
    ("StudentT", dict(df=[5.0, 9.0], loc=[0.5, -1.0], scale=[1.0, 2.0])),
    ("Chi2", dict(df=[0.7, 4.0])),
    ("FisherSnedecor", dict(df1=[3.0, 10.0], df2=[12.0, 20.0])),
    ("Geometric", dict(probs=[0.15, 0.6, 1.0])),
    ("Geometric", dict(logits=[-1.0, 2.0])),
    ("NegativeBinomial", dict(total_count=[0.0, 2.5, 10.0], probs=[0.3, 0.6, 0.2])),
    ("ContinuousBernoulli", dict(probs=[0.1, 0.5, 0.8])),
    ("GeneralizedPareto", dict(loc=[0.0, 1.0, -1.0], scale=[1.0, 2.0, 0.5],
                               concentration=[0.0, 0.15, -0.5])),
]


@pytest.mark.parametrize("case", MOMENTS, ids=[c[0] for c in MOMENTS])
def test_sample_moments(case):
    name, kwargs = case
    d, _ = make("ember", name, {k: np.array(v) for k, v in kwargs.items()})
    ember.manual_seed(2024)
    x = d.sample((N,)).numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    assert bool(d.support.check(ember.tensor(x)).all())
    # the mean within 5 standard errors, the variance within 10% (seeded, loose)
    np.testing.assert_array_less(np.abs(x.mean(0) - mean), 5 * np.sqrt(var / N) + 1e-12)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-12)


@pytest.mark.parametrize("name", ["Geometric", "NegativeBinomial"])
def test_discrete_sample_frequencies_follow_the_pmf(name):
    if name == "Geometric":
        d = ED.Geometric(ember.tensor([0.35], dtype=ember.float64))
    else:
        d = ED.NegativeBinomial(ember.tensor([2.5], dtype=ember.float64),
                                ember.tensor([0.4], dtype=ember.float64))
    ember.manual_seed(7)
    x = d.sample((N,)).numpy()[:, 0].astype(np.int64)
    freq = np.bincount(x, minlength=12)[:12] / N
    pmf = d.log_prob(ember.arange(12, dtype=ember.float64).unsqueeze(-1)).exp().numpy()[:, 0]
    np.testing.assert_array_less(np.abs(freq - pmf), 4 * np.sqrt(pmf * (1 - pmf) / N) + 1e-4)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_von_mises_samples(dtype):
    loc = ember.tensor([2.5, -3.0, 0.0, 1.0], dtype=dtype)
    k = ember.tensor([1e-6, 0.5, 4.0, 60.0], dtype=dtype)
    d = ED.VonMises(loc, k)
    ember.manual_seed(1)
    x = d.sample((N,))
    assert x.shape == (N, 4) and x.dtype == dtype and not x.requires_grad
    x = x.double().numpy()
    assert (x >= -math.pi).all() and (x < math.pi).all()
    # E[cos(x - loc)] = I1(k) / I0(k) = 1 - circular variance, and E[sin(x - loc)] = 0
    c, s = np.cos(x - loc.double().numpy()), np.sin(x - loc.double().numpy())
    se = np.sqrt(0.5 / N)
    np.testing.assert_allclose(c.mean(0), 1 - d.variance.double().numpy(), atol=5 * se)
    np.testing.assert_allclose(s.mean(0), 0.0, atol=5 * se)
    # a histogram against the density, for the moderate concentration
    hist, edges = np.histogram(x[:, 2], bins=24, range=(-math.pi, math.pi))
    mid = ember.tensor((edges[:-1] + edges[1:]) / 2)
    p = ED.VonMises(0.0, 4.0).log_prob(mid.float()).exp().double().numpy() * np.diff(edges)
    np.testing.assert_array_less(np.abs(hist / N - p), 4 * np.sqrt(p / N) + 2e-3)


def test_von_mises_sampling_is_seeded_and_expands():
    d = ED.VonMises(ember.tensor([0.3]), ember.tensor([2.0]))
    ember.manual_seed(5)
    a = d.sample((100,))
    ember.manual_seed(5)
    np.testing.assert_array_equal(a.numpy(), d.sample((100,)).numpy())
    e = d.expand((3, 1))
    assert e.batch_shape == (3, 1) and e.sample((2,)).shape == (2, 3, 1)
    with pytest.raises(NotImplementedError):
        d.rsample()


def _pathwise(d, param, sample_shape=(N,)):
    """The average pathwise derivative of the draws w.r.t. ``param`` (estimates dE[x])."""
    ember.manual_seed(11)
    x = d.rsample(sample_shape)
    assert x.requires_grad
    (g,) = ember.autograd.grad(x.mean(0).sum(), param)
    return g.numpy()


def test_rsample_gradients_estimate_the_derivative_of_the_mean():
    f64 = dict(dtype=ember.float64, requires_grad=True)
    loc, scale = ember.tensor([0.5, -1.0], **f64), ember.tensor([1.0, 2.0], **f64)
    np.testing.assert_allclose(_pathwise(ED.StudentT(6.0, loc, scale), loc), [1, 1])
    np.testing.assert_allclose(_pathwise(ED.StudentT(6.0, loc, scale), scale), 0, atol=0.03)
    df = ember.tensor([0.7, 4.0], **f64)
    np.testing.assert_allclose(_pathwise(ED.Chi2(df), df), [1, 1], rtol=0.03)
    df1, df2 = ember.tensor([3.0], **f64), ember.tensor([12.0], **f64)
    np.testing.assert_allclose(_pathwise(ED.FisherSnedecor(df1, df2), df2), [-2 / 100],
                               rtol=0.1)
    np.testing.assert_allclose(_pathwise(ED.FisherSnedecor(df1, df2), df1), 0, atol=2e-3)
    probs = ember.tensor([0.1, 0.3, 0.8], **f64)
    (exact,) = ember.autograd.grad(ED.ContinuousBernoulli(probs).mean.sum(), probs)
    np.testing.assert_allclose(_pathwise(ED.ContinuousBernoulli(probs), probs),
                               exact.numpy(), rtol=0.03)
    c = ember.tensor([0.0, 0.2, -0.5], **f64)
    gp = ED.GeneralizedPareto(ember.zeros(3, dtype=ember.float64), ember.ones(3, **f64), c)
    np.testing.assert_allclose(_pathwise(gp, gp.scale), 1 / (1 - c.detach().numpy()),
                               rtol=0.05)
    # at exactly 0 the exponential branch is used, which has no concentration gradient
    # (PyTorch's too); elsewhere dE[x]/dc = scale / (1 - c)^2
    g = _pathwise(gp, c)
    assert g[0] == 0
    np.testing.assert_allclose(g[1:], 1 / (1 - c.detach().numpy()[1:]) ** 2, rtol=0.1)


# ---- GeneralizedPareto (torch 2.13's scores fail in float64: compared in float32) ----
GP = dict(loc=np.array([0.0, 0.5, -1.0, 0.2, 0.0]), scale=np.array([1.0, 2.0, 0.5, 1.5, 1.0]),
          concentration=np.array([0.0, 0.3, -0.4, 1e-9, 1.2]))


def test_generalized_pareto_matches_torch_in_float32():
    e, _ = make("ember", "GeneralizedPareto", GP, np.float32)
    t, _ = make("torch", "GeneralizedPareto", GP, np.float32)
    upper = np.where(GP["concentration"] < 0, GP["loc"] - GP["scale"] / GP["concentration"],
                     GP["loc"] + 5 * GP["scale"])
    x = GP["loc"] + R.uniform(0.0, 1.0, (3, 5)) * (upper - GP["loc"])
    for m in ("log_prob", "cdf", "log_survival_function"):
        assert_same(getattr(e, m)(to_lib("ember", x, np.float32)),
                    getattr(t, m)(to_lib("torch", x, np.float32)), rtol=2e-6, atol=1e-6)
    q = R.uniform(0.0, 1.0, (3, 5))
    assert_same(e.icdf(to_lib("ember", q, np.float32)), t.icdf(to_lib("torch", q, np.float32)),
                rtol=2e-6, atol=1e-6)
    for name in PROPERTIES:
        assert_same(getattr(e, name), getattr(t, name), rtol=1e-6)
    assert_same(e.entropy(), t.entropy(), rtol=1e-6)
    assert repr(e) == repr(t) and repr(e.support) == repr(t.support)
    assert repr(e.arg_constraints) == repr(t.arg_constraints)
    assert e.expand((2, 5)).batch_shape == t.expand((2, 5)).batch_shape


def test_generalized_pareto_matches_scipy_in_float64():
    stats = pytest.importorskip("scipy.stats")
    kw = {k: v[:3] for k, v in GP.items()}
    d, _ = make("ember", "GeneralizedPareto", kw)
    x = kw["loc"] + R.uniform(0.0, 0.9, (4, 3)) * np.array([10.0, 10.0, 1.25]) * kw["scale"]
    ref = stats.genpareto(kw["concentration"], kw["loc"], kw["scale"])
    np.testing.assert_allclose(d.log_prob(ember.tensor(x)).numpy(), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(ember.tensor(x)).numpy(), ref.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.log_cdf(ember.tensor(x)).numpy(), ref.logcdf(x), rtol=1e-10)
    q = R.uniform(0.0, 1.0, (4, 3))
    np.testing.assert_allclose(d.icdf(ember.tensor(q)).numpy(), ref.ppf(q), rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-12)
    np.testing.assert_allclose(d.mean.numpy(), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-12)


# ---- validation ----
NAN = float("nan")

BAD = [
    ("studentT df", lambda L, D: D.StudentT(L.tensor([1.0, -1.0]))),
    ("studentT df unvalidated", lambda L, D: D.StudentT(L.tensor(-1.0), validate_args=False)),
    ("studentT scale", lambda L, D: D.StudentT(2.0, 0.0, L.tensor([0.0]))),
    ("chi2 df", lambda L, D: D.Chi2(L.tensor([-1.0]))),
    ("chi2 value", lambda L, D: D.Chi2(L.tensor(2.0)).log_prob(L.tensor(-1.0))),
    ("fisher df1", lambda L, D: D.FisherSnedecor(L.tensor([0.0]), 1.0)),
    ("fisher value", lambda L, D: D.FisherSnedecor(1.0, 2.0).log_prob(L.tensor([0.0]))),
    ("geometric zero", lambda L, D: D.Geometric(L.tensor([0.0, 0.5]))),
    ("geometric above one", lambda L, D: D.Geometric(L.tensor([1.5]))),
    ("geometric both", lambda L, D: D.Geometric(L.tensor(0.5), L.tensor(0.0))),
    ("geometric value", lambda L, D: D.Geometric(L.tensor(0.5)).log_prob(L.tensor(1.5))),
    ("negbin count", lambda L, D: D.NegativeBinomial(L.tensor([-1.0]), L.tensor([0.5]))),
    ("negbin probs one", lambda L, D: D.NegativeBinomial(3.0, L.tensor(1.0))),
    ("negbin neither", lambda L, D: D.NegativeBinomial(3.0)),
    ("negbin value", lambda L, D: D.NegativeBinomial(3.0, L.tensor(0.5)).log_prob(
        L.tensor(-1.0))),
    ("cb probs", lambda L, D: D.ContinuousBernoulli(L.tensor([1.5]), validate_args=True)),
    ("cb probs unvalidated", lambda L, D: D.ContinuousBernoulli(L.tensor([1.5]),
                                                               validate_args=False)),
    ("cb nan logits", lambda L, D: D.ContinuousBernoulli(logits=L.tensor([NAN]))),
    ("cb neither", lambda L, D: D.ContinuousBernoulli()),
    ("cb value", lambda L, D: D.ContinuousBernoulli(L.tensor(0.3)).log_prob(L.tensor(1.5))),
    ("von mises concentration", lambda L, D: D.VonMises(0.0, -1.0)),
    ("von mises nan loc", lambda L, D: D.VonMises(L.tensor([NAN]), L.tensor([1.0]))),
    ("gp scale", lambda L, D: D.GeneralizedPareto(0.0, L.tensor([-1.0]), 0.5)),
    ("gp below loc", lambda L, D: D.GeneralizedPareto(0.0, 1.0, 0.5).log_prob(L.tensor(-1.0))),
    ("gp above bound", lambda L, D: D.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(
        L.tensor(2.5))),
    ("gp survival", lambda L, D: D.GeneralizedPareto(1.0, 1.0, 0.5).log_survival_function(
        L.tensor(0.0))),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_errors_match_torch(case):
    assert_errors_match_torch(case[1])


def test_unvalidated_extremes():
    d = ED.Geometric(ember.tensor([1.0, 0.5]), validate_args=False)
    np.testing.assert_allclose(d.log_prob(ember.tensor([0.0, 0.0])).numpy(),
                               [0.0, math.log(0.5)], rtol=1e-7)
    nb = ED.NegativeBinomial(ember.tensor([0.0, 0.0]), ember.tensor([0.3, 0.3]))
    np.testing.assert_array_equal(nb.log_prob(ember.tensor([0.0, 2.0])).numpy(), [0.0, -math.inf])
    assert isinstance(ED.Chi2(3.0), ED.Gamma) and ED.Chi2(3.0).df.item() == 3.0
