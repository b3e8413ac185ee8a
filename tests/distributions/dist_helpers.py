"""Shared by the distribution tests: parameter tables, ember/torch pairs, comparisons."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from ember.autograd import gradcheck, gradgradcheck


#: properties torch defines for every distribution (NotImplementedError where it has none)
PROPERTIES = ("mean", "mode", "variance", "stddev")


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


def make_pair(name, kwargs, dtype=np.float64, requires_grad=False):
    """``name(**kwargs)`` from both libraries: ``(ember dist, torch dist, ember args, torch
    args)``."""
    e, e_args = make("ember", name, kwargs, dtype, requires_grad)
    t, t_args = make("torch", name, kwargs, dtype, requires_grad)
    return e, t, e_args, t_args


def to_lib(lib_name, arr, dtype=np.float64):
    lib = ember if lib_name == "ember" else torch_or_skip()
    return _convert(lib, np.asarray(arr), dtype)


def assert_same(e, t, rtol=1e-6, atol=1e-8):
    """Same shape, dtype name and values (NaN where torch has NaN)."""
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True)


def same_outcome(fe, ft, **tol):
    """``fe()`` (ember) raises what ``ft()`` (torch) raises, with the same message but for the
    module name, or both give the same tensor."""
    try:
        t = ft()
    except Exception as err:  # noqa: BLE001 - any torch error must be mirrored
        with pytest.raises(type(err)) as info:
            fe()
        assert str(info.value) == str(err).replace("torch.distributions", "ember.distributions")
        return
    assert_same(fe(), t, **tol)


def assert_moments_match_torch(e, t):
    """The PROPERTIES and the entropy of ``e`` agree with torch's ``t`` (or raise alike)."""
    for name in PROPERTIES:
        same_outcome(lambda: getattr(e, name), lambda: getattr(t, name), rtol=1e-10)
    same_outcome(e.entropy, t.entropy, rtol=1e-10, atol=1e-12)


def assert_same_error(fe, ft, msg=None):
    """``fe()`` (ember) raises the exception type and message that ``ft()`` (torch) raises."""
    with pytest.raises(Exception) as expected:
        ft()
    with pytest.raises(type(expected.value)) as got:
        fe()
    assert str(got.value) == str(expected.value), msg


def assert_errors_match_torch(fn):
    """``fn(lib, distributions module)`` raises the same for ember as for torch."""
    torch = torch_or_skip()
    assert_same_error(lambda: fn(ember, ED), lambda: fn(torch, torch.distributions))


def assert_grads_match_torch(e_out, t_out, e_args, t_args):
    """The gradients of the scalars ``e_out`` (ember) and ``t_out`` (torch) with respect to
    the arguments that require grad agree (both None where one is unused)."""
    torch = torch_or_skip()
    names = [k for k, v in t_args.items() if getattr(v, "requires_grad", False)]
    t_grads = torch.autograd.grad(t_out, [t_args[k] for k in names], allow_unused=True)
    e_grads = ember.autograd.grad(e_out, [e_args[k] for k in names], allow_unused=True)
    for name, eg, tg in zip(names, e_grads, t_grads):
        assert (eg is None) == (tg is None), name
        if tg is not None:
            np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=1e-8, atol=1e-10,
                                       err_msg=name)


def assert_kl_matches_torch(p_name, p_kwargs, q_name, q_kwargs, rng, q_grad=False):
    """``kl_divergence(p, q)`` agrees with torch's, and so do its gradients (weighted by
    normals from ``rng``, over the finite entries) in p's parameters and, with ``q_grad``,
    q's."""
    torch = torch_or_skip()
    ep, tp, ep_args, tp_args = make_pair(p_name, p_kwargs, requires_grad=True)
    eq, tq, eq_args, tq_args = make_pair(q_name, q_kwargs, requires_grad=q_grad)
    e, t = ED.kl_divergence(ep, eq), torch.distributions.kl_divergence(tp, tq)
    assert_same(e, t, rtol=1e-10, atol=1e-12)
    finite = np.isfinite(t.detach().numpy())
    if not t.requires_grad or not finite.any():
        return
    w = rng.normal(size=finite.shape)
    e_out = ember.where(ember.tensor(finite), e, 0.0).mul(ember.tensor(w)).sum()
    t_out = torch.where(torch.tensor(finite), t, 0.0).mul(torch.tensor(w)).sum()
    e_args = {**ep_args, **{"q." + k: v for k, v in eq_args.items()}}
    t_args = {**tp_args, **{"q." + k: v for k, v in tq_args.items()}}
    assert_grads_match_torch(e_out, t_out, e_args, t_args)


def float64_leaves(*values):
    """A float64 tensor requiring grad for each value."""
    return [ember.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]


def assert_gradchecks(fn, values):
    """gradcheck and gradgradcheck of ``fn`` at float64 leaves made from ``values``."""
    inputs = float64_leaves(*values)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


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
    """The class behind a table key: a variant's suffix and number dropped
    (``BernoulliLogits`` -> ``Bernoulli``, ``GumbelScalar`` -> ``Gumbel``)."""
    spec = spec.rstrip("0123456789")
    for suffix in ("Logits", "Scalar"):
        if spec.endswith(suffix):
            return spec[:-len(suffix)]
    return spec


def spec_pair(spec, seed=0, dtype=np.float64, requires_grad=False, table=None):
    """The ember and torch distributions of an entry of ``table`` (SPECS by default: name ->
    (parameters from a Generator, values from a Generator)), plus a value array to score."""
    params, values = (SPECS if table is None else table)[spec]
    r = np.random.default_rng(seed)
    kwargs = params(r)
    value = values(r)
    e, t, e_args, t_args = make_pair(real_name(spec), kwargs, dtype, requires_grad)
    return e, t, value, e_args, t_args


def spec_ember(spec, seed=0, dtype=np.float64, requires_grad=False):
    """The ember distribution of a SPECS entry and its arguments (no torch needed)."""
    params, _ = SPECS[spec]
    kwargs = params(np.random.default_rng(seed))
    return make("ember", real_name(spec), kwargs, dtype, requires_grad)
