"""Fused activation primitives (forward on arrays, differentiable backward in ember ops).

Fused where a composite would be slower, unstable (softmax, softplus) or could not run
in place (ops whose backward reads the output, so ``inplace=True`` keeps gradients right).
"""
from __future__ import annotations

import math

from ...autograd.node import Primitive
from ...ops.elementwise import where
from ...ops.math import erf, exp, sigmoid, tanh


class Softmax(Primitive, node_name="SoftmaxBackward0"):
    save_output = True

    def forward(self, x):
        xp = self.xp
        e = xp.exp(x - x.max(axis=self.dim, keepdims=True))
        e /= e.sum(axis=self.dim, keepdims=True)
        return e

    def backward(self, grad):
        out = self.output
        return out * (grad - (grad * out).sum(self.dim, keepdim=True))

    def backward_arrays(self, g):
        out = self.output_array
        return (out * (g - (g * out).sum(axis=self.dim, keepdims=True)),)


class LogSoftmax(Primitive, node_name="LogSoftmaxBackward0"):
    save_output = True

    def forward(self, x):
        xp = self.xp
        shifted = x - x.max(axis=self.dim, keepdims=True)
        shifted -= xp.log(xp.exp(shifted).sum(axis=self.dim, keepdims=True))
        return shifted

    def backward(self, grad):
        out = self.output
        return grad - exp(out) * grad.sum(self.dim, keepdim=True)

    def backward_arrays(self, g):
        out = self.output_array
        return (g - self.xp.exp(out) * g.sum(axis=self.dim, keepdims=True),)


class Gelu(Primitive, node_name="GeluBackward0"):
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        if self.approximate == "tanh":
            k = math.sqrt(2.0 / math.pi)
            return (0.5 * x * (1.0 + xp.tanh(k * (x + 0.044715 * x ** 3)))).astype(x.dtype)
        from ..._backend.special import erf as _erf
        return (0.5 * x * (1.0 + _erf(xp, x * math.sqrt(0.5)))).astype(x.dtype)

    def backward(self, grad):
        (x,) = self.inputs
        if self.approximate == "tanh":
            k = math.sqrt(2.0 / math.pi)
            t = tanh(k * (x + 0.044715 * x * x * x))
            dt = k * (1.0 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dt)
        cdf = 0.5 * (1.0 + erf(x * math.sqrt(0.5)))
        pdf = exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))
        return grad * (cdf + x * pdf)


class Silu(Primitive, node_name="SiluBackward0"):
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        sig = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return (x * sig).astype(x.dtype, copy=False)

    def backward(self, grad):
        (x,) = self.inputs
        s = sigmoid(x)
        return grad * (s * (1.0 + x * (1.0 - s)))


class Softplus(Primitive, node_name="SoftplusBackward0"):
    save_inputs = True

    def forward(self, x):
        xp = self.xp
        bx = x * self.beta
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / self.beta
        return xp.where(bx > self.threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, grad):
        (x,) = self.inputs
        bx = x * self.beta
        return where(bx > self.threshold, grad, grad * sigmoid(bx))


class Elu(Primitive, node_name="EluBackward0"):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))`` (ELU, SELU, CELU)."""
    save_output = True

    def forward(self, x):
        xp = self.xp
        neg = self.alpha * xp.expm1(xp.minimum(x, 0) * self.input_scale)
        return (self.scale * xp.where(x > 0, x, neg)).astype(x.dtype, copy=False)

    def backward(self, grad):
        out = self.output
        neg = (out + self.scale * self.alpha) * self.input_scale
        # NaN takes the positive branch, as in PyTorch (the test is ``out <= 0``)
        return where(out <= 0, grad * neg, grad * self.scale)


class LeakyRelu(Primitive, node_name="LeakyReluBackward0"):
    """For a non-negative slope the output's sign tells the branch (works in place)."""
    save_output = True

    def forward(self, x):
        return self.xp.where(x > 0, x, x * self.slope).astype(x.dtype, copy=False)

    def backward(self, grad):
        out = self.output
        return where(out > 0, grad, grad * self.slope)


class Hardtanh(Primitive, node_name="HardtanhBackward0"):
    save_output = True

    def forward(self, x):
        xp = self.xp
        return xp.clip(x, xp.asarray(self.lo, x.dtype), xp.asarray(self.hi, x.dtype))

    def backward(self, grad):
        out = self.output
        # blocked only where clipped, so a NaN input passes its gradient (as PyTorch)
        return grad * ~((out <= self.lo) | (out >= self.hi))
