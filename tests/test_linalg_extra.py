"""LU, cholesky_solve/inverse, matrix_exp, eig, householder_product, tensorinv/solve, vander."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array as R

torch = pytest.importorskip("torch")
from tests.linalg_helpers import raises_like as _raises_like, same, seed_per_test  # noqa: E402

_per_test_data = pytest.fixture(autouse=True)(seed_per_test)


def _same(e, t, **tol):
    same(e, t, 1e-6, **tol)


def W(shape, shift=3.0):
    return R(shape) + shift * np.eye(*shape[-2:])


def _both(arr):
    return ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())


# ---- LU ----

@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (2, 3, 5), (0, 3, 3), (0, 0)])
def test_lu_factor_matches_torch(shape):
    a = R(shape)
    e, t = _both(a)
    for fe, ft in zip(ember.linalg.lu_factor_ex(e), torch.linalg.lu_factor_ex(t)):
        _same(fe, ft, atol=1e-12)
    for fe, ft in zip(ember.linalg.lu(e), torch.linalg.lu(t)):
        _same(fe, ft, atol=1e-12)
    LU, piv = ember.linalg.lu_factor(e)
    assert type(ember.linalg.lu_factor(e)).__name__ == "linalg_lu_factor"
    P, L, U = ember.lu_unpack(LU, piv)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-12)


def test_lu_singular_info_and_errors():
    a = np.array([[[1., 0.], [0., 1.]], [[1., 0.], [0., 0.]]])
    e, t = _both(a)
    for fe, ft in zip(ember.linalg.lu_factor_ex(e), torch.linalg.lu_factor_ex(t)):
        _same(fe, ft)
    _raises_like(lambda lib: lib.linalg.lu_factor(lib.tensor(a)))
    _raises_like(lambda lib: lib.linalg.lu_factor(lib.tensor(a[1])))
    _raises_like(lambda lib: lib.linalg.lu_factor_ex(lib.tensor(a), check_errors=True))
    _same(ember.linalg.lu(e).U, torch.linalg.lu(t).U)  # linalg.lu does not raise
    _raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3)))
    _raises_like(lambda lib: lib.linalg.lu(lib.ones(3)))
    _raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)))
    _raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3, 3), pivot=False))
    _raises_like(lambda lib: lib.linalg.lu_factor([1.0]))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (4, 2), (2, 4)])
def test_lu_grad(shape):
    check_op(lambda lib, a: lib.linalg.lu(a)[1:], W(shape), atol=1e-5)
    check_op(lambda lib, a: lib.linalg.lu(a).U, W(shape), atol=1e-5)
    check_op(lambda lib, a: lib.linalg.lu_factor(a).LU, W(shape), atol=1e-5)


def test_lu_unpack_options_and_errors():
    e, t = _both(R((2, 3, 3)))
    le, lt = ember.linalg.lu_factor(e), torch.linalg.lu_factor(t)
    for kw in (dict(unpack_data=False), dict(unpack_pivots=False)):
        for fe, ft in zip(ember.lu_unpack(*le, **kw), torch.lu_unpack(*lt, **kw)):
            _same(fe, ft)
    assert type(ember.lu_unpack(*le)).__name__ == "lu_unpack"
    _raises_like(lambda lib: lib.lu_unpack(lib.ones(3, 3), lib.ones(3, dtype=lib.int64)))
    _raises_like(lambda lib: lib.lu_unpack(lib.ones(3), lib.ones(3, dtype=lib.int32)))
    _raises_like(lambda lib: lib.lu_unpack(lib.ones(3, 3), lib.full((3,), 7, dtype=lib.int32)))
    check_op(lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a))[1:], W((2, 3, 3)),
             atol=1e-5)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve(left, adjoint):
    b = R((2, 3, 2)) if left else R((2, 2, 3))

    def fn(lib, a, b):
        LU, piv = lib.linalg.lu_factor(a)
        return lib.linalg.lu_solve(LU, piv, b, left=left, adjoint=adjoint)
    check_op(fn, W((2, 3, 3)), b, atol=1e-5)
    a = W((3, 3))
    x = fn(ember, ember.tensor(a), ember.tensor(b)).numpy()
    a_op = a.T if adjoint else a
    np.testing.assert_allclose(a_op @ x if left else x @ a_op, b, atol=1e-5)


def test_lu_solve_broadcast_and_errors():
    a, b = W((2, 3, 3)), R((5, 2, 3, 2))
    (le, lt), (be, bt) = _both(a), _both(b)
    fe, ft = ember.linalg.lu_factor(le), torch.linalg.lu_factor(lt)
    _same(ember.linalg.lu_solve(*fe, be), torch.linalg.lu_solve(*ft, bt), atol=1e-10)

    def bad(mk):
        return lambda lib: mk(lib, *lib.linalg.lu_factor(lib.tensor(a)))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(2, 2, 3).double())))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(2, 3, 1))))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p.long(), LU)))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU[..., :2], p, LU)))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p, LU[0, 0])))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p[..., :2], LU)))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p[0].expand(3, 3), LU)))
    _raises_like(bad(lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(2, 2, 4).double(),
                                                          left=False)))


# ---- Cholesky solves ----

def _chol(lib, x, upper=False):
    """A Cholesky factor built differentiably: reads only the triangle, as torch's tests do."""
    return x.triu() if upper else x.tril()


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve(upper):
    fac = R((2, 3, 3)) * 0.3 + 2 * np.eye(3)
    check_op(lambda lib, b, f: lib.cholesky_solve(b, _chol(lib, f, upper), upper), R((2, 3, 2)),
             fac)
    check_op(lambda lib, b, f: lib.cholesky_solve(b, _chol(lib, f, upper), upper=upper),
             R((4, 1, 3, 2)), fac[0])
    f = np.triu(fac[0]) if upper else np.tril(fac[0])
    a = f.T @ f if upper else f @ f.T
    b = R((3, 2))
    x = ember.cholesky_solve(ember.tensor(b), ember.tensor(fac[0]), upper)  # one triangle read
    np.testing.assert_allclose(a @ x.numpy(), b, atol=1e-10)


def test_cholesky_solve_full_factor_gradient_like_torch():
    f = np.tril(R((3, 3))) + 2 * np.eye(3)
    b = R((3, 2))
    (fe, ft), (be, bt) = _both(f), _both(b)
    fe.requires_grad_(), ft.requires_grad_()
    ember.cholesky_solve(be, fe).sum().backward()
    torch.cholesky_solve(bt, ft).sum().backward()
    np.testing.assert_allclose(fe.grad.numpy(), ft.grad.numpy(), atol=1e-10)
    assert ember.cholesky_solve(be, fe).grad_fn.name() == "CholeskySolveBackward0"


def test_cholesky_solve_errors():
    L = np.tril(R((2, 3, 3))) + 2 * np.eye(3)
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(2, 3, 2).double(), lib.tensor(L)
                                                .float()))
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(3).double(), lib.tensor(L)))
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(3, 1).double(), lib.ones(3).double()))
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(3, 2).double(), lib.tensor(L)[..., :2]))
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(4, 2).double(), lib.tensor(L)))
    _raises_like(lambda lib: lib.cholesky_solve(lib.ones(3, 2, dtype=lib.int64),
                                                lib.ones(3, 3, dtype=lib.int64)))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse(upper):
    fac = R((2, 3, 3)) * 0.3 + 2 * np.eye(3)
    check_op(lambda lib, f: lib.cholesky_inverse(_chol(lib, f, upper), upper), fac)
    check_op(lambda lib, f: lib.cholesky_inverse(_chol(lib, f, upper), upper=upper), fac[0])
    f = np.triu(fac[0]) if upper else np.tril(fac[0])
    a = f.T @ f if upper else f @ f.T
    np.testing.assert_allclose(ember.cholesky_inverse(ember.tensor(f), upper).numpy(),
                               np.linalg.inv(a), atol=1e-10)
    _raises_like(lambda lib: lib.cholesky_inverse(lib.ones(3)))
    _raises_like(lambda lib: lib.cholesky_inverse(lib.ones(3, 2)))
    _raises_like(lambda lib: lib.cholesky_inverse(lib.ones(3, 3, dtype=lib.int64)))


# ---- matrix_exp ----

@pytest.mark.parametrize("shape,scale", [((3, 3), 1.0), ((2, 4, 4), 0.3), ((2, 3, 3), 6.0)])
def test_matrix_exp(shape, scale):
    check_op(lambda lib, a: lib.linalg.matrix_exp(a), R(shape) * scale, rtol=1e-5, atol=1e-5)
    check_op(lambda lib, a: lib.matrix_exp(a), R(shape) * scale, rtol=1e-5, atol=1e-5,
             gradgrad=False, layouts=("contig",))


def test_matrix_exp_values_and_errors():
    a = np.array([[0., 1.], [-1., 0.]])  # a rotation generator: exp is a rotation by 1 rad
    c, s = np.cos(1.0), np.sin(1.0)
    np.testing.assert_allclose(ember.linalg.matrix_exp(ember.tensor(a)).numpy(),
                               [[c, s], [-s, c]], atol=1e-12)
    big = np.stack([np.zeros((2, 2)), 40 * a, np.diag([1e-9, 5.0])])  # per-matrix scaling
    _same(ember.matrix_exp(ember.tensor(big)), torch.matrix_exp(torch.tensor(big)), rtol=1e-10,
          atol=1e-10)
    for shape in ((0, 2, 2), (0, 0)):
        _same(ember.matrix_exp(ember.zeros(shape)), torch.matrix_exp(torch.zeros(shape)))
    half = ember.matrix_exp(ember.eye(2, dtype=ember.float16))  # torch 2.13 gets this wrong
    assert half.dtype is ember.float16
    np.testing.assert_allclose(half.numpy(), np.e * np.eye(2), rtol=1e-3)
    _raises_like(lambda lib: lib.linalg.matrix_exp(lib.ones(3)))
    _raises_like(lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3)))
    _raises_like(lambda lib: lib.linalg.matrix_exp(lib.ones(2, 2, dtype=lib.int64)))
    x = ember.eye(2, requires_grad=True)
    assert ember.matrix_exp(x).grad_fn.name() == "LinalgMatrixExpBackward0"


# ---- eig ----

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eig_matches_torch(dtype):
    a = R((2, 4, 4)).astype(dtype)
    e, t = _both(a)
    we, ve = ember.linalg.eig(e)
    wt, vt = torch.linalg.eig(t)
    if dtype == np.float64:  # same LAPACK routine: same order and normalisation
        _same(we, wt, atol=1e-10)
        _same(ve, vt, atol=1e-10)
        _same(ember.linalg.eigvals(e), torch.linalg.eigvals(t), atol=1e-10)
    else:  # rounding may order the eigenvalues differently
        assert (we.dtype.name, ve.dtype.name) == ("complex64", "complex64")
        key = np.sort_complex(np.round(we.numpy(), 3))
        np.testing.assert_allclose(key, np.sort_complex(np.round(wt.numpy(), 3)), atol=2e-3)
    assert type(ember.linalg.eig(e)).__name__ == "linalg_eig"
    np.testing.assert_allclose(a.astype(np.complex128) @ ve.numpy(),
                               ve.numpy() * we.numpy()[..., None, :], atol=1e-4)


def test_eig_symmetric_and_errors():
    a = np.diag([3.0, 1.0, 2.0])
    e, t = _both(a)
    _same(ember.linalg.eigvals(e), torch.linalg.eigvals(t))
    _raises_like(lambda lib: lib.linalg.eig(lib.ones(2, 3)))
    _raises_like(lambda lib: lib.linalg.eig(lib.ones(3)))
    _raises_like(lambda lib: lib.linalg.eigvals(lib.ones(3)))
    _raises_like(lambda lib: lib.linalg.eig(lib.full((3, 3), float("nan"))))


def test_eig_backward_raises_instead_of_a_wrong_gradient():
    x = ember.tensor(W((3, 3)), requires_grad=True)
    w = ember.linalg.eigvals(x)
    assert w.requires_grad
    with pytest.raises(RuntimeError, match="derivative of eig"):
        ember.linalg.eig(x).eigenvalues.abs().sum().backward()


# ---- householder_product ----

@pytest.mark.parametrize("shape,k", [((4, 3), 3), ((2, 5, 3), 2), ((3, 3), 0)])
def test_householder_product(shape, k):
    tau = R(shape[:-2] + (k,))
    check_op(lambda lib, a, t: lib.linalg.householder_product(a, t), R(shape), tau)


def test_householder_product_from_geqrf():
    a = R((5, 3))
    ta = torch.from_numpy(a)
    qr, tau = torch.geqrf(ta)
    q = ember.linalg.householder_product(ember.from_numpy(qr.numpy()),
                                         ember.from_numpy(tau.numpy()))
    np.testing.assert_allclose(q.numpy(), torch.linalg.qr(ta).Q.numpy(), atol=1e-10)


def test_householder_product_errors():
    def call(a, t):
        return lambda lib: lib.linalg.householder_product(lib.ones(*a), lib.ones(*t))
    for a, t in (((3,), (1,)), ((2, 3), (1,)), ((3, 2), (3,)), ((3, 2), (2, 1)),
                 ((4, 3, 2), (3, 1)), ((4, 3, 2), (2, 1))):
        _raises_like(call(a, t))
    _raises_like(lambda lib: lib.linalg.householder_product(lib.ones(3, 2),
                                                            lib.ones(1, dtype=lib.float64)))
    _raises_like(lambda lib: lib.linalg.householder_product(lib.ones(3, 2, dtype=lib.int64),
                                                            lib.ones(1, dtype=lib.int64)))


# ---- tensorinv / tensorsolve ----

def test_tensorinv():
    a = W((6, 6)).reshape(2, 3, 6)
    check_op(lambda lib, a: lib.linalg.tensorinv(a, ind=2), a)
    check_op(lambda lib, a: lib.linalg.tensorinv(a, ind=1), W((4, 4)).reshape(4, 2, 2))
    e = ember.linalg.tensorinv(ember.tensor(a), ind=2)
    np.testing.assert_allclose(np.tensordot(a, e.numpy(), 1), np.eye(6).reshape(2, 3, 2, 3),
                               atol=1e-10)
    _raises_like(lambda lib: lib.linalg.tensorinv(lib.ones(4, 6, 8, 3), ind=0))
    _raises_like(lambda lib: lib.linalg.tensorinv(lib.ones(4, 6, 8, 2), ind=2))
    _raises_like(lambda lib: lib.linalg.tensorinv(lib.zeros(2, 2, 2, 2), ind=2))
    _raises_like(lambda lib: lib.linalg.tensorinv(lib.ones(2, 2, 2, 2, dtype=lib.int64)))


def test_tensorsolve():
    a = W((6, 6)).reshape(2, 3, 6)
    check_op(lambda lib, a, b: lib.linalg.tensorsolve(a, b), a, R((2, 3)))
    check_op(lambda lib, a, b: lib.linalg.tensorsolve(a, b, dims=(0,)),
             np.moveaxis(a, 2, 0).copy(), R((2, 3)))
    check_op(lambda lib, a, b: lib.linalg.tensorsolve(a, b), a, R((3, 2)), gradgrad=False)
    _raises_like(lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 5), lib.ones(2, 3)))
    _raises_like(lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 6), lib.ones(6)))
    _raises_like(lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 6),
                                                    lib.ones(2, 3, dtype=lib.float64)))
    _raises_like(lambda lib: lib.linalg.tensorsolve(lib.zeros(2, 3, 6), lib.ones(2, 3)))


# ---- vander ----

@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32", "float64", "bool"])
def test_vander_values_dtypes(dtype):
    x = np.array([1, 0, 3, 2]).astype(dtype)
    e, t = _both(x)
    for kw in ({}, {"N": 2}, {"N": 5, "increasing": True}, {"N": 0}, {"N": 1}):
        _same(ember.vander(e, **kw), torch.vander(t, **kw))
    if dtype == "bool":
        _raises_like(lambda lib: lib.linalg.vander(lib.tensor([True, False])))
        return
    for kw in ({}, {"N": 3}):
        _same(ember.linalg.vander(e, **kw), torch.linalg.vander(t, **kw))
    b = np.stack([x, x + 1])
    _same(ember.linalg.vander(ember.from_numpy(b)), torch.linalg.vander(torch.from_numpy(b)))


def test_vander_grad_and_errors():
    # torch 2.13's own vander backward fails (an in-place cumprod): compare with NumPy
    check_op(lambda lib, x: lib.vander(x), np.array([0.5, 0.0, -1.5]), ref=np.vander,
             torch_parity=False)
    check_op(lambda lib, x: lib.vander(x, N=4, increasing=True), R((3,)),
             ref=lambda x: np.vander(x, 4, increasing=True), torch_parity=False)
    check_op(lambda lib, x: lib.linalg.vander(x, N=3), R((2, 3)))
    _raises_like(lambda lib: lib.vander(lib.ones(2, 2)))
    _raises_like(lambda lib: lib.vander(lib.tensor(2.0)))
    _raises_like(lambda lib: lib.vander(lib.ones(2), N=-1))
    _raises_like(lambda lib: lib.linalg.vander(lib.ones(2), N=1))
    _raises_like(lambda lib: lib.linalg.vander(lib.ones(2, 0)))
