"""ember.linalg and the classic top-level matrix functions, against PyTorch."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array as R

torch = pytest.importorskip("torch")
from tests.linalg_helpers import raises_like as _raises_like, same, seed_per_test  # noqa: E402

_per_test_data = pytest.fixture(autouse=True)(seed_per_test)


def _same(e, t, **tol):
    same(e, t, 1e-5, **tol)


def W(shape, shift=3.0):
    """A well-conditioned (batch of) square matrix: random plus ``shift * I``."""
    return R(shape) + shift * np.eye(shape[-1])


def S(shape):
    """A well-conditioned (batch of) matrix with well-separated singular values."""
    m, n = shape[-2:]
    k = min(m, n)
    return 0.4 * R(shape) + np.eye(m, n) * np.pad(1.5 * np.arange(k, 0, -1), (0, n - k))


def spd(t, x):
    """A symmetric positive-definite matrix built differentiably from ``x``."""
    return x @ x.mT + x.shape[-1] * t.eye(x.shape[-1], dtype=x.dtype)


def _both(fn, *arrays):
    return (fn(ember, *[ember.tensor(a) for a in arrays]),
            fn(torch, *[torch.tensor(a) for a in arrays]))


def _quiet(fn):
    """Call torch's deprecated functions (torch.cholesky, torch.qr ...) without their warning."""
    def run(lib, *xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib, *xs)
    return run


# ---- trace ----
@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 2)])
def test_trace(shape):
    check_op(lambda t, x: t.trace(x), R(shape))
    check_op(lambda t, x: x.trace(), R(shape))


@pytest.mark.parametrize("dt", ["int32", "int64", "uint8", "float16"])
def test_trace_dtypes(dt):
    _same(*_both(lambda t, x: t.trace(x), np.arange(9).reshape(3, 3).astype(dt)))


@pytest.mark.parametrize("x", [np.ones(3), np.ones((2, 2, 2)), np.ones((2, 2), bool)])
def test_trace_errors(x):
    _raises_like(lambda t: t.trace(t.tensor(x)))


# ---- inv / det / slogdet / logdet ----
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3)])
def test_inv(shape):
    check_op(lambda t, x: t.linalg.inv(x), W(shape))
    check_op(lambda t, x: t.inverse(x), W(shape))
    check_op(lambda t, x: x.inverse(), W(shape))


@pytest.mark.parametrize("x", [[[1., 2.], [2., 4.]], np.zeros((3, 3)), [[[1., 0.], [0., 1.]],
                               [[1., 2.], [2., 4.]]], [[2., 4., 1.], [1., 2., 5.], [3., 6., 1.]],
                               np.ones((2, 3)), np.ones(3), np.ones((2, 2), np.int64),
                               np.ones((2, 2), np.float16)])
def test_inv_errors(x):
    _raises_like(lambda t: t.linalg.inv(t.tensor(x)))


def test_linalg_error_is_runtime_error():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="singular"):
        ember.linalg.inv(ember.zeros(2, 2))


def test_inv_ex():
    x = np.stack([np.eye(2), [[1., 2.], [2., 4.]], [[0., 1.], [1., 0.]]])
    e, t = _both(lambda lib, a: lib.linalg.inv_ex(a), x)
    _same(e.info, t.info)
    _same(e.inverse[0], t.inverse[0])
    _same(e.inverse[2], t.inverse[2])
    assert repr(e).startswith("torch.return_types.linalg_inv_ex(\ninverse=")
    with pytest.raises(ember.linalg.LinAlgError, match="Batch element 1"):
        ember.linalg.inv_ex(ember.tensor(x), check_errors=True)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3)])
def test_det(shape):
    check_op(lambda t, x: t.linalg.det(x), W(shape))
    check_op(lambda t, x: t.det(x), R(shape))
    check_op(lambda t, x: x.det(), W(shape))


@pytest.mark.parametrize("x", [[[1., 2.], [2., 4.]], [[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]]])
def test_det_singular_grad(x):
    # the cofactor matrix (finite differences agree); torch 2.x returns zeros here
    check_op(lambda t, a: t.linalg.det(a), np.array(x), gradgrad=False, torch_parity=False)
    a = ember.tensor(x, requires_grad=True)
    ember.linalg.det(a).backward()
    assert a.grad.abs().sum().item() > 0


def test_det_empty_and_errors():
    _same(*_both(lambda t, x: t.linalg.det(x), np.ones((0, 0))))
    _same(*_both(lambda t, x: t.linalg.det(x), np.ones((2, 0, 0))))
    for x in (np.ones((2, 3)), np.ones((2, 2), np.int64)):
        _raises_like(lambda t: t.linalg.det(t.tensor(x)))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_slogdet(shape):
    x = W(shape) * np.array([1.0, -1.0, 1.0])  # some determinants negative
    check_op(lambda t, a: t.linalg.slogdet(a).logabsdet, x)
    check_op(lambda t, a: t.linalg.slogdet(a)[0], x, grad=False)
    check_op(lambda t, a: t.slogdet(a)[1], x)
    check_op(lambda t, a: a.slogdet().logabsdet, x)


def test_slogdet_repr_and_singular():
    e, t = _both(lambda lib, a: lib.linalg.slogdet(a), -np.eye(3))
    assert repr(e) == repr(t)
    e, t = _both(lambda lib, a: lib.slogdet(a), np.eye(2) * 2)
    assert repr(e) == repr(t)
    e, t = _both(lambda lib, a: lib.linalg.slogdet(a), [[1., 2.], [2., 4.]])
    assert e.logabsdet.item() == -math.inf and e.sign.item() == 0
    assert not e.sign.requires_grad


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_logdet(shape):
    check_op(lambda t, x: t.logdet(spd(t, x)), R(shape))
    check_op(lambda t, x: spd(t, x).logdet(), R(shape))


def test_logdet_special_values():
    for x in (-np.eye(3), [[1., 2.], [2., 4.]], np.eye(2) * 3):
        _same(*_both(lambda t, a: t.logdet(a), x))


# ---- solve ----
@pytest.mark.parametrize("sa,sb", [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (3, 2)),
                                   ((2, 3, 3), (2, 3)), ((3, 3), (2, 3, 1)),
                                   ((1, 3, 3), (2, 3, 2))])
def test_solve(sa, sb):
    check_op(lambda t, a, b: t.linalg.solve(a, b), W(sa), R(sb))


@pytest.mark.parametrize("sa,sb", [((3, 3), (2, 3)), ((3, 3), (1, 3)), ((2, 3, 3), (2, 4, 3))])
def test_solve_right(sa, sb):
    check_op(lambda t, a, b: t.linalg.solve(a, b, left=False), W(sa), R(sb))


@pytest.mark.parametrize("a,b", [([[1., 2.], [2., 4.]], np.ones(2)), (np.zeros((2, 2, 2)),
                                 np.ones((2, 2))), (np.eye(2), np.ones(3)),
                                 (np.eye(2), np.ones((2, 3, 2))),
                                 (np.eye(2), np.ones((2, 2), np.float32)),
                                 (np.ones((2, 3)), np.ones(2))])
def test_solve_errors(a, b):
    _raises_like(lambda t: t.linalg.solve(t.tensor(a), t.tensor(b)))



def test_solve_ex():
    a = np.stack([np.eye(2), [[1., 2.], [2., 4.]]])
    e, t = _both(lambda lib, x, y: lib.linalg.solve_ex(x, y), a, np.ones((2, 2)))
    _same(e.info, t.info)
    _same(e.result[0], t.result[0])


# ---- cholesky ----
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(shape, upper):
    check_op(lambda t, x: t.linalg.cholesky(spd(t, x), upper=upper), R(shape))
    check_op(_quiet(lambda t, x: t.cholesky(spd(t, x), upper)), R(shape))
    check_op(_quiet(lambda t, x: spd(t, x).cholesky(upper=upper)), R(shape))


def test_cholesky_reads_one_triangle():
    x = np.array([[4., 100.], [2., 5.]])
    _same(*_both(lambda t, a: t.linalg.cholesky(a), x))
    _same(*_both(lambda t, a: t.linalg.cholesky(a, upper=True), x.T))
    _raises_like(lambda t: t.linalg.cholesky(t.tensor(x), upper=True))
    grads = []
    for lib in (ember, torch):  # PyTorch's (symmetrised) gradient, not the one-triangle one
        a = lib.tensor([[4., 1.5], [2., 5.]], requires_grad=True)
        lib.linalg.cholesky(a).sum().backward()
        grads.append(a.grad)
    _same(*grads)


@pytest.mark.parametrize("x", [[[1., 2.], [2., 4.]], [[1., 2., 0.], [2., 1., 0.], [0., 0., 1.]],
                               np.stack([np.eye(3), -np.eye(3)]), np.ones((2, 3)),
                               np.eye(2, dtype=np.int64)])
def test_cholesky_errors(x):
    _raises_like(lambda t: t.linalg.cholesky(t.tensor(x)))


def test_cholesky_ex():
    x = np.stack([[[1., 2., 0.], [2., 1., 0.], [0., 0., 1.]], np.eye(3) * 4,
                  [[4., 2., 1.], [2., 1., 3.], [1., 3., 2.]]])
    for upper in (False, True):
        e, t = _both(lambda lib, a: lib.linalg.cholesky_ex(a, upper=upper), x)
        _same(e.info, t.info)
        _same(e.L, t.L)
    assert repr(e).startswith("torch.return_types.linalg_cholesky_ex(\nL=")
    with pytest.raises(ember.linalg.LinAlgError, match="order 2"):
        ember.linalg.cholesky_ex(ember.tensor(x), check_errors=True)



def test_cholesky_ex_near_singular_never_raises():
    """Rank-deficient PSD matrices (plus a rounding-sized shift) that LAPACK rejects: the
    factorisation reports a non-zero info instead of raising, whichever pivot test trips."""
    rng = np.random.default_rng(0)
    rejected = []
    for _ in range(3000):
        v = rng.standard_normal((3, 2))
        a = v @ v.T + rng.uniform(-1e-15, 1e-15) * np.eye(3)
        a = (a + a.T) / 2
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            rejected.append(a)
    assert len(rejected) > 10
    info = ember.linalg.cholesky_ex(ember.tensor(np.stack(rejected))).info
    assert (info.numpy() > 0).all()
    for i in range(min(len(rejected), 20)):
        assert int(ember.linalg.cholesky_ex(ember.tensor(rejected[i])).info) > 0

# ---- matrix_power ----
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    check_op(lambda t, x: t.linalg.matrix_power(x, n), W((3, 3)) / 3)
    check_op(lambda t, x: x.matrix_power(n), W((2, 2, 2)) / 3)


def test_matrix_power_int_and_errors():
    _same(*_both(lambda t, x: t.matrix_power(x, 3), np.ones((2, 2), np.int64)))
    _same(*_both(lambda t, x: t.matrix_power(x, 0), np.ones((2, 2), np.int64)))
    for x, n in ((np.ones((2, 2), np.int64), -1), (np.ones((2, 3)), 2), (np.ones(2), 2),
                 (np.ones((2, 2)), 1.5)):
        _raises_like(lambda t: t.linalg.matrix_power(t.tensor(x), n))


# ---- norms ----
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf, 0, -1])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(ord, dim, keepdim):
    check_op(lambda t, x: t.linalg.vector_norm(x, ord, dim, keepdim), R((2, 3, 4)),
             grad=ord != 0)


def test_vector_norm_dtype_zero_and_errors():
    check_op(lambda t, x: t.linalg.vector_norm(x, dtype=t.float64), R((3, 2)))
    x = ember.zeros(3, requires_grad=True)
    ember.linalg.vector_norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    _raises_like(lambda t: t.linalg.vector_norm(t.arange(3)))
    _raises_like(lambda t: t.linalg.vector_norm(t.ones(3), "fro"))
    _raises_like(lambda t: t.linalg.vector_norm(t.ones(2, 3), dim=5))
    _raises_like(lambda t: t.linalg.vector_norm(t.ones(0, 3), math.inf))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True), ((0, 1), False)])
def test_matrix_norm(ord, dim, keepdim):
    check_op(lambda t, x: t.linalg.matrix_norm(x, ord, dim, keepdim), R((3, 2, 4)))


@pytest.mark.parametrize("args", [(np.ones(3),), (np.ones((3, 3)), 3), (np.ones((3, 3)), "abc"),
                                  (np.ones((2, 2, 2)), "fro", (0, 1, 2)),
                                  (np.ones((2, 2, 2)), "fro", (0, 0)),
                                  (np.ones((2, 2), np.int64),)])
def test_matrix_norm_errors(args):
    _raises_like(lambda t: t.linalg.matrix_norm(t.tensor(args[0]), *args[1:]))


@pytest.mark.parametrize("shape,ord,dim", [((2, 3, 4), None, None), ((3, 4), None, None),
                                           ((4,), 3, None), ((3, 4), 1, None),
                                           ((3, 4), "nuc", None), ((2, 3, 4), 2, (0, 2)),
                                           ((2, 3, 4), None, (1, 2)), ((2, 3, 4), math.inf, 1),
                                           ((2, 3, 4), -2, (1, 2))])
def test_norm(shape, ord, dim):
    check_op(lambda t, x: t.linalg.norm(x, ord, dim), R(shape))
    check_op(lambda t, x: t.linalg.norm(x, ord, dim, keepdim=True), R(shape))


@pytest.mark.parametrize("args", [(np.ones((2, 2, 2)), 2), (np.ones((2, 2, 2)), "fro"),
                                  (np.ones((2, 2, 2)), None, (0, 1, 2)),
                                  (np.ones((2, 2, 2)), "nuc", 1), (np.ones((2, 2)), 3),
                                  (np.ones((2, 2)), "fro", 0), (np.ones((2, 2), np.int64),)])
def test_norm_errors(args):
    _raises_like(lambda t: t.linalg.norm(t.tensor(args[0]), *args[1:]))


def test_cross_reexport():
    assert ember.linalg.cross is ember.ops.linalg.linalg_cross
    check_op(lambda t, a, b: t.linalg.cross(a, b), R((2, 3)), R((2, 3)))


# ---- eigh / eigvalsh ----
def _sym(t, x):
    return x + x.mT


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(shape, uplo):
    # eigenvectors are defined up to sign: compare the sign-free V * V
    def f(t, x):
        lam, v = t.linalg.eigh(_sym(t, x), UPLO=uplo)
        return v * v, lam
    check_op(f, S(shape))
    _same(*_both(lambda t, x: t.linalg.eigh(x, uplo).eigenvalues, S(shape)))  # one triangle
    check_op(lambda t, x: t.linalg.eigvalsh(_sym(t, x), UPLO=uplo), S(shape))

    def rebuilt(t, x):  # V diag(f(L)) V^T is independent of the signs
        lam, v = t.linalg.eigh(_sym(t, x), uplo)
        return (v * lam.exp().unsqueeze(-2)) @ v.mT
    check_op(rebuilt, S(shape), atol=1e-4)


def test_eigh_repr_and_errors():
    e, t = _both(lambda lib, a: lib.linalg.eigh(a), np.eye(2))
    assert repr(e) == repr(t)
    _raises_like(lambda t: t.linalg.eigh(t.eye(2), UPLO="X"))
    _raises_like(lambda t: t.linalg.eigh(t.ones(2, 3)))
    for f in ("eigvalsh", "svdvals", "qr", "cholesky_ex", "inv_ex", "solve_ex", "pinv", "det",
              "slogdet"):
        _raises_like(lambda t: getattr(t.linalg, f)(*[t.ones(3)] * (1 + (f == "solve_ex"))))


# ---- svd ----
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 4, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(shape, full):
    k = min(shape[-2:])

    def f(t, x):  # columns of U and rows of Vh are defined up to a shared sign
        u, s, vh = t.linalg.svd(x, full_matrices=full)
        return u[..., :k] * u[..., :k], s, vh[..., :k, :] * vh[..., :k, :]
    check_op(f, S(shape))

    def g(t, x):
        u, s, vh = t.linalg.svd(x, full_matrices=full)
        return (u[..., :k] * s.sin().unsqueeze(-2)) @ vh[..., :k, :]
    check_op(g, S(shape))
    check_op(lambda t, x: t.linalg.svdvals(x), S(shape))
    e, t = _both(lambda lib, x: lib.linalg.svd(x, full_matrices=full), S(shape))
    for a, b in zip(e, t):
        assert tuple(a.shape) == tuple(b.shape)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
@pytest.mark.parametrize("some", [True, False])
def test_svd_legacy(shape, some):
    k = min(shape)

    def f(t, x):
        u, s, v = t.svd(x, some=some)
        return s, (u[:, :k] * s) @ v[:, :k].mT
    check_op(f, S(shape))
    e, t = _both(lambda lib, x: x.svd(some=some) if lib is ember else lib.svd(x, some=some),
                 S(shape))
    assert [tuple(a.shape) for a in e] == [tuple(b.shape) for b in t]
    assert repr(e).startswith("torch.return_types.svd(\nU=")
    e, t = _both(lambda lib, x: lib.svd(x, compute_uv=False), S(shape))
    for a, b in zip(e, t):
        _same(a, b)


def test_svd_errors():
    _raises_like(lambda t: t.linalg.svd(t.ones(3)))
    _raises_like(lambda t: t.linalg.svd(t.ones(3, 2, dtype=t.int64)))


# ---- qr ----
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 4, 3), (2, 3, 5)])
def test_qr(shape):
    check_op(lambda t, x: t.linalg.qr(x), S(shape))
    check_op(lambda t, x: t.linalg.qr(x).R, S(shape))
    check_op(lambda t, x: t.linalg.qr(x).Q.exp().sum() * t.linalg.qr(x).R.sin().sum(), S(shape))


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_qr_modes(shape):
    e, t = _both(lambda lib, x: lib.linalg.qr(x, mode="complete"), S(shape))
    for a, b in zip(e, t):
        _same(a, b)
    e, t = _both(lambda lib, x: lib.linalg.qr(x, mode="r"), S(shape))
    for a, b in zip(e, t):
        _same(a, b)
    if shape[0] < shape[1]:
        check_op(lambda t, x: t.linalg.qr(x, mode="complete"), S(shape))
    e, t = _both(_quiet(lambda lib, x: lib.qr(x, some=False)), S(shape))
    assert repr(e).startswith("torch.return_types.qr(\nQ=")
    for a, b in zip(e, t):
        _same(a, b)
    check_op(_quiet(lambda t, x: x.qr()), S(shape))


def test_qr_errors():
    _raises_like(lambda t: t.linalg.qr(t.ones(3, 2), mode="x"))
    _raises_like(lambda t: t.linalg.qr(t.ones(3)))
    for mode in ("r", "complete"):
        def back(t, mode=mode):
            x = t.ones(4, 3, dtype=t.float64).add(t.eye(4, 3, dtype=t.float64))
            x.requires_grad_(True)
            t.linalg.qr(x, mode=mode).R.sum().backward()
        _raises_like(back)


# ---- pinv / lstsq / matrix_rank / cond ----
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 3, 5)])
def test_pinv(shape):
    check_op(lambda t, x: t.linalg.pinv(x), S(shape))
    check_op(lambda t, x: t.pinverse(x), S(shape))
    check_op(lambda t, x: x.pinverse(), S(shape))
    check_op(lambda t, x: t.linalg.pinv(x, atol=0.5), S(shape), grad=False)
    check_op(lambda t, x: t.linalg.pinv(x, rtol=0.3), S(shape), grad=False)


def test_pinv_hermitian_and_rank_deficient():
    check_op(lambda t, x: t.linalg.pinv(_sym(t, x), hermitian=True), S((3, 3)))
    x = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
    _same(*_both(lambda t, a: t.linalg.pinv(a), x))
    _raises_like(lambda t: t.linalg.pinv(t.ones(3)))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("sa,sb", [((5, 3), (5, 2)), ((3, 3), (3, 1)), ((2, 5, 3), (2, 5, 2)),
                                   ((5, 3), (5,))])
def test_lstsq(driver, sa, sb):
    a, b = S(sa), R(sb)
    e, t = _both(lambda lib, x, y: lib.linalg.lstsq(x, y, driver=driver), a, b)
    for x, y in zip(e, t):
        _same(x, y, atol=1e-4)
    assert repr(e).startswith("torch.return_types.linalg_lstsq(\nsolution=")
    check_op(lambda t, x, y: t.linalg.lstsq(x, y, driver=driver).solution, a, b)


def test_lstsq_rank_deficient_and_errors():
    a = np.array([[1., 2., 2.], [0., 1., 1.], [3., 1., 1.], [1., 1., 1.]])
    for driver in ("gelsd", "gelss"):
        e, t = _both(lambda lib, x, y: lib.linalg.lstsq(x, y, driver=driver), a, R((4, 2)))
        for x, y in zip(e, t):
            _same(x, y, atol=1e-4)
    _raises_like(lambda t: t.linalg.lstsq(t.ones(4, 2), t.ones(4, 3), driver="foo"))


@pytest.mark.parametrize("x", [np.ones((3, 3)), [[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]],
                               np.stack([np.eye(3), np.zeros((3, 3))]), np.ones((2, 4))])
def test_matrix_rank(x):
    x = np.asarray(x)
    _same(*_both(lambda t, a: t.linalg.matrix_rank(a), x))
    _same(*_both(lambda t, a: t.linalg.matrix_rank(a, atol=1.0, rtol=0.0), x))
    _same(*_both(lambda t, a: t.linalg.matrix_rank(a, rtol=0.5), x))
    if x.shape[-1] == x.shape[-2]:
        s = x + x.swapaxes(-1, -2)
        _same(*_both(lambda t, a: t.linalg.matrix_rank(a, hermitian=True), s))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond(p):
    svd_based = p in (None, 2, -2)  # torch cannot differentiate the others (in-place inv)
    check_op(lambda t, x: t.linalg.cond(x, p), W((2, 3, 3)), grad=svd_based)
    if not svd_based:
        check_op(lambda t, x: t.linalg.cond(x, p), W((2, 3, 3)), torch_parity=False)
    if p not in ("fro", "nuc"):  # torch inverts [[1, 2], [2, 4]] there without noticing
        _same(*_both(lambda t, x: t.linalg.cond(x, p), np.array([[1., 2.], [2., 4.]])))


# ---- products ----
@pytest.mark.parametrize("shapes", [[(3,), (3, 2), (2,)], [(2, 3), (3, 4)], [(4,), (4, 2)],
                                    [(2, 3), (3, 4), (4, 2), (2, 5)], [(2, 3), (3,)]])
def test_multi_dot(shapes):
    check_op(lambda t, *xs: t.linalg.multi_dot(xs), *[R(s) for s in shapes])


@pytest.mark.parametrize("shapes", [[(3,)], [(3, 2, 2), (2, 2)], [(2, 2), (2, 2, 2)],
                                    [(2, 3), (2, 2)], [(2, 3), (3, 2, 1), (1, 2)]])
def test_multi_dot_errors(shapes):
    _raises_like(lambda t: t.linalg.multi_dot([t.ones(s) for s in shapes]))
    _raises_like(lambda t: t.linalg.multi_dot([t.ones(2, 3), t.ones(3, 2, dtype=t.float64)]))


@pytest.mark.parametrize("sx,sy,dim", [((3,), (2, 3), -1), ((2, 4), (2, 4), 0),
                                       ((3, 1, 4), (2, 4), -1)])
def test_vecdot(sx, sy, dim):
    check_op(lambda t, x, y: t.linalg.vecdot(x, y, dim=dim), R(sx), R(sy))
    _raises_like(lambda t: t.linalg.vecdot(t.ones(3), t.ones(3, dtype=t.float64)))


# ---- triangular solves ----
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    sb = (2, 3, 2) if left else (2, 4, 3)
    check_op(lambda t, a, b: t.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                       unitriangular=unit), W((3, 3)), R(sb))


def test_solve_triangular_singular_and_errors():
    _same(*_both(lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), np.zeros((2, 2)),
                 np.ones((2, 1))))
    _raises_like(lambda t: t.linalg.solve_triangular(t.eye(2), t.ones(3, 2), upper=True))
    with pytest.raises(TypeError):
        ember.linalg.solve_triangular(ember.eye(2), ember.ones(2, 1))


@pytest.mark.parametrize("upper,transpose,unit", [(True, False, False), (False, True, False),
                                                  (True, True, True), (False, False, True)])
def test_triangular_solve(upper, transpose, unit):
    f = _quiet(lambda t, b, a: t.triangular_solve(b, a, upper, transpose, unit))
    check_op(f, R((2, 3, 2)), W((3, 3)))
    check_op(_quiet(lambda t, b, a: b.triangular_solve(a, upper=upper)[0]), R((3, 2)), W((3, 3)))
    e, t = _both(f, R((3, 2)), W((3, 3)))
    assert repr(e).startswith("torch.return_types.triangular_solve(\nsolution=")


# ---- graph and namespace ----
def test_grad_fn_names():
    a = ember.tensor(W((3, 3)), requires_grad=True)
    s = spd(ember, a)
    assert ember.linalg.inv(a).grad_fn.name() == "LinalgInvExBackward0"
    assert ember.linalg.det(a).grad_fn.name() == "LinalgDetBackward0"
    assert ember.linalg.slogdet(a)[1].grad_fn.name() == "LinalgSlogdetBackward0"
    assert ember.linalg.solve(a, a).grad_fn.name() == "LinalgSolveExBackward0"
    assert ember.linalg.cholesky(s).grad_fn.name() == "LinalgCholeskyExBackward0"
    assert ember.linalg.eigh(s)[1].grad_fn.name() == "LinalgEighBackward0"
    assert ember.linalg.svd(a)[2].grad_fn.name() == "LinalgSvdBackward0"
    assert ember.linalg.qr(a)[1].grad_fn.name() == "LinalgQrBackward0"
    assert ember.linalg.pinv(a).grad_fn.name() == "LinalgPinvBackward0"
    assert ember.trace(a).grad_fn.name() == "TraceBackward0"
    u, s_, vh = ember.linalg.svd(a)
    assert u.grad_fn is s_.grad_fn is vh.grad_fn
    assert [u.output_nr, s_.output_nr, vh.output_nr] == [0, 1, 2]


def test_namespace():
    for name in ("inv", "det", "slogdet", "solve", "cholesky", "matrix_power", "norm",
                 "vector_norm", "matrix_norm", "cross", "eigh", "eigvalsh", "svd", "svdvals",
                 "qr", "pinv", "lstsq", "matrix_rank", "cond", "multi_dot", "vecdot",
                 "solve_triangular", "cholesky_ex", "inv_ex", "LinAlgError"):
        assert hasattr(ember.linalg, name) and hasattr(torch.linalg, name), name
    for name in ("trace", "inverse", "det", "logdet", "slogdet", "svd", "qr", "cholesky",
                 "matrix_power", "pinverse", "triangular_solve"):
        assert callable(getattr(ember, name)) and callable(getattr(ember.Tensor, name)), name


def test_backward_twice_through_multi_output_frees():
    a = ember.tensor(R((3, 3)), requires_grad=True)
    u, s, vh = ember.linalg.svd(a)
    (u.sum() + s.sum()).backward()
    with pytest.raises(RuntimeError, match="second time"):
        s.sum().backward()
