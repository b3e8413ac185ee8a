"""utils.checkpoint: recomputation gives the plain gradients (torch parity), RNG replay,
memory release, graph features and errors."""
import doctest
import gc
import warnings
import weakref
from contextlib import contextmanager

import numpy as np
import pytest

import ember
import ember.utils.checkpoint as EC
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(3)
X = RNG.standard_normal((5, 4)).astype(np.float32)
BOTH = [True, False]


def _tc():
    import torch.utils.checkpoint as tc
    return tc


def _mlp(lib, dropout=0.0, bn=False):
    nn = lib.nn
    layers = [nn.Linear(4, 8), nn.Tanh()]
    if bn:
        layers.append(nn.BatchNorm1d(8))
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)]
    return nn.Sequential(*layers)


def _pair(**kw):
    me, mt = _mlp(ember, **kw), _mlp(torch, **kw)
    with ember.no_grad():
        for pe, pt in zip(me.parameters(), mt.parameters()):
            pe.copy_(ember.tensor(pt.detach().numpy()))
    return me, mt


def _np(t):
    return t.detach().numpy()


def _grads(m, x):
    return [p.grad.numpy().copy() for p in m.parameters()] + [x.grad.numpy().copy()]


@pytest.mark.parametrize("reentrant", BOTH)
def test_gradients_match_plain_and_torch(reentrant):
    me, mt = _pair()
    xe = ember.tensor(X, requires_grad=True)
    ye = EC.checkpoint(me, xe, use_reentrant=reentrant)
    (ye ** 2).sum().backward()
    ge = _grads(me, xe)
    xt = torch.tensor(X, requires_grad=True)
    yt = _tc().checkpoint(mt, xt, use_reentrant=reentrant)
    (yt ** 2).sum().backward()
    for a, b in zip(ge, _grads(mt, xt)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    me.zero_grad()
    xp = ember.tensor(X, requires_grad=True)
    (me(xp) ** 2).sum().backward()
    for a, b in zip(ge, _grads(me, xp)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", BOTH)
def test_dropout_masks_replayed_and_rng_stream_unchanged(reentrant):
    m = _mlp(ember, dropout=0.5)
    ember.manual_seed(1)
    xe = ember.tensor(X, requires_grad=True)
    y = EC.checkpoint(m, xe, use_reentrant=reentrant)
    (y ** 2).sum().backward()
    after = ember.rand(3)
    got = _grads(m, xe)
    m.zero_grad()
    ember.manual_seed(1)
    xp = ember.tensor(X, requires_grad=True)
    y2 = m(xp)
    (y2 ** 2).sum().backward()
    np.testing.assert_array_equal(_np(y), _np(y2))
    for a, b in zip(got, _grads(m, xp)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # backward's replay did not consume the caller's random stream
    np.testing.assert_array_equal(after.numpy(), ember.rand(3).numpy())


@pytest.mark.parametrize("reentrant", BOTH)
def test_without_preserve_rng_state_the_recomputation_draws_new_masks(reentrant):
    drop = ember.nn.Dropout(0.5)
    ember.manual_seed(0)
    x = ember.ones(200, requires_grad=True)
    y = EC.checkpoint(drop, x, use_reentrant=reentrant, preserve_rng_state=False)
    y.sum().backward()
    assert not np.array_equal(x.grad.numpy(), _np(y))  # grad's mask != forward's mask
    x.grad = None
    y = EC.checkpoint(drop, x, use_reentrant=reentrant)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), _np(y))


@pytest.mark.parametrize("reentrant", BOTH)
def test_batchnorm_running_stats_updated_as_in_torch(reentrant):
    me, mt = _pair(bn=True)
    for m, lib, mod in ((me, ember, EC), (mt, torch, _tc())):
        x = lib.tensor(X, requires_grad=True)
        mod.checkpoint(m, x, use_reentrant=reentrant).sum().backward()
    for (n, a), (_, b) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


@pytest.mark.parametrize("reentrant", BOTH)
def test_activations_are_not_kept(reentrant):
    refs = []

    def fn(x):
        h = (x * 2).tanh()
        refs.append(weakref.ref(h))
        return h * 3

    x = ember.randn(4, requires_grad=True)
    y = EC.checkpoint(fn, x, use_reentrant=reentrant)
    gc.collect()
    assert refs[0]() is None  # the forward's intermediate is gone
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(),
                               6 * (1 - np.tanh(2 * _np(x)) ** 2), rtol=1e-5)


def test_reentrant_forward_records_nothing():
    seen = []

    def fn(x):
        h = x * 2
        seen.append(h.requires_grad)
        return h

    x = ember.randn(3, requires_grad=True)
    y = EC.checkpoint(fn, x, use_reentrant=True)
    y.sum().backward()
    assert seen == [False, True]  # forward under no_grad, recomputation with grad
    assert type(y.grad_fn).__name__ == "CheckpointFunctionBackward"


def test_non_reentrant_autograd_grad_and_backward_inputs():
    me, _ = _pair()
    x = ember.tensor(X, requires_grad=True)
    params = list(me.parameters())
    y = EC.checkpoint(me, x, use_reentrant=False)
    got = ember.autograd.grad((y ** 2).sum(), params + [x])
    assert all(p.grad is None for p in params)
    ref = ember.autograd.grad((me(x) ** 2).sum(), params + [x])
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    y = EC.checkpoint(me, x, use_reentrant=False)
    (y ** 2).sum().backward(inputs=[params[0]])
    np.testing.assert_allclose(params[0].grad.numpy(), ref[0].numpy(), rtol=1e-6)
    assert params[1].grad is None and x.grad is None


def test_reentrant_refuses_autograd_grad_like_torch():
    msgs = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        lin = lib.nn.Linear(3, 3)
        x = lib.randn(2, 3, requires_grad=True)
        y = mod.checkpoint(lin, x, use_reentrant=True)
        with pytest.raises(RuntimeError) as e:
            lib.autograd.grad(y.sum(), x)
        msgs.append(str(e.value))
        y = mod.checkpoint(lin, x, use_reentrant=True)
        with pytest.raises(RuntimeError):
            y.sum().backward(inputs=[x])
    assert msgs[0] == msgs[1]


def test_non_reentrant_double_backward_gradgradcheck():
    w = ember.randn(4, 4, dtype=ember.float64, requires_grad=True)

    def f(t):
        return (t @ w).tanh() * t

    def g(x, w_):
        return EC.checkpoint(lambda t: (t @ w_).sin() * t, x, use_reentrant=False)

    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(g, (x, w))
    assert ember.autograd.gradgradcheck(g, (x, w))
    gx, = ember.autograd.grad(EC.checkpoint(f, x, use_reentrant=False).sum(), x,
                              create_graph=True)
    ref, = ember.autograd.grad(f(x).sum(), x, create_graph=True)
    h = ember.autograd.grad(gx.sum(), [x, w])
    h_ref = ember.autograd.grad(ref.sum(), [x, w])
    for a, b in zip(h, h_ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_non_reentrant_structures_kwargs_and_untracked_outputs():
    w = ember.randn(3, requires_grad=True)
    outer = (w * 2).exp()  # a non-leaf captured by the closure

    def fn(x, *, scale):
        y = x * w * scale
        return {"y": y, "pair": (y.sum(), y.argmax()), "plain": 7, "outer": outer * x}

    x = ember.randn(3, requires_grad=True)
    out = EC.checkpoint(fn, x, use_reentrant=False, scale=2.0)
    assert out["plain"] == 7 and not out["pair"][1].requires_grad
    loss = out["y"].sum() + out["pair"][0] + out["outer"].sum()
    gx, gw = ember.autograd.grad(loss, [x, w])
    o = np.exp(2 * w.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), 4 * w.detach().numpy() + o, rtol=1e-5)
    np.testing.assert_allclose(gw.numpy(), 4 * x.detach().numpy() + 2 * o * x.detach().numpy(),
                               rtol=1e-5)


def test_identity_and_input_without_grad():
    x = ember.randn(3, requires_grad=True)
    y = EC.checkpoint(lambda t: t, x, use_reentrant=False)
    (y * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)
    lin = ember.nn.Linear(3, 2)
    y = EC.checkpoint(lin, ember.randn(4, 3), use_reentrant=False)
    y.sum().backward()
    np.testing.assert_allclose(lin.bias.grad.numpy(), 4.0)


def test_reentrant_without_grad_inputs_warns_like_torch():
    msgs = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        lin = lib.nn.Linear(3, 2)
        with pytest.warns(UserWarning) as rec:
            y = mod.checkpoint(lin, lib.randn(4, 3), use_reentrant=True)
        assert not y.requires_grad
        msgs.append(str(rec[0].message))
    assert msgs[0] == msgs[1] == "None of the inputs have requires_grad=True. Gradients will " \
                                 "be None"


def test_missing_use_reentrant_warns_and_defaults_to_reentrant():
    msgs = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        x = lib.randn(2, 3, requires_grad=True)
        with pytest.warns(UserWarning) as rec:
            y = mod.checkpoint(lib.nn.Linear(3, 3), x)
        assert type(y.grad_fn).__name__ == "CheckpointFunctionBackward"
        msgs.append(str(rec[0].message))
        assert lib is torch or rec[0].filename == __file__  # points at the caller
        with pytest.warns(UserWarning) as rec:
            mod.checkpoint_sequential(lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Tanh()), 2, x)
        msgs.append(str(rec[0].message))
    assert msgs[0] == msgs[2] and msgs[1] == msgs[3]


@pytest.mark.parametrize("reentrant", BOTH)
def test_retain_graph_and_freed_graph(reentrant):
    msgs = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = mod.checkpoint(lambda t: (t * t).sum(), x, use_reentrant=reentrant)
        y.backward(retain_graph=True)
        y.backward()
        np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
        y = mod.checkpoint(lambda t: (t * t).sum(), x, use_reentrant=reentrant)
        y.backward()
        with pytest.raises(RuntimeError) as e:
            y.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("reentrant", BOTH)
def test_inplace_change_of_an_input_is_detected_like_torch(reentrant):
    msgs = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        x = lib.randn(3, requires_grad=True)
        h = x * 2
        y = mod.checkpoint(lambda t: (t * t).sum(), h, use_reentrant=reentrant)
        with lib.no_grad():
            h.mul_(2)
        with pytest.raises(RuntimeError) as e:
            y.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("segments", [1, 2, 3, 5])
@pytest.mark.parametrize("reentrant", BOTH)
def test_checkpoint_sequential_matches_torch(segments, reentrant):
    me, mt = _pair()
    xe = ember.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    ye = EC.checkpoint_sequential(me, segments, xe, use_reentrant=reentrant)
    yt = _tc().checkpoint_sequential(mt, segments, xt, use_reentrant=reentrant)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-6)
    (ye ** 2).sum().backward()
    (yt ** 2).sum().backward()
    for a, b in zip(_grads(me, xe), _grads(mt, xt)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    ye = EC.checkpoint_sequential(list(me), segments, xe, use_reentrant=reentrant)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", BOTH)
def test_training_trajectory_with_checkpointed_blocks_matches_torch(reentrant):
    def run(lib, mod, m):
        opt = lib.optim.Adam(m.parameters(), lr=0.01)
        x = lib.tensor(X, requires_grad=True)
        for _ in range(5):
            opt.zero_grad()
            h = mod.checkpoint(m[:2], x, use_reentrant=reentrant)
            y = mod.checkpoint(m[2:], h, use_reentrant=reentrant)
            ((y - 1) ** 2).mean().backward()
            opt.step()
        return [_np(p) for p in m.parameters()]
    me, mt = _pair()
    for a, b in zip(run(ember, EC, me), run(torch, _tc(), mt)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_context_fn_wraps_forward_and_recomputation():
    log = []

    @contextmanager
    def tag(name):
        log.append(name)
        yield

    def fn(t):
        log.append("run")
        return t * 2

    x = ember.randn(3, requires_grad=True)
    y = EC.checkpoint(fn, x, use_reentrant=False,
                      context_fn=lambda: (tag("forward"), tag("recompute")))
    y.sum().backward()
    assert log == ["forward", "run", "recompute", "run"]


def test_no_grad_mode_runs_plainly():
    x = ember.randn(3, requires_grad=True)
    for reentrant in BOTH:
        with ember.no_grad():
            y = EC.checkpoint(lambda t: t * 2, x, use_reentrant=reentrant)
        assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("call", [
    lambda lib, mod: mod.checkpoint(lib.nn.Tanh(), lib.ones(1), use_reentrant=True, foo=1),
    lambda lib, mod: mod.checkpoint(lib.nn.Tanh(), lib.ones(1), use_reentrant=True,
                                    debug=True),
    lambda lib, mod: mod.checkpoint(lib.nn.Tanh(), lib.ones(1), use_reentrant=False,
                                    determinism_check="x"),
    lambda lib, mod: mod.checkpoint_sequential([lib.nn.Tanh()], 1, lib.ones(1),
                                               use_reentrant=False, foo=2),
    lambda lib, mod: mod.detach_variable([lib.ones(1)]),
])
def test_errors_match_torch(call):
    errors = []
    for lib, mod in ((ember, EC), (torch, _tc())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as e:
                call(lib, mod)
        errors.append(e.value)
    assert type(errors[0]) is type(errors[1]) and str(errors[0]) == str(errors[1])


def test_utils_namespace():
    assert ember.utils.checkpoint is EC
    x = ember.randn(2, requires_grad=True)
    y, = EC.detach_variable((x,))
    assert y.requires_grad and y.grad_fn is None and y is not x


def test_docstring_examples_run():
    result = doctest.testmod(EC, extraglobs={"ember": ember})
    assert result.attempted > 0 and result.failed == 0
