"""The Wishart distribution over positive-definite matrices."""
from __future__ import annotations

import math
import numbers
import warnings

from .. import arange, broadcast_shapes, cholesky_solve, einsum, linalg, mvlgamma, tensor, where
from .._size import Size
from . import constraints
from ._special import digamma
from .exp_family import ExponentialFamily
from .gamma import Gamma
from .multivariate_normal import _ScaleTrilMatrices
from .utils import _standard_normal, finfo, vec_to_tril_matrix

__all__ = ["Wishart"]

_LOG_2 = math.log(2)
#: how many times ``rsample`` redraws singular samples by default
_MAX_TRY_CORRECTION = 10


def _mvdigamma(x, p: int):
    """The multivariate digamma function: sum_i digamma(x - i / 2), i = 0 .. p - 1."""
    if not bool(x.gt((p - 1) / 2).all()):
        raise AssertionError("Wrong domain for multivariate digamma function.")
    half_steps = arange(p, dtype=x.dtype, device=x.device).div(2)
    return digamma(x.unsqueeze(-1) - half_steps).sum(-1)


class Wishart(_ScaleTrilMatrices, ExponentialFamily):
    """Wishart distribution with ``df`` degrees of freedom (greater than p - 1 for p x p
    matrices) and exactly one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril`` (the scale matrix or its lower Cholesky factor).

    ``rsample`` uses the Bartlett decomposition (chi-square diagonal, normal lower
    triangle), so it is differentiable in ``df`` and the scale.

    >>> Wishart(ember.tensor(4.0), covariance_matrix=ember.eye(2)).sample((3,)).shape
    torch.Size([3, 2, 2])
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None) -> None:
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or "
                                 "scale_tril may be specified.")
        param = given[0]
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = Size(param.shape[:-2])
            self.df = tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = broadcast_shapes(param.shape[:-2], df.shape)
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        p = event_shape[-1]
        if bool(self.df.le(p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        name = ("scale_tril" if scale_tril is not None else
                "covariance_matrix" if covariance_matrix is not None else "precision_matrix")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        if bool(self.df.lt(p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to "
                          "occur for ndim - 1 < df < ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._set_scale_tril(covariance_matrix, precision_matrix, scale_tril)
        self._dist_chi2 = self._chi2(batch_shape)

    def _chi2(self, batch_shape):
        """Chi-square(df - i) for the squared diagonal of the Bartlett factor, i < p."""
        L = self._unbroadcasted_scale_tril
        steps = arange(self._event_shape[-1], dtype=L.dtype, device=L.device)
        df = self.df.unsqueeze(-1) - steps.expand(batch_shape + (-1,))
        return Gamma(0.5 * df, 0.5)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = Size(batch_shape)
        cov_shape = batch_shape + self.event_shape
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        self._expand_matrices(new, cov_shape)
        self._expanded(new, batch_shape)
        new._dist_chi2 = new._chi2(batch_shape)
        return new

    def _matrix_shape(self):
        return self._batch_shape + self._event_shape

    def _df_matrix(self, df):
        return df.view(self._batch_shape + (1, 1))

    @property
    def mean(self):
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = where(factor <= 0, math.nan, factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        diag_V = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (V.pow(2) + einsum("...i,...j->...ij", diag_V, diag_V))

    def _bartlett_sampling(self, sample_shape):
        """S = L A A^T L^T with A lower triangular: sqrt(chi2(df - i)) on the diagonal,
        standard normals below it."""
        p = self._event_shape[-1]
        chi = self._dist_chi2.rsample(sample_shape).sqrt()
        chi = chi.clamp(min=float(finfo(chi.dtype).eps))
        below = _standard_normal(Size(sample_shape) + self._batch_shape + (p * (p - 1) // 2,),
                                 dtype=chi.dtype, device=chi.device)
        noise = chi.diag_embed() + vec_to_tril_matrix(below, diag=-1)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.transpose(-2, -1)

    def _singular(self, sample):
        """One flag per sample: whether any matrix of its batch is not positive definite."""
        bad = ~self.support.check(sample)
        return bad.reshape(bad.shape[:bad.dim() - len(self._batch_shape)] + (-1,)).any(-1)

    def rsample(self, sample_shape=(), max_try_correction=None):
        """Draw with the Bartlett decomposition; singular draws (possible for small ``df``)
        are redrawn up to ``max_try_correction`` (default 10) times, with a warning. A
        sample still singular after that is returned as it is (its ``log_prob`` is -inf)."""
        if max_try_correction is None:
            max_try_correction = _MAX_TRY_CORRECTION
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        singular = self._singular(sample)
        if not bool(singular.any()):
            return sample
        warnings.warn("Singular sample detected.", stacklevel=2)
        for _ in range(max_try_correction):
            fresh = self._bartlett_sampling(sample_shape)
            flags = singular.reshape(singular.shape + (1,) * (sample.dim() - singular.dim()))
            sample = where(flags, fresh, sample)
            singular = singular & self._singular(fresh)
            if not bool(singular.any()):
                break
        return sample

    def _log_det_scale_half(self):
        """p log(2) / 2 + log|L| (half the log-determinant of 2 Sigma)."""
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return p * _LOG_2 / 2 + L.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        trace = cholesky_solve(value, self._unbroadcasted_scale_tril).diagonal(
            dim1=-2, dim2=-1).sum(-1)
        return (-nu * self._log_det_scale_half() - mvlgamma(nu / 2, p=p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self):
        nu, p = self.df, self._event_shape[-1]
        return ((p + 1) * self._log_det_scale_half() + mvlgamma(nu / 2, p=p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p=p) + nu * p / 2)

    @property
    def _natural_params(self):
        nu, p = self.df, self._event_shape[-1]
        return -self.precision_matrix / 2, (nu - p - 1) / 2

    def _log_normalizer(self, x, y):
        p = self._event_shape[-1]
        half_df = y + (p + 1) / 2
        return half_df * (-linalg.slogdet(-2 * x).logabsdet + _LOG_2 * p) + mvlgamma(half_df,
                                                                                     p=p)
