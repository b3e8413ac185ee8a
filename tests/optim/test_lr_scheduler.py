"""Every scheduler's learning-rate sequence equals PyTorch's."""
from __future__ import annotations

import copy
import math

import pytest

import ember
from _parity import torch

S = "lr_scheduler"


def _opt(mod, name="SGD", **kwargs):
    ps = [mod.ones(2, requires_grad=True), mod.ones(3, requires_grad=True)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    kwargs = kwargs or ({"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1})
    return getattr(mod.optim, name)(groups, **kwargs)


def _mult(epoch):
    return 0.95


SCHEDULERS = {
    "StepLR": lambda m, o: m.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda m, o: m.optim.lr_scheduler.MultiStepLR(o, [3, 7, 7, 20], gamma=0.3),
    "ExponentialLR": lambda m, o: m.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7,
                                                                            eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01),
    "OneCycleLR": lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0, 0.5],
                                                               total_steps=31),
    "OneCycleLR-linear-3phase": lambda m, o: m.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.8, epochs=3, steps_per_epoch=11, anneal_strategy="linear",
        three_phase=True, pct_start=0.25),
    "LambdaLR": lambda m, o: m.optim.lr_scheduler.LambdaLR(
        o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda m, o: m.optim.lr_scheduler.MultiplicativeLR(o, _mult),
    "LinearLR": lambda m, o: m.optim.lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=9),
    "ConstantLR": lambda m, o: m.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=6),
    "PolynomialLR": lambda m, o: m.optim.lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0),
    "SequentialLR": lambda m, o: m.optim.lr_scheduler.SequentialLR(
        o, [m.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
            m.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
            m.optim.lr_scheduler.ExponentialLR(o, gamma=0.8)], milestones=[5, 15]),
    "ChainedScheduler": lambda m, o: m.optim.lr_scheduler.ChainedScheduler(
        [m.optim.lr_scheduler.ConstantLR(o, factor=0.3, total_iters=4),
         m.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)]),
}


def _sequence(mod, key, steps=30, optim="SGD"):
    opt = _opt(mod, optim)
    sched = SCHEDULERS[key](mod, opt)
    lrs, moms = [sched.get_last_lr()], []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return lrs, moms, sched


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_lr_sequence_matches_torch(key):
    ours, om, _ = _sequence(ember, key)
    theirs, tm, _ = _sequence(torch, key)
    assert ours == theirs
    assert om == tm


@pytest.mark.parametrize("key", ["OneCycleLR", "CosineAnnealingLR", "StepLR"])
def test_with_adam_betas(key):
    ours, om, _ = _sequence(ember, key, 25, "Adam")
    theirs, tm, _ = _sequence(torch, key, 25, "Adam")
    assert ours == theirs and om == tm


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_state_dict_matches_torch(key):
    _, _, ours = _sequence(ember, key, 7)
    _, _, theirs = _sequence(torch, key, 7)
    a, b = ours.state_dict(), theirs.state_dict()
    assert sorted(a) == sorted(b)
    for k in a:
        if k not in ("_schedulers", "lr_lambdas"):
            assert a[k] == b[k], k


@pytest.mark.parametrize("key", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "SequentialLR",
                                 "CosineAnnealingWarmRestarts", "ChainedScheduler"])
def test_resume_from_state_dict(key):
    full, _, _ = _sequence(ember, key, 20)
    opt = _opt(ember)
    sched = SCHEDULERS[key](ember, opt)
    for _ in range(8):
        opt.step()
        sched.step()
    opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _opt(ember)
    sched2 = SCHEDULERS[key](ember, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    rest = []
    for _ in range(12):
        opt2.step()
        sched2.step()
        rest.append(sched2.get_last_lr())
    assert rest == full[1 + 2 * 8::2]


def test_initial_lr_and_base_lrs():
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        ember.optim.lr_scheduler.StepLR(_opt(ember), 2, last_epoch=3)


def test_warnings_like_torch():
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(4)
    assert sched.get_last_lr() == [0.1 * 0.5 ** 4, 0.05 * 0.5 ** 4]


def test_scheduler_errors():
    opt = _opt(ember)
    L = ember.optim.lr_scheduler
    cases = [
        (lambda: L.StepLR(object(), 2), TypeError, "object is not an Optimizer"),
        (lambda: L.LinearLR(opt, start_factor=0), ValueError,
         "Starting multiplicative factor expected to be greater than 0"),
        (lambda: L.ConstantLR(opt, factor=2), ValueError,
         "Constant multiplicative factor expected to be between 0 and 1."),
        (lambda: L.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError,
         "Expected positive integer T_0, but got 0"),
        (lambda: L.OneCycleLR(opt, max_lr=1.0), ValueError,
         "You must define either total_steps OR (epochs AND steps_per_epoch)"),
        (lambda: L.ReduceLROnPlateau(opt, factor=1.5), ValueError, "Factor should be < 1.0."),
        (lambda: L.ReduceLROnPlateau(opt, mode="avg"), ValueError, "mode avg is unknown!"),
        (lambda: L.LambdaLR(opt, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda: L.SequentialLR(opt, [L.StepLR(opt, 2)], milestones=[3]), ValueError,
         "Sequential Schedulers expects number of schedulers provided to be one more"),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc) as info:
            fn()
        assert msg in str(info.value)


def test_one_cycle_too_many_steps():
    for mod in (ember, torch):
        opt = _opt(mod)
        sched = mod.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                             "total steps is 3"):
            opt.step()
            sched.step()


METRICS = [1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.49999,
           0.6, 0.7, 0.8, 0.9, 1.0, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("kwargs", [
    dict(), dict(patience=1), dict(patience=2, cooldown=2, factor=0.5),
    dict(mode="max", patience=1, threshold=0.05), dict(threshold_mode="abs", threshold=0.02,
                                                       patience=0),
    dict(mode="max", threshold_mode="abs", patience=1, min_lr=[0.01, 0.02]),
    dict(patience=0, factor=0.5, min_lr=0.009, eps=1e-3)])
def test_reduce_lr_on_plateau(kwargs):
    seqs = []
    for mod in (ember, torch):
        opt = _opt(mod)
        sched = mod.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in METRICS:
            opt.step()
            sched.step(m)
            seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter,
                        sched.best))
        seqs.append((seq, sorted(sched.state_dict())))
    assert seqs[0] == seqs[1]
    assert any(lr != [0.1, 0.05] for lr, *_ in seqs[0][0]) or kwargs.get("mode") == "max"


def test_reduce_lr_on_plateau_metric_tensor_and_state():
    opt = _opt(ember)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ember.tensor(1.0))
    sched.step(ember.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])
    sd = sched.state_dict()
    other = ember.optim.lr_scheduler.ReduceLROnPlateau(_opt(ember), mode="max")
    other.load_state_dict(sd)
    assert other.mode == "min" and other.best == 1.0 and other.mode_worse == math.inf
