"""KL divergences of Geometric, ContinuousBernoulli and Chi2 (with each other and with the
other families torch pairs them with): values and gradients against torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember.distributions as ED
from dist_helpers import assert_gradchecks, assert_kl_matches_torch

R = np.random.default_rng(5)
S1, S2 = R.uniform(0.5, 2.0, 3), R.uniform(0.5, 2.0, 3)
P3, Q3 = np.array([0.2, 0.4997, 0.9]), np.array([0.6, 0.1, 0.5002])

KL_PAIRS = [
    ("Geometric", dict(probs=P3), "Geometric", dict(probs=Q3)),
    ("Geometric", dict(logits=S1), "Geometric", dict(probs=Q3)),
    ("ContinuousBernoulli", dict(probs=P3), "ContinuousBernoulli", dict(probs=Q3)),
    ("ContinuousBernoulli", dict(logits=S1), "ContinuousBernoulli", dict(logits=-S2)),
    ("Beta", dict(concentration1=S1, concentration0=S2), "ContinuousBernoulli", dict(probs=Q3)),
    ("Uniform", dict(low=np.array([0.1, 0.0, 0.3]), high=np.array([0.5, 0.5, 1.0])),
     "ContinuousBernoulli", dict(probs=Q3)),
    ("ContinuousBernoulli", dict(probs=P3), "Uniform",
     dict(low=np.array([-0.1, 0.0, -1.0]), high=np.array([1.5, 2.0, 1.0]))),
    ("ContinuousBernoulli", dict(probs=P3), "Normal", dict(loc=S1 - 1, scale=S2)),
    ("ContinuousBernoulli", dict(probs=P3), "Exponential", dict(rate=S1)),
    ("ContinuousBernoulli", dict(probs=P3), "Pareto", dict(scale=S1, alpha=S2)),
    ("Chi2", dict(df=S1 * 3), "Chi2", dict(df=S2 * 3)),
    ("Chi2", dict(df=S1 * 3), "Gamma", dict(concentration=S2, rate=S1)),
    ("Chi2", dict(df=S1), "ContinuousBernoulli", dict(probs=Q3)),
    ("Exponential", dict(rate=S1), "ContinuousBernoulli", dict(probs=Q3)),
    ("Gumbel", dict(loc=S1, scale=S2), "ContinuousBernoulli", dict(probs=Q3)),
    ("Laplace", dict(loc=S1, scale=S2), "ContinuousBernoulli", dict(probs=Q3)),
    ("Normal", dict(loc=S1, scale=S2), "ContinuousBernoulli", dict(probs=Q3)),
    ("Pareto", dict(scale=S1, alpha=S2), "ContinuousBernoulli", dict(probs=Q3)),
]


@pytest.mark.parametrize("pair", KL_PAIRS, ids=[f"{p[0]}-{p[2]}" for p in KL_PAIRS])
def test_kl_matches_torch_in_value_and_gradient(pair):
    assert_kl_matches_torch(*pair, rng=R, q_grad=True)


def test_kl_gradcheck_and_gradgradcheck():
    cases = [lambda a, b: ED.kl_divergence(ED.Geometric(a), ED.Geometric(b)),
             lambda a, b: ED.kl_divergence(ED.ContinuousBernoulli(a),
                                           ED.ContinuousBernoulli(b)),
             lambda a, b: ED.kl_divergence(ED.ContinuousBernoulli(a), ED.Normal(b, a + 1))]
    for fn in cases:
        assert_gradchecks(fn, ([0.2, 0.6, 0.9], [0.7, 0.3, 0.55]))
