"""Adamax (Adam with the infinity norm), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from ._adam_base import check_args
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: a variant of Adam based on the infinity norm.

    >>> opt = ember.optim.Adamax([w], lr=2e-3)
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 foreach: Optional[bool] = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        betas = check_args(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["exp_avg"] = F.zeros_state(p)
        new["exp_inf"] = F.zeros_state(p)
        return new


def _adamax(p, state: dict, group: dict) -> None:
    """One Adamax update of parameter ``p`` in place."""
    xp = p._backend.xp
    lr, eps = F.value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    step = F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], group["weight_decay"])
    m, u = state["exp_avg"]._data, state["exp_inf"]._data
    F.lerp_(m, g, 1 - beta1)
    F.mul_(u, beta2)
    norm = xp.abs(g)
    norm += F.scalar(norm, eps)
    xp.maximum(u, norm, out=u)
    clr = lr / (1 - beta1 ** step)
    F.addcdiv_(p._data, m, u, -clr)


Adamax._update = staticmethod(_adamax)
