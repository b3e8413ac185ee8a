"""Multi-class margin loss modules, the custom-distance triplet loss and ``NLLLoss2d``."""
from __future__ import annotations

import warnings
from typing import Callable, Optional

from ..._tensor import Tensor
from .. import functional as F
from .loss import NLLLoss, _Loss, _WeightedLoss
from .module import Module

__all__ = ["MultiMarginLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
           "TripletMarginWithDistanceLoss", "NLLLoss2d"]


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{i != y} max(0, margin - x[y] + x[i])^p / C``.

    Args:
        p: 1 or 2 (default 1); margin: default 1; weight: ``(C)`` class weights.

    Shape: input ``(N, C)`` or ``(C)``, target ``(N)`` or ``()``.

    >>> ember.nn.MultiMarginLoss()(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
    tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Optional[Tensor] = None,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError("MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss; ``target`` holds class indices ended by the first ``-1``.

    >>> loss = ember.nn.MultiLabelMarginLoss()
    >>> loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss, averaged over the ``C`` classes."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


try:  # the public nn.PairwiseDistance, when present
    from .extra import PairwiseDistance
except ImportError:  # pragma: no cover - a private stand-in with the same repr
    class PairwiseDistance(Module):
        """``||x1 - x2 + eps||_p`` over the last dimension (the default triplet distance)."""

        def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
            super().__init__()
            self.norm, self.eps, self.keepdim = p, eps, keepdim

        def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
            return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with a custom distance (default L2).

    Args:
        distance_function: ``d(x1, x2)`` returning a distance per sample.
        margin: a positive margin (default 1); swap: use the distance swap.

    >>> a = ember.zeros(2, 3)
    >>> ember.nn.TripletMarginWithDistanceLoss()(a, a, a + 1.0)
    tensor(0.)
    """

    def __init__(self, *, distance_function: Optional[Callable[[Tensor, Tensor], Tensor]] = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater than "
                             f"0, got {margin} instead")
        self.distance_function = distance_function if distance_function is not None \
            else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of ``NLLLoss`` (warns with PyTorch's ``FutureWarning``)."""

    def __init__(self, weight: Optional[Tensor] = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
