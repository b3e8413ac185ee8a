"""Transforms and TransformedDistribution against torch.distributions.transforms."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import assert_same, torch_or_skip
from ember.autograd import gradcheck
from ember.distributions import transforms as ET

X = np.array([[-2.0, -0.3, 0.0, 0.7, 3.0], [1.0, 0.2, -1.5, 0.4, -0.1]])

#: name -> (fn(transforms module, lib) -> transform, input array)
TRANSFORMS = {
    "exp": (lambda T, L: T.ExpTransform(), X),
    "sigmoid": (lambda T, L: T.SigmoidTransform(), X),
    "tanh": (lambda T, L: T.TanhTransform(), X),
    "softplus": (lambda T, L: T.SoftplusTransform(), X),
    "power": (lambda T, L: T.PowerTransform(L.tensor(2.5, dtype=L.float64)), np.abs(X) + 0.1),
    "affine": (lambda T, L: T.AffineTransform(1.0, -2.0), X),
    "affine_tensor": (lambda T, L: T.AffineTransform(L.tensor([1.0, 2.0, 0.0, -1.0, 0.5],
                                                              dtype=L.float64),
                                                     L.tensor([0.5, -2.0, 1.0, 3.0, 1.5],
                                                              dtype=L.float64), event_dim=1), X),
    "compose": (lambda T, L: T.ComposeTransform([T.AffineTransform(0.5, 2.0),
                                                 T.TanhTransform()]), X),
    "inverse_sigmoid": (lambda T, L: T.SigmoidTransform().inv, 1 / (1 + np.exp(-X))),
    "independent": (lambda T, L: T.IndependentTransform(T.ExpTransform(), 1), X),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_matches_torch(name):
    torch = torch_or_skip()
    make, x = TRANSFORMS[name]
    e, t = make(ET, ember), make(torch.distributions.transforms, torch)
    xe, xt = ember.tensor(x), torch.tensor(x)
    ye, yt = e(xe), t(xt)
    assert_same(ye, yt, rtol=1e-12)
    assert_same(e.inv(ye), t.inv(yt), rtol=1e-8, atol=1e-10)
    assert_same(e.log_abs_det_jacobian(xe, ye), t.log_abs_det_jacobian(xt, yt), rtol=1e-10)
    assert repr(e) == repr(t)
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.bijective == t.bijective
    assert e.forward_shape((3, 5)) == t.forward_shape((3, 5))
    assert e.inverse_shape((3, 5)) == t.inverse_shape((3, 5))


def test_abs_and_softmax_transforms_match_torch():
    torch = torch_or_skip()
    for name in ("AbsTransform", "SoftmaxTransform"):
        e, t = getattr(ET, name)(), getattr(torch.distributions.transforms, name)()
        assert_same(e(ember.tensor(X)), t(torch.tensor(X)), rtol=1e-12)
        assert_same(e.inv(e(ember.tensor(X))), t.inv(t(torch.tensor(X))), rtol=1e-12)
        assert repr(e) == repr(t) and e.bijective == t.bijective is False


def test_log_abs_det_jacobian_is_the_derivative():
    x = ember.tensor(X[0], dtype=ember.float64, requires_grad=True)
    for t in (ET.ExpTransform(), ET.SigmoidTransform(), ET.TanhTransform(),
              ET.SoftplusTransform(), ET.AffineTransform(0.3, -1.7)):
        (g,) = ember.autograd.grad(t(x).sum(), x)
        np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)).detach().numpy(),
                                   np.log(np.abs(g.numpy())), rtol=1e-7, atol=1e-10)
        assert gradcheck(lambda v, t=t: t.log_abs_det_jacobian(v, t(v)), (x,))


def test_inverse_cache_and_equality():
    t = ET.ExpTransform(cache_size=1)
    x = ember.tensor([0.5, 1.0])
    y = t(x)
    assert t.inv(y) is x  # the cached input, not a recomputation
    assert t(x) is y
    assert t.inv.inv is t
    assert ET.ExpTransform() == ET.ExpTransform() and ET.ExpTransform() != ET.TanhTransform()
    assert ET.AffineTransform(1.0, 2.0) == ET.AffineTransform(1.0, 2.0)
    assert ET.AffineTransform(1.0, 2.0) != ET.AffineTransform(1.0, 3.0)
    assert ET.ExpTransform().inv == ET.ExpTransform().inv
    assert ET.TanhTransform().with_cache(1)._cache_size == 1
    assert ET.AffineTransform(0.0, -2.0).sign == -1
    assert ET.ComposeTransform([ET.AffineTransform(0.0, -2.0), ET.ExpTransform()]).sign == -1
    assert ET.identity_transform(x) is x


def test_tanh_squashed_gaussian_policy_matches_torch():
    # the SAC-style policy: a Normal pushed through tanh, log_prob of its own rsample
    torch = torch_or_skip()
    mu, std = np.array([[0.2, -1.0], [0.5, 2.0]]), np.array([[0.5, 1.0], [0.3, 0.8]])
    a = np.array([[0.1, -0.9], [0.7, 0.99]])
    e = ED.TransformedDistribution(ED.Normal(ember.tensor(mu), ember.tensor(std)),
                                   [ET.TanhTransform(cache_size=1)])
    t = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(mu), torch.tensor(std)),
        [torch.distributions.transforms.TanhTransform(cache_size=1)])
    assert_same(e.log_prob(ember.tensor(a)), t.log_prob(torch.tensor(a)), rtol=1e-9)
    ind_e, ind_t = ED.Independent(e, 1), torch.distributions.Independent(t, 1)
    assert_same(ind_e.log_prob(ember.tensor(a)), ind_t.log_prob(torch.tensor(a)), rtol=1e-9)
    ember.manual_seed(0)
    s = e.rsample((3,))
    assert s.shape == (3, 2, 2) and bool((s.abs() < 1).all())
    assert repr(e.support) == repr(t.support)


def test_transformed_distribution_cdf_icdf_and_expand_match_torch():
    torch = torch_or_skip()
    base_e = ED.Normal(ember.tensor([0.0, 1.0]), ember.tensor([1.0, 2.0]))
    base_t = torch.distributions.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    e = ED.TransformedDistribution(base_e, [ET.AffineTransform(1.0, -3.0), ET.ExpTransform()])
    t = torch.distributions.TransformedDistribution(
        base_t, [torch.distributions.transforms.AffineTransform(1.0, -3.0),
                 torch.distributions.transforms.ExpTransform()])
    v = np.array([[0.5, 2.0], [1.5, 0.1]], dtype=np.float32)
    assert_same(e.cdf(ember.tensor(v)), t.cdf(torch.tensor(v)), rtol=1e-5)
    assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)), rtol=1e-5)
    q = np.array([0.2, 0.7], dtype=np.float32)
    assert_same(e.icdf(ember.tensor(q)), t.icdf(torch.tensor(q)), rtol=1e-5)
    ee, te = e.expand((3, 2)), t.expand((3, 2))
    assert ee.batch_shape == te.batch_shape and ee.sample().shape == te.sample().shape


def test_transformed_distribution_with_event_dim_transform():
    torch = torch_or_skip()
    loc, scale = np.zeros(3), np.ones(3)
    aff = ([1.0, 2.0, 3.0], [2.0, 0.5, 1.0])
    e = ED.TransformedDistribution(ED.Normal(ember.tensor(loc), ember.tensor(scale)),
                                   ET.AffineTransform(*(ember.tensor(a, dtype=ember.float64)
                                                        for a in aff), event_dim=1))
    t = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale)),
        torch.distributions.transforms.AffineTransform(
            *(torch.tensor(a, dtype=torch.float64) for a in aff), event_dim=1))
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    v = np.array([[0.5, 2.0, 3.0], [1.5, 0.1, -1.0]])
    assert_same(e.log_prob(ember.tensor(v)), t.log_prob(torch.tensor(v)), rtol=1e-10)
