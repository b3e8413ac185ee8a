"""Shared by the linear-algebra test files: per-test data seeds and torch comparisons."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import ember
from tests import helpers

torch = pytest.importorskip("torch")


def seed_per_test(request, monkeypatch):
    """Each test draws its matrices from its own seed, so the data (and its conditioning)
    does not depend on which tests ran before it in the same process."""
    seed = zlib.crc32(request.node.nodeid.encode())
    monkeypatch.setattr(helpers, "RNG", np.random.default_rng(seed))


def raises_like(fn):
    """``fn(lib)`` raises in ember as in torch: same message, LinAlgError for LinAlgError."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)
    if isinstance(te.value, torch.linalg.LinAlgError):
        assert isinstance(ee.value, ember.linalg.LinAlgError)
    else:
        assert type(ee.value) is type(te.value)


def same(e, t, default_atol, **tol):
    """Same shape, dtype name and values (``tol`` or ``atol=default_atol``)."""
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(),
                               **(tol or {"atol": default_atol}))
