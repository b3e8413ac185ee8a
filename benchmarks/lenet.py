"""One training step of the seed tutorials' CIFAR-10 LeNet, ember vs PyTorch (same run).

Run: ``python benchmarks/lenet.py [--steps N]``. Prints ms/step per batch size and the ratio
ember / torch (below 1 means ember is faster).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import ember

try:
    import torch
except ImportError:  # the benchmark still times ember alone
    torch = None

BATCHES = (4, 64, 256)


def build(lib):
    """LeNet (conv 3->6->16 k5, maxpool 2, fc 400->120->84->10), loss and SGD for ``lib``."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = Net()
    loss_fn = nn.CrossEntropyLoss() if hasattr(nn, "CrossEntropyLoss") else F.cross_entropy
    opt = _sgd(lib, net)
    return net, loss_fn, opt


def _sgd(lib, net):
    try:
        return lib.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    except (ImportError, AttributeError):
        return _PlainSGD(net.parameters(), lr=0.001, momentum=0.9)


class _PlainSGD:
    """SGD with momentum (PyTorch's formula), for when ember.optim is not importable."""

    def __init__(self, params, lr, momentum):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.bufs = [None] * len(self.params)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with ember.no_grad():
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                if self.bufs[i] is None:
                    self.bufs[i] = p.grad.clone()
                else:
                    self.bufs[i].mul_(self.momentum).add_(p.grad)
                p.sub_(self.bufs[i] * self.lr)


def time_steps(lib, batch, steps, warmup=3):
    """Median milliseconds of one zero_grad/forward/backward/step."""
    net, loss_fn, opt = build(lib)
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, batch).astype(np.int64))
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(f"{'batch':>6} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for b in BATCHES:
        steps = max(5, args.steps if b < 256 else args.steps // 2)
        e = time_steps(ember, b, steps)
        if torch is not None:
            t = time_steps(torch, b, steps)
            print(f"{b:>6} {e:>10.2f} {t:>10.2f} {e / t:>7.2f}")
        else:
            print(f"{b:>6} {e:>10.2f} {'-':>10} {'-':>7}")


if __name__ == "__main__":
    main()
