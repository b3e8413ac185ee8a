"""Closed-form KL divergences between low-rank and full multivariate normals.

Each needs ``log|Sigma_q| - log|Sigma_p|``, the Mahalanobis term of the mean difference
under ``Sigma_q`` and ``trace(Sigma_q^-1 Sigma_p)``; the low-rank sides use the Woodbury
identity ``Sigma_q^-1 = D^-1 - A^T A`` with ``A = C^-1/2 W^T D^-1`` (C the capacitance).
"""
from __future__ import annotations

from .. import broadcast_shapes, linalg
from .kl import _batch_trace_XXT, register_kl
from .lowrank_multivariate_normal import LowRankMultivariateNormal, _batch_lowrank_logdet, \
    _batch_lowrank_mahalanobis
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis

__all__: list = []


def _check_event_shapes(p, q, what):
    if p.event_shape != q.event_shape:
        # PyTorch's message has this run of spaces in the middle
        raise ValueError(f"KL-divergence between two {what} with{' ' * 26}different event "
                         "shapes cannot be computed")


def _logdet(d):
    """log|Sigma| of a LowRankMultivariateNormal."""
    return _batch_lowrank_logdet(d._unbroadcasted_cov_factor, d._unbroadcasted_cov_diag,
                                 d._capacitance_tril)


def _lowrank_mahalanobis(q, diff):
    return _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag,
                                      diff, q._capacitance_tril)


def _woodbury_factor(q):
    """A with Sigma_q^-1 = D_q^-1 - A^T A."""
    Wt_Dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return linalg.solve_triangular(q._capacitance_tril, Wt_Dinv, upper=False)


def _half_logdet_tril(L):
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrankmultivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "Low Rank Multivariate Normals")
    term1 = _logdet(q) - _logdet(p)
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    # trace([D_q^-1 - A^T A] (D_p + W_p W_p^T))
    A = _woodbury_factor(q)
    Wp, Dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    Dq = q._unbroadcasted_cov_diag
    term21 = (Dp / Dq).sum(-1)
    term22 = _batch_trace_XXT(Wp * Dq.rsqrt().unsqueeze(-1))
    term23 = _batch_trace_XXT(A * Dp.sqrt().unsqueeze(-2))
    term24 = _batch_trace_XXT(A.matmul(Wp))
    term2 = term21 + term22 - term23 - term24
    return 0.5 * (term1 + term2 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    Lp = p._unbroadcasted_scale_tril
    term1 = _logdet(q) - 2 * _half_logdet_tril(Lp)
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    # trace([D_q^-1 - A^T A] L_p L_p^T)
    A = _woodbury_factor(q)
    term21 = _batch_trace_XXT(Lp * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _batch_trace_XXT(A.matmul(Lp))
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrankmultivariatenormal_multivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    Lq = q._unbroadcasted_scale_tril
    term1 = 2 * _half_logdet_tril(Lq) - _logdet(p)
    term3 = _batch_mahalanobis(Lq, q.loc - p.loc)
    # trace((L_q L_q^T)^-1 (W_p W_p^T + D_p))
    batch = broadcast_shapes(Lq.shape[:-2], p._unbroadcasted_cov_factor.shape[:-2])
    n = p.event_shape[0]
    Lq = Lq.expand(batch + (n, n))
    Wp = p._unbroadcasted_cov_factor.expand(batch + (n, p.cov_factor.size(-1)))
    sqrt_Dp = p._unbroadcasted_cov_diag.sqrt().diag_embed().expand(batch + (n, n))
    term21 = _batch_trace_XXT(linalg.solve_triangular(Lq, Wp, upper=False))
    term22 = _batch_trace_XXT(linalg.solve_triangular(Lq, sqrt_Dp, upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - p.event_shape[0])
