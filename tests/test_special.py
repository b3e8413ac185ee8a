"""ember.special and the special functions of the ember namespace: values against SciPy /
PyTorch (with SciPy's kernels and with ember's NumPy fallbacks), gradients, errors."""
from __future__ import annotations

import math
import types

import numpy as np
import pytest

import ember
from ember.special import _kernels as K

from helpers import check_op

sp = pytest.importorskip("scipy.special")
RNG = np.random.default_rng(7)


@pytest.fixture(params=["scipy", "numpy", "partial"])
def engine(request, monkeypatch):
    """Run a test with SciPy's kernels, with ember's own code ("numpy"), and with ember's code
    over a library that has only erf, erfc and gammaln (as an older CuPy might)."""
    if request.param == "numpy":
        monkeypatch.setitem(K._LIBS, "numpy", None)
    elif request.param == "partial":
        partial = types.SimpleNamespace(erf=sp.erf, erfc=sp.erfc, gammaln=sp.gammaln)
        monkeypatch.setitem(K._LIBS, "numpy", partial)
    return request.param


def _wide(n=400):
    """Values over the whole float64 range plus the special points."""
    tiny_to_big = 10 ** RNG.uniform(-300, 2.8, n // 4)
    points = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, 0.5, -0.5, 8.0, 30.0, 30.5, 700.0, np.inf,
              -np.inf, np.nan, 26.5, -26.5]
    return np.concatenate([RNG.uniform(-40, 40, n), RNG.uniform(-4, 4, n), tiny_to_big,
                           -tiny_to_big, points])


# name, ember function, reference (SciPy), inputs, rtol, atol
UNARY = [
    ("erfc", ember.special.erfc, sp.erfc, _wide(), 1e-12, 1e-300),
    ("erfcx", ember.special.erfcx, sp.erfcx, _wide(), 1e-13, 0),
    ("gammaln", ember.special.gammaln, sp.gammaln, _wide()[np.isfinite(_wide()) | (_wide() > 0)],
     1e-12, 1e-14),
    ("digamma", ember.special.digamma, sp.psi, _wide(), 1e-12, 1e-13),
    ("i0", ember.special.i0, sp.i0, _wide()[np.abs(_wide()) < 700], 1e-13, 0),
    ("i0e", ember.special.i0e, sp.i0e, _wide(), 1e-13, 0),
    ("i1", ember.special.i1, sp.i1, _wide()[np.abs(_wide()) < 700], 1e-13, 0),
    ("i1e", ember.special.i1e, sp.i1e, _wide(), 1e-13, 0),
    ("log_ndtr", ember.special.log_ndtr, sp.log_ndtr, _wide(), 1e-12, 1e-300),
    ("ndtr", ember.special.ndtr, sp.ndtr, _wide(), 1e-12, 1e-300),
    ("erfinv", ember.special.erfinv, sp.erfinv,
     np.concatenate([RNG.uniform(-1, 1, 500), 1 - 10 ** RNG.uniform(-300, 0, 100),
                     -1 + 10 ** RNG.uniform(-16, 0, 100), 10.0 ** RNG.uniform(-300, 0, 50),
                     [0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.0, np.nan]]), 1e-13, 0),
    ("ndtri", ember.special.ndtri, sp.ndtri,
     np.concatenate([RNG.uniform(0, 1, 500), 10 ** RNG.uniform(-300, 0, 100),
                     1 - 10 ** RNG.uniform(-16, 0, 100), 0.5 + 10 ** RNG.uniform(-17, -1, 50),
                     [0.0, 1.0, 0.5, -0.1, 1.1, np.nan]]), 1e-13, 0),
    ("entr", ember.special.entr, sp.entr, _wide(), 1e-14, 0),
]


@pytest.mark.parametrize("name,fn,ref,x,rtol,atol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_against_scipy_float64(engine, name, fn, ref, x, rtol, atol):
    out = fn(ember.tensor(x, dtype=ember.float64))
    assert out.dtype is ember.float64
    np.testing.assert_allclose(out.numpy(), ref(x), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name,fn,ref,x,rtol,atol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_float32_is_the_rounded_float64_result(engine, name, fn, ref, x, rtol, atol):
    if name == "ndtr":
        pytest.skip("a composite: its float32 steps round, as PyTorch's do")
    x32 = x.astype(np.float32)
    out = fn(ember.from_numpy(x32))
    assert out.dtype is ember.float32
    expected = ref(x32.astype(np.float64)).astype(np.float32)
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-7, atol=1e-44, equal_nan=True)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_polygamma_against_scipy(engine, n):
    x = _wide()
    x = x[~((x <= 0) & (x == np.floor(x)))]  # the poles: signs differ between libraries
    out = ember.special.polygamma(n, ember.tensor(x, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(out, sp.polygamma(n, x), rtol=1e-12, atol=1e-13, equal_nan=True)


def test_zeta_against_scipy(engine):
    x = np.concatenate([RNG.uniform(1, 30, 300), [2.0, 3.0, 3.0, 3.0, 2.0, 1.0, 0.5, np.inf, 2.0]])
    q = np.concatenate([RNG.uniform(-20, 50, 300), [1.0, -1.0, -2.5, 0.0, 1e9, 1.0, 1.0, 1.0,
                                                   np.inf]])
    out = ember.special.zeta(ember.tensor(x, dtype=ember.float64),
                             ember.tensor(q, dtype=ember.float64))
    np.testing.assert_allclose(out.numpy(), sp.zeta(x, q), rtol=1e-12, atol=0, equal_nan=True)


def test_bernoulli_numbers_of_the_series():
    from fractions import Fraction
    b = [Fraction(1)]
    for m in range(1, 25):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    assert K._B2K == [float(b[2 * k]) for k in range(1, 13)]


# ---- PyTorch parity: values, gradients (float32 and float64), gradcheck, gradgradcheck ----

def _unif(lo, hi, shape=(3, 4)):
    return RNG.uniform(lo, hi, shape)


GRAD_CASES = [
    ("erfc", lambda t, x: t.special.erfc(x), _unif(-3, 3)),
    ("erfcx", lambda t, x: t.special.erfcx(x), _unif(-2, 5)),
    ("erfinv", lambda t, x: t.special.erfinv(x), _unif(-0.9, 0.9)),
    ("ndtri", lambda t, x: t.special.ndtri(x), _unif(0.05, 0.95)),
    ("log_ndtr", lambda t, x: t.special.log_ndtr(x), _unif(-6, 4)),
    ("ndtr", lambda t, x: t.special.ndtr(x), _unif(-3, 3)),
    ("gammaln", lambda t, x: t.special.gammaln(x), _unif(0.2, 6)),
    ("lgamma_negative", lambda t, x: t.lgamma(x), _unif(-2.9, -2.1)),
    ("digamma", lambda t, x: t.special.digamma(x), _unif(0.3, 6)),
    ("psi", lambda t, x: t.special.psi(x), _unif(-0.9, -0.1)),
    ("polygamma1", lambda t, x: t.special.polygamma(1, x), _unif(0.5, 5)),
    ("polygamma3", lambda t, x: t.polygamma(3, x), _unif(0.5, 5)),
    ("multigammaln", lambda t, x: t.special.multigammaln(x, 3), _unif(1.2, 5)),
    ("i0", lambda t, x: t.special.i0(x), _unif(-4, 4)),
    ("i0e", lambda t, x: t.special.i0e(x), _unif(-4, 4)),
    ("i1", lambda t, x: t.special.i1(x), _unif(-4, 4)),
    ("i1e", lambda t, x: t.special.i1e(x), _unif(-4, 4)),
    ("entr", lambda t, x: t.special.entr(x), _unif(0.1, 3)),
    ("logit", lambda t, x: t.special.logit(x), _unif(0.05, 0.95)),
    ("logit_eps", lambda t, x: t.logit(x, 0.2), _unif(0.05, 0.95)),
    ("sinc", lambda t, x: t.special.sinc(x), _unif(-2, 2)),
    ("expit", lambda t, x: t.special.expit(x), _unif(-3, 3)),
    ("xlog1py", lambda t, x: t.special.xlog1py(x, x * x), _unif(-2, 2)),
]


@pytest.mark.parametrize("name,fn,x", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_values_and_gradients_match_torch(name, fn, x):
    check_op(fn, x, rtol=1e-6, atol=1e-7)


def test_values_and_gradients_match_torch_without_scipy(monkeypatch):
    monkeypatch.setitem(K._LIBS, "numpy", None)
    for _name, fn, x in GRAD_CASES:
        check_op(fn, x, rtol=1e-6, atol=1e-7, layouts=("contig",), gradgrad=False)


def test_zeta_gradient_flows_to_q_only():
    torch = pytest.importorskip("torch")
    x, q = np.array([2.0, 3.5, 4.0]), np.array([1.5, 0.7, 3.0])
    check_op(lambda t, q: t.special.zeta(t.tensor(x, dtype=q.dtype), q), q)
    xs = ember.tensor(x, requires_grad=True)
    out = ember.special.zeta(xs, ember.tensor(q))
    with pytest.raises(NotImplementedError, match=r"^the derivative for 'zeta' is not "
                                                  r"implemented\.$"):
        out.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta'"):
        torch.special.zeta(xt, torch.tensor(q)).sum().backward()


def test_gradients_at_zero_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("i1", "i1e", "sinc", "i0e"):
        e = ember.tensor([0.0, -0.0], dtype=ember.float64, requires_grad=True)
        t = torch.tensor([0.0, -0.0], dtype=torch.float64, requires_grad=True)
        getattr(ember.special, name)(e).sum().backward()
        getattr(torch.special, name)(t).sum().backward()
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy(), err_msg=name)


def test_logit_eps_gradient_is_zero_outside_the_clamp():
    torch = pytest.importorskip("torch")
    x = [0.05, 0.1, 0.5, 0.9, 0.95, 0.0, 1.0]
    e = ember.tensor(x, dtype=ember.float64, requires_grad=True)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ember.logit(e, eps=0.1).sum().backward()
    torch.logit(t, eps=0.1).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert e.grad[0].item() == 0 and e.grad[-1].item() == 0


# ---- special values against PyTorch ----

POINTS = [0.0, -0.0, 1.0, -1.0, -2.5, 0.5, 2.0, 30.0, -30.0, np.inf, -np.inf, np.nan]
TORCH_SAME = ["erfc", "erfcx", "erfinv", "ndtri", "log_ndtr", "gammaln", "digamma", "i0e", "i1e",
              "entr", "sinc", "expit", "expm1", "exp2", "log1p", "erf", "logit"]


@pytest.mark.parametrize("name", TORCH_SAME)
def test_special_points_match_torch(engine, name):
    torch = pytest.importorskip("torch")
    x = np.array(POINTS)
    e = getattr(ember.special, name)(ember.tensor(x, dtype=ember.float64)).numpy()
    t = getattr(torch.special, name)(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-300, equal_nan=True)
    np.testing.assert_array_equal(np.signbit(e[np.isinf(e)]), np.signbit(t[np.isinf(t)]))


def test_where_ember_differs_from_torch():
    """Documented differences: ember is the accurate one at these points."""
    torch = pytest.importorskip("torch")
    x = ember.tensor(-30.0, dtype=ember.float64)
    assert ember.special.ndtr(x).item() == pytest.approx(sp.ndtr(-30.0), rel=1e-12)
    assert torch.special.ndtr(torch.tensor(-30.0, dtype=torch.float64)).item() == 0.0
    tri = ember.special.polygamma(1, ember.tensor(0.5, dtype=ember.float64)).item()
    assert tri == pytest.approx(math.pi ** 2 / 2, rel=1e-15)


# ---- the namespace, aliases, methods, dtypes, out= and errors ----

def test_integer_input_gives_the_default_float_dtype():
    for fn in (ember.special.erfinv, ember.special.i0e, ember.special.entr, ember.lgamma,
               ember.special.ndtr):
        assert fn(ember.tensor([0, 1])).dtype is ember.float32
    assert ember.special.zeta(ember.tensor([2, 3]), ember.tensor([1, 2])).dtype is ember.float32
    assert ember.special.xlog1py(2.0, ember.tensor([1.0], dtype=ember.float64)).dtype \
        is ember.float64


def test_top_level_functions_and_tensor_methods_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.uniform(0.1, 0.9, (2, 3))
    e, t = ember.tensor(x), torch.tensor(x)
    calls = [("erfc", ()), ("erfinv", ()), ("lgamma", ()), ("digamma", ()), ("i0", ()),
             ("logit", (0.2,)), ("mvlgamma", (1,)), ("sinc", ())]
    for name, args in calls:
        np.testing.assert_allclose(getattr(ember, name)(e, *args).numpy(),
                                   getattr(torch, name)(t, *args).numpy(), rtol=1e-5)
        np.testing.assert_allclose(getattr(e, name)(*args).numpy(),
                                   getattr(t, name)(*args).numpy(), rtol=1e-5)
        ei, ti = e.clone(), t.clone()
        assert getattr(ei, name + "_")(*args) is ei
        np.testing.assert_allclose(ei.numpy(), getattr(ti, name + "_")(*args).numpy(), rtol=1e-5)
    np.testing.assert_allclose(ember.polygamma(2, e).numpy(), torch.polygamma(2, t).numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(e.polygamma(2).numpy(), t.polygamma(2).numpy(), rtol=1e-5)
    np.testing.assert_allclose(e.clone().polygamma_(2).numpy(), t.polygamma(2).numpy(),
                               rtol=1e-5)


def test_aliases_reuse_ember_ops():
    S = ember.special
    x = ember.tensor([[0.5, -1.5], [2.0, 0.25]])
    assert ember.equal(S.expit(x), ember.sigmoid(x))
    assert ember.equal(S.psi(x), S.digamma(x))
    assert ember.equal(S.gammaln(x), ember.lgamma(x))
    assert ember.equal(S.logsumexp(x, 1), ember.logsumexp(x, 1))
    assert ember.equal(S.round(x * 1.5), ember.round(x * 1.5))
    assert ember.equal(S.xlogy(x, x.abs()), ember.xlogy(x, x.abs()))
    assert ember.allclose(S.softmax(x, 0), ember.nn.functional.softmax(x, 0))
    assert ember.allclose(S.log_softmax(x, 1, dtype=ember.float64),
                          ember.nn.functional.log_softmax(x.double(), 1))
    for name in S.__all__:
        assert callable(getattr(S, name)), name


def test_grad_fn_names_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("erfc", "erfcx", "erfinv", "ndtri", "log_ndtr", "gammaln", "digamma", "i0",
                 "i0e", "i1", "i1e", "entr", "logit"):
        e = getattr(ember.special, name)(ember.tensor([0.3], requires_grad=True))
        t = getattr(torch.special, name)(torch.tensor([0.3], requires_grad=True))
        assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__, name
    e = ember.special.polygamma(2, ember.tensor([0.3], requires_grad=True))
    assert type(e.grad_fn).__name__ == "PolygammaBackward0"
    e = ember.special.zeta(ember.tensor([2.0]), ember.tensor([0.3], requires_grad=True))
    assert type(e.grad_fn).__name__ == "SpecialZetaBackward0"


def test_xlog1py_matches_torch_at_zero_and_nan():
    torch = pytest.importorskip("torch")
    x, y = [0.0, 0.0, 1.0, 2.0, 0.0], [-1.0, np.nan, 3.0, -1.0, 2.0]
    e = ember.special.xlog1py(ember.tensor(x), ember.tensor(y))
    t = torch.special.xlog1py(torch.tensor(x), torch.tensor(y))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    np.testing.assert_array_equal(ember.special.xlog1py(2.0, ember.tensor(y)).numpy(),
                                  torch.special.xlog1py(2.0, torch.tensor(y)).numpy())


def test_out_argument():
    out = ember.empty(2)
    res = ember.special.erfcx(ember.tensor([0.0, 1.0]), out=out)
    assert res is out and out[0].item() == 1.0
    out = ember.empty(2)
    ember.special.polygamma(1, ember.tensor([1.0, 2.0]), out=out)
    np.testing.assert_allclose(out.numpy(), sp.polygamma(1, [1.0, 2.0]), rtol=1e-6)


def test_bad_arguments_raise_torch_errors():
    x = ember.tensor([1.0, 2.0])
    cases = [
        (lambda: ember.special.polygamma(-1, x), RuntimeError,
         "polygamma(n, x) does not support negative n."),
        (lambda: ember.special.polygamma(1.5, x), TypeError,
         "special_polygamma(): argument 'n' (position 1) must be int, not float"),
        (lambda: ember.polygamma(1.5, x), TypeError,
         "polygamma(): argument 'n' (position 1) must be int, not float"),
        (lambda: ember.special.multigammaln(x, 0), RuntimeError,
         "p has to be greater than or equal to 1"),
        (lambda: ember.special.multigammaln(x, 1.5), TypeError,
         "special_multigammaln(): argument 'p' (position 2) must be int, not float"),
        (lambda: ember.mvlgamma(x, 1.5), TypeError,
         "mvlgamma(): argument 'p' (position 2) must be int, not float"),
        (lambda: ember.special.erfinv(0.5), TypeError,
         "special_erfinv(): argument 'input' (position 1) must be Tensor, not float"),
        (lambda: ember.erfc([1.0]), TypeError,
         "erfc(): argument 'input' (position 1) must be Tensor, not list"),
    ]
    torch = pytest.importorskip("torch")
    for call, kind, message in cases:
        with pytest.raises(kind) as info:
            call()
        assert str(info.value) == message
    with pytest.raises(RuntimeError, match="does not support negative n"):
        torch.special.polygamma(-1, torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="^p has to be greater than or equal to 1$"):
        torch.special.multigammaln(torch.tensor([1.0]), 0)


def test_complex_input_raises_like_torch():
    torch = pytest.importorskip("torch")
    calls = [lambda lib, x: lib.erfinv(x), lambda lib, x: lib.special.i1e(x),
             lambda lib, x: lib.special.ndtr(x), lambda lib, x: lib.polygamma(1, x),
             lambda lib, x: lib.mvlgamma(x, 2), lambda lib, x: lib.special.zeta(x, x),
             lambda lib, x: lib.special.xlog1py(x, x), lambda lib, x: lib.logit(x)]
    for call in calls:
        for dtype in ("complex64", "complex128"):
            msgs = []
            for lib in (ember, torch):
                with pytest.raises(NotImplementedError) as info:
                    call(lib, lib.tensor([1 + 1j], dtype=getattr(lib, dtype)))
                msgs.append(str(info.value))
            assert msgs[0] == msgs[1]
