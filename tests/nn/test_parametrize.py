"""nn.utils.parametrize: registration, removal, right_inverse, caching, state_dict (torch
parity)."""
import copy
import doctest
import importlib
import pickle

import numpy as np
import pytest

import ember
from ember.nn.utils import parametrize as EP
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(7)
W = RNG.standard_normal((3, 3)).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)
X = RNG.standard_normal((4, 3)).astype(np.float32)


def _parametrizations(lib):
    """The same toy parametrizations written against ``lib`` (ember or torch)."""
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Double(nn.Module):  # invertible: X -> 2X
        def forward(self, X):
            return 2 * X

        def right_inverse(self, X):
            return X / 2

    class Split(nn.Module):  # two originals
        def forward(self, a, b):
            return a + 2 * b

        def right_inverse(self, X):
            return X * 0.5, X * 0.25

    class Shrink(nn.Module):
        def forward(self, X):
            return X[:1]

    class ToDouble(nn.Module):
        def forward(self, X):
            return X.double()

    class NotTensor(nn.Module):
        def forward(self, X):
            return 3

    class BadInverse(nn.Module):
        def forward(self, a):
            return a

        def right_inverse(self, X):
            return 3

    class InverseDtype(nn.Module):
        def forward(self, a):
            return a

        def right_inverse(self, X):
            return X.double()

    class BadSequence(nn.Module):
        def forward(self, a, b):
            return a

        def right_inverse(self, X):
            return X, 3

    return {k: v for k, v in locals().items() if isinstance(v, type)}


def _linear(lib):
    m = lib.nn.Linear(3, 3)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W))
        m.bias.copy_(lib.tensor(B))
    return m


def _both(fn):
    """``fn(lib, P, classes)`` for ember and torch."""
    return (fn(ember, EP, _parametrizations(ember)),
            fn(torch, torch.nn.utils.parametrize, _parametrizations(torch)))


def _same_error(fn):
    """``fn(lib, P, classes)`` raises the same exception type and message in both."""
    errors = []
    for lib, P in ((ember, EP), (torch, torch.nn.utils.parametrize)):
        with pytest.raises(Exception) as info:
            fn(lib, P, _parametrizations(lib))
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]) == str(errors[1])
    return errors[0]


def _np(t):
    return t.detach().numpy()


def test_register_value_class_repr_and_state_dict_match_torch():
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        return m, m(lib.tensor(X))
    (me, ye), (mt, yt) = _both(run)
    np.testing.assert_allclose(_np(me.weight), _np(mt.weight), rtol=1e-6)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-6)
    assert type(me).__name__ == type(mt).__name__ == "ParametrizedLinear"
    assert repr(me).replace("Symmetric", "S") == repr(mt).replace("Symmetric", "S")
    assert list(me.state_dict()) == list(mt.state_dict()) == [
        "bias", "parametrizations.weight.original"]
    assert [n for n, _ in me.named_parameters()] == [n for n, _ in mt.named_parameters()]
    assert isinstance(me, ember.nn.Linear)
    assert EP.type_before_parametrizations(me) is ember.nn.Linear
    assert EP.type_before_parametrizations(ember.nn.Linear(1, 1)) is ember.nn.Linear
    assert EP.is_parametrized(me) and EP.is_parametrized(me, "weight")
    assert not EP.is_parametrized(me, "bias") and not EP.is_parametrized(ember.nn.Linear(1, 1))


def test_gradients_reach_original_as_in_torch():
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        (m(lib.tensor(X)) ** 2).sum().backward()
        return m.parametrizations.weight.original.grad
    ge, gt = _both(run)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5, atol=1e-6)


def test_right_inverse_assignment_and_chaining_match_torch():
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Double"]())
        orig_after_register = _np(m.parametrizations.weight.original).copy()
        P.register_parametrization(m, "weight", c["Double"]())  # chained: 4 * original
        assert len(m.parametrizations.weight) == 2
        m.weight = lib.tensor(W) * 3
        return orig_after_register, _np(m.parametrizations.weight.original), _np(m.weight)
    (a1, b1, c1), (a2, b2, c2) = _both(run)
    np.testing.assert_allclose(a1, W / 2, rtol=1e-6)
    np.testing.assert_allclose(a1, a2, rtol=1e-6)
    np.testing.assert_allclose(b1, b2, rtol=1e-6)
    np.testing.assert_allclose(c1, 3 * W, rtol=1e-6)
    np.testing.assert_allclose(c1, c2, rtol=1e-6)


def test_assignment_keeps_the_parameter_object():
    c = _parametrizations(ember)
    m = EP.register_parametrization(_linear(ember), "weight", c["Double"]())
    original = m.parametrizations.weight.original
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    m.weight = ember.ones(3, 3)
    assert m.parametrizations.weight.original is original
    assert any(p is original for p in opt.param_groups[0]["params"])
    np.testing.assert_allclose(original.detach().numpy(), 0.5)


def test_sequence_right_inverse_gives_original0_original1():
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Split"]())
        pl = m.parametrizations.weight
        m.weight = lib.tensor(W) * 2
        return (list(m.state_dict()), _np(pl.original0), _np(pl.original1), _np(m.weight),
                pl.is_tensor, pl.ntensors)
    e, t = _both(run)
    assert e[0] == t[0] == ["bias", "parametrizations.weight.original0",
                            "parametrizations.weight.original1"]
    for a, b in zip(e[1:4], t[1:4]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert e[4:] == t[4:] == (False, 2)


def test_remove_parametrizations_leave_parametrized_or_not():
    def run(lib, P, c, leave):
        m = P.register_parametrization(_linear(lib), "weight", c["Double"]())
        weight_before = _np(m.weight).copy()
        original = m.parametrizations.weight.original
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        return (type(m).__name__, hasattr(m, "parametrizations"), _np(m.weight),
                m.weight is original, list(m.state_dict()), weight_before)
    for leave in (True, False):
        e = run(ember, EP, _parametrizations(ember), leave)
        t = run(torch, torch.nn.utils.parametrize, _parametrizations(torch), leave)
        assert e[0] == t[0] == "Linear"
        assert e[1] is t[1] is False
        np.testing.assert_allclose(e[2], t[2], rtol=1e-6)
        np.testing.assert_allclose(e[2], W if leave else W / 2, rtol=1e-6)
        assert e[3] and t[3]
        assert e[4] == t[4] == ["bias", "weight"]
    m = EP.register_parametrization(_linear(ember), "weight", _parametrizations(ember)["Split"]())
    EP.remove_parametrizations(m, "weight")
    assert isinstance(m.weight, ember.nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), W, rtol=1e-6)


def test_two_tensors_parametrized_class_swapped_back_after_last():
    c = _parametrizations(ember)
    m = _linear(ember)
    EP.register_parametrization(m, "weight", c["Double"]())
    cls = type(m)
    EP.register_parametrization(m, "bias", c["Double"]())
    assert type(m) is cls  # one injected class for all tensors
    EP.remove_parametrizations(m, "weight")
    assert type(m).__name__ == "ParametrizedLinear" and EP.is_parametrized(m, "bias")
    EP.remove_parametrizations(m, "bias")
    assert type(m) is ember.nn.Linear
    # the property lives on the injected class, never on Linear itself
    assert "weight" not in vars(ember.nn.Linear) and "bias" not in vars(ember.nn.Linear)
    assert list(m.state_dict()) == ["weight", "bias"]


def test_buffer_parametrized_stays_a_buffer():
    c = _parametrizations(ember)
    m = ember.nn.BatchNorm1d(3)
    EP.register_parametrization(m, "running_var", c["Double"]())
    assert "original" in m.parametrizations.running_var._buffers
    assert "parametrizations.running_var.original" in m.state_dict()
    EP.remove_parametrizations(m, "running_var")
    assert "running_var" in m._buffers


def test_cached_computes_once():
    calls = []

    class Counting(ember.nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 2

    m = EP.register_parametrization(_linear(ember), "weight", Counting())
    calls.clear()
    with EP.cached():
        a, b = m.weight, m.weight
        with EP.cached():  # nested contexts share the cache
            c = m.weight
    assert len(calls) == 1 and a is b is c
    m.weight  # noqa: B018 - outside the context: computed again
    assert len(calls) == 2


def test_training_trajectory_matches_torch():
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        x = lib.tensor(X)
        for _ in range(5):
            opt.zero_grad()
            ((m(x) - 1) ** 2).mean().backward()
            opt.step()
        return _np(m.weight)
    we, wt = _both(run)
    np.testing.assert_allclose(we, wt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(we, we.T)


def test_state_dict_round_trip_between_frameworks():
    c = _parametrizations(ember)
    me = EP.register_parametrization(_linear(ember), "weight", c["Split"]())
    mt = torch.nn.utils.parametrize.register_parametrization(
        torch.nn.Linear(3, 3), "weight", _parametrizations(torch)["Split"]())
    mt.load_state_dict({k: torch.tensor(v.numpy()) for k, v in me.state_dict().items()})
    np.testing.assert_allclose(_np(mt.weight), _np(me.weight), rtol=1e-6)
    fresh = EP.register_parametrization(ember.nn.Linear(3, 3), "weight", c["Split"]())
    fresh.load_state_dict({k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    np.testing.assert_allclose(_np(fresh.weight), W, rtol=1e-6)


def test_deepcopy_works_pickle_refused():
    m = EP.register_parametrization(_linear(ember), "weight",
                                    _parametrizations(ember)["Double"]())
    m2 = copy.deepcopy(m)
    assert type(m2).__name__ == "ParametrizedLinear"
    assert m2.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_allclose(_np(m2.weight), _np(m.weight))
    with pytest.raises(RuntimeError) as e:
        pickle.dumps(m)
    tm = torch.nn.utils.parametrize.register_parametrization(
        torch.nn.Linear(3, 3), "weight", _parametrizations(torch)["Double"]())
    with pytest.raises(RuntimeError) as et:
        pickle.dumps(tm)
    assert str(e.value) == str(et.value)


def test_transfer_parametrizations_and_params():
    c = _parametrizations(ember)
    src = EP.register_parametrization(_linear(ember), "weight", c["Double"]())
    dst = EP.transfer_parametrizations_and_params(src, ember.nn.Linear(3, 3))
    assert dst.parametrizations.weight.original is src.parametrizations.weight.original
    np.testing.assert_allclose(_np(dst.weight), _np(src.weight))
    assert EP.transfer_parametrizations_and_params(_linear(ember), dst) is dst


def test_train_mode_follows_module():
    m = _linear(ember).eval()
    p = _parametrizations(ember)["Double"]()
    EP.register_parametrization(m, "weight", p)
    assert p.training is False


@pytest.mark.parametrize("kind", ["Shrink", "ToDouble", "NotTensor", "BadInverse",
                                  "InverseDtype", "BadSequence"])
def test_registration_errors_match_torch(kind):
    _same_error(lambda lib, P, c: P.register_parametrization(_linear(lib), "weight", c[kind]()))


def test_registration_on_missing_name_errors_match_torch():
    err = _same_error(lambda lib, P, c: P.register_parametrization(_linear(lib), "foo",
                                                                   c["Symmetric"]()))
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("kind", ["Shrink", "ToDouble"])
def test_chained_registration_errors_match_torch(kind):
    def run(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        P.register_parametrization(m, "weight", c[kind]())
    _same_error(run)


def test_chained_registration_failure_leaves_module_unchanged():
    c = _parametrizations(ember)
    m = EP.register_parametrization(_linear(ember), "weight", c["Symmetric"]())
    with pytest.raises(ValueError):
        EP.register_parametrization(m, "weight", c["Shrink"]())
    assert len(m.parametrizations.weight) == 1


def test_assign_without_right_inverse_and_bad_removal_errors_match_torch():
    def assign(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        m.weight = lib.ones(3, 3)
    _same_error(assign)

    def remove_unknown(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Symmetric"]())
        P.remove_parametrizations(m, "bias")
    _same_error(remove_unknown)

    def remove_sequence_unparametrized(lib, P, c):
        m = P.register_parametrization(_linear(lib), "weight", c["Split"]())
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    _same_error(remove_sequence_unparametrized)

    def empty_list(lib, P, c):
        P.ParametrizationList([], lib.ones(2))
    _same_error(empty_list)


def test_failed_registration_leaves_module_unchanged():
    c = _parametrizations(ember)
    m = _linear(ember)
    with pytest.raises(ValueError):
        EP.register_parametrization(m, "weight", c["Shrink"]())
    assert type(m) is ember.nn.Linear and isinstance(m.weight, ember.nn.Parameter)
    assert list(m.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("name", ["parametrize", "parametrizations", "weight_norm",
                                  "spectral_norm", "prune"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"ember.nn.utils.{name}")
    result = doctest.testmod(module, extraglobs={"ember": ember})
    assert result.attempted > 0 and result.failed == 0
