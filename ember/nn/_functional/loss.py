"""Loss functions (PyTorch's names, options, reductions and error messages)."""
from __future__ import annotations

import math
import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...autograd.node import Primitive
from ...ops import math as M
from ...ops.elementwise import where
from ._activation_ops import Softplus
from ._nll import cross_entropy, nll_loss
from ._pointwise_losses import BCEWithLogits, HuberLoss, MseLoss, SmoothL1Loss, pointwise_loss
from .activation import pairwise_distance
from ...amp import _policy as _amp

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "gaussian_nll_loss",
           "poisson_nll_loss", "hinge_embedding_loss", "soft_margin_loss",
           "triplet_margin_loss"]


def _legacy_reduction(size_average, reduce, emit_warning=True) -> str:
    """The ``reduction`` string that the deprecated ``size_average``/``reduce`` pair means."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


@_amp.op("mse_loss")
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(x - y)^2``, reduced."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return pointwise_loss(MseLoss, input, target, reduction)
    diff = input - target
    return _reduce(diff * diff * weight, reduction)


@_amp.op("l1_loss")
def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|x - y|``, reduced."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    loss = M.abs(input - target)
    return _reduce(loss if weight is None else loss * weight, reduction)


@_amp.op("smooth_l1_loss")
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Quadratic below ``beta``, linear above (``0.5 z^2 / beta`` or ``z - 0.5 beta``)."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _reduce(M.abs(input - target), reduction)
    return pointwise_loss(SmoothL1Loss, input, target, reduction, beta=beta)


@_amp.op("huber_loss")
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Quadratic below ``delta``, ``delta``-linear above."""
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return pointwise_loss(HuberLoss, input, target, reduction, delta=delta)
    z = M.abs(input - target)
    loss = where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    return _reduce(loss * weight, reduction)


class BinaryCrossEntropy(Primitive, node_name="BinaryCrossEntropyBackward0"):
    """``-(t log x + (1 - t) log(1 - x))`` with logs clamped at -100 (as PyTorch)."""
    save_inputs = True

    def forward(self, x, t):
        xp = self.xp
        with_errstate = getattr(xp, "errstate", None)
        ctx = with_errstate(divide="ignore") if with_errstate else _null()
        with ctx:
            lx = xp.maximum(xp.log(x), -100)
            l1x = xp.maximum(xp.log1p(-x), -100)
        return (-(t * lx + (1 - t) * l1x)).astype(x.dtype, copy=False)

    def backward(self, grad):
        x, t = self.inputs
        gx = gt = None
        if self._in_meta[0] is not None:
            gx = grad * (x - t) / ((1 - x) * x).clamp_min(1e-12)
        if self._in_meta[1] is not None:
            gt = grad * (M.log1p(-x).clamp_min(-100) - M.log(x).clamp_min(-100))
        return gx, gt


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@_amp.op("binary_cross_entropy")
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target``."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    if input.numel():
        lo, hi = float(input._data.min()), float(input._data.max())
        if lo < 0 or hi > 1 or math.isnan(lo) or math.isnan(hi):
            raise RuntimeError("all elements of input should be between 0 and 1")
    if target.dtype is not input.dtype:
        target = target.to(input.dtype)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@_amp.op("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy in one stable expression; ``pos_weight`` scales positives."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    if weight is None and (pos_weight is None or pos_weight.shape == input.shape[-1:] or
                           pos_weight.numel() == 1):
        pw = None if pos_weight is None else pos_weight.detach().to(input.dtype)
        return pointwise_loss(BCEWithLogits, input, target, reduction, pos_weight=pw)
    log_sig_neg = Softplus.apply(-input, beta=1.0, threshold=20.0)  # = -log(sigmoid(x))
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * log_sig_neg
    else:
        loss = (1 - target) * input + log_sig_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@_amp.op("kl_div")
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``target * (log target - input)`` with ``input`` in log-space."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = M.exp(target) * (target - input)
    else:
        loss = M.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.size(0) if input.dim() != 0 else loss.sum()
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos`` for target 1, ``max(0, cos - margin)`` for target -1."""
    reduction = _reduction(size_average, reduce, reduction)
    dim = input1.dim() - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = prod / M.sqrt(mag)
    zero = cos * 0
    loss = where(target == 1, 1 - cos, zero) + where(target == -1, (cos - margin).clamp_min(0),
                                                     zero)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (x1 - x2) + margin)``."""
    reduction = _reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood with predicted variance ``var``."""
    if not isinstance(var, Tensor):
        var = input.new_full((), float(var))
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif not (input.size()[:-1] == var.size()[:-1] and var.size(-1) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (M.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = M.exp(input) - target * input if log_input else input - target * M.log(input + eps)
    if full:
        stirling = target * M.log(target) - target + 0.5 * M.log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``x`` for target 1, ``max(0, margin - x)`` for target -1."""
    reduction = _reduction(size_average, reduce, reduction)
    zero = input * 0
    loss = where(target == 1, input, zero) + where(target == -1, (margin - input).clamp_min(0),
                                                   zero)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))``."""
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce(Softplus.apply(-(input * target), beta=1.0, threshold=20.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with p-norm distances."""
    reduction = _reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = M.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)

