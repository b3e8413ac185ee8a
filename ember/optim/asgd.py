"""ASGD (averaged stochastic gradient descent), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step ``eta`` and a running average ``ax`` of the
    iterates, started after ``t0`` steps.

    Args:
        lr: learning rate (default 1e-2); lambd: decay term (1e-4); alpha: power for the
        eta update (0.75); t0: the step at which averaging starts (1e6); weight_decay: L2.

    >>> opt = ember.optim.ASGD([w], lr=1e-2, t0=100)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["eta"] = F.step_state(F.value(group["lr"]))
        new["mu"] = F.step_state(1.0)
        new["ax"] = F.zeros_state(p)
        return new


def _asgd(p, state: dict, group: dict) -> None:
    """One ASGD update of parameter ``p`` in place."""
    x = p._data
    lr, lambd, alpha, t0 = F.value(group["lr"]), group["lambd"], group["alpha"], group["t0"]
    step = F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], group["weight_decay"])
    eta, mu, ax = state["eta"], state["mu"], state["ax"]._data
    eta_value = float(eta._data)
    F.mul_(x, 1 - lambd * eta_value)
    F.add_(x, g, -eta_value)
    mu_value = float(mu._data)
    if mu_value != 1:
        diff = x - ax
        diff *= mu._data.astype(diff.dtype)
        ax += diff
    else:
        ax[...] = x
    eta._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
    eta._bump()
    mu._data[...] = 1 / max(1, step - t0)
    mu._bump()


ASGD._update = staticmethod(_asgd)
