"""cdist, trapezoid/trapz/cumulative_trapezoid, logcumsumexp, renorm, cov and corrcoef: values,
dtypes, errors and gradients against PyTorch and closed-form references."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from test_ops_tensor_extra_c_common import check_grads, same_as_torch

RNG = np.random.default_rng(0)
X1, X2 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4))
Z, W = RNG.standard_normal((40, 3)), RNG.standard_normal((30, 3))
INF, NAN = float("inf"), float("nan")


def _x1(L):
    return L.tensor(X1)


def _x2(L):
    return L.tensor(X2)


CDIST = {
    "p_err_neg": lambda L: L.cdist(_x1(L), _x2(L), p=-1),
    "mode_err": lambda L: L.cdist(_x1(L), _x2(L), compute_mode="foo"),
    "mode_err_none": lambda L: L.cdist(_x1(L), _x2(L), 2, None),
    "err_int": lambda L: L.cdist(_x1(L)[0].int(), _x2(L)[0].int()),
    "err_dtype_mix": lambda L: L.cdist(_x1(L)[0].float(), _x2(L)[0]),
    "err_dtype_mix2": lambda L: L.cdist(_x1(L)[0], _x2(L)[0].float()),
    "err_cols": lambda L: L.cdist(_x1(L)[0], _x2(L)[0, :, :3]),
    "err_1d_x1": lambda L: L.cdist(_x1(L)[0, 0], _x2(L)[0]),
    "err_1d_x2": lambda L: L.cdist(_x1(L)[0], _x2(L)[0, 0]),
    "err_half": lambda L: L.cdist(_x1(L)[0].half(), _x2(L)[0].half()),
    "batch_bcast": lambda L: L.cdist(_x1(L)[:1], _x2(L)),
    "batch_bcast_4d": lambda L: L.cdist(_x1(L)[:1], _x2(L)[:, None]),
    "empty_rows": lambda L: L.cdist(_x1(L)[0, :0], _x2(L)[0]),
    "empty_cols": lambda L: L.cdist(_x1(L)[0, :, :0], _x2(L)[0, :, :0]),
    "empty_cols_inf": lambda L: L.cdist(_x1(L)[0, :, :0], _x2(L)[0, :, :0], p=INF),
    "float32": lambda L: L.cdist(_x1(L)[0].float(), _x2(L)[0].float()),
    "mm_path": lambda L: L.cdist(L.tensor(Z), L.tensor(W)),
    "mm_path_float32": lambda L: L.cdist(L.tensor(Z).float(), L.tensor(W).float()),
    "mm_path_p1": lambda L: L.cdist(L.tensor(Z), L.tensor(W), p=1),
    "mm_self_diag": lambda L: L.cdist(L.tensor(Z), L.tensor(Z)).diagonal(),
}
for _p in (0, 0.5, 1, 1.5, 2, 3, INF):
    for _mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist"):
        CDIST[f"p{_p}_{_mode[:9]}"] = lambda L, p=_p, m=_mode: L.cdist(_x1(L), _x2(L), p,
                                                                        compute_mode=m)

_Y = [1., 5, 10]
TRAPZ = {
    "plain": lambda L, f: f(L.tensor(_Y)),
    "ints": lambda L, f: f(L.tensor([1, 5, 10])),
    "ints_dx": lambda L, f: f(L.tensor([1, 5, 10]), dx=2),
    "ints_dx_float": lambda L, f: f(L.tensor([1, 5, 10]), dx=2.5),
    "int32_dx": lambda L, f: f(L.tensor([1, 5, 10], dtype=L.int32), dx=2),
    "x": lambda L, f: f(L.tensor(_Y), L.tensor([1., 3, 6])),
    "x_ints": lambda L, f: f(L.tensor([1, 5, 10]), L.tensor([1, 3, 6])),
    "x_float_y_int": lambda L, f: f(L.tensor([1, 5, 10]), L.tensor([1., 3, 6])),
    "x_keyword": lambda L, f: f(L.tensor(_Y), x=L.tensor([1, 3, 6])),
    "x_promote": lambda L, f: f(L.tensor(_Y).double(), L.tensor([1., 3, 6])),
    "x_dim0": lambda L, f: f(L.tensor(_Y).reshape(3, 1).expand(3, 2), L.tensor([1., 3, 6]),
                             dim=0),
    "x_2d": lambda L, f: f(L.ones(2, 3), L.ones(2, 3).cumsum(1)),
    "x_2d_bcast": lambda L, f: f(L.ones(2, 3), L.ones(1, 3).cumsum(1)),
    "x_fewer_dims": lambda L, f: f(L.arange(12.).reshape(2, 2, 3), L.ones(2, 3).cumsum(1)),
    "dx_dim0": lambda L, f: f(L.arange(12.).reshape(3, 4), dx=0.5, dim=0),
    "empty": lambda L, f: f(L.tensor([])),
    "empty_long": lambda L, f: f(L.tensor([], dtype=L.long)),
    "empty_dim": lambda L, f: f(L.ones(0, 3), dim=0),
    "single_sample": lambda L, f: f(L.ones(1, 3), dim=0),
    "err_x_len": lambda L, f: f(L.tensor(_Y), L.tensor([1., 3])),
    "err_x_shape": lambda L, f: f(L.ones(2, 3), L.ones(3, 3).cumsum(1)),
    "err_x_and_dx": lambda L, f: f(L.tensor(_Y), dx=1, x=L.tensor(_Y)),
    "err_0d": lambda L, f: f(L.tensor(1.)),
    "err_dim": lambda L, f: f(L.tensor(_Y), dim=1),
    "err_bool": lambda L, f: f(L.tensor(_Y).bool()),
    "err_bool_x": lambda L, f: f(L.tensor(_Y), L.tensor([1, 3, 6]).bool()),
    "err_dx_bool": lambda L, f: f(L.tensor(_Y), dx=True),
}

_LX = [[1., 2, 3], [-1, 0, 1000]]
LCSE = {
    "dim1": lambda L: L.logcumsumexp(L.tensor(_LX), 1),
    "dim0": lambda L: L.logcumsumexp(L.tensor(_LX), 0),
    "double": lambda L: L.logcumsumexp(L.tensor(_LX).double(), -1),
    "neg_inf": lambda L: L.logcumsumexp(L.tensor([-INF, -INF, 1.]), 0),
    "pos_inf": lambda L: L.logcumsumexp(L.tensor([INF, INF, 1.]), 0),
    "nan": lambda L: L.logcumsumexp(L.tensor([NAN, 1.]), 0),
    "0d": lambda L: L.logcumsumexp(L.tensor(2.), 0),
    "0d_neg_dim": lambda L: L.logcumsumexp(L.tensor(2.), -1),
    "empty": lambda L: L.logcumsumexp(L.ones(0, 3), 0),
    "method": lambda L: L.tensor(_LX).logcumsumexp(dim=1),
    "err_long": lambda L: L.logcumsumexp(L.tensor(_LX).long(), 1),
    "err_bool": lambda L: L.logcumsumexp(L.tensor(_LX).bool(), 0),
    "err_dim": lambda L: L.logcumsumexp(L.tensor(_LX), 2),
    "err_0d_dim": lambda L: L.logcumsumexp(L.tensor(2.), 1),
}

RENORM = {
    "err_long": lambda L: L.renorm(L.tensor(_LX).long(), 2, 0, 5),
    "err_1d": lambda L: L.renorm(L.tensor([3., 4]), 2, 0, 1),
    "err_0d": lambda L: L.renorm(L.tensor(3.), 2, 0, 1),
    "zeros": lambda L: L.renorm(L.zeros(2, 2), 2, 0, 0),
    "inplace": lambda L: L.tensor(_LX).renorm_(2, 0, 5),
    "3d": lambda L: L.renorm(L.arange(24.).reshape(2, 3, 4) - 10, 2, 1, 9),
    "method": lambda L: L.tensor(_LX).double().renorm(1, 1, 1.5),
}
for _i, _args in enumerate([(2, 0, 5), (1, 1, 5), (INF, 1, 5), (0, 1, 5), (-1, 1, 5), (2, 1, -5),
                            (2, 2, 5), (3, -1, 5.), (2., 0, 5.), (2, 0, 0), (0.5, 0, 1.)]):
    RENORM[f"args{_i}"] = lambda L, a=_args: L.renorm(L.tensor(_LX), *a)

_C = [[0., 1, 2], [2, 1, 0.5]]
COV = {
    "plain": lambda L: L.cov(L.tensor(_C)),
    "1d": lambda L: L.cov(L.tensor(_C)[0]),
    "corr0": lambda L: L.cov(L.tensor(_C), correction=0),
    "corr2": lambda L: L.cov(L.tensor(_C), correction=2),
    "fweights": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1, 2, 3])),
    "fweights_int32": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1, 2, 3],
                                                                       dtype=L.int32)),
    "aweights": lambda L: L.cov(L.tensor(_C), aweights=L.tensor([1., 2, 3])),
    "both": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1, 2, 3]),
                            aweights=L.tensor([1., .2, 3])),
    "aweights_double": lambda L: L.cov(L.tensor(_C), aweights=L.tensor([1., 2, 3]).double()),
    "long": lambda L: L.cov(L.tensor(_C).long()),
    "long_corr0": lambda L: L.cov(L.tensor(_C).long(), correction=0),
    "double": lambda L: L.cov(L.tensor(_C).double()),
    "empty_vars": lambda L: L.cov(L.ones(0, 3)),
    "method": lambda L: L.tensor(_C).cov(correction=0),
    "err_fweights_float": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1., 2, 3])),
    "err_fweights_bool": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([True] * 3)),
    "err_fweights_neg": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1, -2, 3])),
    "err_fweights_2d": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([[1, 2, 3]])),
    "err_fweights_len": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([1, 2])),
    "err_fweights_zero": lambda L: L.cov(L.tensor(_C), fweights=L.tensor([0, 0, 0])),
    "err_aweights_int": lambda L: L.cov(L.tensor(_C), aweights=L.tensor([1, 2, 3])),
    "err_aweights_neg": lambda L: L.cov(L.tensor(_C), aweights=L.tensor([1., -2, 3])),
    "err_aweights_len": lambda L: L.cov(L.tensor(_C), aweights=L.tensor([1., 2])),
    "err_correction": lambda L: L.cov(L.tensor(_C), correction=1.5),
    "err_bool": lambda L: L.cov(L.tensor(_C).bool()),
    "err_3d": lambda L: L.cov(L.ones(2, 2, 2)),
    "corrcoef": lambda L: L.corrcoef(L.tensor(_C)),
    "corrcoef_1d": lambda L: L.corrcoef(L.tensor(_C)[0]),
    "corrcoef_constant_row": lambda L: L.corrcoef(L.tensor([[1., 1, 1], [1, 2, 3]])),
    "corrcoef_long": lambda L: L.corrcoef(L.tensor(_C).long()),
    "corrcoef_double": lambda L: L.corrcoef(L.tensor([[1., 2, 3], [1, 2, 3.5]]).double()),
    "corrcoef_method": lambda L: L.tensor(_C).corrcoef(),
    "corrcoef_err_3d": lambda L: L.corrcoef(L.ones(2, 2, 2)),
    "corrcoef_err_bool": lambda L: L.corrcoef(L.tensor(_C).bool()),
}


@pytest.mark.parametrize("name", sorted(CDIST))
def test_cdist_same_as_torch(name):
    tol = 1e-3 if name == "mm_self_diag" else 1e-5 if "float32" in name or "mm_path" in name \
        else 1e-10
    same_as_torch(CDIST[name], tol=tol)


@pytest.mark.parametrize("fn", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("name", sorted(TRAPZ))
def test_trapezoid_same_as_torch(fn, name):
    if fn == "trapz" and name == "err_x_and_dx":
        pytest.skip("torch.trapz has its own signature for this mistake")
    same_as_torch(lambda L: TRAPZ[name](L, getattr(L, fn)), tol=1e-6)


@pytest.mark.parametrize("name", sorted(LCSE))
def test_logcumsumexp_same_as_torch(name):
    same_as_torch(LCSE[name], tol=1e-6)


@pytest.mark.parametrize("name", sorted(RENORM))
def test_renorm_same_as_torch(name):
    same_as_torch(RENORM[name], tol=1e-6)


@pytest.mark.parametrize("name", sorted(COV))
def test_cov_same_as_torch(name):
    same_as_torch(COV[name], tol=1e-6)


def test_cov_warns_on_no_degrees_of_freedom():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            c = lib.cov(lib.tensor(_C), correction=3)
        assert c.tolist() == [[INF, -INF], [-INF, INF]]
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            assert math.isnan(lib.cov(lib.tensor(3.)).item())


def test_against_numpy_references():
    d = np.sqrt(((X1[:, :, None] - X2[:, None]) ** 2).sum(-1))
    np.testing.assert_allclose(ember.cdist(ember.tensor(X1), ember.tensor(X2)).numpy(), d)
    np.testing.assert_allclose(
        ember.cdist(ember.tensor(Z), ember.tensor(W), p=3).numpy(),
        (np.abs(Z[:, None] - W[None]) ** 3).sum(-1) ** (1 / 3))
    y, x = RNG.standard_normal((3, 7)), np.sort(RNG.standard_normal(7))
    np.testing.assert_allclose(ember.trapezoid(ember.tensor(y), ember.tensor(x)).numpy(),
                               np.trapezoid(y, x))
    cum = np.concatenate([np.zeros((3, 1)), ember.cumulative_trapezoid(
        ember.tensor(y), dx=0.3).numpy()], 1)
    np.testing.assert_allclose(cum[:, -1], np.trapezoid(y, dx=0.3))
    np.testing.assert_allclose(ember.logcumsumexp(ember.tensor(y), 1).numpy(),
                               np.log(np.cumsum(np.exp(y), 1)))
    w, f = RNG.uniform(0.1, 1, 7), RNG.integers(1, 4, 7)
    np.testing.assert_allclose(
        ember.cov(ember.tensor(y), fweights=ember.tensor(f), aweights=ember.tensor(w)).numpy(),
        np.cov(y, fweights=f, aweights=w))
    np.testing.assert_allclose(ember.corrcoef(ember.tensor(y)).numpy(), np.corrcoef(y))
    norms = np.sqrt((y ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(ember.renorm(ember.tensor(y), 2, 0, 1.).numpy(),
                               np.where(norms > 1, y / (norms + 1e-7), y))


GRADS = {
    "cdist_p2": (lambda L, a, b: L.cdist(a, b), (3, 4), (5, 4)),
    "cdist_p1_batch": (lambda L, a, b: L.cdist(a, b, p=1), (2, 3, 4), (5, 4)),
    "cdist_p05": (lambda L, a, b: L.cdist(a, b, p=0.5), (3, 2), (2, 2)),
    "cdist_p15": (lambda L, a, b: L.cdist(a, b, p=1.5), (3, 4), (5, 4)),
    "cdist_p3": (lambda L, a, b: L.cdist(a, b, p=3), (3, 4), (5, 4)),
    "cdist_pinf": (lambda L, a, b: L.cdist(a, b, p=INF), (3, 4), (5, 4)),
    "cdist_p0": (lambda L, a, b: L.cdist(a, b, p=0), (3, 4), (5, 4)),
    "cdist_mm": (lambda L, a, b: L.cdist(a, b), (30, 2), (3, 2)),
    "cdist_mm_batch": (lambda L, a, b: L.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                       (2, 3, 4), (1, 5, 4)),
    "cdist_self_zero_dist": (lambda L, a: L.cdist(a, a), (3, 4)),
    "cdist_self_p15": (lambda L, a: L.cdist(a, a, p=1.5), (3, 4)),
    "trapezoid_x": (lambda L, y, x: L.trapezoid(y, x), (3, 4), (4,)),
    "trapezoid_dx": (lambda L, y: L.trapezoid(y, dx=0.3, dim=0), (3, 4)),
    "cumulative_trapezoid_x": (lambda L, y, x: L.cumulative_trapezoid(y, x), (3, 4), (4,)),
    "cumulative_trapezoid_dx": (lambda L, y: L.cumulative_trapezoid(y, dim=0), (3, 4)),
    "logcumsumexp": (lambda L, a: L.logcumsumexp(a, 1), (3, 5)),
    "logcumsumexp_large": (lambda L, a: L.logcumsumexp(a * 30, 0), (4, 2)),
    "renorm_p2": (lambda L, a: L.renorm(a, 2, 0, 1.), (3, 4)),
    "renorm_p1": (lambda L, a: L.renorm(a, 1, 1, 1.5), (3, 4)),
    "renorm_p3": (lambda L, a: L.renorm(a, 3, 1, 1.), (3, 4)),
    "renorm_inf": (lambda L, a: L.renorm(a, INF, 0, 1.), (3, 4)),
    "renorm_zero_row": (lambda L, a: L.renorm(a * L.tensor([[1.], [0.], [1.]]), 2, 0, 1.),
                        (3, 4)),
    "cov": (lambda L, a: L.cov(a), (3, 5)),
    "cov_weights": (lambda L, a, w: L.cov(a, aweights=w.abs() + 0.1,
                                          fweights=L.tensor([1, 2, 1, 3, 1])), (3, 5), (5,)),
    "corrcoef": (lambda L, a: L.corrcoef(a), (3, 5)),
    "corrcoef_1d": (lambda L, a: L.corrcoef(a[0]) * a.sum(), (3, 5)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name):
    fn, *shapes = GRADS[name]
    check_grads(fn, *shapes)


def test_cdist_zero_distance_gradient_is_zero():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
            a = lib.tensor([[1., 2.], [1., 2.]], requires_grad=True)
            lib.cdist(a, a.detach(), compute_mode=mode)[0, 0].backward()
            assert a.grad.tolist() == [[0., 0.], [0., 0.]]
