"""``nn.CTCLoss``: the Connectionist Temporal Classification loss as a module."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """The CTC loss between unsegmented time series and their target label sequences.

    Args:
        blank: the blank label. reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        zero_infinity: zero infinite losses and their gradients.

    Shape: log_probs ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` or
    ``(sum(target_lengths),)``; input_lengths and target_lengths ``(N,)`` or tuples;
    output a scalar, or ``(N,)`` (``()`` unbatched) with ``reduction='none'``.

    >>> import ember
    >>> loss = ember.nn.CTCLoss()(ember.randn(5, 1, 3).log_softmax(2), ember.tensor([[1, 2]]),
    ...                           ember.tensor([5]), ember.tensor([2]))
    >>> loss.shape
    torch.Size([])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
