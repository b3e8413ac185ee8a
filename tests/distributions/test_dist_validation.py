"""Argument and value validation (torch's errors and messages), reprs and constraints."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import SPECS, assert_errors_match_torch, spec_pair, torch_or_skip
from ember.distributions import constraints

NAN = float("nan")

#: (name, fn(lib, distributions module)): each must raise exactly as torch does
BAD = [
    ("nan loc", lambda L, D: D.Normal(L.tensor([NAN, 0.0]), L.tensor([1.0, 1.0]))),
    ("negative scale", lambda L, D: D.Normal(0.0, -1.0)),
    ("negative scale tensor", lambda L, D: D.Normal(L.zeros(2), L.tensor([1.0, -1.0]))),
    ("probs and logits", lambda L, D: D.Bernoulli(probs=L.tensor(0.5), logits=L.tensor(0.0))),
    ("neither probs nor logits", lambda L, D: D.Categorical()),
    ("probs above one", lambda L, D: D.Bernoulli(probs=L.tensor([1.5]))),
    ("0-dim categorical", lambda L, D: D.Categorical(probs=L.tensor(1.0))),
    ("0-dim logits", lambda L, D: D.Categorical(logits=L.tensor(1.0))),
    ("negative categorical", lambda L, D: D.Categorical(probs=L.tensor([-0.5, 1.5]))),
    ("uniform low above high", lambda L, D: D.Uniform(L.tensor([2.0]), L.tensor([1.0]))),
    ("log_prob of a number", lambda L, D: D.Normal(0.0, 1.0).log_prob(1.0)),
    ("event shape", lambda L, D: D.Dirichlet(L.tensor([1.0, 2.0])).log_prob(L.ones(3) / 3)),
    ("batch shape", lambda L, D: D.Normal(L.zeros(3), L.ones(3)).log_prob(L.zeros(2))),
    ("outside positive support", lambda L, D: D.Exponential(L.tensor([1.0])).log_prob(
        L.tensor([-1.0]))),
    ("category out of range", lambda L, D: D.Categorical(L.tensor([0.5, 0.5])).log_prob(
        L.tensor(2))),
    ("non-boolean value", lambda L, D: D.Bernoulli(L.tensor([0.5])).log_prob(L.tensor([0.5]))),
    ("off the simplex", lambda L, D: D.Dirichlet(L.tensor([1.0, 2.0])).log_prob(
        L.tensor([0.6, 0.5]))),
    ("not one-hot", lambda L, D: D.OneHotCategorical(L.tensor([0.5, 0.5])).log_prob(
        L.tensor([1.0, 1.0]))),
    ("no covariance", lambda L, D: D.MultivariateNormal(L.zeros(2))),
    ("two covariances", lambda L, D: D.MultivariateNormal(L.zeros(2), L.eye(2),
                                                          scale_tril=L.eye(2))),
    ("0-dim mvn loc", lambda L, D: D.MultivariateNormal(L.tensor(0.0), L.eye(2))),
    ("1-dim covariance", lambda L, D: D.MultivariateNormal(L.zeros(2), L.ones(2))),
    ("1-dim scale_tril", lambda L, D: D.MultivariateNormal(L.zeros(2), scale_tril=L.ones(2))),
    ("1-dim precision", lambda L, D: D.MultivariateNormal(L.zeros(2),
                                                          precision_matrix=L.ones(2))),
    ("indefinite covariance", lambda L, D: D.MultivariateNormal(
        L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("asymmetric covariance", lambda L, D: D.MultivariateNormal(
        L.zeros(2), L.tensor([[1.0, 0.5], [0.0, 1.0]]))),
    ("upper scale_tril", lambda L, D: D.MultivariateNormal(
        L.zeros(2), scale_tril=L.tensor([[1.0, 2.0], [0.0, 1.0]]))),
    ("independent too deep", lambda L, D: D.Independent(D.Normal(L.zeros(2), L.ones(2)), 2)),
    ("fractional total_count", lambda L, D: D.Binomial(L.tensor([2.5]), L.tensor([0.5]))),
    ("tensor multinomial count", lambda L, D: D.Multinomial(L.tensor(3), L.tensor([0.5, 0.5]))),
    ("zero concentration", lambda L, D: D.Gamma(L.tensor([0.0]), L.tensor([1.0]))),
    ("negative rate", lambda L, D: D.Poisson(L.tensor([-1.0]))),
    ("dirichlet 0-dim", lambda L, D: D.Dirichlet(L.tensor(1.0))),
    ("beta negative", lambda L, D: D.Beta(L.tensor(-1.0), L.tensor(1.0))),
    ("string parameter", lambda L, D: D.Normal("a", 1.0)),
    ("validate flag", lambda L, D: D.Distribution.set_default_validate_args(3)),
    ("transforms not a list", lambda L, D: D.TransformedDistribution(D.Normal(0.0, 1.0), 3)),
    ("list of non-transforms", lambda L, D: D.TransformedDistribution(D.Normal(0.0, 1.0), [3])),
    ("binomial kl counts", lambda L, D: D.kl_divergence(D.Binomial(L.tensor(3.0), L.tensor(.5)),
                                                        D.Binomial(L.tensor(5.0), L.tensor(.5)))),
    ("relaxed without probs", lambda L, D: D.RelaxedBernoulli(L.tensor(1.0))),
    ("cache size", lambda L, D: D.transforms.ExpTransform(cache_size=2)),
    ("nan in 2-d laplace", lambda L, D: D.Laplace(L.tensor([[0.0, NAN]]), 1.0)),
    ("gamma value outside", lambda L, D: D.Gamma(L.tensor(2.0), L.tensor(1.0)).log_prob(
        L.tensor([-0.5, 1.0]))),
    ("uniform value outside", lambda L, D: D.Uniform(0.0, 1.0).log_prob(L.tensor(1.5))),
    ("multinomial too many", lambda L, D: D.Multinomial(2, L.tensor([0.5, 0.5])).log_prob(
        L.tensor([2.0, 1.0]))),
    ("binomial value above count", lambda L, D: D.Binomial(3, L.tensor(0.5)).log_prob(
        L.tensor(4.0))),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_errors_match_torch(case):
    assert_errors_match_torch(case[1])


def test_validate_args_false_skips_checks():
    d = ED.Normal(0.0, -1.0, validate_args=False)
    assert math.isnan(d.log_prob(ember.tensor(0.0)).item())
    assert not d._validate_args
    # the value check is skipped too
    ED.Exponential(ember.tensor([1.0]), validate_args=False).log_prob(ember.tensor([-1.0]))


def test_set_default_validate_args_toggles_validation():
    try:
        ED.Distribution.set_default_validate_args(False)
        ED.Normal(0.0, -1.0)
        ED.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
            ED.Normal(0.0, -1.0)
    finally:
        ED.Distribution.set_default_validate_args(True)


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_repr_matches_torch(spec):
    e, t, _, _, _ = spec_pair(spec)
    assert repr(e) == repr(t)
    e.probs if hasattr(type(e), "probs") else None  # noqa: B018 - builds lazy parameters
    t.probs if hasattr(type(t), "probs") else None  # noqa: B018
    assert repr(e) == repr(t)


def test_repr_of_scalars_and_independent():
    torch = torch_or_skip()
    for lib, mod in ((ember, ED), (torch, torch.distributions)):
        assert repr(mod.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
        d = mod.Independent(mod.Bernoulli(logits=lib.zeros(2, 3)), 1)
        assert repr(d) == "Independent(Bernoulli(logits: torch.Size([2, 3])), 1)"
        assert repr(mod.Categorical(lib.tensor([1.0]))) == "Categorical(probs: tensor([1.]))"


VALUES = [np.array([-1.0, 0.0, 0.5, 1.0, 2.0, NAN]), np.array([0.0, 1.0, 2.5, 3.0])]

CONSTRAINTS = [
    lambda c: c.real, lambda c: c.positive, lambda c: c.nonnegative,
    lambda c: c.unit_interval, lambda c: c.boolean, lambda c: c.nonnegative_integer,
    lambda c: c.positive_integer, lambda c: c.greater_than(0.5),
    lambda c: c.greater_than_eq(0.5), lambda c: c.less_than(1.0), lambda c: c.interval(0, 2),
    lambda c: c.half_open_interval(0.0, 1.0), lambda c: c.integer_interval(0, 2),
    lambda c: c.independent(c.real, 1), lambda c: c.simplex, lambda c: c.one_hot,
    lambda c: c.real_vector, lambda c: c.multinomial(3),
]


@pytest.mark.parametrize("i", range(len(CONSTRAINTS)))
def test_constraints_match_torch(i):
    torch = torch_or_skip()
    e, t = CONSTRAINTS[i](constraints), CONSTRAINTS[i](torch.distributions.constraints)
    assert repr(e) == repr(t)
    assert e.event_dim == t.event_dim and e.is_discrete == t.is_discrete
    for v in VALUES + [np.array([[0.2, 0.8], [1.0, 0.0], [0.5, 0.6]])]:
        if v.ndim < e.event_dim:
            continue
        np.testing.assert_array_equal(e.check(ember.tensor(v)).numpy(),
                                      t.check(torch.tensor(v)).numpy())


def test_matrix_constraints_match_torch():
    torch = torch_or_skip()
    mats = np.array([[[2.0, 0.0], [1.0, 1.0]], [[1.0, 0.5], [0.5, 1.0]],
                     [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [0.0, -1.0]],
                     [[1.0, 0.0], [0.6, 0.8]]])
    for name in ("lower_triangular", "lower_cholesky", "corr_cholesky", "square", "symmetric",
                 "positive_semidefinite", "positive_definite"):
        e, t = getattr(constraints, name), getattr(torch.distributions.constraints, name)
        assert repr(e) == repr(t) and e.event_dim == t.event_dim == 2
        np.testing.assert_array_equal(e.check(ember.tensor(mats)).numpy(),
                                      t.check(torch.tensor(mats)).numpy(), err_msg=name)


def test_cat_and_stack_constraints_match_torch():
    torch = torch_or_skip()
    v = np.array([[-1.0, 0.5, 2.0], [1.0, -0.5, 0.2]])
    for c_e, c_t in ((constraints, torch.distributions.constraints),):
        pairs = [(c_e.cat([c_e.real, c_e.positive], dim=1, lengths=[1, 2]),
                  c_t.cat([c_t.real, c_t.positive], dim=1, lengths=[1, 2])),
                 (c_e.stack([c_e.real, c_e.positive, c_e.unit_interval], dim=1),
                  c_t.stack([c_t.real, c_t.positive, c_t.unit_interval], dim=1))]
        for e, t in pairs:
            np.testing.assert_array_equal(e.check(ember.tensor(v)).numpy(),
                                          t.check(torch.tensor(v)).numpy())
            assert e.event_dim == t.event_dim and e.is_discrete == t.is_discrete


def test_dependent_constraints():
    assert constraints.is_dependent(constraints.dependent)
    assert constraints.is_dependent(ED.Categorical.support)
    assert ED.Categorical.support.is_discrete and ED.Categorical.support.event_dim == 0
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        constraints.dependent.check(ember.zeros(1))
    with pytest.raises(NotImplementedError, match=".is_discrete cannot be determined"):
        constraints.dependent.is_discrete  # noqa: B018
    c = ED.Binomial(ember.tensor([3.0, 4.0]), ember.tensor([0.5, 0.5])).support
    np.testing.assert_array_equal(c.check(ember.tensor([3.0, 4.0])).numpy(), [True, True])
    np.testing.assert_array_equal(c.check(ember.tensor([4.0, 4.5])).numpy(), [False, False])


def test_lazy_parameters_are_cached_and_differentiable():
    z = ember.tensor([0.0, 1.0], requires_grad=True)
    d = ED.Bernoulli(logits=z)
    assert "probs" not in d.__dict__
    p = d.probs
    assert d.probs is p and "probs" in d.__dict__
    p.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), (p * (1 - p)).detach().numpy(), rtol=1e-6)
    d2 = ED.Categorical(logits=z)
    with ember.no_grad():  # computed with grad enabled even inside no_grad, as in torch
        assert d2.probs.requires_grad


def test_subclass_with_custom_init_must_define_expand():
    class Shifted(ED.Normal):
        def __init__(self, loc):
            super().__init__(loc, 1.0)

    with pytest.raises(NotImplementedError, match="Subclass Shifted of Normal that defines a "
                                                  "custom __init__ method must also define a "
                                                  "custom .expand\\(\\) method."):
        Shifted(ember.zeros(2)).expand((3, 2))


def test_missing_arg_constraints_and_support_warn():
    class Bare(ED.Distribution):
        pass

    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        d = Bare(validate_args=True)
    with pytest.warns(UserWarning, match="does not define `support`"):
        d._validate_sample(ember.zeros(()))
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        d.mode  # noqa: B018


def test_ember_namespace_exposes_distributions():
    assert ember.distributions is ED
    from ember.distributions.normal import Normal
    from ember.distributions.transforms import TanhTransform  # noqa: F401
    assert Normal is ED.Normal
