"""Multi-class margin losses and the triplet loss with a custom distance (PyTorch's names)."""
from __future__ import annotations

from typing import Callable, Optional

from ..._tensor import Tensor
from ...ops import math as M
from ...ops.elementwise import where
from .activation import logsigmoid, pairwise_distance
from .loss import _reduce, _reduction

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "triplet_margin_with_distance_loss"]


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _as_matrix(input: Tensor, target: Tensor):
    """``(N, C)`` input and the target with a leading batch dim; PyTorch's shape checks."""
    if input.dim() > 2 or (input.dim() == 2 and input.size(1) == 0) or \
            (input.dim() == 1 and input.size(0) == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    if target.dtype.name != "int64":
        raise RuntimeError(f"expected scalar type Long but found {_scalar_name(target)}")
    return input.reshape(-1, 1) if input.dim() == 0 else input.reshape(-1, input.size(-1))


def _scalar_name(t: Tensor) -> str:
    names = {"float32": "Float", "float64": "Double", "int32": "Int", "int16": "Short",
             "int8": "Char", "uint8": "Byte", "bool": "Bool", "float16": "Half",
             "bfloat16": "BFloat16"}
    return names.get(t.dtype.name, t.dtype.name)


def _finish(loss: Tensor, input: Tensor, target: Tensor, reduction: str) -> Tensor:
    """Reduce per-sample losses; unreduced 1-D inputs answer in the target's shape."""
    if reduction == "none" and input.dim() < 2:
        return loss.reshape(target.shape)
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Optional[Tensor] = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss ``sum_{i != y} max(0, margin - x[y] + x[i])^p / C``.

    Args:
        input: ``(N, C)`` or ``(C)`` scores; target: ``(N)`` or ``()`` class indices.
        p: 1 or 2; margin: the margin; weight: ``(C)`` per-class weights of the target class.

    >>> F.multi_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
    tensor(0.3250)
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = _as_matrix(input, target)
    n, c = x.shape
    if target.dim() > 1 or target.numel() != n or (input.dim() == 2 and target.dim() != 1):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{n}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got "
                           f"{list(weight.shape)}")
    if weight is not None and weight.requires_grad:
        raise RuntimeError("The function 'multi_margin_loss' is not differentiable with "
                           "respect to argument 'weight'. This input cannot have "
                           "requires_grad True.")
    y = target.reshape(n, 1)
    if y.numel() and bool(((y < 0) | (y >= c)).any()):
        raise RuntimeError("target out of range")
    z = (margin - x.gather(1, y) + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.to(x.dtype)[y.reshape(-1)].reshape(n, 1)
    other = y != _arange_like(x, c)
    loss = where(other, z, z * 0).sum(1) / c
    return _finish(loss, input, target, reduction)


def _arange_like(x: Tensor, c: int) -> Tensor:
    """``arange(c)`` as a ``(1, c)`` int64 tensor on ``x``'s device."""
    xp = x._backend.xp
    return x._from_array(xp.arange(c, dtype=xp.int64).reshape(1, c))


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: every target class should beat every non-target class by 1.

    ``target`` holds class indices, ended by the first ``-1``; shape ``(N, C)`` or ``(C)``.

    >>> F.multilabel_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]),
    ...                          ember.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x = _as_matrix(input, target)
    n, c = x.shape
    same = tuple(target.shape) == tuple(input.shape) if input.dim() == 2 else \
        target.dim() <= 1 and target.numel() == c
    if not same:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of "
                               f"size: {list(input.shape)}")
    t = target._data.reshape(n, c)
    xp = x._backend.xp
    if t.size and bool(((t < -1) | (t >= c)).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    valid = xp.cumprod(t != -1, axis=1).astype(bool)         # the prefix before the first -1
    classes = xp.arange(c).reshape(1, 1, c)
    is_target = ((t[:, :, None] == classes) & valid[:, :, None]).any(1)
    pairs = valid[:, :, None] & ~is_target[:, None, :]        # (target j, non-target i)
    x_t = x.gather(1, x._from_array(xp.where(valid, t, 0)))
    z = (1 - x_t.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)
    loss = where(x._from_array(pairs), z, z * 0).sum((1, 2)) / c
    if reduction == "none" and input.dim() < 2:
        return loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-versus-all logistic loss, averaged over the classes.

    >>> F.multilabel_soft_margin_loss(ember.tensor([[0.0, 0.0]]), ember.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Optional[Callable[[Tensor, Tensor], Tensor]] = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance ``d`` (default: L2).

    >>> a = ember.zeros(1, 2)
    >>> F.triplet_margin_with_distance_loss(a, a, a + 3.0)
    tensor(0.)
    """
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a_dim}D, positive "
                           f"{p_dim}D, and negative {n_dim}D inputs")
    if distance_function is None:
        distance_function = pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = M.minimum(dist_neg, distance_function(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)
