"""Shared by the distribution tests: parameter tables, ember/torch pairs, comparisons."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED


def torch_or_skip():
    return pytest.importorskip("torch")


def _convert(lib, v, dtype):
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            v = v.astype(dtype)
        return lib.from_numpy(v.copy())
    return v


def make(lib_name, name, kwargs, dtype=np.float64, requires_grad=False):
    """``name(**kwargs)`` from ember.distributions or torch.distributions, NumPy arrays turned
    into tensors of ``dtype`` (leaves requiring grad when asked)."""
    if lib_name == "ember":
        lib, mod = ember, ED
    else:
        lib = torch_or_skip()
        import torch.distributions as mod
    args = {}
    for k, v in kwargs.items():
        t = _convert(lib, v, dtype)
        if requires_grad and isinstance(v, np.ndarray) and v.dtype.kind == "f":
            t.requires_grad_(True)
        args[k] = t
    return getattr(mod, name)(**args), args


def to_lib(lib_name, arr, dtype=np.float64):
    lib = ember if lib_name == "ember" else torch_or_skip()
    return _convert(lib, np.asarray(arr), dtype)


def assert_same(e, t, rtol=1e-6, atol=1e-8):
    """Same shape, dtype name and values (NaN where torch has NaN)."""
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True)


def _pos(r, shape, lo=0.5, hi=3.0):
    return r.uniform(lo, hi, shape)


def _simplex(r, shape):
    p = r.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


#: name -> (parameters from a NumPy Generator, values to score from a Generator)
SPECS = {
    "Normal": (lambda r: dict(loc=r.normal(size=(2, 3)), scale=_pos(r, (2, 3))),
               lambda r: r.normal(size=(4, 2, 3))),
    "Laplace": (lambda r: dict(loc=r.normal(size=(3,)), scale=_pos(r, (3,))),
                lambda r: r.normal(size=(5, 3))),
    "LogNormal": (lambda r: dict(loc=r.normal(size=(3,)), scale=_pos(r, (3,))),
                  lambda r: _pos(r, (5, 3), 0.1, 4.0)),
    "Uniform": (lambda r: dict(low=np.array([-1.0, 0.0, 2.0]), high=np.array([0.5, 3.0, 2.5])),
                lambda r: np.array([[-0.5, 1.0, 2.1], [0.0, 2.9, 2.4]])),
    "Exponential": (lambda r: dict(rate=_pos(r, (2, 3))), lambda r: _pos(r, (2, 3), 0.0, 4.0)),
    "Gamma": (lambda r: dict(concentration=_pos(r, (3,), 0.3, 4.0), rate=_pos(r, (3,))),
              lambda r: _pos(r, (4, 3), 0.05, 5.0)),
    "Beta": (lambda r: dict(concentration1=_pos(r, (3,), 0.3, 4.0),
                            concentration0=_pos(r, (3,), 0.3, 4.0)),
             lambda r: _pos(r, (4, 3), 0.05, 0.95)),
    "Dirichlet": (lambda r: dict(concentration=_pos(r, (2, 4), 0.3, 4.0)),
                  lambda r: _simplex(r, (3, 2, 4))),
    "Poisson": (lambda r: dict(rate=_pos(r, (3,), 0.2, 6.0)),
                lambda r: r.integers(0, 8, (4, 3)).astype(np.float64)),
    "Bernoulli": (lambda r: dict(probs=r.uniform(0.05, 0.95, (2, 3))),
                  lambda r: r.integers(0, 2, (4, 2, 3)).astype(np.float64)),
    "BernoulliLogits": (lambda r: dict(logits=r.normal(size=(3,))),
                        lambda r: r.integers(0, 2, (3,)).astype(np.float64)),
    "Binomial": (lambda r: dict(total_count=np.array([4.0, 7.0, 10.0]),
                                probs=r.uniform(0.05, 0.95, (3,))),
                 lambda r: np.array([[0.0, 3.0, 10.0], [4.0, 7.0, 2.0]])),
    "BinomialLogits": (lambda r: dict(total_count=6.0, logits=r.normal(size=(2, 3)) * 3),
                       lambda r: r.integers(0, 7, (2, 3)).astype(np.float64)),
    "Categorical": (lambda r: dict(probs=_simplex(r, (2, 4))),
                    lambda r: r.integers(0, 4, (5, 2))),
    "CategoricalLogits": (lambda r: dict(logits=r.normal(size=(3, 5))),
                          lambda r: r.integers(0, 5, (3,))),
    "OneHotCategorical": (lambda r: dict(probs=_simplex(r, (2, 4))),
                          lambda r: np.eye(4)[r.integers(0, 4, (5, 2))]),
    "Multinomial": (lambda r: dict(total_count=6, probs=_simplex(r, (2, 3))),
                    lambda r: r.multinomial(6, [0.2, 0.3, 0.5], (4, 2)).astype(np.float64)),
    "MultivariateNormal": (lambda r: dict(loc=r.normal(size=(2, 3)),
                                          covariance_matrix=_spd(r, (2, 3, 3))),
                           lambda r: r.normal(size=(4, 2, 3))),
    "RelaxedBernoulli": (lambda r: dict(temperature=np.array(0.7),
                                        probs=r.uniform(0.1, 0.9, (3,))),
                         lambda r: r.uniform(0.05, 0.95, (4, 3))),
    "RelaxedOneHotCategorical": (lambda r: dict(temperature=np.array(0.5),
                                                logits=r.normal(size=(2, 3))),
                                 lambda r: _simplex(r, (4, 2, 3))),
}


def _spd(r, shape):
    a = r.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])


def real_name(spec: str) -> str:
    """The class behind a SPECS key (``BernoulliLogits`` -> ``Bernoulli``)."""
    for suffix in ("Logits",):
        if spec.endswith(suffix):
            return spec[:-len(suffix)]
    return spec


def spec_pair(spec, seed=0, dtype=np.float64, requires_grad=False):
    """The ember and torch distributions of a SPECS entry, plus a value array to score."""
    params, values = SPECS[spec]
    r = np.random.default_rng(seed)
    kwargs = params(r)
    value = values(r)
    e, e_args = make("ember", real_name(spec), kwargs, dtype, requires_grad)
    t, t_args = make("torch", real_name(spec), kwargs, dtype, requires_grad)
    return e, t, value, e_args, t_args


def spec_ember(spec, seed=0, dtype=np.float64, requires_grad=False):
    """The ember distribution of a SPECS entry and its arguments (no torch needed)."""
    params, _ = SPECS[spec]
    kwargs = params(np.random.default_rng(seed))
    return make("ember", real_name(spec), kwargs, dtype, requires_grad)
