"""Optimiser trajectories match PyTorch's from identical weights and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from _parity import init_weights, torch, trajectory

# rtol/atol: PyTorch's vectorised float32 sqrt is not correctly rounded (NumPy's is), so
# optimisers that take a square root may differ by an ulp per step; everything else is
# bit-identical (see test_bitwise_without_sqrt).
RTOL, ATOL = 1e-6, 5e-7

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1, alpha=0.9)),
    ("RMSprop", dict(lr=0.001, momentum=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, eps=1e-4)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, betas=(0.5, 0.9))),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True,
                   momentum_decay=0.01)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.9, 0.5))),
]


def _ids(case):
    return case[0] + "-" + ",".join(f"{k}={v}" for k, v in case[1].items())


def assert_same(ours, theirs, rtol=RTOL, atol=ATOL, exact=False):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            assert np.isfinite(y).all()
            if exact:
                np.testing.assert_array_equal(x, y, err_msg=f"step {step}")
            else:
                np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step}")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_float32(case):
    name, kwargs = case
    w = init_weights()
    ours, _, _ = trajectory("ember", name, kwargs, 8, w)
    theirs, _, _ = trajectory("torch", name, kwargs, 8, w)
    assert_same(ours, theirs)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in ("SGD", "Adamax", "NAdam", "RAdam")],
                         ids=lambda c: _ids(c))
def test_bitwise_without_sqrt_differences(case):
    """Fused multiply-adds are reproduced exactly: these trajectories agree to the bit."""
    name, kwargs = case
    w = init_weights(1)
    ours, _, _ = trajectory("ember", name, kwargs, 8, w)
    theirs, _, _ = trajectory("torch", name, kwargs, 8, w)
    if name in ("SGD", "Adamax"):
        assert_same(ours, theirs, exact=True)
    else:
        assert_same(ours, theirs)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                         ("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("RMSprop", dict(centered=True, momentum=0.5)),
                                         ("NAdam", dict(lr=0.01)), ("RAdam", dict(lr=0.01))])
def test_trajectory_float64(name, kwargs):
    w = init_weights(2, np.float64)
    ours, _, _ = trajectory("ember", name, kwargs, 6, w)
    theirs, _, _ = trajectory("torch", name, kwargs, 6, w)
    assert_same(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_own_options(name):
    groups = [dict(lr=0.05, weight_decay=0.1), dict(lr=0.001)]
    kwargs = dict(lr=0.01, momentum=0.9) if name == "SGD" else {}
    w = init_weights(3)
    ours, opt, _ = trajectory("ember", name, kwargs, 5, w, groups)
    theirs, topt, _ = trajectory("torch", name, kwargs, 5, w, groups)
    assert_same(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]


def _lstsq(mod, A, b, w0):
    w = mod.tensor(w0.copy(), requires_grad=True)
    return w, lambda: ((mod.tensor(A) @ w - mod.tensor(b)) ** 2).mean()


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("Adam", dict(lr=0.05)), ("Adagrad", dict(lr=0.1))])
def test_trajectory_through_autograd(name, kwargs):
    """A least-squares loss differentiated by each framework's autograd, via closures."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((8, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    w0 = np.zeros(3, np.float32)
    results, losses = [], []
    for mod in (ember, torch):
        w, loss_fn = _lstsq(mod, A, b, w0)
        opt = getattr(mod.optim, name)([w], **kwargs)

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss
        losses.append([opt.step(closure).item() for _ in range(10)])
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert losses[0][-1] < losses[0][0]


def test_params_without_grad_are_skipped():
    w = ember.ones(3, requires_grad=True)
    v = ember.ones(2, requires_grad=True)
    opt = ember.optim.Adam([w, v], lr=0.1)
    w.grad = ember.ones(3)
    opt.step()
    assert v.tolist() == [1.0, 1.0] and len(opt.state) == 1 and v not in opt.state
    assert w.tolist() == pytest.approx([0.9] * 3)


def test_step_bumps_version_and_keeps_identity():
    w = ember.ones(3, requires_grad=True)
    data = w._data
    opt = ember.optim.SGD([w], lr=0.5)
    w.grad = ember.ones(3)
    v0 = w._version
    opt.step()
    assert w._data is data and w._version == v0 + 1 and w.is_leaf and w.requires_grad
    assert w.tolist() == [0.5] * 3
