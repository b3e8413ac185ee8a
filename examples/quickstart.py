"""Ember quickstart: tensors, the NumPy bridge, autograd, and a tiny model trained by hand.

Run: python examples/quickstart.py
"""
from __future__ import annotations

import argparse

import numpy as np

import ember as torch


def tour():
    x = torch.ones(2, 2, requires_grad=True)
    out = ((x + 2) ** 2 * 3).mean()
    out.backward()
    print("d(mean(3(x+2)^2))/dx =", x.grad.tolist())
    a = np.arange(3.0)
    t = torch.from_numpy(a)
    t.mul_(2)
    print("from_numpy shares memory:", a.tolist())


def train(steps: int, seed: int) -> float:
    """Fit y = 3x - 1 + noise with a 1-16-1 tanh network and plain gradient descent."""
    torch.manual_seed(seed)
    x = torch.linspace(-1, 1, 128).unsqueeze(1)
    y = 3 * x - 1 + 0.05 * torch.randn(128, 1)
    w1 = (torch.randn(1, 16) * 0.5).requires_grad_()
    b1 = torch.zeros(16, requires_grad=True)
    w2 = (torch.randn(16, 1) * 0.5).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    for step in range(steps):
        pred = torch.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.1 * p.grad
        if step % max(steps // 5, 1) == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    return loss.item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tour()
    final = train(args.steps, args.seed)
    print(f"final loss {final:.5f}")


if __name__ == "__main__":
    main()
