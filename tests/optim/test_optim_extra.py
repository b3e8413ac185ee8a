"""Rprop, ASGD and CyclicLR against PyTorch: trajectories, state, lr sequences, errors."""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import ember
from _parity import init_weights, torch, trajectory

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, t0=3, lambd=0.01, alpha=0.6, weight_decay=0.1)),
    ("ASGD", dict(lr=0.02, t0=2, maximize=True)),
]


def _ids(case):
    return case[0] + "-" + ",".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype):
    name, kwargs = case
    w = init_weights(3, dtype)
    ours, oo, _ = trajectory("ember", name, kwargs, 10, w)
    theirs, to, _ = trajectory("torch", name, kwargs, 10, w)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            assert np.isfinite(y).all()
            if dtype == np.float32:
                np.testing.assert_array_equal(x, y, err_msg=f"step {step}")
            else:  # float64 fused multiply-adds are not reproduced (an ulp apart)
                np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-15, err_msg=f"step {step}")
    sa, sb = oo.state_dict(), to.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for k, st in sb["state"].items():
        assert list(sa["state"][k]) == list(st)
        for key, v in st.items():
            assert sa["state"][k][key].dtype.name == str(v.dtype).replace("torch.", "")
            np.testing.assert_allclose(sa["state"][k][key].numpy(), v.numpy(), rtol=1e-13,
                                       atol=1e-15)
    assert repr(oo) == repr(to)


def test_param_groups_and_defaults():
    for name in ("Rprop", "ASGD"):
        e, t = [getattr(m.optim, name)([m.zeros(2, requires_grad=True)])
                for m in (ember, torch)]
        assert e.defaults == t.defaults
    groups = [dict(lr=0.3), dict(lr=0.01, etas=(0.4, 1.1))]
    a, _, _ = trajectory("ember", "Rprop", {}, 6, init_weights(), groups)
    b, _, _ = trajectory("torch", "Rprop", {}, 6, init_weights(), groups)
    for x, y in zip(a[-1], b[-1]):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_resume_from_state_dict(name):
    w = init_weights(5)
    full, _, _ = trajectory("ember", name, dict(lr=0.05, **({"t0": 2} if name == "ASGD" else
                                                             {})), 8, w)
    kwargs = dict(lr=0.05, **({"t0": 2} if name == "ASGD" else {}))
    _, opt, params = trajectory("ember", name, kwargs, 4, w)
    sd = pickle.loads(pickle.dumps(opt.state_dict()))
    params2 = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt2 = getattr(ember.optim, name)(params2, **kwargs)
    opt2.load_state_dict(sd)
    from _parity import set_grads
    for i in range(4):
        set_grads(params2)
        opt2.step()
        for x, y in zip(params2, full[4 + i]):
            np.testing.assert_array_equal(x.detach().numpy(), y)


def test_closure_and_no_grad_params():
    p = ember.tensor([1.0, -2.0], requires_grad=True)
    q = ember.tensor([3.0], requires_grad=True)
    for opt in (ember.optim.Rprop([p, q]), ember.optim.ASGD([p, q])):
        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss
        loss = opt.step(closure)
        assert float(loss) > 0 and len(opt.state[q]) == 0
    assert q.tolist() == [3.0]


def test_errors_like_torch():
    cases = [("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 2.0))),
             ("Rprop", dict(etas=(0.5, 0.9))), ("ASGD", dict(lr=-0.1)),
             ("ASGD", dict(weight_decay=-1.0))]
    for name, kw in cases:
        with pytest.raises(ValueError) as te:
            getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kw)
        with pytest.raises(ValueError) as ee:
            getattr(ember.optim, name)([ember.zeros(1, requires_grad=True)], **kw)
        assert str(ee.value) == str(te.value)


# ---- CyclicLR ----
def _opt(mod, name="SGD"):
    ps = [mod.ones(2, requires_grad=True), mod.ones(3, requires_grad=True)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    kw = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    return getattr(mod.optim, name)(groups, **kw)


class ScaleObj:
    def __init__(self):
        self.factor = 0.7

    def __call__(self, x):
        return self.factor ** x


CYCLIC = {
    "triangular": dict(base_lr=0.01, max_lr=0.1, step_size_up=4),
    "triangular-down": dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
                            step_size_down=5),
    "triangular2": dict(base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3,
                        mode="triangular2", base_momentum=[0.7, 0.75],
                        max_momentum=[0.95, 0.9]),
    "exp_range": dict(base_lr=0.01, max_lr=0.2, step_size_up=3, mode="exp_range",
                      gamma=0.9),
    "scale_fn-cycle": dict(base_lr=0.01, max_lr=0.2, step_size_up=3,
                           scale_fn=lambda x: 0.5 ** x),
    "scale_fn-iterations": dict(base_lr=0.01, max_lr=0.2, step_size_up=3,
                                scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
    "no-momentum": dict(base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False),
}


def _cyclic_sequence(mod, key, steps=25, optim="SGD"):
    opt = _opt(mod, optim)
    sched = mod.optim.lr_scheduler.CyclicLR(opt, **CYCLIC[key])
    lrs, moms = [sched.get_last_lr()], []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return lrs, moms, sched, opt


@pytest.mark.parametrize("optim", ["SGD", "Adam"])
@pytest.mark.parametrize("key", list(CYCLIC))
def test_cyclic_lr_sequence_matches_torch(key, optim):
    if optim == "Adam" and key == "no-momentum":
        return
    ours, om, _, oo = _cyclic_sequence(ember, key, optim=optim)
    theirs, tm, _, to = _cyclic_sequence(torch, key, optim=optim)
    assert ours == theirs
    assert om == tm
    for a, b in zip(oo.param_groups, to.param_groups):
        assert {k: v for k, v in a.items() if k != "params"} == \
            {k: v for k, v in b.items() if k != "params"}


@pytest.mark.parametrize("key", ["triangular2", "exp_range", "scale_fn-cycle"])
def test_cyclic_state_dict_matches_torch_and_resumes(key):
    _, _, ours, _ = _cyclic_sequence(ember, key, 7)
    _, _, theirs, _ = _cyclic_sequence(torch, key, 7)
    a, b = ours.state_dict(), theirs.state_dict()
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k] == b[k], k
    full, _, _, _ = _cyclic_sequence(ember, key, 20)
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.CyclicLR(opt, **CYCLIC[key])
    for _ in range(8):
        opt.step()
        sched.step()
    opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _opt(ember)
    sched2 = ember.optim.lr_scheduler.CyclicLR(opt2, **CYCLIC[key])
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    rest = []
    for _ in range(12):
        opt2.step()
        sched2.step()
        rest.append(sched2.get_last_lr())
    assert rest == full[1 + 2 * 8::2]


def test_cyclic_callable_object_state_is_saved():
    fn = ScaleObj()
    sched = ember.optim.lr_scheduler.CyclicLR(_opt(ember), 0.01, 0.1, scale_fn=fn)
    sd = sched.state_dict()
    assert sd["_scale_fn_custom"] == {"factor": 0.7} and "_scale_fn_ref" not in sd
    fn2 = ScaleObj()
    fn2.factor = 0.1
    sched2 = ember.optim.lr_scheduler.CyclicLR(_opt(ember), 0.01, 0.1, scale_fn=fn2)
    sched2.load_state_dict(sd)
    assert fn2.factor == 0.7
    lam = ember.optim.lr_scheduler.CyclicLR(_opt(ember), 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert lam.state_dict()["_scale_fn_custom"] is None


def test_cyclic_errors_like_torch():
    def both(fn):
        with pytest.raises(Exception) as te:
            fn(torch)
        with pytest.raises(type(te.value)) as ee:
            fn(ember)
        assert str(ee.value) == str(te.value)
    both(lambda m: m.optim.lr_scheduler.CyclicLR(_opt(m), 0.01, 0.1, mode="bad"))
    both(lambda m: m.optim.lr_scheduler.CyclicLR(_opt(m), [0.01], 0.1))
    both(lambda m: m.optim.lr_scheduler.CyclicLR(_opt(m), 0.01, 0.1,
                                                 base_momentum=[0.1, 0.2, 0.3]))
    both(lambda m: m.optim.lr_scheduler.CyclicLR(
        m.optim.Adagrad([m.zeros(1, requires_grad=True)]), 0.01, 0.1))
    both(lambda m: m.optim.lr_scheduler.CyclicLR(None, 0.01, 0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.optim.lr_scheduler.CyclicLR(
            ember.optim.Adagrad([ember.zeros(1, requires_grad=True)]), 0.01, 0.1,
            cycle_momentum=False)
