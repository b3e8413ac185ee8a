"""The structured transforms (stick breaking, Cholesky, correlation, cat/stack, reshape, CDF)
and the constraint registry (``biject_to``, ``transform_to``) against torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from dist_helpers import assert_same, assert_same_error, torch_or_skip
from ember.autograd import gradcheck
from ember.autograd.functional import jacobian
from ember.distributions import constraints as EC

R = np.random.default_rng(11)
VEC = R.normal(size=(2, 6))
MAT = R.normal(size=(2, 3, 3))


def _mods(lib):
    # the transforms are read from the package (ember's ``transforms`` module lists only the
    # elementwise ones)
    return lib.distributions, lib.distributions


#: name -> (fn(distributions module, transforms module, lib) -> transform, input)
TRANSFORMS = {
    "stick_breaking": (lambda D, T, L: T.StickBreakingTransform(), VEC),
    "lower_cholesky": (lambda D, T, L: T.LowerCholeskyTransform(), MAT),
    "positive_definite": (lambda D, T, L: T.PositiveDefiniteTransform(), MAT),
    "corr_cholesky": (lambda D, T, L: T.CorrCholeskyTransform(), VEC),
    "reshape": (lambda D, T, L: T.ReshapeTransform((6,), (2, 3)), VEC),
    "cdf": (lambda D, T, L: T.CumulativeDistributionTransform(
        D.Normal(L.tensor(0.5, dtype=L.float64), L.tensor(2.0, dtype=L.float64))), VEC),
    "cat": (lambda D, T, L: T.CatTransform([T.ExpTransform(), T.identity_transform,
                                            T.SigmoidTransform()], dim=-1,
                                           lengths=[2, 3, 1]), VEC),
    "cat_batch_dim": (lambda D, T, L: T.CatTransform(
        [T.IndependentTransform(T.ExpTransform(), 1),
         T.IndependentTransform(T.TanhTransform(), 1)], dim=0), VEC),
    "cat_event": (lambda D, T, L: T.CatTransform(
        [T.ExpTransform(), T.IndependentTransform(T.TanhTransform(), 1)], dim=-1,
        lengths=[2, 4]), VEC),
    "stack": (lambda D, T, L: T.StackTransform([T.ExpTransform(), T.TanhTransform()], dim=0),
              VEC),
    "stack_last": (lambda D, T, L: T.StackTransform([T.AffineTransform(1.0, 2.0),
                                                     T.ExpTransform(), T.SigmoidTransform()],
                                                    dim=-1), MAT),
}
#: transforms without a log-det-Jacobian (not bijective onto a space of equal dimension)
NO_JACOBIAN = {"lower_cholesky", "positive_definite"}


def _both(name):
    torch = torch_or_skip()
    make, x = TRANSFORMS[name]
    return make(*_mods(ember), ember), make(*_mods(torch), torch), x


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_matches_torch(name):
    torch = torch_or_skip()
    e, t, x = _both(name)
    xe, xt = ember.tensor(x), torch.tensor(x)
    ye, yt = e(xe), t(xt)
    assert_same(ye, yt, rtol=1e-12, atol=1e-14)
    assert_same(e.inv(ye), t.inv(yt), rtol=1e-9, atol=1e-10)
    if name not in NO_JACOBIAN:
        assert_same(e.log_abs_det_jacobian(xe, ye), t.log_abs_det_jacobian(xt, yt),
                    rtol=1e-10, atol=1e-12)
    assert repr(e) == repr(t) and e.bijective == t.bijective
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.domain.event_dim == t.domain.event_dim
    assert e.codomain.event_dim == t.codomain.event_dim
    try:
        t_ok = bool(t.codomain.check(yt).all())
    except RuntimeError:  # torch's cat constraint cannot mix event dims: nor can ember's
        with pytest.raises(RuntimeError):
            e.codomain.check(ye)
    else:
        assert t_ok and bool(e.codomain.check(ye).all())
    shape = tuple(x.shape)
    assert e.forward_shape(shape) == t.forward_shape(shape)
    assert e.inverse_shape(tuple(yt.shape)) == t.inverse_shape(tuple(yt.shape))
    assert e == e and (e == make_other(name)) == (t == make_other(name, torch))


def make_other(name, lib=ember):
    """A second instance of the same transform (equal where torch defines equality)."""
    return TRANSFORMS[name][0](*_mods(lib), lib)


@pytest.mark.parametrize("name", ["stick_breaking", "corr_cholesky", "cat", "cat_event",
                                  "stack", "cdf"])
def test_transform_gradients(name):
    e = TRANSFORMS[name][0](*_mods(ember), ember)
    x = ember.tensor(TRANSFORMS[name][1], requires_grad=True)
    assert gradcheck(lambda v: e(v), (x,))
    assert gradcheck(lambda v: e.log_abs_det_jacobian(v, e(v)), (x,))
    y = e(x).detach().requires_grad_()
    assert gradcheck(lambda v: e.inv(v), (y,))


def _ladj_by_jacobian(f, x):
    J = jacobian(f, ember.tensor(x, dtype=ember.float64))
    return np.linalg.slogdet(J.numpy())[1]


def test_stick_breaking_log_det_is_that_of_the_first_k_coordinates():
    t = ED.StickBreakingTransform()
    for x in VEC:
        ladj = t.log_abs_det_jacobian(ember.tensor(x), t(ember.tensor(x))).item()
        assert ladj == pytest.approx(_ladj_by_jacobian(lambda v: t(v)[:-1], x), rel=1e-9)


def test_corr_cholesky_log_det_is_that_of_the_strict_lower_triangle():
    t = ED.CorrCholeskyTransform()
    rows, cols = np.tril_indices(4, -1)
    for x in VEC:
        y = t(ember.tensor(x))
        assert np.allclose((y @ y.mT).diagonal().numpy(), 1.0)
        ladj = t.log_abs_det_jacobian(ember.tensor(x), y).item()
        exact = _ladj_by_jacobian(lambda v: t(v)[rows, cols], x)
        assert ladj == pytest.approx(exact, rel=1e-9)


def test_copula_from_a_cdf_transform_matches_torch():
    torch = torch_or_skip()
    out = []
    for lib in (ember, torch):
        D, T = _mods(lib)
        base = D.MultivariateNormal(lib.zeros(3, dtype=lib.float64),
                                    lib.tensor([[1.0, 0.5, 0.0], [0.5, 1.0, 0.3],
                                                [0.0, 0.3, 1.0]], dtype=lib.float64))
        copula = D.TransformedDistribution(base, [T.CumulativeDistributionTransform(
            D.Normal(lib.tensor(0.0, dtype=lib.float64), lib.tensor(1.0, dtype=lib.float64)))])
        out.append(copula.log_prob(lib.tensor([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]],
                                              dtype=lib.float64)))
        assert tuple(copula.sample((5,)).shape) == (5, 3)
    assert_same(*out, rtol=1e-10)


def test_cache_and_with_cache():
    for t in (ED.StickBreakingTransform(cache_size=1), ED.CorrCholeskyTransform(cache_size=1),
              ED.ReshapeTransform((6,), (3, 2), cache_size=1),
              ED.CatTransform([ED.ExpTransform(), ED.TanhTransform()], lengths=[3, 3],
                              dim=-1, cache_size=1),
              ED.StackTransform([ED.ExpTransform(), ED.TanhTransform()], cache_size=1)):
        x = ember.tensor(VEC)
        y = t(x)
        assert t.inv(y) is x and t(x) is y
        assert t.with_cache(1) is t and t.with_cache(0)._cache_size == 0
    cdf = ED.CumulativeDistributionTransform(ED.Normal(0.0, 1.0))
    assert cdf.with_cache(1).distribution is cdf.distribution and cdf.sign == 1
    assert ED.StickBreakingTransform() == ED.StickBreakingTransform()
    assert ED.LowerCholeskyTransform() != ED.PositiveDefiniteTransform()


def _bad_transform_calls(lib):
    D, T = _mods(lib)
    cat = T.CatTransform([T.ExpTransform(), T.ExpTransform()], dim=1, lengths=[2, 2])
    stack = T.StackTransform([T.ExpTransform(), T.ExpTransform()], dim=0)
    x = lib.zeros(3, 4)
    return [
        lambda: T.CatTransform([T.ExpTransform(), 3]),
        lambda: T.CatTransform([T.ExpTransform()], lengths=[1, 2]),
        lambda: cat(lib.zeros(3, 5)),
        lambda: cat(lib.zeros(4)),
        lambda: cat.inv(lib.zeros(3, 3)),
        lambda: cat.log_abs_det_jacobian(lib.zeros(3, 4), lib.zeros(3, 3)),
        lambda: stack(x),
        lambda: stack.inv(lib.zeros(())),
        lambda: stack.log_abs_det_jacobian(lib.zeros(2, 4), x),
        lambda: T.ReshapeTransform((2, 3), (5,)),
        lambda: T.ReshapeTransform((2, 3), (6,)).forward_shape((3, 2)),
        lambda: T.ReshapeTransform((2, 3), (6,)).inverse_shape(()),
        lambda: T.CorrCholeskyTransform().forward_shape((4,)),
        lambda: T.CorrCholeskyTransform().inverse_shape((3, 4)),
        lambda: T.CorrCholeskyTransform().inverse_shape((3,)),
        lambda: T.StickBreakingTransform().forward_shape(()),
    ]


def test_bad_transform_input_raises_like_torch():
    torch = torch_or_skip()
    for i, (fe, ft) in enumerate(zip(_bad_transform_calls(ember), _bad_transform_calls(torch))):
        assert_same_error(fe, ft, i)


#: constraint builders (given a constraints module) the registries are checked on
CONSTRAINTS = {
    "real": (lambda C: C.real, (4, 6)),
    "real_vector": (lambda C: C.real_vector, (4, 6)),
    "positive": (lambda C: C.positive, (4, 6)),
    "nonnegative": (lambda C: C.nonnegative, (4, 6)),
    "greater_than": (lambda C: C.greater_than(1.5), (4, 6)),
    "greater_than_eq": (lambda C: C.greater_than_eq(-1.0), (4, 6)),
    "less_than": (lambda C: C.less_than(2.0), (4, 6)),
    "interval": (lambda C: C.interval(-1.0, 3.0), (4, 6)),
    "unit_interval": (lambda C: C.unit_interval, (4, 6)),
    "half_open_interval": (lambda C: C.half_open_interval(0.0, 2.0), (4, 6)),
    "simplex": (lambda C: C.simplex, (4, 6)),
    "lower_cholesky": (lambda C: C.lower_cholesky, (2, 3, 3)),
    "positive_definite": (lambda C: C.positive_definite, (2, 3, 3)),
    "positive_semidefinite": (lambda C: C.positive_semidefinite, (2, 3, 3)),
    "corr_cholesky": (lambda C: C.corr_cholesky, (4, 6)),
    "independent": (lambda C: C.independent(C.positive, 2), (2, 3, 3)),
    "cat": (lambda C: C.cat([C.positive, C.real, C.unit_interval], dim=-1,
                            lengths=[2, 2, 2]), (4, 6)),
    "stack": (lambda C: C.stack([C.positive, C.real, C.interval(0.0, 5.0)], dim=-1), (4, 3)),
    "boolean": (lambda C: C.boolean, (4, 6)),
    "square": (lambda C: C.square, (2, 3, 3)),
    "integer_interval": (lambda C: C.integer_interval(0, 3), (4, 6)),
}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_registry_matches_torch(registry, name):
    torch = torch_or_skip()
    make, shape = CONSTRAINTS[name]
    ce, ct = make(EC), make(torch.distributions.constraints)
    try:
        tt = getattr(torch.distributions, registry)(ct)
    except NotImplementedError as err:
        with pytest.raises(NotImplementedError) as info:
            getattr(ED, registry)(ce)
        assert str(info.value) == str(err)
        return
    te = getattr(ED, registry)(ce)
    assert repr(te) == repr(tt)
    assert repr(te.domain) == repr(tt.domain) and repr(te.codomain) == repr(tt.codomain)
    x = R.normal(size=shape)
    ye, yt = te(ember.tensor(x)), tt(torch.tensor(x))
    assert_same(ye, yt, rtol=1e-12, atol=1e-14)
    assert bool(ce.check(ye).all())
    assert_same(te.inv(ye), tt.inv(yt), rtol=1e-8, atol=1e-10)
    if registry == "biject_to":
        assert te.bijective
        assert_same(te.log_abs_det_jacobian(ember.tensor(x), ye),
                    tt.log_abs_det_jacobian(torch.tensor(x), yt), rtol=1e-10, atol=1e-12)


def test_registry_accepts_distribution_constraints_and_custom_factories():
    scale = ED.transform_to(ED.Normal.arg_constraints["scale"])(ember.zeros(2))
    np.testing.assert_allclose(scale.numpy(), [1.0, 1.0])
    lkj = ED.LKJCholesky(3, 2.0)
    L = ED.biject_to(lkj.support)(ember.tensor(R.normal(size=(5, 3))))
    assert bool(lkj.support.check(L).all())
    registry = ED.constraint_registry.ConstraintRegistry()
    calls = []

    @registry.register(EC.positive)
    def _factory(constraint):
        calls.append(constraint)
        return ED.SoftplusTransform()

    assert isinstance(registry(EC.greater_than(3.0)), ED.SoftplusTransform)
    assert calls[0].lower_bound == 3.0
    registry.register(type(EC.simplex), lambda c: ED.SoftmaxTransform())
    assert isinstance(registry(EC.simplex), ED.SoftmaxTransform)
    with pytest.raises(NotImplementedError, match="Cannot transform _Real constraints"):
        registry(EC.real)


def test_register_rejects_non_constraints_like_torch():
    torch = torch_or_skip()
    for lib, mod in ((ember, ED), (torch, torch.distributions)):
        with pytest.raises(TypeError) as info:
            mod.constraint_registry.ConstraintRegistry().register(int, lambda c: None)
        if lib is ember:
            ember_msg = str(info.value)
    assert ember_msg == str(info.value)
