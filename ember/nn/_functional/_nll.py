"""``nll_loss`` (one fused node, NllLossBackward0) and ``cross_entropy`` built on it."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.node import Primitive
from . import _activation_ops as P
from ...amp import _policy as _amp


class NllLoss(Primitive, node_name="NllLossBackward0"):
    """``-w[t] * x[i, t[i]]`` over rows of a 2-D ``x``, reduced; the gradient is constant."""

    def forward(self, x):
        xp = self.xp
        picked = x[xp.arange(x.shape[0]), self.safe_t]
        loss = -picked if self.coef is None else -(picked * self.coef)
        if self.reduction == "none":
            return loss.astype(x.dtype, copy=False)
        total = loss.sum()
        if self.reduction == "mean":
            total = total / self.denom
        return xp.asarray(total, dtype=x.dtype)

    def _dense(self):
        """The constant d(loss)/d(input) for a unit upstream gradient."""
        xp = self.xp
        m, c = self._in_meta[0][0]
        dt = self._in_meta[0][1].np
        dense = xp.zeros((m, c), dtype=dt)
        coef = xp.ones(m, dtype=dt) if self.coef is None else self.coef
        scale = coef / self.denom if self.reduction == "mean" else coef
        dense[xp.arange(m), self.safe_t] = -scale.astype(dt, copy=False)
        return dense

    def backward(self, grad):
        const = grad._from_array(self._dense())
        return const * (grad.unsqueeze(1) if self.reduction == "none" else grad)

    def backward_arrays(self, g):
        dense = self._dense()
        return (dense * (g[:, None] if self.reduction == "none" else g),)


def _check_target(input, target):
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{target.dtype._legacy[:-6]}")
    nd = input.dim()
    if nd == 1:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        return
    if nd == 2 and target.dim() != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if nd > 2:
        want = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != want:
            raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")


def _rows(input, target):
    """Input as ``(M, C)`` rows with the class dim last, and the flat targets."""
    if input.dim() == 1:
        return input.unsqueeze(0), target.reshape(1)
    if input.dim() == 2:
        return input, target
    c = input.shape[1]
    return input.movedim(1, -1).reshape(-1, c), target.reshape(-1)


@_amp.op("nll_loss")
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log likelihood of the target classes; input holds log-probabilities.

    Shape: input ``(N, C)``, ``(C)`` or ``(N, C, d1, ...)``; target ``(N)``, ``()`` or
    ``(N, d1, ...)`` of class indices.
    """
    if size_average is not None or reduce is not None:
        from .loss import _legacy_reduction
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_target(input, target)
    x, t = _rows(input, target)
    c = x.shape[1]
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    xp = x._backend.xp
    tt = t._data.astype(xp.int64, copy=False)
    if weight is None and tt.size and not 0 <= ignore_index < c and 0 <= tt.min() \
            and tt.max() < c:
        # unit weights and nothing ignored (the common case): no per-row coefficients
        dt = x.dtype.np
        out = NllLoss.apply(x, safe_t=tt, coef=None, denom=dt.type(tt.size),
                            reduction=reduction)
        return out.reshape(target.shape) if reduction == "none" and input.dim() != 2 else out
    ignore = tt == ignore_index
    bad = (~ignore) & ((tt < 0) | (tt >= c))
    if bool(bad.any()):
        raise IndexError(f"Target {int(tt[bad][0])} is out of bounds.")
    safe = xp.where(ignore, 0, tt)
    w = xp.ones(c, dtype=x.dtype.np) if weight is None else weight._data.astype(x.dtype.np)
    coef = xp.where(ignore, 0, w[safe]).astype(x.dtype.np)
    denom = coef.sum()
    out = NllLoss.apply(x, safe_t=safe, coef=coef, denom=denom, reduction=reduction)
    if reduction == "none" and input.dim() != 2:
        out = out.reshape(target.shape)
    return out


def _smoothing_term(logp, target, weight, ignore_index, reduction):
    """The uniform part of label smoothing: ``-sum_c w_c logp_c`` per element, reduced."""
    c = logp.shape[1] if logp.dim() > 1 else logp.shape[0]
    cdim = 1 if logp.dim() > 1 else 0
    if weight is not None:
        shape = [1] * logp.dim()
        shape[cdim] = c
        smooth = -(logp * weight.reshape(shape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    ignore = target == ignore_index
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "sum":
        return smooth.sum()
    if reduction == "none":
        return smooth
    keep = ~ignore
    if weight is not None:
        return smooth.sum() / weight[target[keep]].sum()
    return smooth.sum() / keep.sum()


def _prob_targets(logp, target, weight, reduction, label_smoothing):
    cdim = 1 if logp.dim() > 1 else 0
    c = logp.shape[cdim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    prod = logp * target
    if weight is not None:
        shape = [1] * logp.dim()
        shape[cdim] = c
        prod = prod * weight.reshape(shape)
    loss = -prod.sum(cdim)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (logp.numel() // c) if logp.dim() > 1 else loss.sum()


@_amp.op("cross_entropy")
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits ``input`` against class indices or class probabilities.

    Fused as log_softmax + nll_loss: two nodes (LogSoftmaxBackward0, NllLossBackward0).
    """
    if size_average is not None or reduce is not None:
        from .loss import _legacy_reduction
        reduction = _legacy_reduction(size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if input.dim() == 0:
        if target.dim() == 0 and not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {target.dtype._legacy[:-6]}")
        if target.dim() == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        raise ValueError("Expected 1 or more dimensions (got 0)")
    cdim = 1 if input.dim() > 1 else 0
    if not input.dtype.is_floating_point:
        kernel = "lastdim_kernel_impl" if cdim == input.dim() - 1 else "kernel_impl"
        raise NotImplementedError(f'"log_softmax_{kernel}" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    logp = P.LogSoftmax.apply(input, dim=cdim)
    if target.dtype.is_floating_point and target.shape == input.shape:
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        return _prob_targets(logp, target, weight, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    c = input.shape[cdim]
    smooth = _smoothing_term(logp, target, weight, ignore_index, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)
