"""RMSprop (optionally centered, with momentum), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from . import _functional as F
from ._adam_base import set_group_defaults
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

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        set_group_defaults(self, momentum=0, centered=False, foreach=None, maximize=False,
                           differentiable=False, capturable=False)

    def step(self, closure: Optional[Callable] = None):
        """Perform one optimisation step; returns ``closure()``'s loss if given."""
        return self._run_step(closure, self._update_group)

    def _init_state(self, p, group: dict) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = F.step_state()
            state["square_avg"] = F.zeros_state(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = F.zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = F.zeros_state(p)
        return state

    def _update_group(self, group: dict) -> None:
        for p in self._params_with_grad(group):
            _rmsprop(p, self._init_state(p, group), group)
            p._bump()


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
