"""ember.amp.GradScaler: trajectories against PyTorch's, state_dict, errors and warnings."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember
from ember.amp import GradScaler

NO_CUDA = not ember.cuda.is_available()
RNG = np.random.default_rng(3)


def _trajectory(lib, opt_name, events, unscale_at=(), **scaler_kw):
    """Train one weight matrix with a scaler, injecting inf/NaN gradients at given steps;
    the scale, tracker, step results and weights after every step."""
    w0 = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5
    c = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    w = lib.tensor(w0, requires_grad=True)
    opt = {"SGD": lambda p: lib.optim.SGD(p, lr=0.1, momentum=0.9),
           "Adam": lambda p: lib.optim.Adam(p, lr=0.01)}[opt_name]([w])
    scaler = lib.amp.GradScaler("cpu", **scaler_kw)
    rows = []
    for step in range(14):
        opt.zero_grad()
        # elementwise gradients: IEEE-exact in both libraries, so only the scaler can differ
        loss = (w * w * lib.tensor(c) - w * 0.3).sum()
        scaler.scale(loss).backward()
        if step in events:
            w.grad[events[step]] = float(events.get("value", "inf") if step != 8 else "nan")
        if step in unscale_at:
            scaler.unscale_(opt)
        ret = scaler.step(opt)
        scaler.update()
        rows.append((scaler.get_scale(), scaler._get_growth_tracker(), ret,
                     w.detach().numpy().copy()))
    return rows, scaler


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("kw, unscale_at", [
    ({"init_scale": 16.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 3},
     (5,)),
    ({"init_scale": 2.0 ** 16, "growth_interval": 2}, ()),
    ({"init_scale": 1.5, "growth_factor": 1.7, "backoff_factor": 0.3, "growth_interval": 1},
     (0, 9)),
])
def test_trajectory_matches_torch(opt_name, kw, unscale_at):
    torch = pytest.importorskip("torch")
    events = {2: (0, 0), 7: (1, 2), 8: (3, 1), 9: (2, 2)}
    mine, s1 = _trajectory(ember, opt_name, events, unscale_at, **kw)
    theirs, s2 = _trajectory(torch, opt_name, events, unscale_at, **kw)
    for step, (a, b) in enumerate(zip(mine, theirs)):
        assert a[:3] == b[:3], step
        if opt_name == "SGD":
            np.testing.assert_array_equal(a[3], b[3], err_msg=str(step))
        else:  # PyTorch's float32 sqrt is not correctly rounded (docs/decisions.md)
            np.testing.assert_allclose(a[3], b[3], rtol=1e-6, atol=1e-9, err_msg=str(step))
    assert s1.state_dict() == s2.state_dict()
    skipped = {s for s in range(1, 14) if np.array_equal(mine[s][3], mine[s - 1][3])}
    assert skipped == {2, 7, 8, 9}


def test_skipped_step_leaves_params_and_backs_off():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=1.0)
    scaler = GradScaler("cpu", init_scale=8.0, growth_interval=100)
    (w.sum() * 0).backward()
    opt.zero_grad()
    scaler.scale(w.sum()).backward()
    assert w.grad.tolist() == [8.0, 8.0]
    w.grad[1] = float("nan")
    assert scaler.step(opt) is None
    assert w.tolist() == [1.0, 2.0]
    scaler.update()
    assert scaler.get_scale() == 4.0 and scaler._get_growth_tracker() == 0


def test_step_unscales_and_returns_the_step_result():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.5)
    scaler = GradScaler("cpu", init_scale=2.0 ** 10)
    scaler.scale((w * w).sum()).backward()
    scaler.unscale_(opt)
    assert w.grad.tolist() == [2.0, -4.0]  # clipping etc. see the true gradients
    scaler.step(opt)
    assert w.tolist() == [0.0, 0.0]
    scaler.update()
    assert scaler.get_scale() == 2.0 ** 10 and scaler._get_growth_tracker() == 1


def test_growth_never_makes_the_scale_infinite():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (ember, torch):
        w = lib.tensor([1.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.0)
        s = lib.amp.GradScaler("cpu", init_scale=2.0 ** 126, growth_factor=2.0 ** 3,
                               growth_interval=1)
        out = []
        for _ in range(2):
            s.scale(w.sum()).backward()
            s.step(opt)
            s.update()
            out.append((s.get_scale(), s._get_growth_tracker()))
            opt.zero_grad()
        res.append(out)
    assert res[0] == res[1] == [(2.0 ** 126, 0)] * 2


def test_scale_outputs_forms():
    s = GradScaler("cpu", init_scale=4.0)
    a, b = ember.tensor(1.0), ember.tensor([2.0, 3.0])
    out = s.scale([a, (b, a)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[0].item() == 4.0 and out[1][0].tolist() == [8.0, 12.0]
    assert [t.item() for t in s.scale(iter([a, a]))] == [4.0, 4.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        s.scale([a, 3])
    low = s.scale(ember.tensor([1.5]).bfloat16())
    assert low.dtype is ember.bfloat16  # a 0-dim scale does not promote


def test_bfloat16_and_float64_grads_unscaled_in_their_dtype():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (ember, torch):
        p = lib.tensor([0.3, 1e-3], dtype=lib.bfloat16, requires_grad=True)
        q = lib.tensor([0.1, 1e-9], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SGD([p, q], lr=1.0)
        s = lib.amp.GradScaler("cpu", init_scale=3.0)
        p.grad = lib.tensor([0.7, 2e-3], dtype=lib.bfloat16)
        q.grad = lib.tensor([0.7, 3e-9], dtype=lib.float64)
        s.scale(lib.tensor(1.0))
        s.unscale_(opt)
        res.append((p.grad.float().tolist(), q.grad.tolist()))
    assert res[0] == res[1]


def test_state_dict_round_trip_and_pickle():
    torch = pytest.importorskip("torch")
    rows, s = _trajectory(ember, "SGD", {2: (0, 0)}, init_scale=16.0, growth_interval=3)
    sd = s.state_dict()
    _, ts = _trajectory(torch, "SGD", {2: (0, 0)}, init_scale=16.0, growth_interval=3)
    assert sd == ts.state_dict()
    assert set(sd) == {"scale", "growth_factor", "backoff_factor", "growth_interval",
                       "_growth_tracker"}
    fresh = GradScaler("cpu")
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd and fresh.get_scale() == sd["scale"]
    fresh.scale(ember.tensor(1.0))  # the scale tensor is created from the loaded state
    assert fresh.get_scale() == sd["scale"] and fresh._get_growth_tracker() == sd["_growth_tracker"]
    started = GradScaler("cpu")
    started.scale(ember.tensor(1.0))
    started.load_state_dict(sd)  # also into existing tensors
    assert started.state_dict() == sd
    clone = pickle.loads(pickle.dumps(s))
    assert clone.state_dict() == sd and clone._scale is None
    assert copy.deepcopy(s).state_dict() == sd


def test_pickle_mid_iteration_refused():
    w = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    s = GradScaler("cpu")
    s.scale(w.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(AssertionError, match="may only be pickled at the beginning of an "
                                             "iteration, or at the end after scaler.update"):
        pickle.dumps(s)


def test_setters_getters():
    s = GradScaler("cpu", init_scale=3.0, growth_factor=4.0, backoff_factor=0.1,
                   growth_interval=7)
    assert (s.get_scale(), s.get_growth_factor(), s.get_backoff_factor(),
            s.get_growth_interval(), s.is_enabled()) == (3.0, 4.0, 0.1, 7, True)
    s.set_growth_factor(5.0)
    s.set_backoff_factor(0.2)
    s.set_growth_interval(9)
    assert s.state_dict()["growth_factor"] == 5.0
    assert (s.get_backoff_factor(), s.get_growth_interval()) == (0.2, 9)


def test_update_with_new_scale():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        s = lib.amp.GradScaler("cpu")
        s.scale(lib.tensor(1.0))
        s.update(5.0)
        assert s.get_scale() == 5.0
        s.update(lib.tensor(0.25))
        assert s.get_scale() == 0.25
        for bad in (lib.tensor([1.0, 2.0]), lib.tensor(1.0, requires_grad=True)):
            with pytest.raises(AssertionError, match="new_scale should be a float or a "
                                                     "1-element torch.cuda.FloatTensor"):
                s.update(bad)


def _opt():
    w = ember.tensor([1.0], requires_grad=True)
    return w, ember.optim.SGD([w], lr=0.1)


@pytest.mark.parametrize("script, exc, match", [
    (lambda s, o, w: s.step(o), AssertionError,
     r"Attempted step but _scale is None.  This may indicate your script did not use "
     r"scaler.scale\(loss or outputs\) earlier in the iteration."),
    (lambda s, o, w: s.update(), AssertionError, "Attempted update but _scale is None"),
    (lambda s, o, w: s.unscale_(o), AssertionError, "Attempted unscale_ but _scale is None"),
    (lambda s, o, w: (s.scale(w.sum()).backward(), s.unscale_(o), s.unscale_(o)), RuntimeError,
     r"unscale_\(\) has already been called on this optimizer since the last update\(\)."),
    (lambda s, o, w: (s.scale(w.sum()).backward(), s.step(o), s.unscale_(o)), RuntimeError,
     r"unscale_\(\) is being called after step\(\)."),
    (lambda s, o, w: (s.scale(w.sum()).backward(), s.step(o), s.step(o)), RuntimeError,
     r"step\(\) has already been called since the last update\(\)."),
    (lambda s, o, w: (s.scale(w.sum()), s.step(o, closure=lambda: 0)), RuntimeError,
     "Closure use is not currently supported if GradScaler is enabled."),
    (lambda s, o, w: (s.scale(w.sum()), s.update()), AssertionError,
     "No inf checks were recorded prior to update."),
    (lambda s, o, w: s.load_state_dict({}), RuntimeError,
     "The source state dict is empty, possibly because it was saved from a disabled instance "
     "of GradScaler."),
])
def test_misuse_errors(script, exc, match):
    w, opt = _opt()
    with pytest.raises(exc, match=match):
        script(GradScaler("cpu"), opt, w)


def test_float16_gradients_refused():
    p = ember.tensor([1.0], dtype=ember.float16, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    s = GradScaler("cpu")
    s.scale(p.float().sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        s.unscale_(opt)


@pytest.mark.parametrize("kw, match", [({"growth_factor": 1.0}, "The growth factor must be > 1.0."),
                                       ({"backoff_factor": 1.0},
                                        "The backoff factor must be < 1.0.")])
def test_bad_factors(kw, match):
    with pytest.raises(AssertionError, match=match):
        GradScaler("cpu", **kw)
    GradScaler("cpu", enabled=False, **kw)  # not checked when disabled, as in PyTorch


def test_disabled_scaler_is_a_pass_through():
    w, opt = _opt()
    s = GradScaler("cpu", enabled=False)
    loss = w.sum()
    assert s.scale(loss) is loss
    loss.backward()
    assert s.step(opt) is None and w.tolist() == [pytest.approx(0.9)]
    s.unscale_(opt)
    s.update()
    assert (s.get_scale(), s.state_dict(), s.is_enabled()) == (1.0, {}, False)
    s.load_state_dict({})  # a no-op when disabled


@pytest.mark.skipif(not NO_CUDA, reason="checks the behaviour without a GPU")
def test_cuda_scaler_without_cuda_warns_and_disables():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match=r"^torch.cuda.amp.GradScaler is enabled, but CUDA is "
                                             r"not available.  Disabling.$"):
            s = lib.amp.GradScaler()
        assert not s.is_enabled()
    GradScaler(enabled=False)  # no warning


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_deprecated_device_scalers(device):
    if device == "cuda" and not NO_CUDA:
        pytest.skip("checks the behaviour without a GPU")
    module = getattr(ember, device).amp
    msg = (rf"`torch.{device}.amp.GradScaler\(args...\)` is deprecated. Please use "
           rf"`torch.amp.GradScaler\('{device}', args...\)` instead.")
    with pytest.warns(FutureWarning, match=msg):
        if device == "cuda":
            with pytest.warns(UserWarning, match="CUDA is not available"):
                s = module.GradScaler(init_scale=4.0)
        else:
            s = module.GradScaler(init_scale=4.0)
    assert isinstance(s, GradScaler) and s.is_enabled() is (device == "cpu")
    from ember.cuda.amp import GradScaler as CudaScaler
    assert CudaScaler is ember.cuda.amp.GradScaler


def test_deprecated_cuda_custom_decorators():
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.custom_fwd\(args...\)` is "
                                           r"deprecated. Please use `torch.amp.custom_fwd\("
                                           r"args..., device_type='cuda'\)` instead."):
        fwd = ember.cuda.amp.custom_fwd(lambda ctx, x: x)
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.custom_bwd\(args...\)`"):
        ember.cuda.amp.custom_bwd(lambda ctx, g: g)

    class Ctx:
        pass
    ctx = Ctx()
    assert fwd(ctx, 3) == 3 and ctx._fwd_used_autocast is False
