"""kl_divergence values and gradients against torch; register_kl dispatch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import assert_gradchecks, assert_kl_matches_torch, torch_or_skip

R = np.random.default_rng(4)
S1, S2, LOC = R.uniform(0.5, 2, 3), R.uniform(0.5, 2, 3), R.normal(size=3)
P4 = R.dirichlet(np.ones(4), 2)
A = R.normal(size=(2, 3, 3))
COV = A @ A.transpose(0, 2, 1) + np.eye(3)

#: (p name, p kwargs, q name, q kwargs)
PAIRS = [
    ("Normal", dict(loc=LOC, scale=S1), "Normal", dict(loc=S1, scale=S2)),
    ("Laplace", dict(loc=LOC, scale=S1), "Laplace", dict(loc=S1, scale=S2)),
    ("Gamma", dict(concentration=S1, rate=S2), "Gamma", dict(concentration=S2, rate=S1)),
    ("Beta", dict(concentration1=S1, concentration0=S2),
     "Beta", dict(concentration1=S2, concentration0=S1)),
    ("Exponential", dict(rate=S1), "Exponential", dict(rate=S2)),
    ("Poisson", dict(rate=S1), "Poisson", dict(rate=S2)),
    ("Uniform", dict(low=LOC, high=LOC + S1), "Uniform", dict(low=LOC - 1, high=LOC + S1 + 1)),
    ("Uniform", dict(low=LOC, high=LOC + S1), "Uniform", dict(low=LOC + 0.1, high=LOC + S1)),
    ("Dirichlet", dict(concentration=P4 * 3), "Dirichlet", dict(concentration=P4[::-1] * 2)),
    ("Bernoulli", dict(probs=np.array([0.0, 0.3, 1.0, 0.5])),
     "Bernoulli", dict(probs=np.array([0.2, 0.0, 1.0, 1.0]))),
    ("Bernoulli", dict(logits=LOC), "Bernoulli", dict(logits=S1)),
    ("Categorical", dict(probs=np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])),
     "Categorical", dict(probs=np.array([[0.1, 0.0, 0.9], [0.3, 0.3, 0.4]]))),
    ("OneHotCategorical", dict(logits=P4), "OneHotCategorical", dict(probs=P4[::-1])),
    ("Binomial", dict(total_count=np.array([5.0, 6.0]), probs=np.array([0.3, 0.4])),
     "Binomial", dict(total_count=np.array([5.0, 5.0]), probs=np.array([0.5, 0.6]))),
    ("MultivariateNormal", dict(loc=LOC, covariance_matrix=COV),
     "MultivariateNormal", dict(loc=LOC[::-1], scale_tril=np.linalg.cholesky(COV[0]))),
    ("LogNormal", dict(loc=LOC, scale=S1), "LogNormal", dict(loc=S1, scale=S2)),
    ("Normal", dict(loc=LOC, scale=S1), "Laplace", dict(loc=S1, scale=S2)),
    ("Uniform", dict(low=LOC, high=LOC + S1), "Normal", dict(loc=S1, scale=S2)),
    ("Exponential", dict(rate=S1), "Gamma", dict(concentration=S2, rate=S1)),
    ("Gamma", dict(concentration=S2, rate=S1), "Exponential", dict(rate=S1)),
    ("Normal", dict(loc=LOC, scale=S1), "Gamma", dict(concentration=S1, rate=S2)),
    ("Laplace", dict(loc=LOC, scale=S1), "Beta", dict(concentration1=S1, concentration0=S2)),
]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[2]}" if isinstance(p, tuple)
                         else None)
def test_kl_matches_torch_in_value_and_gradient(pair):
    assert_kl_matches_torch(*pair, rng=R)


def test_kl_gradcheck_and_gradgradcheck():
    cases = [
        lambda a, b: ED.kl_divergence(ED.Independent(ED.Normal(a, b), 1),
                                      ED.Independent(ED.Normal(b, a.exp()), 1)),
        lambda a, b: ED.kl_divergence(ED.Gamma(a, b), ED.Gamma(b, a)),
        lambda a, b: ED.kl_divergence(ED.Dirichlet(a), ED.Dirichlet(b)),
        lambda a, b: ED.kl_divergence(ED.Laplace(a, b), ED.Laplace(b, a)),
        lambda a, b: ED.kl_divergence(ED.Categorical(logits=a), ED.Categorical(logits=b)),
    ]
    for fn in cases:
        assert_gradchecks(fn, ([0.3, 1.2], [0.8, 1.7]))


def test_independent_kl_sums_reinterpreted_dims():
    p = ED.Independent(ED.Normal(ember.zeros(2, 3), ember.ones(2, 3)), 1)
    q = ED.Independent(ED.Normal(ember.ones(2, 3), ember.ones(2, 3)), 1)
    kl = ED.kl_divergence(p, q)
    assert kl.shape == (2,)
    np.testing.assert_allclose(kl.numpy(), [1.5, 1.5])
    with pytest.raises(NotImplementedError):
        ED.kl_divergence(p, ED.Independent(ED.Normal(ember.zeros(2, 3), ember.ones(2, 3)), 2))


def test_missing_pair_raises_like_torch():
    torch = torch_or_skip()
    for lib, mod in ((torch, torch.distributions), (ember, ED)):
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented "
                                                      "for p type Categorical and q type "
                                                      "Normal"):
            mod.kl_divergence(mod.Categorical(lib.tensor([0.5, 0.5])), mod.Normal(0.0, 1.0))


def test_register_kl_dispatches_to_the_most_specific_pair():
    class MyNormal(ED.Normal):
        pass

    class MyOtherNormal(ED.Normal):
        pass

    @ED.register_kl(MyNormal, ED.Normal)
    def _kl_mine(p, q):
        return ember.tensor(42.0)

    try:
        p, q = MyNormal(0.0, 1.0), ED.Normal(1.0, 1.0)
        assert ED.kl_divergence(p, q).item() == 42.0
        # (Normal, Normal) still serves the plain pair
        np.testing.assert_allclose(ED.kl_divergence(q, p).item(), 0.5)

        @ED.register_kl(ED.Normal, MyOtherNormal)
        def _kl_other(p, q):
            return ember.tensor(7.0)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = ED.kl_divergence(MyNormal(0.0, 1.0), MyOtherNormal(0.0, 1.0))
        assert out.item() == 42.0
        assert [str(w.message) for w in caught] == [
            "Ambiguous kl_divergence(MyNormal, MyOtherNormal). Please register_kl(MyNormal, "
            "MyOtherNormal)"]
        assert caught[0].category is RuntimeWarning
    finally:
        from ember.distributions import kl
        for key in [(MyNormal, ED.Normal), (ED.Normal, MyOtherNormal)]:
            kl._KL_REGISTRY.pop(key, None)
        kl._KL_MEMOIZE.clear()


def test_exponential_family_fallback_agrees_with_closed_forms():
    from ember.distributions.kl import _kl_expfamily_expfamily
    a = ember.tensor([0.7, 2.0], dtype=ember.float64)
    b = ember.tensor([1.5, 0.4], dtype=ember.float64)
    for cls in (ED.Normal, ED.Gamma, ED.Beta, ED.Exponential, ED.Poisson, ED.Bernoulli):
        args_p, args_q = ((a, b), (b, a)) if cls in (ED.Normal, ED.Gamma, ED.Beta) else \
            ((a / 3,), (b / 3,))
        p, q = cls(*args_p), cls(*args_q)
        np.testing.assert_allclose(_kl_expfamily_expfamily(p, q).detach().numpy(),
                                   ED.kl_divergence(p, q).numpy(), rtol=1e-10, err_msg=cls)
    with pytest.raises(NotImplementedError, match="cross KL-divergence between different "
                                                  "exponential families"):
        _kl_expfamily_expfamily(ED.Poisson(a), ED.Exponential(a))
    # an exponential family without a registered pair uses the fallback
    with pytest.raises(NotImplementedError, match="cross KL-divergence"):
        ED.kl_divergence(ED.Poisson(a), ED.Exponential(a))
