"""Adagrad, PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: per-coordinate learning rates from the sum of squared gradients.

    >>> opt = ember.optim.Adagrad([w], lr=1e-2)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: Optional[bool] = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for name, val in (("learning rate", lr), ("lr_decay value", lr_decay),
                          ("weight_decay value", weight_decay),
                          ("initial_accumulator_value value", initial_accumulator_value),
                          ("epsilon value", eps)):
            if not 0.0 <= val:
                raise ValueError(f"Invalid {name}: {val}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, fused=None)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["sum"] = F.full_state(p, group["initial_accumulator_value"])
        return new


    def share_memory(self) -> None:
        """Move the accumulators to shared memory (a no-op for NumPy arrays)."""

def _adagrad(p, state: dict, group: dict) -> None:
    """One Adagrad update of parameter ``p`` in place."""
    lr, eps = F.value(group["lr"]), group["eps"]
    step = F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], group["weight_decay"])
    clr = lr / (1 + (step - 1) * group["lr_decay"])
    acc = state["sum"]._data
    F.addcmul_(acc, g, g, 1)
    std = p._backend.xp.sqrt(acc)
    std += F.scalar(std, eps)
    F.addcdiv_(p._data, g, std, -clr)


Adagrad._update = staticmethod(_adagrad)
