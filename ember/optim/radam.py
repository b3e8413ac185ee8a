"""RAdam (rectified Adam), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from ._adam_base import check_args
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: Adam with a rectified adaptive learning rate during warm-up.

    >>> opt = ember.optim.RAdam([w], lr=1e-3)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: Optional[bool] = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        betas = check_args(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False,
                           decoupled_weight_decay=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["exp_avg"] = F.zeros_state(p)
        new["exp_avg_sq"] = F.zeros_state(p)
        return new


def _radam(p, state: dict, group: dict) -> None:
    """One RAdam update of parameter ``p`` in place."""
    x, g, m, v, step = F.adam_moments(p, state, group)
    lr, eps = F.value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
    update = m / F.scalar(m, bc1)
    update *= F.scalar(m, lr)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
    if rho_t > 5.0:
        root = p._backend.xp.sqrt(v)
        root += F.scalar(root, eps)
        adaptive = 1 / root  # PyTorch's float / Tensor is reciprocal() * float
        adaptive *= F.scalar(root, bc2 ** 0.5)
        update *= adaptive
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        update *= F.scalar(update, rect)
    x -= update


RAdam._update = staticmethod(_radam)
