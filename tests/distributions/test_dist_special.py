"""The private special functions behind the distributions: values against torch and the
Python standard library, special points, gradients of every order."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from dist_helpers import torch_or_skip
from ember.autograd import gradcheck, gradgradcheck
from ember.distributions import _special as S

R = np.random.default_rng(0)
X = np.concatenate([R.uniform(-20, 20, 500), R.uniform(1e-6, 1, 200), 10 ** R.uniform(-8, 8, 200),
                    [0.5, 1.0, 2.0, 3.5, -0.5, -2.5, 1e-300, 1e15]])
SPECIAL = np.array([0.0, -0.0, -1.0, -2.0, -7.0, math.inf, -math.inf, math.nan])


def _close(a, b, rtol):
    # relative where |b| >= 1, absolute below (lgamma and digamma cross zero)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol, equal_nan=True)


def test_lgamma_matches_math_and_torch():
    ref = np.array([math.lgamma(x) for x in X])
    _close(S.lgamma(ember.tensor(X)).numpy(), ref, 1e-13)
    torch = torch_or_skip()
    xs = np.concatenate([X, SPECIAL])
    _close(S.lgamma(ember.tensor(xs)).numpy(), torch.lgamma(torch.tensor(xs)).numpy(), 1e-13)


def test_digamma_matches_torch_including_poles():
    torch = torch_or_skip()
    xs = np.concatenate([X, SPECIAL])
    _close(S.digamma(ember.tensor(xs)).numpy(), torch.digamma(torch.tensor(xs)).numpy(), 1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_matches_torch(n):
    torch = torch_or_skip()
    xs = X[(X > 0) | (X != np.floor(X))]
    xs = xs[xs > -1e4]
    mine = S.polygamma(n, ember.tensor(xs)).numpy()
    theirs = torch.polygamma(n, torch.tensor(xs)).numpy()
    # torch's own trigamma is good to ~1e-9 relative; higher orders agree to rounding
    np.testing.assert_allclose(mine, theirs, rtol=1e-8 if n == 1 else 1e-12)
    assert S.polygamma(0, ember.tensor([2.0])).item() == S.digamma(ember.tensor([2.0])).item()
    with pytest.raises(RuntimeError, match="polygamma\\(n, x\\) does not support negative n."):
        S.polygamma(-1, ember.tensor([1.0]))


def test_trigamma_against_its_series():
    # psi'(x) = sum_k 1 / (x + k)^2
    x = np.array([0.3, 1.0, 4.5])
    k = np.arange(200000.0)
    ref = [np.sum(1.0 / (v + k) ** 2) + 1.0 / (v + 200000) for v in x]
    np.testing.assert_allclose(S.polygamma(1, ember.tensor(x)).numpy(), ref, rtol=1e-10)


def test_erfinv_matches_torch_in_the_tails():
    torch = torch_or_skip()
    d = np.logspace(-16, -0.3, 60)
    y = np.concatenate([1 - d, -(1 - d), np.linspace(-0.999, 0.999, 2001),
                        [0.0, -0.0, 1.0, -1.0, 1.5, -2.0, math.nan]])
    np.testing.assert_allclose(S.erfinv(ember.tensor(y)).numpy(),
                               torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-13, atol=1e-15)
    assert S.erfinv(ember.tensor([0.3, 1.0], dtype=ember.float32)).dtype == ember.float32


def test_erfinv_inverts_erf():
    # beyond |x| = 4 a float64 erf(x) no longer pins x down to 1e-7
    x = np.linspace(-4.0, 4.0, 101)
    y = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(S.erfinv(ember.tensor(y)).numpy(), x, rtol=1e-8, atol=1e-15)


def test_gammainc_matches_torch():
    torch = torch_or_skip()
    a = np.concatenate([10 ** R.uniform(-2, 3, 2000), [1.0, 2.0, 0.5, 3.0, 1.0]])
    x = np.concatenate([a[:-5] * R.uniform(0, 3, 2000), [0.0, math.inf, 1e-300, 1e3, -1.0]])
    mine = S.gammainc(ember.tensor(a), ember.tensor(x)).numpy()
    # torch's own is good to a few 1e-10 (SciPy's and ours agree to ~1e-12)
    np.testing.assert_allclose(mine, torch.special.gammainc(torch.tensor(a),
                                                            torch.tensor(x)).numpy(),
                               rtol=1e-8, atol=1e-12, equal_nan=True)
    special = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(mine, special.gammainc(a, x), rtol=1e-11, atol=1e-300,
                               equal_nan=True)


def test_gammainc_closed_forms():
    x = np.array([0.1, 1.0, 4.0, 30.0])
    ones = ember.tensor(np.ones(4))
    np.testing.assert_allclose(S.gammainc(ones, ember.tensor(x)).numpy(), 1 - np.exp(-x),
                               rtol=1e-13)
    half = ember.tensor(np.full(4, 0.5))
    erf = np.array([math.erf(math.sqrt(v)) for v in x])
    np.testing.assert_allclose(S.gammainc(half, ember.tensor(x)).numpy(), erf, rtol=1e-12)


@pytest.mark.parametrize("fn", [S.lgamma, S.digamma, lambda x: S.polygamma(2, x),
                                lambda y: S.erfinv(y / 5)], ids=["lgamma", "digamma",
                                                                 "polygamma2", "erfinv"])
def test_gradcheck_and_gradgradcheck(fn):
    x = ember.tensor([0.3, 1.7, 4.2, -2.5], dtype=ember.float64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_gammainc_gradient_in_x():
    a = ember.tensor([0.7, 2.0, 5.0], dtype=ember.float64)
    x = ember.tensor([0.3, 1.7, 6.2], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda x: S.gammainc(a, x), (x,))
    assert gradgradcheck(lambda x: S.gammainc(a, x), (x,))


def test_dtypes_and_node_names():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    for fn, node in ((S.lgamma, "LgammaBackward0"), (S.digamma, "DigammaBackward0"),
                     (S.erfinv, "ErfinvBackward0")):
        y = fn(x / 3)
        assert y.dtype == ember.float32 and y.grad_fn.name() == node
    assert S.polygamma(1, x).grad_fn.name() == "PolygammaBackward0"
    assert S.lgamma(ember.tensor([1, 2, 3])).dtype == ember.float32
    np.testing.assert_allclose(S.lgamma(ember.tensor([1, 2, 3, 4])).numpy(),
                               [0.0, 0.0, math.log(2), math.log(6)], atol=1e-6)
