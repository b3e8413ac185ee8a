"""Adam (and its AMSGrad variant), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from ._adam_base import check_args
from .optimizer import Optimizer

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: adaptive moment estimation (``decoupled_weight_decay=True`` gives AdamW).

    >>> opt = ember.optim.Adam([w], lr=1e-3)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None, decoupled_weight_decay: bool = False) -> None:
        betas = check_args(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    _group_defaults = dict(amsgrad=False, maximize=False, foreach=None, capturable=False,
                           differentiable=False, decoupled_weight_decay=False, fused=None)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["exp_avg"] = F.zeros_state(p)
        new["exp_avg_sq"] = F.zeros_state(p)
        if group["amsgrad"]:
            new["max_exp_avg_sq"] = F.zeros_state(p)
        return new


def _adam(p, state: dict, group: dict) -> None:
    """One Adam update of parameter ``p`` in place."""
    x, g, m, v, step = F.adam_moments(p, state, group)
    lr, eps = F.value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    step_size = lr / (1 - beta1 ** step)
    bc2_sqrt = (1 - beta2 ** step) ** 0.5
    if group["amsgrad"]:
        vmax = state["max_exp_avg_sq"]._data
        p._backend.xp.maximum(vmax, v, out=vmax)
        v = vmax
    denom = p._backend.xp.sqrt(v) / F.scalar(v, bc2_sqrt)
    denom += F.scalar(v, eps)
    F.addcdiv_(x, m, denom, -step_size)


Adam._update = staticmethod(_adam)
