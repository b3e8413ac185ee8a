"""Integration and statistics: trapezoid/trapz/cumulative_trapezoid, logcumsumexp, renorm,
cov and corrcoef."""
from __future__ import annotations

import warnings
from numbers import Number

import numpy as np

from .._dtype import bool_, int64
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import scalar_tensor, wrap_dim
from .reduce import where_


def _wrap_sample_dim(y, dim):
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, y.ndim)


def _x_spacing(name, y, x, dim):
    """Differences of the sample points ``x``, shaped to broadcast against y's pairs."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        x = x.reshape([x.shape[0] if i == dim else 1 for i in range(y.ndim)])
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    n = x.shape[dim]
    return x.narrow(dim, 1, max(n - 1, 0)) - x.narrow(dim, 0, max(n - 1, 0))


def _select(y, dim, i):
    from .index import getitem
    return getitem(y, (slice(None),) * dim + (i,))


def _pairs(y, dim):
    n = y.shape[dim]
    return y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)


def _check_dx(name, dx):
    if not isinstance(dx, Number) or isinstance(dx, (bool, complex)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")


def _check_x_dx(name, x, dx):
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"x=Tensor, dx={type(dx).__name__}), but expected one of:\n * (Tensor y, "
                        "Tensor x, *, int dim = -1)\n * (Tensor y, *, Number dx = 1, int dim = "
                        "-1)\n")


def _check_bool(name, y, x=None):
    if y.dtype is bool_ or (x is not None and x.dtype is bool_):
        which = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(f"{name}: received a bool input for {which}, but bool is not "
                           "supported")


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: sample points ``x`` or a constant spacing ``dx``.

    >>> ember.trapezoid(ember.tensor([1., 5., 10.]))
    tensor(10.5000)
    """
    _check_x_dx("trapezoid", x, dx)
    d = _wrap_sample_dim(y, dim)
    if y.shape[d] == 0:
        return y.new_zeros(tuple(s for i, s in enumerate(y.shape) if i != d))
    if x is None:
        dx = 1 if dx is None else dx
        _check_bool("trapezoid", y)
        _check_dx("trapezoid", dx)
        ends = _select(y, d, 0) + _select(y, d, -1)
        return (y.sum(d) - ends * 0.5) * dx
    _check_bool("trapezoid", y, x)
    left, right = _pairs(y, d)
    return ((right + left) * _x_spacing("trapezoid", y, x, d)).sum(d) / 2.0


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Alias of :func:`trapezoid` (whose ``dx`` it takes as a float)."""
    return trapezoid(y, x, dx=None if dx is None else float(dx), dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal rule along ``dim`` (one element fewer than ``y`` there)."""
    _check_x_dx("cumulative_trapezoid", x, dx)
    if y.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, y.ndim)
    if x is None:
        dx = 1 if dx is None else dx
        _check_bool("cumulative_trapezoid", y)
        _check_dx("cumulative_trapezoid", dx)
        left, right = _pairs(y, d) if y.shape[d] else (y, y)
        return ((left + right) * (dx / 2.0)).cumsum(d)
    _check_bool("cumulative_trapezoid", y, x)
    left, right = _pairs(y, d) if y.shape[d] else (y, y)
    return ((left + right) * _x_spacing("cumulative_trapezoid", y, x, d) / 2.0).cumsum(d)


class Logcumsumexp(Primitive, node_name="LogcumsumexpBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, x):
        return self.xp.logaddexp.accumulate(x, axis=self.dim)

    def backward(self, grad):
        (x,) = self.inputs
        out, d = self.output, self.dim
        # sum_{i >= j} grad_i exp(x_j - out_i), split by the sign of grad so that every
        # term is an exp of a log-sum-exp (overflow-free)
        low = grad.new_full((), float(np.finfo(grad._data.dtype).min))
        pos, neg = grad > 0, grad < 0
        log_abs = _safe_abs(grad, pos | neg).log()

        def rev_lcse(t):
            return logcumsumexp(t.flip(d), d).flip(d)
        gp = (rev_lcse(where_(pos, log_abs, low) - out) + x).exp()
        gn = (rev_lcse(where_(neg, log_abs, low) - out) + x).exp()
        return gp - gn


def _safe_abs(t, ok):
    return where_(ok, t.abs(), t.new_ones(()))


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, computed without overflow.

    >>> ember.logcumsumexp(ember.tensor([0., 0., 0.]), 0)
    tensor([0.0000, 0.6931, 1.0986])
    """
    d = wrap_dim(dim, input.ndim)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    if input.ndim == 0:
        return input.clone()
    return Logcumsumexp.apply(input, dim=d)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Rescale each slice along ``dim`` whose p-norm exceeds ``maxnorm`` to norm ``maxnorm``.

    >>> ember.renorm(ember.tensor([[3., 4.], [0.3, 0.4]]), 2, 0, 1.)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    from ..linalg import vector_norm
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    d = wrap_dim(dim, input.ndim)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {input.dtype._legacy[:-6]}")
    others = tuple(i for i in range(input.ndim) if i != d)
    big = vector_norm(input.detach(), p, others, keepdim=True) > maxnorm
    # slices left as they are get a dummy all-ones input, so the norm's derivative is finite
    norm = vector_norm(where_(big, input, input.new_ones(())), p, others, keepdim=True)
    return input * where_(big, maxnorm / (norm + 1e-7), norm.new_ones(()))


def _check_weights(name, w, n, integral):
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    kind_ok = not (w.dtype.is_floating_point or w.dtype.is_complex or w.dtype is bool_) \
        if integral else w.dtype.is_floating_point
    if not kind_ok:
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{w.dtype._legacy[:-6]} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if n and bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in ``input``'s rows (observations in columns).

    >>> ember.cov(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if not isinstance(correction, int) or isinstance(correction, bool):
        raise TypeError(f"cov(): argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, False)
        w = aweights if w is None else w * aweights
    w_sum = scalar_tensor(n, int64, x) if w is None else w.sum()
    if w is not None and not bool(w_sum != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if bool(norm_factor <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm_factor = norm_factor * 0
    x = x - avg.unsqueeze(1)
    c = x.mm((x if w is None else x * w).t())
    return (c / norm_factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in ``input``'s rows."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.reshape(-1, 1)
    c = c / std.reshape(1, -1)
    return c.clamp(-1, 1)
