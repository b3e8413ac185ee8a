"""ember.autograd.functional against torch.autograd.functional: values, structure, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.autograd.functional as EF

torch = pytest.importorskip("torch")
TF = torch.autograd.functional
RNG = np.random.default_rng(7)
X3, Y2, M23 = RNG.standard_normal(3), RNG.standard_normal(2), RNG.standard_normal((2, 3))
S = np.array(0.7)


def _lib(lib):
    return EF if lib is ember else TF


def _mk(lib, arr, rg=False):
    t = lib.tensor(np.array(arr, dtype=np.float64))
    return t.requires_grad_(True) if rg else t


def _same(e, t, check_rg=True):
    """Nested tuples of tensors with equal structure, shapes, values and requires_grad."""
    if isinstance(t, (tuple, list)):  # torch's forward-mode jacobian returns lists
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b, check_rg)
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype)[6:]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    if check_rg:
        assert e.requires_grad == t.requires_grad


def _both(call, check_rg=True):
    _same(call(ember), call(torch), check_rg)


# functions taking (lib, *inputs)
FUNCS = {
    "square": (lambda L, a: a ** 2, (X3,)),
    "matvec": (lambda L, a: L.tensor(M23) @ a.sin(), (X3,)),
    "scalar_out": (lambda L, a: (a.exp() * a).sum(), (X3,)),
    "matrix_in": (lambda L, a: a.tanh().sum(0), (M23,)),
    "two_in": (lambda L, a, b: L.outer(a, b).sin(), (X3, Y2)),
    "two_out": (lambda L, a: (a * 2, a.prod()), (X3,)),
    "two_in_two_out": (lambda L, a, b: (a * b.sum(), (b ** 3).mean() * a[0]), (X3, Y2)),
    "zero_dim": (lambda L, a: a.exp() * 3, (S,)),
    "unused_input": (lambda L, a, b: a.cos(), (X3, Y2)),
}
SCALAR = {
    "cube": (lambda L, a: (a ** 3).sum(), (X3,)),
    "quad_form": (lambda L, a: (a @ L.tensor(M23.T @ M23) @ a) + a.exp().sum(), (X3,)),
    "two_in": (lambda L, a, b: (a ** 2).sum() * b.sin().sum(), (X3, Y2)),
    "matrix": (lambda L, a: a.sigmoid().prod(), (M23,)),
    "zero_dim": (lambda L, a: a.sin() * a, (S,)),
    "unused": (lambda L, a, b: (a ** 3).sum(), (X3, Y2)),
}


def _inputs(lib, arrays, as_tuple, rg=False):
    ts = tuple(_mk(lib, a, rg) for a in arrays)
    return ts if as_tuple or len(ts) > 1 else ts[0]


def _fn(lib, f):
    return lambda *xs: f(lib, *xs)


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("as_tuple", [False, True])
def test_jacobian(name, as_tuple):
    f, arrays = FUNCS[name]
    _both(lambda L: _lib(L).jacobian(_fn(L, f), _inputs(L, arrays, as_tuple)))


@pytest.mark.parametrize("name", list(FUNCS))
def test_jacobian_create_graph(name):
    f, arrays = FUNCS[name]
    _both(lambda L: _lib(L).jacobian(_fn(L, f), _inputs(L, arrays, False, rg=True),
                                     create_graph=True))


def test_jacobian_create_graph_is_differentiable():
    grads = []
    for L in (ember, torch):
        x = _mk(L, X3, rg=True)
        j = _lib(L).jacobian(lambda a: a.sin() * a.sum(), x, create_graph=True)
        (g,) = L.autograd.grad((j ** 2).sum(), x)
        grads.append(g.numpy())
    np.testing.assert_allclose(*grads, rtol=1e-10)


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("as_tuple", [False, True])
def test_vjp_jvp(name, as_tuple):
    f, arrays = FUNCS[name]
    v_out = tuple(RNG.standard_normal(tuple(s)) for s in _shapes(f, arrays))
    v_in = tuple(RNG.standard_normal(np.shape(a)) for a in arrays)

    def vec(L, vs, tup):
        ts = tuple(_mk(L, a) for a in vs)
        return ts if tup else ts[0]
    n_out = len(v_out)
    _both(lambda L: _lib(L).vjp(_fn(L, f), _inputs(L, arrays, as_tuple),
                                vec(L, v_out, n_out > 1)))
    _both(lambda L: _lib(L).jvp(_fn(L, f), _inputs(L, arrays, as_tuple),
                                vec(L, v_in, as_tuple or len(arrays) > 1)))


def _shapes(f, arrays):
    out = f(torch, *[torch.tensor(a) for a in arrays])
    return tuple(o.shape for o in (out if isinstance(out, tuple) else (out,)))


@pytest.mark.parametrize("name", list(SCALAR))
@pytest.mark.parametrize("as_tuple", [False, True])
def test_hessian(name, as_tuple):
    f, arrays = SCALAR[name]
    _both(lambda L: _lib(L).hessian(_fn(L, f), _inputs(L, arrays, as_tuple)))


@pytest.mark.parametrize("name", list(SCALAR))
@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_vhp(name, fn, create_graph):
    f, arrays = SCALAR[name]
    vs = tuple(RNG.standard_normal(np.shape(a)) for a in arrays)

    def call(L):
        v = tuple(_mk(L, a) for a in vs)
        return getattr(_lib(L), fn)(_fn(L, f), _inputs(L, arrays, False),
                                    v if len(v) > 1 else v[0], create_graph=create_graph)
    # torch's hvp (double-backward trick) and vhp build different graphs; compare values
    _both(call, check_rg=not create_graph)


def test_defaults_for_single_element():
    f = (lambda L, a: (a ** 3).sum())
    _both(lambda L: _lib(L).vjp(_fn(L, f), _mk(L, X3)))
    _both(lambda L: _lib(L).jvp(_fn(L, f), _mk(L, S)))
    _both(lambda L: _lib(L).vhp(_fn(L, f), _mk(L, S)))
    _both(lambda L: _lib(L).hvp(_fn(L, f), (_mk(L, S),)))


def test_requires_grad_of_results():
    f = (lambda L, a: a ** 2)
    for cg in (False, True):
        _both(lambda L: _lib(L).vjp(_fn(L, f), _mk(L, X3, rg=True), _mk(L, X3),
                                    create_graph=cg))
        _both(lambda L: _lib(L).jacobian(_fn(L, f), _mk(L, X3, rg=True), create_graph=cg))


def test_non_strict_zeros_and_integer_output():
    _both(lambda L: _lib(L).jacobian(lambda a: L.ones(2), _mk(L, X3)))
    _both(lambda L: _lib(L).vjp(lambda a, b: a * 2, (_mk(L, X3), _mk(L, Y2)), _mk(L, X3)))


def test_hessian_is_symmetric_and_exact():
    x = ember.tensor([0.5, -1.0], dtype=ember.float64)
    h = EF.hessian(lambda a: a[0] ** 2 * a[1] + a[1] ** 3, x)
    np.testing.assert_allclose(h.numpy(), [[-2.0, 1.0], [1.0, -6.0]])


def test_importable_as_attribute():
    import importlib
    mod = importlib.import_module("ember.autograd.functional")
    assert ember.autograd.functional is mod
    assert ember.autograd.functional.jacobian is EF.jacobian


ERRORS = [
    lambda L: _lib(L).jacobian(lambda a: a * 2, 3),
    lambda L: _lib(L).jacobian(lambda a: 3.0, _mk(L, X3)),
    lambda L: _lib(L).jacobian(lambda a: a * 2, [_mk(L, X3)]),
    lambda L: _lib(L).jacobian(lambda a: [a * 2], _mk(L, X3)),
    lambda L: _lib(L).jacobian(lambda a, b: a * 2, (_mk(L, X3), 1)),
    lambda L: _lib(L).jacobian(lambda a, b: a * 2, (_mk(L, X3), _mk(L, Y2)), strict=True),
    lambda L: _lib(L).jacobian(lambda a: L.ones(2), _mk(L, X3), strict=True),
    lambda L: _lib(L).jacobian(lambda a: a * 2, _mk(L, X3), strategy="forward-mode"),
    lambda L: _lib(L).jacobian(lambda a: a * 2, _mk(L, X3), strategy="foo"),
    lambda L: _lib(L).jacobian(lambda a: a * 2, _mk(L, X3), strict=True, vectorize=True),
    lambda L: _lib(L).jacobian(lambda a: a * 2, _mk(L, X3), create_graph=True,
                               strategy="forward-mode", vectorize=True),
    lambda L: _lib(L).jacobian(lambda a: a * 2, _mk(L, X3), create_graph=True, strict=True),
    lambda L: _lib(L).vjp(lambda a: a * 2, _mk(L, X3)),
    lambda L: _lib(L).vjp(lambda a: a * 2, _mk(L, X3), L.ones(2)),
    lambda L: _lib(L).vjp(lambda a: a * 2, _mk(L, X3), (L.ones(3), L.ones(3))),
    lambda L: _lib(L).vjp(lambda a: a * 2, _mk(L, X3), [L.ones(3)]),
    lambda L: _lib(L).vjp(lambda a, b: (a, b), (_mk(L, X3), _mk(L, Y2)), (L.ones(3),)),
    lambda L: _lib(L).vjp(lambda a, b: (a, b), (_mk(L, X3), _mk(L, Y2)),
                          (L.ones(3), L.ones(3))),
    lambda L: _lib(L).vjp(lambda a, b: a * 2, (_mk(L, X3), _mk(L, Y2)), L.ones(3),
                          strict=True),
    lambda L: _lib(L).vjp(lambda a: a * 2, _mk(L, X3), L.ones(3), strict=True,
                          create_graph=True),
    lambda L: _lib(L).jvp(lambda a: a.sum(), _mk(L, X3)),
    lambda L: _lib(L).jvp(lambda a: a.sum(), _mk(L, X3), L.ones(2)),
    lambda L: _lib(L).jvp(lambda a, b: a, (_mk(L, X3), _mk(L, Y2)), 3),
    lambda L: _lib(L).jvp(lambda a, b: a * 2, (_mk(L, X3), _mk(L, Y2)),
                          (L.ones(3), L.ones(2)), strict=True),
    lambda L: _lib(L).jvp(lambda a: L.ones(3), _mk(L, X3), L.ones(3), strict=True),
    lambda L: _lib(L).hessian(lambda a: a * 2, _mk(L, X3)),
    lambda L: _lib(L).hessian(lambda a: (a * 2, a), _mk(L, X3)),
    lambda L: _lib(L).hessian(lambda a, b: (a ** 3).sum(), (_mk(L, X3), _mk(L, Y2)),
                              strict=True),
    lambda L: _lib(L).hessian(lambda a: (a * 2).sum(), _mk(L, X3), strict=True),
    lambda L: _lib(L).hessian(lambda a: (a ** 3).sum(), _mk(L, X3),
                              outer_jacobian_strategy="x"),
    lambda L: _lib(L).hessian(lambda a: (a ** 3).sum(), _mk(L, X3),
                              outer_jacobian_strategy="forward-mode"),
    lambda L: _lib(L).vhp(lambda a: (a ** 3).sum(), _mk(L, X3)),
    lambda L: _lib(L).vhp(lambda a: a ** 3, _mk(L, X3), L.ones(3)),
    lambda L: _lib(L).vhp(lambda a: (a,), _mk(L, X3), L.ones(3)),
    lambda L: _lib(L).hvp(lambda a: (a ** 3).sum(), _mk(L, X3), L.ones(2)),
    lambda L: _lib(L).vhp(lambda a: (a * 2).sum(), _mk(L, X3), L.ones(3), strict=True),
    lambda L: _lib(L).vhp(lambda a, b: (a ** 2).sum(), (_mk(L, X3), _mk(L, Y2)),
                          (L.ones(3), L.ones(2)), strict=True),
    lambda L: _lib(L).hvp(lambda a, b: (a ** 2).sum() + b.sum(), (_mk(L, X3), _mk(L, Y2)),
                          (L.ones(3), L.ones(2)), strict=True),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    fn = ERRORS[i]
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    msg = str(te.value).replace("torch.Size", "torch.Size")
    assert str(ee.value) == msg


def test_vectorize_and_forward_mode_accepted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's vmap path uses jit
        _vectorize_cases()


def _vectorize_cases():
    f, arrays = FUNCS["two_in_two_out"]
    _both(lambda L: _lib(L).jacobian(_fn(L, f), _inputs(L, arrays, True), vectorize=True))
    _both(lambda L: _lib(L).jacobian(_fn(L, f), _inputs(L, arrays, True), vectorize=True,
                                     strategy="forward-mode"))
    g, arrays = SCALAR["two_in"]
    _both(lambda L: _lib(L).hessian(_fn(L, g), _inputs(L, arrays, True), vectorize=True,
                                    outer_jacobian_strategy="forward-mode"), check_rg=False)


@pytest.mark.parametrize("name", ["cube", "two_in"])
def test_hessian_create_graph(name):
    f, arrays = SCALAR[name]
    _both(lambda L: _lib(L).hessian(_fn(L, f), _inputs(L, arrays, False, rg=True),
                                    create_graph=True))
