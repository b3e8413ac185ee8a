"""LBFGS against PyTorch on the Rosenbrock function (fixed step and strong Wolfe)."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from _parity import torch

pytestmark = pytest.mark.filterwarnings(
    "ignore:Converting a tensor with requires_grad=True to a scalar")


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


_M = np.random.default_rng(0).standard_normal((5, 5))
_A, _B = _M @ _M.T + np.eye(5), np.arange(5.0) - 2


def convex(x):
    """A well-conditioned quadratic plus quartic (ulp differences do not blow up)."""
    a, b = (x.new_tensor(v) if hasattr(x, "new_tensor") else v for v in (_A, _B))
    return 0.5 * (x @ (a @ x)) - (b * x).sum() + 0.1 * (x ** 4).sum()


def run(mod, dtype, steps, fn=None, **kwargs):
    n = 4 if fn is rosenbrock else 5
    x = mod.tensor(np.array([-1.2, 1.0, -0.5, 0.8, 0.3][:n], dtype=dtype), requires_grad=True)
    fn = fn or convex
    opt = mod.optim.LBFGS([x], **kwargs)
    losses = []

    def closure():
        opt.zero_grad()
        loss = fn(x)
        loss.backward()
        return loss
    for _ in range(steps):
        losses.append(opt.step(closure).item())
    return x.detach().numpy(), losses, opt


@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe"),
                                    dict(history_size=3, max_iter=7, lr=0.5),
                                    dict(history_size=2, line_search_fn="strong_wolfe",
                                         max_iter=10)])
def test_lbfgs_float64_matches_torch(kwargs):
    ours, l1, opt = run(ember, np.float64, 3, **kwargs)
    theirs, l2, topt = run(torch, np.float64, 3, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(l1, l2, rtol=1e-9)
    s1, s2 = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert list(s1) == list(s2)
    assert s1["func_evals"] == s2["func_evals"] and s1["n_iter"] == s2["n_iter"]
    assert len(s1["old_dirs"]) == len(s2["old_dirs"])


def test_lbfgs_float32_close_to_torch():
    ours, l1, _ = run(ember, np.float32, 2, line_search_fn="strong_wolfe")
    theirs, l2, _ = run(torch, np.float32, 2, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_lbfgs_converges():
    x, losses, _ = run(ember, np.float64, 5, rosenbrock, line_search_fn="strong_wolfe", max_iter=50)
    assert losses[-1] < 1e-8
    np.testing.assert_allclose(x, np.ones(4), atol=1e-4)


def test_lbfgs_errors():
    p = ember.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": [p]}, {"params": [ember.ones(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        ember.optim.LBFGS([p], lr=-1)
    opt = ember.optim.LBFGS([p], line_search_fn="bogus")

    def closure():
        opt.zero_grad()
        loss = ((p - 3) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
