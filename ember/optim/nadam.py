"""NAdam (Adam with Nesterov momentum), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from ._adam_base import check_args
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a momentum-decay schedule.

    >>> opt = ember.optim.NAdam([w], lr=2e-3)
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: Optional[bool] = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        betas = check_args(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                           decoupled_weight_decay=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["mu_product"] = F.step_state(1.0)
        new["exp_avg"] = F.zeros_state(p)
        new["exp_avg_sq"] = F.zeros_state(p)
        return new


def _nadam(p, state: dict, group: dict) -> None:
    """One NAdam update of parameter ``p`` in place."""
    x, g, m, v, step = F.adam_moments(p, state, group)
    lr, eps, decay = F.value(group["lr"]), group["eps"], group["momentum_decay"]
    beta1, beta2 = group["betas"]
    bc2 = 1 - beta2 ** step
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
    mu_t = state["mu_product"]
    F.mul_(mu_t._data, mu)
    mu_t._bump()
    mu_product = float(mu_t._data)
    denom = p._backend.xp.sqrt(v / F.scalar(v, bc2))
    denom += F.scalar(denom, eps)
    F.addcdiv_(x, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
    F.addcdiv_(x, m, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next))


NAdam._update = staticmethod(_nadam)
