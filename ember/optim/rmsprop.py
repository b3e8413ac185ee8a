"""RMSprop (optionally centered, with momentum), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    >>> opt = ember.optim.RMSprop([w], lr=1e-2, alpha=0.99)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for name, val in (("learning rate", lr), ("epsilon value", eps),
                          ("momentum value", momentum), ("weight_decay value", weight_decay),
                          ("alpha value", alpha)):
            if not 0.0 <= val:
                raise ValueError(f"Invalid {name}: {val}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = dict(momentum=0, centered=False, foreach=None, maximize=False,
                           differentiable=False, capturable=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["square_avg"] = F.zeros_state(p)
        if group["momentum"] > 0:
            new["momentum_buffer"] = F.zeros_state(p)
        if group["centered"]:
            new["grad_avg"] = F.zeros_state(p)
        return new


def _rmsprop(p, state: dict, group: dict) -> None:
    """One RMSprop update of parameter ``p`` in place."""
    xp, x = p._backend.xp, p._data
    lr, alpha, eps, momentum = F.value(group["lr"]), group["alpha"], group["eps"], \
        group["momentum"]
    F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], group["weight_decay"])
    sq = state["square_avg"]._data
    F.mul_(sq, alpha)
    F.addcmul_(sq, g, g, 1 - alpha)
    if group["centered"]:
        gavg = state["grad_avg"]._data
        F.lerp_(gavg, g, 1 - alpha)
        avg = xp.sqrt(F.addcmul_(sq.copy(), gavg, gavg, -1))
    else:
        avg = xp.sqrt(sq)
    avg += F.scalar(avg, eps)
    if momentum > 0:
        buf = state["momentum_buffer"]._data
        F.mul_(buf, momentum)
        F.addcdiv_(buf, g, avg)
        F.add_(x, buf, -lr)
    else:
        F.addcdiv_(x, g, avg, -lr)


RMSprop._update = staticmethod(_rmsprop)
