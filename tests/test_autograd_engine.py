"""The backward engine's scheduling: nodes run in decreasing recording order, each once,
after every node that feeds it (diamonds, shared subgraphs, several roots, Function nodes,
graphs recorded interleaved)."""
from __future__ import annotations

import numpy as np
import pytest

import ember


def _random_program(rng, n_leaves=3, n_ops=12):
    """A random DAG of ops as (op, i, j) steps over a growing list of values."""
    steps = []
    n = n_leaves
    for _ in range(n_ops):
        op = rng.choice(["add", "mul", "sub", "tanh", "exp_neg", "sum_keep"])
        i, j = rng.integers(0, n, size=2)
        steps.append((op, int(i), int(j)))
        n += 1
    return steps


def _run(lib, leaves, steps):
    vals = list(leaves)
    for op, i, j in steps:
        a, b = vals[i], vals[j]
        vals.append({"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b,
                     "tanh": lambda: a.tanh(), "exp_neg": lambda: (-a.abs()).exp(),
                     "sum_keep": lambda: a.sum(1, keepdim=True) * 0.25}[op]())
    # every value (leaves too) feeds the loss, so every node has one or more consumers
    return sum((v * (k + 1)).sum() for k, v in enumerate(vals))


@pytest.mark.parametrize("seed", range(12))
def test_random_dags_match_numeric_gradients(seed):
    rng = np.random.default_rng(seed)
    steps = _random_program(rng)
    init = [rng.standard_normal((2, 3)) for _ in range(3)]
    leaves = [ember.tensor(x, dtype=ember.float64, requires_grad=True) for x in init]
    loss = _run(ember, leaves, steps)
    loss.backward()
    eps = 1e-6
    for k, x in enumerate(init):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            vals = []
            for sign in (1, -1):
                pert = [y.copy() for y in init]
                pert[k][idx] += sign * eps
                with ember.no_grad():
                    vals.append(_run(ember, [ember.tensor(y) for y in pert], steps).item())
            num[idx] = (vals[0] - vals[1]) / (2 * eps)
        np.testing.assert_allclose(leaves[k].grad.numpy(), num, rtol=1e-5, atol=1e-6)


def test_random_dags_match_torch():
    torch = pytest.importorskip("torch")
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        steps = _random_program(rng, n_ops=20)
        init = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
        mine = [ember.tensor(x, requires_grad=True) for x in init]
        theirs = [torch.tensor(x, requires_grad=True) for x in init]
        _run(ember, mine, steps).backward()
        _run(torch, theirs, steps).backward()
        for m, t in zip(mine, theirs):
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_graphs_recorded_interleaved_then_joined():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([3.0, -1.0], requires_grad=True)
    a = x * 2          # branch 1 starts
    b = y.exp()        # branch 2 starts
    a2 = a * y         # branch 1 reads y, whose accumulator already exists
    b2 = b + x         # branch 2 reads x
    loss = (a2 * b2).sum()
    loss.backward()
    xs, ys = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    a2v, b2v = 2 * xs * ys, np.exp(ys) + xs
    np.testing.assert_allclose(x.grad.numpy(), 2 * ys * b2v + a2v, rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), 2 * xs * b2v + a2v * np.exp(ys), rtol=1e-6)


class _Square(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_function_node_on_a_fresh_leaf_runs_before_its_accumulator():
    # the Function's node exists before the leaf's AccumulateGrad is made
    x = ember.tensor([1.5, -2.0], requires_grad=True)
    y = _Square.apply(x) + x.sin()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.5, -2.0]) +
                               np.cos([1.5, -2.0]), rtol=1e-6)


def test_shared_subgraph_runs_once_with_summed_gradient():
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    shared = x.exp()
    calls = []
    shared.register_hook(lambda g: calls.append(g.clone()))
    loss = (shared * 2).sum() + (shared * 3).sum() + shared.sum()
    loss.backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0].numpy(), [6.0, 6.0])
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.exp([0.5, 1.0]), rtol=1e-6)


def test_several_roots_and_inputs_through_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    u, v = h.sum(), (h * x).sum()
    gx, gh = ember.autograd.grad([u, v], [x, h])
    np.testing.assert_allclose(gh.numpy(), [2.0, 3.0])
    np.testing.assert_allclose(gx.numpy(), 2 * np.array([1.0, 2.0]) + 3 * np.array([1.0, 4.0]))


def test_hooks_see_gradients_in_reverse_recording_order():
    x = ember.tensor([1.0], requires_grad=True)
    order = []
    a = x * 2
    b = a * 3
    c = b * 4
    for name, t in (("a", a), ("b", b), ("c", c)):
        t.register_hook(lambda g, name=name: order.append(name))
    c.sum().backward()
    assert order == ["c", "b", "a"]


def test_retained_graph_runs_again():
    x = ember.tensor([2.0], requires_grad=True)
    y = (x * x).exp()
    loss = y.sum() + (y * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.clone()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy())
