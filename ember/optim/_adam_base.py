"""Validation shared by the Adam family (Adam, AdamW, Adamax, NAdam, RAdam)."""
from __future__ import annotations


def check_args(lr, eps, betas, weight_decay) -> tuple:
    """Raise PyTorch's errors for bad hyper-parameters; returns ``betas`` as a tuple."""
    if hasattr(lr, "numel") and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    return tuple(b.item() if hasattr(b, "_data") else b for b in betas)


def set_group_defaults(optimizer, **defaults) -> None:
    """Fill options missing from groups of an older state dict."""
    for group in optimizer.param_groups:
        for key, default in defaults.items():
            group.setdefault(key, default)
