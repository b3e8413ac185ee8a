"""Adadelta, PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and updates.

    >>> opt = ember.optim.Adadelta([w])
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0,
                 foreach: Optional[bool] = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, capturable=capturable, foreach=foreach,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["square_avg"] = F.zeros_state(p)
        new["acc_delta"] = F.zeros_state(p)
        return new


def _adadelta(p, state: dict, group: dict) -> None:
    """One Adadelta update of parameter ``p`` in place."""
    xp = p._backend.xp
    lr, rho, eps = F.value(group["lr"]), group["rho"], group["eps"]
    F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], group["weight_decay"])
    sq, acc = state["square_avg"]._data, state["acc_delta"]._data
    F.mul_(sq, rho)
    F.addcmul_(sq, g, g, 1 - rho)
    std = xp.sqrt(sq + F.scalar(sq, eps))
    delta = xp.sqrt(acc + F.scalar(acc, eps))
    delta /= std
    delta *= g
    F.mul_(acc, rho)
    F.addcmul_(acc, delta, delta, 1 - rho)
    F.add_(p._data, delta, -lr)


Adadelta._update = staticmethod(_adadelta)
