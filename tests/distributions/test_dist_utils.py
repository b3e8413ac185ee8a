"""ember.distributions.utils against torch.distributions.utils."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from dist_helpers import assert_same, torch_or_skip
from ember.distributions import utils as EU


def test_broadcast_all_matches_torch():
    torch = torch_or_skip()
    import torch.distributions.utils as TU
    a = np.array([[1.0], [2.0]])
    for args_e, args_t in [((ember.tensor(a), 3.0), (torch.tensor(a), 3.0)),
                           ((2, 3.5), (2, 3.5)),
                           ((ember.tensor(a, dtype=ember.float32), 1),
                            (torch.tensor(a, dtype=torch.float32), 1))]:
        for e, t in zip(EU.broadcast_all(*args_e), TU.broadcast_all(*args_t)):
            assert_same(e, t)
    with pytest.raises(ValueError, match="Input arguments must all be instances of Number"):
        EU.broadcast_all(ember.zeros(2), [1.0])


@pytest.mark.parametrize("is_binary", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probs_logits_conversions_match_torch(is_binary, dtype):
    torch = torch_or_skip()
    import torch.distributions.utils as TU
    p = np.array([[0.0, 0.2, 0.8], [1.0, 0.5, 1e-30]], dtype=dtype)
    z = np.array([[-3.0, 0.0, 2.0], [40.0, -40.0, 1.0]], dtype=dtype)
    assert_same(EU.probs_to_logits(ember.tensor(p), is_binary),
                TU.probs_to_logits(torch.tensor(p), is_binary), rtol=1e-6)
    assert_same(EU.logits_to_probs(ember.tensor(z), is_binary),
                TU.logits_to_probs(torch.tensor(z), is_binary), rtol=1e-6)
    assert_same(EU.clamp_probs(ember.tensor(p)), TU.clamp_probs(torch.tensor(p)))


@pytest.mark.parametrize("diag", [-1, 0, 1])
def test_tril_vector_round_trip_matches_torch(diag):
    torch = torch_or_skip()
    import torch.distributions.utils as TU
    m = np.arange(32.0).reshape(2, 4, 4)
    vec = EU.tril_matrix_to_vec(ember.tensor(m), diag)
    assert_same(vec, TU.tril_matrix_to_vec(torch.tensor(m), diag))
    assert_same(EU.vec_to_tril_matrix(vec, diag),
                TU.vec_to_tril_matrix(torch.tensor(vec.numpy()), diag))


def test_tril_helpers_errors_and_gradient():
    with pytest.raises(ValueError, match="diag \\(5\\) provided is outside \\[-3, 2\\]."):
        EU.tril_matrix_to_vec(ember.ones(3, 3), 5)
    with pytest.raises(ValueError, match="The size of last dimension is 5 which cannot be "
                                         "expressed as the lower triangular part"):
        EU.vec_to_tril_matrix(ember.ones(5))
    v = ember.arange(6.0, requires_grad=True)
    (EU.vec_to_tril_matrix(v) * ember.arange(9.0).view(3, 3)).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [0.0, 3.0, 4.0, 6.0, 7.0, 8.0])


def test_lazy_property_on_the_class_is_the_descriptor():
    class Thing:
        @EU.lazy_property
        def value(self):
            return ember.ones(1) * 2

    assert isinstance(Thing.value, EU.lazy_property)
    t = Thing()
    assert t.value is t.value and "value" in t.__dict__
