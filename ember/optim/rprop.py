"""Rprop (resilient backpropagation), PyTorch's single-tensor arithmetic."""
from __future__ import annotations

from typing import Iterable, Optional

from . import _functional as F
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: per-coordinate step sizes grown while the gradient keeps its sign.

    Args:
        lr: the initial step size (default 1e-2).
        etas: (etaminus, etaplus) step-size factors, ``0 < etaminus < 1 < etaplus``.
        step_sizes: (min, max) allowed step sizes.

    >>> opt = ember.optim.Rprop([w], lr=1e-2)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False,
                 foreach: Optional[bool] = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _new_state(self, p, group: dict) -> dict:
        new = {}
        new["prev"] = F.zeros_state(p)
        new["step_size"] = F.full_state(p, F.value(group["lr"]))
        return new


def _rprop(p, state: dict, group: dict) -> None:
    """One Rprop update of parameter ``p`` in place."""
    xp = p._backend.xp
    etaminus, etaplus = group["etas"]
    lo, hi = group["step_sizes"]
    F.incr(state["step"])
    g = F.grad_of(p, group["maximize"], 0)
    prev, step_size = state["prev"]._data, state["step_size"]._data
    sign = xp.sign(g * prev)
    em = F.scalar(sign, etaminus)
    sign[sign > 0] = F.scalar(sign, etaplus)
    sign[sign < 0] = em
    sign[sign == 0] = 1
    step_size *= sign
    xp.clip(step_size, F.scalar(step_size, lo), F.scalar(step_size, hi), out=step_size)
    g = g.copy()
    g[sign == em] = 0
    F.addcmul_(p._data, xp.sign(g), step_size, -1)
    prev[...] = g


Rprop._update = staticmethod(_rprop)
