"""log_prob, moments, entropy, cdf/icdf and enumerate_support against torch.distributions."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from dist_helpers import (SPECS, assert_moments_match_torch, assert_same, make, same_outcome,
                          spec_pair, to_lib, torch_or_skip)

ALL = sorted(SPECS)


@pytest.mark.parametrize("spec", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_prob_matches_torch(spec, dtype):
    e, t, value, _, _ = spec_pair(spec, dtype=dtype)
    vdtype = dtype if value.dtype.kind == "f" else value.dtype
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    assert_same(e.log_prob(to_lib("ember", value, vdtype)),
                t.log_prob(to_lib("torch", value, vdtype)), **tol)


@pytest.mark.parametrize("spec", ALL)
def test_moments_and_entropy_match_torch(spec):
    e, t, _, _, _ = spec_pair(spec)
    assert_moments_match_torch(e, t)
    same_outcome(e.perplexity, t.perplexity, rtol=1e-10)
    assert e.batch_shape == t.batch_shape
    assert e.event_shape == t.event_shape
    assert e.has_rsample == t.has_rsample
    assert e.has_enumerate_support == t.has_enumerate_support


@pytest.mark.parametrize("spec", ["Normal", "Laplace", "LogNormal", "Uniform", "Exponential",
                                  "Gamma"])
def test_cdf_matches_torch(spec):
    e, t, value, _, _ = spec_pair(spec)
    assert_same(e.cdf(to_lib("ember", value)), t.cdf(to_lib("torch", value)), rtol=1e-9,
                atol=1e-12)


@pytest.mark.parametrize("spec", ["Normal", "Laplace", "LogNormal", "Uniform", "Exponential"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_icdf_matches_torch_and_inverts_cdf(spec, dtype):
    e, t, _, _, _ = spec_pair(spec, dtype=dtype)
    q = np.random.default_rng(1).uniform(0.01, 0.99, (5,) + tuple(e.batch_shape))
    x = e.icdf(to_lib("ember", q, dtype))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert_same(x, t.icdf(to_lib("torch", q, dtype)), **tol)
    np.testing.assert_allclose(e.cdf(x).numpy(), q, **tol)


def test_normal_icdf_tails_and_bounds():
    torch = torch_or_skip()
    q = np.array([0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1 - 2 ** -53, 1.0])
    e = ember.distributions.Normal(0.0, 1.0, validate_args=False)
    t = torch.distributions.Normal(0.0, 1.0, validate_args=False)
    assert_same(e.icdf(ember.tensor(q)), t.icdf(torch.tensor(q)), rtol=1e-12)


@pytest.mark.parametrize("spec", ["Bernoulli", "Categorical", "OneHotCategorical",
                                  "BinomialLogits"])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_matches_torch(spec, expand):
    e, t, _, _, _ = spec_pair(spec)
    assert_same(e.enumerate_support(expand), t.enumerate_support(expand))
    values = e.enumerate_support(expand)
    assert bool(e.support.check(values).all())


def test_binomial_entropy_and_enumeration_need_one_total_count():
    torch = torch_or_skip()
    for lib, mod in ((ember, ember.distributions), (torch, torch.distributions)):
        d = mod.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5]))
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count not "
                                                      "supported by `entropy`."):
            d.entropy()


def test_scalar_parameters_give_scalar_batch_shape():
    torch = torch_or_skip()
    for name, args in (("Normal", (0.0, 2.0)), ("Laplace", (1.0, 0.5)), ("Uniform", (0.0, 2.0)),
                       ("Gamma", (2.0, 3.0)), ("Exponential", (1.5,)), ("Poisson", (2.0,)),
                       ("Beta", (2.0, 3.0)), ("LogNormal", (0.0, 1.0))):
        e = getattr(ember.distributions, name)(*args)
        t = getattr(torch.distributions, name)(*args)
        assert e.batch_shape == t.batch_shape
        v = 1.0 if name == "Poisson" else 0.5
        assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)), rtol=1e-6)
        assert_same(e.mean, t.mean)


def test_float32_parameters_keep_float32():
    e, _ = make("ember", "Normal", dict(loc=np.zeros(2), scale=np.ones(2)), np.float32)
    assert e.log_prob(ember.zeros(2)).dtype == ember.float32
    assert e.entropy().dtype == ember.float32
    assert e.sample().dtype == ember.float32
    g, _ = make("ember", "Gamma", dict(concentration=np.ones(2), rate=np.ones(2)), np.float32)
    assert g.rsample().dtype == ember.float32
    assert g.entropy().dtype == ember.float32


def test_log_prob_broadcasts_value_against_batch():
    torch = torch_or_skip()
    loc, scale = np.array([[0.0], [1.0]]), np.array([1.0, 2.0, 3.0])
    e = ember.distributions.Normal(ember.tensor(loc), ember.tensor(scale))
    t = torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale))
    assert e.batch_shape == t.batch_shape == (2, 3)
    v = np.array([0.5, -1.0, 2.0])
    assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)))


def test_multinomial_log_prob_with_impossible_category():
    torch = torch_or_skip()
    logits = np.array([0.0, -np.inf, 1.0])
    value = np.array([2.0, 0.0, 1.0])
    e = ember.distributions.Multinomial(3, logits=ember.tensor(logits))
    t = torch.distributions.Multinomial(3, logits=torch.tensor(logits))
    assert_same(e.log_prob(ember.tensor(value)), t.log_prob(torch.tensor(value)))


def test_bernoulli_mode_is_nan_at_one_half():
    torch = torch_or_skip()
    p = np.array([0.2, 0.5, 0.8])
    assert_same(ember.distributions.Bernoulli(ember.tensor(p)).mode,
                torch.distributions.Bernoulli(torch.tensor(p)).mode)


def test_dirichlet_mode_with_all_concentrations_below_one():
    torch = torch_or_skip()
    c = np.array([[0.5, 0.3, 0.9], [2.0, 3.0, 0.5]])
    assert_same(ember.distributions.Dirichlet(ember.tensor(c)).mode,
                torch.distributions.Dirichlet(torch.tensor(c)).mode)


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_parameterisations_match_torch(kind):
    torch = torch_or_skip()
    r = np.random.default_rng(3)
    a = r.normal(size=(2, 3, 3))
    cov = a @ a.transpose(0, 2, 1) + np.eye(3)
    mat = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
           "scale_tril": np.linalg.cholesky(cov)}[kind]
    loc = r.normal(size=(3,))  # broadcast against the matrices' batch
    e = ember.distributions.MultivariateNormal(ember.tensor(loc), **{kind: ember.tensor(mat)})
    t = torch.distributions.MultivariateNormal(torch.tensor(loc), **{kind: torch.tensor(mat)})
    for name in ("covariance_matrix", "precision_matrix", "scale_tril", "mean", "variance"):
        assert_same(getattr(e, name), getattr(t, name), rtol=1e-9, atol=1e-12)
    for shape in [(3,), (5, 2, 3), (4, 1, 3)]:
        v = r.normal(size=shape)
        assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)), rtol=1e-9)
    assert_same(e.entropy(), t.entropy(), rtol=1e-10)
