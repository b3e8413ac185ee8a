"""Run the same optimisation in ember and torch from identical float32 weights and gradients."""
from __future__ import annotations

import numpy as np

import ember

torch = __import__("pytest").importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 2)]


def init_weights(seed: int = 0, dtype=np.float32) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def grad_fn(w: np.ndarray, i: int) -> np.ndarray:
    """A deterministic non-linear gradient (float64 math, rounded to ``w``'s dtype)."""
    x = w.astype(np.float64)
    target = np.linspace(-1, 1, x.size).reshape(x.shape)
    return ((1.5 + i) * (x - target) + 0.3 * x ** 3 + 0.05 * np.sin(7 * x)).astype(w.dtype)


def make(lib, weights):
    mod = ember if lib == "ember" else torch
    return [mod.tensor(w.copy(), requires_grad=True) for w in weights]


def set_grads(params) -> None:
    for i, p in enumerate(params):
        g = grad_fn(p.detach().numpy(), i)
        mod = torch if isinstance(p, torch.Tensor) else ember
        p.grad = mod.tensor(g)


def split_groups(params, groups):
    """Turn a list of per-group option dicts into param groups (params split in order)."""
    if groups is None:
        return params
    out = []
    for i, opts in enumerate(groups):
        out.append(dict(params=[params[j] for j in range(len(params)) if j % len(groups) == i],
                        **opts))
    return out


def trajectory(lib, name, kwargs, steps, weights, groups=None):
    """Parameters (as numpy) after each of ``steps`` steps."""
    mod = ember if lib == "ember" else torch
    params = make(lib, weights)
    opt = getattr(mod.optim, name)(split_groups(params, groups), **kwargs)
    out = []
    for _ in range(steps):
        set_grads(params)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out, opt, params
