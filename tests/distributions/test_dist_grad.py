"""Gradients: log_prob/entropy against torch and finite differences, reparameterised
samples against closed forms and (for gamma draws) torch's implicit derivative."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import (SPECS, assert_gradchecks, assert_grads_match_torch, spec_pair, to_lib,
                          torch_or_skip)
from ember.distributions._sampling import standard_gamma_grad
from ember.distributions._special import gammainc

ALL = sorted(SPECS)


@pytest.mark.parametrize("spec", ALL)
def test_log_prob_and_entropy_gradients_match_torch(spec):
    e, t, value, e_args, t_args = spec_pair(spec, requires_grad=True)
    vdtype = np.float64 if value.dtype.kind == "f" else value.dtype
    weights = np.random.default_rng(9).normal(size=e.log_prob(to_lib("ember", value,
                                                                      vdtype)).shape)
    e_out = (e.log_prob(to_lib("ember", value, vdtype)) * ember.tensor(weights)).sum()
    t_out = (t.log_prob(to_lib("torch", value, vdtype)) * to_lib("torch", weights)).sum()
    try:
        t_ent = t.entropy().sum()
        e_ent = e.entropy().sum()
    except NotImplementedError:
        t_ent = e_ent = 0
    assert_grads_match_torch(e_out + e_ent, t_out + t_ent, e_args, t_args)


#: name -> (function of float64 tensors, their values); checked by gradcheck and gradgradcheck
FUNCTIONS = {
    "normal": (lambda m, s: ED.Normal(m, s).log_prob(ember.tensor([0.3, -1.0, 2.0],
                                                                  dtype=ember.float64)),
               ([0.1, 0.5, -1.0], [0.7, 1.5, 2.0])),
    "normal_icdf_cdf": (lambda m, s, q: ED.Normal(m, s).icdf(q) + ED.Normal(m, s).cdf(q),
                        ([0.1, 0.5], [0.7, 1.5], [0.2, 0.9])),
    "laplace": (lambda m, s: ED.Laplace(m, s).log_prob(ember.tensor([0.3, -1.0, 2.0],
                                                                    dtype=ember.float64)),
                ([0.1, 0.5, -1.0], [0.7, 1.5, 2.0])),
    "gamma": (lambda c, r: ED.Gamma(c, r).log_prob(ember.tensor([0.3, 1.0, 2.0],
                                                                dtype=ember.float64))
              + ED.Gamma(c, r).entropy(), ([0.6, 2.0, 4.0], [0.7, 1.5, 2.0])),
    "gamma_cdf_rate": (lambda r: ED.Gamma(ember.tensor([0.6, 2.0], dtype=ember.float64), r)
                       .cdf(ember.tensor([0.3, 2.5], dtype=ember.float64)), ([0.7, 1.5],)),
    "beta": (lambda a, b: ED.Beta(a, b).log_prob(ember.tensor([0.3, 0.5, 0.9],
                                                              dtype=ember.float64))
             + ED.Beta(a, b).entropy(), ([0.6, 2.0, 4.0], [0.7, 1.5, 2.0])),
    "dirichlet": (lambda c: ED.Dirichlet(c).log_prob(ember.tensor([0.2, 0.3, 0.5],
                                                                  dtype=ember.float64))
                  + ED.Dirichlet(c).entropy(), ([0.6, 2.0, 4.0],)),
    "poisson": (lambda r: ED.Poisson(r).log_prob(ember.tensor([0.0, 2.0, 5.0],
                                                              dtype=ember.float64)),
                ([0.6, 2.0, 4.0],)),
    "bernoulli_logits": (lambda z: ED.Bernoulli(logits=z).log_prob(
        ember.tensor([0.0, 1.0, 1.0], dtype=ember.float64)) + ED.Bernoulli(logits=z).entropy(),
        ([0.6, -2.0, 4.0],)),
    "binomial": (lambda p: ED.Binomial(7, p).log_prob(ember.tensor([0.0, 3.0, 7.0],
                                                                   dtype=ember.float64)),
                 ([0.2, 0.45, 0.9],)),
    "categorical": (lambda z: ED.Categorical(logits=z).log_prob(ember.tensor([0, 2]))
                    + ED.Categorical(logits=z).entropy(), ([[0.6, -2.0, 4.0], [1., 2., 3.]],)),
    "multinomial": (lambda z: ED.Multinomial(4, logits=z).log_prob(
        ember.tensor([1.0, 0.0, 3.0], dtype=ember.float64)) + ED.Multinomial(4, logits=z)
        .entropy(), ([0.6, -2.0, 4.0],)),
    "mvn_tril": (lambda m, L: ED.MultivariateNormal(m, scale_tril=L.tril()).log_prob(
        ember.tensor([[0.3, -1.0], [1.0, 2.0]], dtype=ember.float64)),
        ([0.5, -0.5], [[1.2, 0.0], [0.4, 0.9]])),
    "mvn_precision": (lambda L: ED.MultivariateNormal(
        ember.zeros(2, dtype=ember.float64), precision_matrix=L @ L.mT).log_prob(
        ember.tensor([0.3, -1.0], dtype=ember.float64)), ([[1.2, 0.0], [0.4, 0.9]],)),
    "lognormal": (lambda m, s: ED.LogNormal(m, s).log_prob(ember.tensor([0.3, 1.0],
                                                                        dtype=ember.float64))
                  + ED.LogNormal(m, s).entropy(), ([0.1, 0.5], [0.7, 1.5])),
    "relaxed_bernoulli": (lambda t, p: ED.RelaxedBernoulli(t, probs=p).log_prob(
        ember.tensor([0.3, 0.8], dtype=ember.float64)), (0.7, [0.2, 0.6])),
    "relaxed_one_hot": (lambda t, z: ED.RelaxedOneHotCategorical(t, logits=z).log_prob(
        ember.tensor([0.3, 0.2, 0.5], dtype=ember.float64)), (0.7, [0.2, 0.6, -1.0])),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    assert_gradchecks(*FUNCTIONS[name])


@pytest.mark.parametrize("name", ["Normal", "Laplace", "LogNormal", "Uniform", "Exponential",
                                  "MultivariateNormal"])
def test_rsample_gradients_follow_the_reparameterisation(name):
    a = ember.tensor([0.5, 1.5, -0.3], dtype=ember.float64, requires_grad=True)
    s = ember.tensor([0.7, 2.0, 1.1], dtype=ember.float64, requires_grad=True)
    d = {"Normal": lambda: ED.Normal(a, s), "Laplace": lambda: ED.Laplace(a, s),
         "LogNormal": lambda: ED.LogNormal(a, s), "Uniform": lambda: ED.Uniform(a, a + s),
         "Exponential": lambda: ED.Exponential(s),
         "MultivariateNormal": lambda: ED.MultivariateNormal(a, scale_tril=s.diag())}[name]()
    ember.manual_seed(0)
    x = d.rsample((6,))
    x.sum().backward()
    xv, av, sv = x.detach().numpy(), a.detach().numpy(), s.detach().numpy()
    # the noise behind each draw, and dx/da, dx/ds given that noise
    if name in ("Normal", "Laplace", "MultivariateNormal"):
        ga, gs = np.ones_like(xv), (xv - av) / sv
    elif name == "LogNormal":
        ga, gs = xv, xv * (np.log(xv) - av) / sv
    elif name == "Uniform":
        ga, gs = np.ones_like(xv), (xv - av) / sv
    else:
        ga, gs = np.zeros_like(xv), -xv / sv
    if name != "Exponential":
        np.testing.assert_allclose(a.grad.numpy(), ga.sum(0), rtol=1e-10)
    np.testing.assert_allclose(s.grad.numpy(), gs.sum(0), rtol=1e-10)


def test_standard_gamma_grad_matches_torch():
    torch = torch_or_skip()
    r = np.random.default_rng(0)
    alpha = np.repeat([0.05, 0.3, 1.0, 2.5, 10.0, 150.0, 3000.0, 2e4], 200)
    x = np.maximum(r.standard_gamma(alpha), 1e-300)
    mine = standard_gamma_grad(ember.tensor(alpha), ember.tensor(x)).numpy()
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    # torch's is itself an approximation (relative error up to ~1e-3)
    np.testing.assert_allclose(mine, theirs, rtol=2e-3)


def test_standard_gamma_grad_is_the_implicit_derivative():
    # x(alpha) keeps the CDF fixed: P(alpha + h, x + h dx/dalpha) = P(alpha, x) + O(h^2)
    r = np.random.default_rng(1)
    alpha = np.repeat([0.2, 1.0, 3.0, 40.0, 500.0], 40)
    x = r.standard_gamma(alpha)
    g = standard_gamma_grad(ember.tensor(alpha), ember.tensor(x)).numpy()
    h = 1e-6 * alpha
    before = gammainc(ember.tensor(alpha), ember.tensor(x)).numpy()
    after = gammainc(ember.tensor(alpha + h), ember.tensor(x + h * g)).numpy()
    pdf = np.exp((alpha - 1) * np.log(x) - x - np.array([__import__("math").lgamma(a)
                                                         for a in alpha]))
    np.testing.assert_allclose((after - before) / (pdf * h), 0, atol=1e-4)


def test_gamma_rsample_gradients():
    c = ember.tensor([0.5, 3.0], dtype=ember.float64, requires_grad=True)
    rate = ember.tensor([2.0, 0.5], dtype=ember.float64, requires_grad=True)
    ember.manual_seed(0)
    x = ED.Gamma(c, rate).rsample((5,))
    x.sum().backward()
    std = (x * rate).detach()
    dx_dc = standard_gamma_grad(c.detach().expand(5, 2), std) / rate.detach()
    np.testing.assert_allclose(c.grad.numpy(), dx_dc.sum(0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(rate.grad.numpy(), (-x / rate).sum(0).detach().numpy(),
                               rtol=1e-12)
    with pytest.raises(NotImplementedError, match="_standard_gamma_grad"):
        y = ED.Gamma(c, rate).rsample().sum()
        (g,) = ember.autograd.grad(y, c, create_graph=True)
        g.sum().backward()


@pytest.mark.parametrize("name", ["Beta", "Dirichlet"])
def test_rsample_gradient_is_unbiased_for_the_mean(name):
    # d/dalpha E[x] estimated from pathwise gradients of many draws
    if name == "Beta":
        a = ember.tensor([0.7], dtype=ember.float64, requires_grad=True)
        b = ember.tensor([2.0], dtype=ember.float64)
        d, total = ED.Beta(a, b), 2.7
    else:
        a = ember.tensor([0.7], dtype=ember.float64, requires_grad=True)
        rest = ember.tensor([2.0, 1.0], dtype=ember.float64)
        d, total = ED.Dirichlet(ember.cat([a, rest])), 3.7
    ember.manual_seed(5)
    x = d.rsample((40000,))
    first = x if name == "Beta" else x[:, 0]
    first.mean().backward()
    exact = (total - 0.7) / total ** 2
    np.testing.assert_allclose(a.grad.numpy(), [exact], rtol=0.03)


def test_gamma_cdf_has_no_gradient_for_concentration():
    c = ember.tensor([2.0], requires_grad=True)
    y = ED.Gamma(c, ember.tensor([1.0])).cdf(ember.tensor([0.5]))
    with pytest.raises(NotImplementedError,
                       match="the derivative for 'igamma: input' is not implemented."):
        y.sum().backward()
