"""Sampling: shapes, dtypes, supports, reproducibility and moments of large seeded samples."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import SPECS, spec_ember, spec_pair

ALL = sorted(SPECS)
N = 20000


@pytest.mark.parametrize("spec", ALL)
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_sample_shape_dtype_and_support_match_torch(spec, sample_shape):
    e, t, _, _, _ = spec_pair(spec)
    ember.manual_seed(0)
    s = e.sample(sample_shape)
    ts = t.sample(sample_shape)
    assert s.shape == ts.shape == tuple(sample_shape) + e.batch_shape + e.event_shape
    assert s.dtype.name == str(ts.dtype).replace("torch.", "")
    assert not s.requires_grad
    assert bool(e.support.check(s).all())
    if e.has_rsample:
        r = e.rsample(sample_shape)
        assert r.shape == s.shape and r.dtype == s.dtype
        assert bool(e.support.check(r).all())


@pytest.mark.parametrize("spec", ALL)
def test_expand_matches_torch(spec):
    e, t, value, _, _ = spec_pair(spec)
    shape = (4,) + tuple(e.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert type(ee) is type(e)
    assert ee.batch_shape == te.batch_shape == shape
    assert ee.event_shape == te.event_shape
    assert ee.sample((2,)).shape == te.sample((2,)).shape
    assert ee._validate_args == e._validate_args


@pytest.mark.parametrize("spec", ALL)
def test_manual_seed_makes_samples_reproducible(spec):
    d, _ = spec_ember(spec)
    ember.manual_seed(123)
    a = d.sample((7,))
    ember.manual_seed(123)
    b = d.sample((7,))
    ember.manual_seed(124)
    c = d.sample((7,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    if spec not in ("OneHotCategorical",):  # few outcomes: two seeds may agree by chance
        assert not np.array_equal(a.numpy(), c.numpy())


#: distributions whose mean and variance are finite and given by the class
MOMENT_SPECS = ["Normal", "Laplace", "LogNormal", "Uniform", "Exponential", "Gamma", "Beta",
                "Dirichlet", "Poisson", "Bernoulli", "BernoulliLogits", "Binomial",
                "BinomialLogits", "OneHotCategorical", "Multinomial", "MultivariateNormal"]


@pytest.mark.parametrize("spec", MOMENT_SPECS)
def test_sample_moments(spec):
    d, _ = spec_ember(spec, seed=5)
    ember.manual_seed(2024)
    x = d.sample((N,)).double().numpy()
    mean, var = d.mean.double().numpy(), d.variance.double().numpy()
    if spec == "LogNormal":  # heavy tails: check the normal variable underneath
        x, mean, var = np.log(x), d.loc.numpy(), d.scale.numpy() ** 2
    # the sample mean is within 5 standard errors; the variance within 10% (loose, seeded)
    np.testing.assert_array_less(np.abs(x.mean(0) - mean), 5 * np.sqrt(var / N) + 1e-12)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-12)


def test_multivariate_normal_sample_covariance():
    r = np.random.default_rng(0)
    a = r.normal(size=(3, 3))
    cov = a @ a.T + np.eye(3)
    d = ED.MultivariateNormal(ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64),
                              ember.tensor(cov))
    ember.manual_seed(7)
    x = d.sample((N,)).numpy()
    np.testing.assert_allclose(np.cov(x.T), cov, rtol=0.08, atol=0.08)


def test_categorical_frequencies_and_zero_probabilities():
    probs = ember.tensor([[0.1, 0.0, 0.6, 0.3, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]])
    d = ED.Categorical(probs)
    ember.manual_seed(11)
    x = d.sample((N,)).numpy()
    assert x.dtype == np.int64
    freq = np.stack([np.bincount(x[:, i], minlength=5) / N for i in range(2)])
    np.testing.assert_allclose(freq, probs.numpy(), atol=0.015)
    assert (freq[probs.numpy() == 0] == 0).all()


def test_categorical_unnormalised_probs_and_logits_sample_alike():
    ember.manual_seed(3)
    a = ED.Categorical(probs=ember.tensor([2.0, 6.0, 2.0])).sample((N,)).numpy()
    ember.manual_seed(4)
    b = ED.Categorical(logits=ember.tensor([0.0, math.log(3.0), 0.0])).sample((N,)).numpy()
    for x in (a, b):
        np.testing.assert_allclose(np.bincount(x, minlength=3) / N, [0.2, 0.6, 0.2],
                                   atol=0.015)


def test_multinomial_counts_sum_to_total():
    d = ED.Multinomial(9, probs=ember.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))
    ember.manual_seed(0)
    x = d.sample((50,))
    assert x.shape == (50, 2, 3) and x.dtype == ember.float32
    np.testing.assert_array_equal(x.sum(-1).numpy(), 9)
    np.testing.assert_array_equal(x[:, 1].numpy(), [[9, 0, 0]] * 50)


def test_relaxed_samples_approach_discrete_at_low_temperature():
    ember.manual_seed(1)
    p = ember.tensor([0.3, 0.8])
    x = ED.RelaxedBernoulli(ember.tensor(0.05), probs=p).sample((N,))
    hard = (x > 0.5).double().mean(0).numpy()
    np.testing.assert_allclose(hard, p.numpy(), atol=0.02)
    assert float(((x > 0.05) & (x < 0.95)).double().mean()) < 0.1
    y = ED.RelaxedOneHotCategorical(ember.tensor(0.05), probs=ember.tensor([0.2, 0.8]))
    s = y.sample((N,))
    np.testing.assert_allclose(s.sum(-1).numpy(), 1.0, rtol=1e-5)
    np.testing.assert_allclose((s[:, 1] > 0.5).double().mean().item(), 0.8, atol=0.02)


def test_straight_through_one_hot_passes_gradients_to_probs():
    probs = ember.tensor([0.2, 0.5, 0.3], requires_grad=True)
    d = ED.OneHotCategoricalStraightThrough(probs)
    ember.manual_seed(0)
    x = d.rsample((4,))
    assert set(x.detach().sum(-1).numpy().tolist()) == {1.0}
    (x * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    # d(probs / probs.sum()) / d probs applied to 4 * [1, 2, 3]
    g = 4 * np.array([1.0, 2.0, 3.0])
    expected = g - (g * probs.detach().numpy()).sum()
    np.testing.assert_allclose(probs.grad.numpy(), expected, rtol=1e-5)


def test_sample_has_no_graph_and_rsample_does():
    loc = ember.zeros(3, requires_grad=True)
    d = ED.Normal(loc, 1.0)
    assert not d.sample().requires_grad
    r = d.rsample()
    assert r.requires_grad and r.grad_fn is not None
