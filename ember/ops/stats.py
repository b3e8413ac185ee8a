"""Order statistics and counts: quantile, nanquantile, histc, unique, bincount."""
from __future__ import annotations

import numpy as np

from .._dtype import bool_
from .._tensor import Tensor
from ._util import wrap_dim
from .extrema import sort
from .reduce import _maybe_out, where_


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_checks(input, q, interpolation):
    from .creation import tensor
    if isinstance(q, Tensor):
        qt = q
    elif isinstance(q, (float, int)) and not isinstance(q, bool):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qt = tensor(float(q), dtype=input.dtype, device=input.device)
    else:
        raise TypeError(f"quantile() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__name__}), but expected one of:")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if qt.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype.name not in ("float32", "float64"):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qt.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if qt.numel() and not bool(((qt >= 0) & (qt <= 1)).all()):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    return qt


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    from .math import ceil, floor, lerp, round
    qt = _quantile_checks(input, q, interpolation)
    if dim is None:
        x = input.reshape(-1)
    else:
        d = wrap_dim(dim, input.ndim)
        x = input.movedim(d, -1) if input.ndim else input.reshape(1)
    srt = sort(x, -1).values
    n = srt.shape[-1]
    nan = srt.isnan()
    if ignore_nan:  # ranks among the non-NaN values; an all-NaN slice gives rank 0 (NaN)
        ranks = qt * (~nan).sum(-1, keepdim=True).sub(1)
        ranks = where_(ranks < 0, ranks.new_zeros(()), ranks)
    else:  # a slice holding NaN points at its last (NaN) value
        ranks = where_(nan.any(-1, keepdim=True), qt.new_full((), n - 1), qt * (n - 1))
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": floor, "higher": ceil, "nearest": round}[interpolation](ranks)
    below = ranks.long()
    res = srt.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weight = ranks - below if interpolation == "linear" else ranks.new_full((), 0.5)
        res = lerp(res, srt.gather(-1, ceil(ranks).long()), weight)
    res = res.movedim(-1, 0) if qt.ndim else res.squeeze(-1)
    if keepdim:
        lead = 1 if qt.ndim else 0
        if dim is None:
            res = res.reshape(res.shape[:lead] + (1,) * input.ndim)
        elif input.ndim:
            res = res.unsqueeze(lead + d)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles of ``input`` along ``dim`` (of all elements when None).

    Args:
        q: a float or a 1-D tensor of probabilities in [0, 1]; a tensor's values become the
            result's first dimension.
        interpolation: "linear", "lower", "higher", "midpoint" or "nearest".

    >>> ember.quantile(ember.tensor([1., 2., 3., 4.]), 0.5)
    tensor(2.5000)
    """
    return _maybe_out(_quantile(input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """:func:`quantile` ignoring NaN values (NaN only where a slice is all NaN)."""
    return _maybe_out(_quantile(input, q, dim, keepdim, interpolation, True), out)


def _c_num(v):
    v = float(v)
    return "-nan" if v != v else (str(int(v)) if v.is_integer() else repr(v))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range when equal).

    Elements outside the range are ignored; the last bin includes ``max``.

    >>> ember.histc(ember.tensor([1., 2., 1.]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    xp = input._backend.xp
    a = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_c_num(lo)}, {_c_num(hi)}] is not finite")
    lo_a, hi_a = a.dtype.type(lo), a.dtype.type(hi)
    kept = a[(a >= lo_a) & (a <= hi_a)]
    pos = ((kept - lo_a) * bins / (hi_a - lo_a)).astype(np.int64)
    pos[pos == bins] = bins - 1
    counts = xp.bincount(pos, minlength=bins).astype(a.dtype)
    return _maybe_out(input._from_array(counts), out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The sorted unique elements (optionally with inverse indices and counts)."""
    xp = input._backend.xp
    if dim is not None and input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if dim is not None:
        res = xp.unique(input._data, return_inverse=True, return_counts=True,
                        axis=wrap_dim(dim, input.ndim))
    else:
        res = xp.unique(input._data.reshape(-1), return_inverse=True, return_counts=True)
    vals, inv, counts = res
    out = [input._from_array(vals)]
    if return_inverse:
        shape = input.shape if dim is None else (input.shape[wrap_dim(dim, input.ndim)],)
        out.append(input._from_array(inv.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(input._from_array(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    if input.dtype.is_floating_point or input.dtype is bool_:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    if input.ndim != 1 or (input.numel() and int(input._data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = None if weights is None else weights._data
    return input._from_array(input._backend.xp.bincount(input._data, w, minlength))
