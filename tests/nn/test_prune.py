"""nn.utils.prune: masks, hooks, state_dict layout, iterative/global pruning and errors
(torch parity)."""
import numpy as np
import pytest

import ember
import ember.nn.utils.prune as EP
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(5)
# distinct magnitudes, so that the smallest entries (and channels) are unambiguous
W = (RNG.permutation(24).reshape(4, 3, 2, 1) + 1).astype(np.float32) / 10
W *= RNG.choice([-1.0, 1.0], W.shape).astype(np.float32)
BIAS = np.array([0.3, -0.1, 0.4, -0.2], dtype=np.float32)


def _tp():
    import torch.nn.utils.prune as tp
    return tp


def _conv(lib):
    m = lib.nn.Conv2d(3, 4, (2, 1))
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W))
        m.bias.copy_(lib.tensor(BIAS))
    return m


def _both(fn):
    return fn(ember, EP), fn(torch, _tp())


def _np(t):
    return t.detach().numpy()


def _same_error(fn):
    errors = []
    for lib, P in ((ember, EP), (torch, _tp())):
        with pytest.raises(Exception) as info:
            fn(lib, P)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]).replace("ember.", "torch.") == str(errors[1])


@pytest.mark.parametrize("amount", [0.3, 5, 0, 0.0, 24, 1.0])
def test_l1_unstructured_matches_torch(amount):
    def run(lib, P):
        m = P.l1_unstructured(_conv(lib), "weight", amount=amount)
        return m, _np(m.weight_mask), _np(m.weight)
    (me, mask_e, w_e), (mt, mask_t, w_t) = _both(run)
    np.testing.assert_array_equal(mask_e, mask_t)
    np.testing.assert_array_equal(w_e, w_t)
    assert list(me.state_dict()) == list(mt.state_dict()) == ["bias", "weight_orig",
                                                              "weight_mask"]
    assert [n for n, _ in me.named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in me.named_buffers()] == ["weight_mask"]
    assert not isinstance(me.weight, ember.nn.Parameter)
    assert me.weight_mask.dtype == ember.float32


@pytest.mark.parametrize("n", [1, 2, 3, float("inf")])
@pytest.mark.parametrize("dim", [0, 1, -1, -3])
def test_ln_structured_matches_torch(n, dim):
    masks = _both(lambda lib, P: _np(P.ln_structured(_conv(lib), "weight", amount=0.5, n=n,
                                                     dim=dim).weight_mask))
    np.testing.assert_array_equal(*masks)


def test_importance_scores_match_torch():
    scores = RNG.permutation(24).reshape(W.shape).astype(np.float32)

    def run(lib, P):
        a = P.l1_unstructured(_conv(lib), "weight", amount=7,
                              importance_scores=lib.tensor(scores))
        b = P.ln_structured(_conv(lib), "weight", amount=2, n=1, dim=0,
                            importance_scores=lib.tensor(scores))
        return _np(a.weight_mask), _np(b.weight_mask)
    (a_e, b_e), (a_t, b_t) = _both(run)
    np.testing.assert_array_equal(a_e, a_t)
    np.testing.assert_array_equal(b_e, b_t)
    assert (a_e.reshape(-1)[np.argsort(scores.reshape(-1))[:7]] == 0).all()


def test_iterative_pruning_builds_a_container_like_torch():
    def run(lib, P):
        m = _conv(lib)
        P.l1_unstructured(m, "weight", amount=0.25)
        P.ln_structured(m, "weight", amount=1, n=2, dim=0)
        P.l1_unstructured(m, "weight", amount=3)  # of the surviving entries
        hooks = list(m._forward_pre_hooks.values())
        assert len(hooks) == 1 and isinstance(hooks[0], P.PruningContainer)
        assert [type(h).__name__ for h in hooks[0]] == ["L1Unstructured", "LnStructured",
                                                         "L1Unstructured"]
        assert len(hooks[0]) == 3 and isinstance(hooks[0][1], P.LnStructured)
        return _np(m.weight_mask)
    me, mt = _both(run)
    np.testing.assert_array_equal(me, mt)


def test_global_unstructured_matches_torch():
    def run(lib, P):
        a, b = _conv(lib), lib.nn.Linear(3, 4)
        with lib.no_grad():
            b.weight.copy_(lib.tensor(W[:, :, 0, 0] * 0.9))
        P.l1_unstructured(a, "bias", amount=1)  # an existing mask is respected
        key = (b, "weight")
        imp = {key: lib.tensor(np.abs(W[:, :, 0, 0]) * 2)}
        P.global_unstructured([(a, "weight"), (a, "bias"), key], P.L1Unstructured,
                              importance_scores=imp, amount=0.4)
        return _np(a.weight_mask), _np(a.bias_mask), _np(b.weight_mask)
    for x, y in zip(*_both(run)):
        np.testing.assert_array_equal(x, y)


def test_global_unstructured_over_a_generator():
    a, b = _conv(ember), _conv(ember)
    EP.global_unstructured(((m, "weight") for m in (a, b)), EP.L1Unstructured, amount=10)
    assert int((a.weight == 0).sum() + (b.weight == 0).sum()) == 10


def test_custom_from_mask_and_identity_match_torch():
    mask = RNG.integers(0, 2, W.shape).astype(np.float32)

    def run(lib, P):
        m = P.custom_from_mask(_conv(lib), "weight", lib.tensor(mask))
        P.identity(m, "bias")
        return _np(m.weight), _np(m.bias_mask), list(m.state_dict())
    (we, be, ke), (wt, bt, kt) = _both(run)
    np.testing.assert_array_equal(we, wt)
    np.testing.assert_array_equal(be, bt)
    assert ke == kt == ["weight_orig", "bias_orig", "weight_mask", "bias_mask"]


def test_random_pruning_counts_and_channels():
    m = EP.random_unstructured(_conv(ember), "weight", amount=0.5)
    mask = _np(m.weight_mask)
    assert (mask == 0).sum() == 12 and set(np.unique(mask)) == {0.0, 1.0}
    m = EP.random_structured(_conv(ember), "weight", amount=2, dim=1)
    mask = _np(m.weight_mask)
    kept = mask.sum(axis=(0, 2, 3)) != 0
    assert kept.sum() == 1 and (mask[:, kept] == 1).all()
    m = EP.random_structured(_conv(ember), "weight", amount=0, dim=0)
    assert (_np(m.weight_mask) == 1).all()
    ember.manual_seed(0)
    a = _np(EP.random_unstructured(_conv(ember), "weight", amount=7).weight_mask)
    ember.manual_seed(0)
    b = _np(EP.random_unstructured(_conv(ember), "weight", amount=7).weight_mask)
    np.testing.assert_array_equal(a, b)


def test_forward_pre_hook_recomputes_weight_and_gradients_are_masked():
    x = RNG.standard_normal((2, 3, 4, 3)).astype(np.float32)

    def run(lib, P):
        m = P.l1_unstructured(_conv(lib), "weight", amount=10)
        with lib.no_grad():
            m.weight_orig.mul_(2)  # the hook picks this up at the next forward
        y = m(lib.tensor(x))
        (y ** 2).sum().backward()
        return _np(y), _np(m.weight), m.weight_orig.grad.numpy(), _np(m.weight_mask)
    e, t = _both(run)
    for a, b in zip(e, t):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    grad, mask = e[2], e[3]
    assert (grad[mask == 0] == 0).all() and (grad[mask == 1] != 0).all()


def test_training_trajectory_matches_torch():
    x = RNG.standard_normal((2, 3, 4, 3)).astype(np.float32)

    def run(lib, P):
        m = P.ln_structured(_conv(lib), "weight", amount=1, n=1, dim=0)
        P.l1_unstructured(m, "weight", amount=4)
        opt = lib.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
        for _ in range(4):
            opt.zero_grad()
            ((m(lib.tensor(x)) - 1) ** 2).mean().backward()
            opt.step()
        return _np(m.weight), _np(m.weight_orig)
    (we, oe), (wt, ot) = _both(run)
    np.testing.assert_allclose(we, wt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(oe, ot, rtol=1e-5, atol=1e-6)


def test_remove_makes_pruning_permanent():
    def run(lib, P):
        m = P.l1_unstructured(_conv(lib), "weight", amount=0.5)
        orig = m.weight_orig
        assert P.is_pruned(lib.nn.Sequential(m))
        P.remove(m, "weight")
        assert not P.is_pruned(m)
        assert m.weight is orig and isinstance(m.weight, lib.nn.Parameter)
        assert not m._forward_pre_hooks
        return _np(m.weight), list(m.state_dict())
    (we, ke), (wt, kt) = _both(run)
    np.testing.assert_array_equal(we, wt)
    assert ke == kt == ["bias", "weight"]


def test_load_torch_pruned_state_dict():
    mt = _tp().l1_unstructured(_conv(torch), "weight", amount=0.5)
    me = EP.identity(ember.nn.Conv2d(3, 4, (2, 1)), "weight")
    me.load_state_dict({k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    x = RNG.standard_normal((1, 3, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(_np(me(ember.tensor(x))), _np(mt(torch.tensor(x))),
                               rtol=1e-5, atol=1e-6)


def test_prune_method_on_a_tensor():
    t = ember.tensor(W)
    out = EP.L1Unstructured(amount=3).prune(t)
    expect = _tp().L1Unstructured(amount=3).prune(torch.tensor(W))
    np.testing.assert_array_equal(_np(out), expect.numpy())


def test_failed_pruning_leaves_module_unchanged():
    m = _conv(ember)
    with pytest.raises(ValueError):
        EP.l1_unstructured(m, "weight", amount=25)
    assert isinstance(m.weight, ember.nn.Parameter) and not m._forward_pre_hooks
    assert "weight_orig" not in m._parameters and not m._buffers


@pytest.mark.parametrize("call", [
    lambda lib, P: P.l1_unstructured(_conv(lib), "weight", amount=25),
    lambda lib, P: P.l1_unstructured(_conv(lib), "weight", amount=-1),
    lambda lib, P: P.l1_unstructured(_conv(lib), "weight", amount=1.5),
    lambda lib, P: P.l1_unstructured(_conv(lib), "weight", amount="a"),
    lambda lib, P: P.random_unstructured(_conv(lib), "weight", amount=-0.5),
    lambda lib, P: P.ln_structured(_conv(lib), "bias", amount=1, n=2, dim=0),
    lambda lib, P: P.ln_structured(_conv(lib), "weight", amount=1, n=2, dim=4),
    lambda lib, P: P.random_structured(_conv(lib), "weight", amount=5, dim=0),
    lambda lib, P: P.remove(_conv(lib), "weight"),
    lambda lib, P: P.global_unstructured([(_conv(lib), "weight")], P.RandomStructured,
                                         amount=1),
    lambda lib, P: P.global_unstructured(3, P.L1Unstructured, amount=1),
    lambda lib, P: P.global_unstructured([(_conv(lib), "weight")], P.L1Unstructured,
                                         importance_scores=[1], amount=1),
    lambda lib, P: P.l1_unstructured(_conv(lib), "weight", amount=1,
                                     importance_scores=lib.ones(3)),
    lambda lib, P: P.l1_unstructured(_conv(lib), "foo", amount=1),
    lambda lib, P: P.PruningContainer(P.l1_unstructured(_conv(lib), "weight", 1)
                                      ._forward_pre_hooks.popitem()[1]).add_pruning_method(3),
])
def test_errors_match_torch(call):
    _same_error(call)


def test_container_rejects_a_method_for_another_tensor():
    m = EP.l1_unstructured(_conv(ember), "weight", 1)
    container = EP.PruningContainer(next(iter(m._forward_pre_hooks.values())))
    other = EP.L1Unstructured(1)
    other._tensor_name = "bias"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the "
                                         "parameter named 'weight'.*Found 'bias'"):
        container.add_pruning_method(other)
