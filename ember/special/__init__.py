"""``ember.special``: PyTorch's ``torch.special`` namespace.

SciPy's kernels are used when SciPy is installed; without it ember computes every function
with NumPy (see ``_kernels``). Each function has PyTorch's gradient (``zeta``'s only with
respect to ``other``, as in PyTorch).

>>> import ember
>>> ember.special.ndtr(ember.tensor([0.0, 1.0]))
tensor([0.5000, 0.8413])
"""
from __future__ import annotations

from ..ops.math import erf, exp2, expm1, log1p, round, sigmoid as expit, xlogy
from ..ops.math_extra import sinc
from ..ops.reduce import logsumexp
from . import _ops
from ._ops import entr, ndtr, xlog1py, zeta

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc",
           "softmax", "xlog1py", "xlogy", "zeta"]

erfc = _ops.unary(_ops.Erfc, "special_erfc")
erfcx = _ops.unary(_ops.Erfcx, "special_erfcx")
erfinv = _ops.unary(_ops.Erfinv, "special_erfinv")
ndtri = _ops.unary(_ops.Ndtri, "special_ndtri")
log_ndtr = _ops.unary(_ops.LogNdtr, "special_log_ndtr")
gammaln = _ops.unary(_ops.Lgamma, "special_gammaln")
digamma = _ops.unary(_ops.Digamma, "special_digamma")
psi = _ops.unary(_ops.Digamma, "special_psi")
i0 = _ops.unary(_ops.I0, "special_i0")
i0e = _ops.unary(_ops.I0e, "special_i0e")
i1 = _ops.unary(_ops.I1, "special_i1")
i1e = _ops.unary(_ops.I1e, "special_i1e")


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma, elementwise."""
    return _ops.polygamma(n, input, out=out, _name="special_polygamma")


def multigammaln(input, p, *, out=None):
    """Log of the multivariate gamma function of dimension ``p``, elementwise."""
    return _ops.mvlgamma(input, p, out=out, _name="special_multigammaln")


def logit(input, eps=None, *, out=None):
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    return _ops.logit(input, eps, out=out, _name="special_logit")


def softmax(input, dim, *, dtype=None):
    """``ember.nn.functional.softmax`` with a required ``dim``."""
    from ..nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """``ember.nn.functional.log_softmax`` with a required ``dim``."""
    from ..nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)
