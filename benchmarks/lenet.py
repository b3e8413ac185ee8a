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


class Stepper:
    """A model, loss, optimiser and fixed batch for ``lib``; ``run(k)`` times k steps."""

    def __init__(self, lib, batch):
        self.net, self.loss_fn, self.opt = build(lib)
        rng = np.random.default_rng(0)
        self.x = lib.from_numpy(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
        self.y = lib.from_numpy(rng.integers(0, 10, batch).astype(np.int64))
        self.times = []

    def run(self, k, record=True):
        for _ in range(k):
            t0 = time.perf_counter()
            self.opt.zero_grad()
            loss = self.loss_fn(self.net(self.x), self.y)
            loss.backward()
            self.opt.step()
            if record:
                self.times.append(time.perf_counter() - t0)

    def median_ms(self):
        return 1000 * float(np.median(self.times))


def time_pair(batch, steps, rounds=3, warmup=3, pause=0.3):
    """Median ms/step of ember and torch over alternating blocks of steps, so that both see
    the same machine state (shared machines drift by 20% within seconds). Each block starts
    with unrecorded warm-up steps after a pause that lets the other library's spinning
    BLAS/OpenMP threads go idle; without it they steal the cores from each other."""
    libs = [ember] + ([torch] if torch is not None else [])
    steppers = [Stepper(lib, batch) for lib in libs]
    per_round = max(1, steps // rounds)
    for _ in range(rounds):
        for s in steppers:
            time.sleep(pause)
            s.run(warmup, record=False)
            s.run(per_round)
    return [s.median_ms() for s in steppers]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    print(f"{'batch':>6} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for b in BATCHES:
        steps = max(10, args.steps if b < 256 else args.steps // 2)
        times = time_pair(b, steps)
        if len(times) == 2:
            e, t = times
            print(f"{b:>6} {e:>10.2f} {t:>10.2f} {e / t:>7.2f}")
        else:
            print(f"{b:>6} {times[0]:>10.2f} {'-':>10} {'-':>7}")

if __name__ == "__main__":
    main()
