"""KL divergences of Geometric, ContinuousBernoulli and Chi2 (with each other and with the
other families torch pairs them with): values and gradients against torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import assert_same, make, torch_or_skip
from ember.autograd import gradcheck, gradgradcheck

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
    torch = torch_or_skip()
    pn, pk, qn, qk = pair
    ep, ep_args = make("ember", pn, pk, requires_grad=True)
    eq, eq_args = make("ember", qn, qk, requires_grad=True)
    tp, tp_args = make("torch", pn, pk, requires_grad=True)
    tq, tq_args = make("torch", qn, qk, requires_grad=True)
    e, t = ED.kl_divergence(ep, eq), torch.distributions.kl_divergence(tp, tq)
    assert_same(e, t, rtol=1e-10, atol=1e-12)
    finite = np.isfinite(t.detach().numpy())
    if not finite.any():
        return
    w = R.normal(size=finite.shape)
    names = [k for k in tp_args if tp_args[k].requires_grad]
    names_q = [k for k in tq_args if tq_args[k].requires_grad]
    t_in = [tp_args[k] for k in names] + [tq_args[k] for k in names_q]
    e_in = [ep_args[k] for k in names] + [eq_args[k] for k in names_q]
    tg = torch.autograd.grad((torch.where(torch.tensor(finite), t, 0.0) * torch.tensor(w))
                             .sum(), t_in, allow_unused=True)
    eg = ember.autograd.grad((ember.where(ember.tensor(finite), e, 0.0) * ember.tensor(w))
                             .sum(), e_in, allow_unused=True)
    for a, b in zip(eg, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10)


def test_kl_gradcheck_and_gradgradcheck():
    a, b = (ember.tensor(v, dtype=ember.float64, requires_grad=True)
            for v in ([0.2, 0.6, 0.9], [0.7, 0.3, 0.55]))
    cases = [lambda a, b: ED.kl_divergence(ED.Geometric(a), ED.Geometric(b)),
             lambda a, b: ED.kl_divergence(ED.ContinuousBernoulli(a),
                                           ED.ContinuousBernoulli(b)),
             lambda a, b: ED.kl_divergence(ED.ContinuousBernoulli(a), ED.Normal(b, a + 1))]
    for fn in cases:
        assert gradcheck(fn, (a, b))
        assert gradgradcheck(fn, (a, b))
