"""Helpers shared by the ``test_ops_tensor_extra_c*`` files: run one expression in ember and in
PyTorch and compare results (or errors); compare gradients and run gradcheck/gradgradcheck."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember


def _norm(r):
    if isinstance(r, BaseException):
        return type(r).__name__, str(r).split("\n")[0]
    if isinstance(r, (tuple, list)):
        return [_norm(x) for x in r]
    if hasattr(r, "dtype") and hasattr(r, "shape") and hasattr(r, "detach"):
        return tuple(r.shape), str(r.dtype).replace("torch.", ""), np.array(r.detach().numpy())
    return r


def _run(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib)
    except Exception as e:  # noqa: BLE001  (the error itself is compared with torch's)
        return e


def _compare(e, t, tol):
    if isinstance(t, list):
        assert isinstance(e, list) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            _compare(a, b, tol)
    elif isinstance(t, tuple) and len(t) == 3 and isinstance(t[2], np.ndarray):
        assert isinstance(e, tuple) and len(e) == 3 and isinstance(e[2], np.ndarray), \
            f"ember gave {e}, torch gave {t[:2]}"
        assert e[:2] == t[:2], (e[:2], t[:2])
        if tol is None:
            np.testing.assert_array_equal(e[2], t[2])
        else:
            np.testing.assert_allclose(e[2], t[2], rtol=tol, atol=tol)
    else:
        assert e == t, (e, t)


def same_as_torch(fn, tol=None):
    """``fn(lib)`` gives the same values, dtype and shape (or the same error type and first
    message line) in ember and in PyTorch; ``tol`` compares values with that tolerance."""
    torch = pytest.importorskip("torch")
    _compare(_norm(_run(fn, ember)), _norm(_run(fn, torch)), tol)


def check_grads(fn, *shapes, seed=0, gradgrad=True, torch_parity=True, low=-2.0, high=2.0):
    """Gradients of ``fn(lib, *xs)`` (float64 inputs of ``shapes``) match PyTorch's, and pass
    ember's gradcheck and gradgradcheck."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(low, high, s) for s in shapes]
    g = None
    if torch_parity:
        torch = pytest.importorskip("torch")
        grads = []
        for lib in (ember, torch):
            xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
            out = fn(lib, *xs)
            if g is None:
                g = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
            out.backward(lib.tensor(g))
            grads.append([None if x.grad is None else x.grad.numpy().copy() for x in xs])
        for eg, tg in zip(*grads):
            assert (eg is None) == (tg is None)
            if eg is not None:
                np.testing.assert_allclose(eg, tg, rtol=1e-7, atol=1e-9)
    xs = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    assert ember.autograd.gradcheck(lambda *ts: fn(ember, *ts), xs)
    if gradgrad:
        assert ember.autograd.gradgradcheck(lambda *ts: fn(ember, *ts), xs)
