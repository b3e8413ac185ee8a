"""In-place array arithmetic with PyTorch's CPU rounding, shared by the optimisers.

PyTorch evaluates ``add(alpha=)``, ``lerp`` and ``addcmul`` as fused multiply-adds (one
rounding) with the Python scalar rounded to the tensor's dtype first; ``addcdiv`` and
scalar ``mul``/``div`` round after every operation. For float32 (and narrower) arrays a
fused multiply-add is computed exactly in float64 and rounded once, which reproduces
PyTorch's trajectories to the last bit except where its vectorised ``sqrt`` differs.
"""
from __future__ import annotations

_F64 = "float64"


def scalar(arr, value: float):
    """``value`` rounded to ``arr``'s dtype, as PyTorch's kernels see a Python scalar."""
    return arr.dtype.type(value)


def _wide(arr):
    return arr.dtype.itemsize < 8 and arr.dtype.kind == "f"


def fma(a, b, c, out):
    """``out[...] = a * b + c`` with a single rounding (``a``, ``b`` arrays or scalars)."""
    if _wide(out):
        # float32 products and sums are exact in float64; the final cast rounds once
        if hasattr(a, "astype"):
            r = a.astype(_F64)
            r *= b if hasattr(b, "astype") else float(b)
        else:
            r = b.astype(_F64)
            r *= float(a)
        r += c if hasattr(c, "astype") else float(c)
        out[...] = r
    else:
        out[...] = a * b + c
    return out


def add_(x, other, alpha: float = 1.0):
    """``x.add_(other, alpha=alpha)``."""
    if alpha == 1:
        x += other
        return x
    return fma(other, scalar(x, alpha), x, x)


def added(x, other, alpha: float = 1.0):
    """``x.add(other, alpha=alpha)`` (a new array)."""
    return add_(x.copy(), other, alpha)


def mul_(x, value: float):
    """``x.mul_(value)``."""
    x *= scalar(x, value)
    return x


def lerp_(x, end, weight: float):
    """``x.lerp_(end, weight)`` with a scalar weight."""
    w = scalar(x, weight)
    diff = end - x
    if abs(w) < 0.5:
        return fma(diff, w, x, x)
    return fma(diff, w - w.dtype.type(1), end, x)


def addcmul_(x, t1, t2, value: float = 1.0):
    """``x.addcmul_(t1, t2, value=value)``."""
    v = scalar(x, value)
    return fma(t1 * v if value != 1 else t1, t2, x, x)


def addcdiv_(x, t1, t2, value: float = 1.0):
    """``x.addcdiv_(t1, t2, value=value)``."""
    q = t1 * scalar(x, value) if value != 1 else t1
    x += q / t2
    return x


def value(x) -> float:
    """A hyper-parameter given as a 1-element Tensor, as a Python number."""
    return x.item() if hasattr(x, "item") and hasattr(x, "_data") else x


def zeros_state(p):
    """A zero Tensor shaped like parameter ``p`` (state buffers)."""
    return p._from_array(p._backend.xp.zeros_like(p._data))


def full_state(p, fill: float):
    """A Tensor shaped like parameter ``p`` filled with ``fill``."""
    return p._from_array(p._backend.xp.full_like(p._data, fill))


def step_state(start: float = 0.0):
    """The ``step`` counter: a 0-dim CPU tensor of the default float dtype (as PyTorch)."""
    from .. import _dtype
    from ..ops.creation import tensor
    dt = _dtype.float64 if _dtype.get_default_dtype() == _dtype.float64 else _dtype.float32
    return tensor(start, dtype=dt)


def incr(step) -> float:
    """``step += 1`` in place on a step tensor; returns the new value."""
    step._data += 1
    step._bump()
    return float(step._data)


def grad_of(p, maximize: bool, weight_decay: float):
    """``p.grad`` (negated when maximizing), plus ``weight_decay * p`` (L2) when non-zero."""
    g = p.grad._data
    if maximize:
        g = -g
    if weight_decay != 0:
        g = added(g, p._data, weight_decay)
    return g


def adam_moments(p, state: dict, group: dict):
    """The Adam-family prologue, in PyTorch's order: step count, (decoupled) weight decay,
    gradient, then the first and second moment updates. Returns (x, g, m, v, step)."""
    x = p._data
    lr, wd = value(group["lr"]), group["weight_decay"]
    beta1, beta2 = group["betas"]
    decoupled = group["decoupled_weight_decay"]
    step = incr(state["step"])
    if wd != 0 and decoupled:
        mul_(x, 1 - lr * wd)
    g = grad_of(p, group["maximize"], 0 if decoupled else wd)
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    lerp_(m, g, 1 - beta1)
    mul_(v, beta2)
    addcmul_(v, g, g, 1 - beta2)
    return x, g, m, v, step
