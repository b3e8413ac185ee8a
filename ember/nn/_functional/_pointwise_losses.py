"""Pointwise losses as single graph nodes named like PyTorch's (``MseLossBackward0`` ...).

Each loss gives its elementwise value on arrays and its partial derivatives as ember Tensor
expressions, so the node is differentiable again (double backward works).
"""
from __future__ import annotations

import numpy as np

from ...autograd.node import Primitive
from ...ops.elementwise import where
from ._activation_ops import Softplus


class _PointwiseLoss(Primitive):
    save_inputs = True

    def forward(self, x, y):
        loss = self.elementwise(self.xp, x, y)
        if self.reduction == "mean":
            return self.xp.asarray(loss.mean(), dtype=loss.dtype)
        if self.reduction == "sum":
            return self.xp.asarray(loss.sum(), dtype=loss.dtype)
        return loss

    def backward(self, grad):
        x, y = self.inputs
        if self.reduction == "mean":
            n = 1
            for s in np.broadcast_shapes(x._data.shape, y._data.shape):
                n *= s
            grad = grad / n
        dx, dy = self.derivatives(x, y)
        return (grad * dx if self._in_meta[0] is not None else None,
                grad * dy if self._in_meta[1] is not None else None)


class MseLoss(_PointwiseLoss, node_name="MseLossBackward0"):
    def elementwise(self, xp, x, y):
        d = x - y
        return d * d

    def derivatives(self, x, y):
        dx = (x - y) * 2
        return dx, -dx


class SmoothL1Loss(_PointwiseLoss, node_name="SmoothL1LossBackward0"):
    def elementwise(self, xp, x, y):
        z = xp.abs(x - y)
        return xp.where(z < self.beta, 0.5 * z * z / self.beta, z - 0.5 * self.beta)

    def derivatives(self, x, y):
        z = x - y
        dx = where(z.abs() < self.beta, z / self.beta, z.sign())
        return dx, -dx


class HuberLoss(_PointwiseLoss, node_name="HuberLossBackward0"):
    def elementwise(self, xp, x, y):
        z = xp.abs(x - y)
        return xp.where(z < self.delta, 0.5 * z * z, self.delta * (z - 0.5 * self.delta))

    def derivatives(self, x, y):
        z = x - y
        dx = where(z.abs() < self.delta, z, z.sign() * self.delta)
        return dx, -dx


class BCEWithLogits(_PointwiseLoss, node_name="BinaryCrossEntropyWithLogitsBackward0"):
    """``(1 - y) x + (1 + (pw - 1) y) softplus(-x)``, computed stably."""

    def elementwise(self, xp, x, y):
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        pw = self.pos_weight
        scale = 1 + (pw._data - 1) * y if pw is not None else 1
        return (1 - y) * x + scale * softplus_neg

    def derivatives(self, x, y):
        pw = self.pos_weight
        sig_neg = (-x).sigmoid()
        scale = 1 + (pw - 1) * y if pw is not None else 1
        dx = (1 - y) - scale * sig_neg
        dy = None
        if self._in_meta[1] is not None:
            sp = Softplus.apply(-x, beta=1.0, threshold=20.0)
            dy = -x + (pw - 1) * sp if pw is not None else -x
        return dx, dy


def pointwise_loss(cls, input, target, reduction, **params):
    """Apply a pointwise loss node (inputs promoted to a common dtype)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    from ...ops._util import binary
    x, y = binary(input, target)
    return cls.apply(x, y, reduction=reduction, **params)
