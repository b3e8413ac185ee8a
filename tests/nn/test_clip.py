"""nn.utils: clip_grad_norm_ / clip_grad_value_ / parameters <-> vector (torch parity)."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()

GRADS = [np.random.default_rng(0).standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]


def _params(lib):
    ps = [lib.nn.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in GRADS]
    for p, g in zip(ps, GRADS):
        p.grad = lib.tensor(g)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    nt = float(norm_type)
    pe, pt = _params(ember), _params(torch)
    te = ember.nn.utils.clip_grad_norm_(pe, max_norm, norm_type=nt, foreach=True)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=nt)
    np.testing.assert_allclose(te.item(), tt.item(), rtol=1e-10)
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)


def test_clip_grad_norm_nonfinite_and_empty():
    p = ember.nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients"):
        ember.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert ember.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    q = ember.nn.Parameter(ember.ones(2))
    q.grad = ember.tensor([3.0, 4.0])
    ember.nn.utils.clip_grad_norm_(q, 1.0)
    np.testing.assert_allclose(q.grad.numpy(), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_value():
    pe, pt = _params(ember), _params(torch)
    ember.nn.utils.clip_grad_value_(pe, 0.3)
    torch.nn.utils.clip_grad_value_(pt, 0.3)
    for a, b in zip(pe, pt):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_vector_roundtrip():
    model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.Linear(2, 1))
    vec = ember.nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (11,)
    new = ember.arange(11.0)
    ember.nn.utils.vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(model[0].weight.detach().numpy().ravel(), np.arange(6.0))
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [10.0])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        ember.nn.utils.vector_to_parameters([1], model.parameters())
    ember.nn.utils.parameters_to_vector(model.parameters()).sum().backward()
    assert model[0].weight.grad is not None
