"""KL divergences registered by ``kl_cross`` against torch.distributions and Monte Carlo
estimates."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import assert_gradchecks, assert_kl_matches_torch, torch_or_skip
from ember.distributions import kl as ember_kl

A, B, C = np.array([0.7, 1.3, 2.0]), np.array([0.6, 1.5, 2.2]), np.array([-0.5, 0.3, 1.2])
#: the parameters each family takes by default in a pair (batch shape (3,))
DEFAULT = {
    "Normal": dict(loc=C, scale=A), "Laplace": dict(loc=C, scale=A),
    "Cauchy": dict(loc=C, scale=A), "Gumbel": dict(loc=C, scale=A),
    "HalfNormal": dict(scale=A), "Exponential": dict(rate=B),
    "Gamma": dict(concentration=np.array([0.8, 2.0, 3.5]), rate=B),
    "InverseGamma": dict(concentration=np.array([0.8, 2.0, 3.5]), rate=B),
    "Beta": dict(concentration1=np.array([0.8, 2.0, 3.5]), concentration0=B),
    # low < 0, inside (0, 1), high > 1: each bounded support misses some entries
    "Uniform": dict(low=np.array([-0.5, 0.2, 0.5]), high=np.array([0.5, 0.9, 3.0])),
    # alpha <= 1, <= 2 and > 2: the moments behind the Pareto -> X forms
    "Pareto": dict(scale=np.array([0.5, 1.0, 2.0]), alpha=np.array([0.8, 1.5, 3.0])),
    "Bernoulli": dict(probs=np.array([0.2, 0.5, 0.9])), "Poisson": dict(rate=B),
    "Binomial": dict(total_count=np.array([5.0, 6.0, 7.0]), probs=np.array([0.2, 0.5, 0.9])),
    "Weibull": dict(scale=A, concentration=B), "LogisticNormal": dict(loc=C, scale=A),
}
#: (p, q, p kwargs, q kwargs) where the defaults would not exercise both branches
OVERRIDES = {
    ("Beta", "Uniform"): (None, dict(low=np.array([-0.5, 0.2, 0.0]),
                                     high=np.array([1.5, 0.9, 1.0]))),
    ("Uniform", "Pareto"): (dict(low=np.array([0.5, 1.0, 1.2]), high=np.array([2.0, 1.5, 3.0])),
                            dict(scale=np.array([1.0, 0.8, 1.0]), alpha=B)),
    ("Pareto", "Pareto"): (None, dict(scale=np.array([1.0, 0.8, 1.0]), alpha=A[::-1].copy())),
}
#: the kl_cross pairs among these families (other modules reuse some of its functions for
#: their own families), plus transformed families whose KL falls back on the base's
PAIRS = sorted(
    {(p.__name__, q.__name__) for (p, q), f in ember_kl._KL_REGISTRY.items()
     if f.__module__ == "ember.distributions.kl_cross"
     and {p.__name__, q.__name__} <= DEFAULT.keys()}
    | {("InverseGamma", "InverseGamma"), ("LogisticNormal", "LogisticNormal"),
       ("Weibull", "Weibull")})


def _q_default(name):
    """The q side: the defaults permuted, so p and q differ."""
    return {k: v[::-1].copy() if name not in ("Uniform", "Binomial") else v
            for k, v in DEFAULT[name].items()}


def test_the_registered_pairs_are_torchs():
    torch = torch_or_skip()
    ours = {(p.__name__, q.__name__) for p, q in ember_kl._KL_REGISTRY}
    theirs = {(p.__name__, q.__name__) for p, q in torch.distributions.kl._KL_REGISTRY}
    mine = set(DEFAULT)
    assert {pq for pq in theirs if set(pq) <= mine} == {pq for pq in ours if set(pq) <= mine}


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
def test_kl_matches_torch_in_value_and_gradient(pair):
    pn, qn = pair
    pk, qk = OVERRIDES.get(pair, (None, None))
    pk, qk = pk or DEFAULT[pn], qk or _q_default(qn)
    if pn == qn == "Weibull":  # the base's KL needs the same transforms: here 0
        qk = pk
    assert_kl_matches_torch(pn, pk, qn, qk, np.random.default_rng(4))


def test_infinite_entries_are_where_the_supports_say():
    v = ED.kl_divergence(ED.Pareto(ember.tensor([0.5, 2.0]), ember.tensor([3.0, 3.0])),
                         ED.Pareto(ember.tensor([1.0, 1.0]), ember.tensor([2.0, 2.0])))
    assert math.isinf(v[0].item()) and math.isfinite(v[1].item())
    u = ED.Uniform(ember.tensor([-1.0, 0.5]), ember.tensor([1.0, 2.0]))
    for q in (ED.Exponential(ember.tensor(1.0)), ED.Gamma(ember.tensor(2.0), ember.tensor(1.0))):
        v = ED.kl_divergence(u, q)
        assert math.isinf(v[0].item()) and math.isfinite(v[1].item())
    assert ED.kl_divergence(ED.Gumbel(0.0, 1.0), ED.Exponential(1.0)).item() == math.inf


def test_transformed_pairs_with_different_transforms_raise_like_torch():
    torch = torch_or_skip()
    for lib, mod in ((torch, torch.distributions), (ember, ED)):
        with pytest.raises(NotImplementedError):
            mod.kl_divergence(mod.Weibull(lib.tensor(1.0), lib.tensor(2.0)),
                              mod.Weibull(lib.tensor(1.0), lib.tensor(3.0)))


#: (p, q) as functions of two float64 tensors: closed forms checked against Monte Carlo
MONTE_CARLO = {
    "cauchy": lambda a, b: (ED.Cauchy(a, b), ED.Cauchy(b, a)),
    "gumbel": lambda a, b: (ED.Gumbel(a, b), ED.Gumbel(b, a)),
    "half_normal": lambda a, b: (ED.HalfNormal(a), ED.HalfNormal(b)),
    "pareto": lambda a, b: (ED.Pareto(b, a + 2), ED.Pareto(b / 2, a + 1)),
    "exponential_gumbel": lambda a, b: (ED.Exponential(a), ED.Gumbel(b, a)),
    "gamma_gumbel": lambda a, b: (ED.Gamma(b, a), ED.Gumbel(a, b)),
    "normal_gumbel": lambda a, b: (ED.Normal(a, b), ED.Gumbel(b, a)),
    "gumbel_normal": lambda a, b: (ED.Gumbel(a, b), ED.Normal(b, a)),
    "uniform_gumbel": lambda a, b: (ED.Uniform(a, a + b), ED.Gumbel(b, a)),
    "pareto_gamma": lambda a, b: (ED.Pareto(b, a + 1), ED.Gamma(b, a)),
    "uniform_pareto": lambda a, b: (ED.Uniform(b, b + a), ED.Pareto(b / 2, a)),
    "beta_gamma": lambda a, b: (ED.Beta(a, b), ED.Gamma(b, a)),
    "laplace_normal": lambda a, b: (ED.Laplace(a, b), ED.Normal(b, a)),
}


@pytest.mark.parametrize("name", sorted(MONTE_CARLO))
def test_closed_forms_agree_with_monte_carlo(name):
    a = ember.tensor([0.7, 1.6], dtype=ember.float64)
    b = ember.tensor([1.2, 0.9], dtype=ember.float64)
    p, q = MONTE_CARLO[name](a, b)
    ember.manual_seed(11)
    x = p.sample((200000,))
    ratio = (p.log_prob(x) - q.log_prob(x)).numpy()
    err = ratio.std(0) / math.sqrt(len(ratio))
    np.testing.assert_array_less(np.abs(ratio.mean(0) - ED.kl_divergence(p, q).numpy()),
                                 5 * err + 1e-12)


@pytest.mark.parametrize("name", ["cauchy", "gumbel", "pareto", "gamma_gumbel",
                                  "normal_gumbel", "uniform_pareto", "beta_gamma"])
def test_kl_gradcheck_and_gradgradcheck(name):
    assert_gradchecks(lambda a, b: ED.kl_divergence(*MONTE_CARLO[name](a, b)),
                      ([0.7, 1.6], [1.2, 0.9]))
