"""Per-op Python overhead: small ``a + b`` and a small forward+backward, ember vs PyTorch.

Run: python benchmarks/overhead.py   (PyTorch is used only if installed)
"""
from __future__ import annotations

import timeit

import ember

try:
    import torch
except ImportError:
    torch = None


def _best_us(fn, number=2000, repeat=7):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases(lib):
    a = lib.randn(3, 3)
    b = lib.randn(3, 3)
    ga = lib.randn(3, 3, requires_grad=True)
    gb = lib.randn(3, 3, requires_grad=True)

    def fwd_bwd():
        (ga * gb + ga).sum().backward()
    return {"a + b (3x3)": lambda: a + b,
            "(a*b + a).sum().backward() (3x3)": fwd_bwd,
            "a.sum() (3x3)": lambda: a.sum(),
            "a[1:, 0] (3x3)": lambda: a[1:, 0]}


def main():
    mine = {k: _best_us(f) for k, f in cases(ember).items()}
    theirs = {k: _best_us(f) for k, f in cases(torch).items()} if torch else {}
    print(f"{'case':40s} {'ember us':>10s} {'torch us':>10s} {'ratio':>7s}")
    for k, v in mine.items():
        t = theirs.get(k)
        extra = f"{t:10.2f} {v / t:7.2f}" if t else f"{'-':>10s} {'-':>7s}"
        print(f"{k:40s} {v:10.2f} {extra}")


if __name__ == "__main__":
    main()
