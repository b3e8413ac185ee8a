"""Closed-form KL divergences for Geometric and ContinuousBernoulli (Chi2 uses Gamma's)."""
from __future__ import annotations

import math

from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .kl import register_kl
from .kl_cross import _kl_infinity
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _cross_entropy_continuous_bernoulli(q, mean):
    """``-E[log q(x)]`` for a ``ContinuousBernoulli`` ``q`` and any law of mean ``mean`` on
    [0, 1] (the log density is linear in ``x``)."""
    return -mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _cross_entropy_continuous_bernoulli(q, p.mean)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    from .. import where
    result = -p.entropy() + _cross_entropy_continuous_bernoulli(q, p.mean)
    # PyTorch's test: infinite unless the uniform lies strictly inside (0, 1)
    outside = (p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound)
    return where(outside, math.inf, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).square()) + q.scale.log()
    t3 = (p.variance + p.mean.square() - 2.0 * q.loc * p.mean) / (2.0 * q.scale.square())
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    from .. import where
    result = -p.entropy() + (q.high - q.low).log()
    # PyTorch's test: infinite unless the uniform reaches strictly past [0, 1] on both sides
    outside = (q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound)
    return where(outside, math.inf, result)


# p puts mass where q has none
register_kl(ContinuousBernoulli, Pareto)(_kl_infinity)
register_kl(Exponential, ContinuousBernoulli)(_kl_infinity)
register_kl(Gamma, ContinuousBernoulli)(_kl_infinity)
register_kl(Gumbel, ContinuousBernoulli)(_kl_infinity)
register_kl(Laplace, ContinuousBernoulli)(_kl_infinity)
register_kl(Normal, ContinuousBernoulli)(_kl_infinity)
register_kl(Pareto, ContinuousBernoulli)(_kl_infinity)
