"""Optimizer base behaviour: state dicts, resuming, repr, hooks, zero_grad and errors."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import ember
from _parity import init_weights, make, set_grads, split_groups, torch

OPTIMS = [("SGD", dict(lr=0.1, momentum=0.9)), ("SGD", dict(lr=0.1)),
          ("Adam", dict(amsgrad=True)), ("AdamW", {}),
          ("RMSprop", dict(centered=True, momentum=0.5)), ("RMSprop", {}), ("Adagrad", {}),
          ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {})]
IDS = [f"{n}-{'-'.join(k)}" for n, k in OPTIMS]


def _run(lib, name, kwargs, steps, groups=None):
    mod = ember if lib == "ember" else torch
    params = make(lib, init_weights())
    opt = getattr(mod.optim, name)(split_groups(params, groups), **kwargs)
    for _ in range(steps):
        set_grads(params)
        opt.step()
    return opt, params


def _structure(sd):
    state = {k: {sk: (tuple(v.shape), str(v.dtype).split(".")[-1]) if hasattr(v, "shape")
                 else type(v).__name__ for sk, v in s.items()}
             for k, s in sd["state"].items()}
    groups = [{k: v for k, v in g.items()} for g in sd["param_groups"]]
    return state, groups


@pytest.mark.parametrize("name,kwargs", OPTIMS, ids=IDS)
def test_state_dict_structure_matches_torch(name, kwargs):
    groups = [dict(lr=0.01), dict()]
    ours, _ = _run("ember", name, kwargs, 2, groups)
    theirs, _ = _run("torch", name, kwargs, 2, groups)
    s1, g1 = _structure(ours.state_dict())
    s2, g2 = _structure(theirs.state_dict())
    assert s1 == s2
    assert g1 == g2
    assert list(ours.state_dict()) == ["state", "param_groups"]
    for k, s in ours.state_dict()["state"].items():
        assert list(s) == list(theirs.state_dict()["state"][k])
        for key, v in s.items():
            np.testing.assert_allclose(v.numpy(), theirs.state_dict()["state"][k][key].numpy(),
                                       rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name,kwargs", OPTIMS, ids=IDS)
def test_resume_from_state_dict_is_bitwise(name, kwargs):
    full, params = _run("ember", name, kwargs, 6)
    half, hparams = _run("ember", name, kwargs, 3)
    saved = copy.deepcopy(half.state_dict())
    weights = [p.detach().numpy().copy() for p in hparams]
    fresh_params = [ember.tensor(w, requires_grad=True) for w in weights]
    fresh = getattr(ember.optim, name)(fresh_params, lr=123.0)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == half.param_groups[0]["lr"]
    assert fresh.param_groups[0]["params"][0] is fresh_params[0]
    for _ in range(3):
        set_grads(fresh_params)
        fresh.step()
    for a, b in zip(params, fresh_params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_ids_and_step_tensor():
    opt, params = _run("ember", "Adam", {}, 2, [dict(lr=0.1), dict()])
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 1, 2]
    step = sd["state"][0]["step"]
    assert isinstance(step, ember.Tensor) and step.dtype == ember.float32 and step.dim() == 0
    assert step.item() == 2.0
    assert sd["state"][0]["exp_avg"] is opt.state[params[0]]["exp_avg"]


def test_load_state_dict_errors():
    opt, _ = _run("ember", "SGD", dict(lr=0.1), 1)
    other = ember.optim.SGD([ember.ones(2, requires_grad=True)], lr=0.1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(sd)
    two = ember.optim.SGD([{"params": [ember.ones(1, requires_grad=True)]},
                           {"params": [ember.ones(1, requires_grad=True)]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two.load_state_dict(sd)


@pytest.mark.parametrize("name,kwargs", OPTIMS + [("LBFGS", {})], ids=IDS + ["LBFGS"])
def test_repr_matches_torch(name, kwargs):
    groups = [dict(lr=0.5), dict()]
    ours = getattr(ember.optim, name)(split_groups(make("ember", init_weights()), groups
                                                   if name != "LBFGS" else None), **kwargs)
    theirs = getattr(torch.optim, name)(split_groups(make("torch", init_weights()), groups
                                                     if name != "LBFGS" else None), **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.defaults == theirs.defaults


def test_repr_sgd_literal():
    opt = ember.optim.SGD([ember.ones(1, requires_grad=True)], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0\n    "
                                "differentiable: False\n")
    assert repr(opt).endswith("    weight_decay: 0\n)")


@pytest.mark.parametrize("make_opt,exc,msg", [
    (lambda p: ember.optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    (lambda p: ember.optim.SGD(p, lr=0.1), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts, "
     "but got torch.FloatTensor"),
    (lambda p: ember.optim.SGD([p], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda p: ember.optim.SGD([p], lr=0.1, momentum=-1), ValueError,
     "Invalid momentum value: -1"),
    (lambda p: ember.optim.SGD([p], lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: ember.optim.Adam([p], betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda p: ember.optim.Adam([p], eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    (lambda p: ember.optim.AdamW([p], weight_decay=-1.0), ValueError,
     "Invalid weight_decay value: -1.0"),
    (lambda p: ember.optim.RMSprop([p], alpha=-0.5), ValueError, "Invalid alpha value: -0.5"),
    (lambda p: ember.optim.Adagrad([p], lr_decay=-0.5), ValueError,
     "Invalid lr_decay value: -0.5"),
    (lambda p: ember.optim.Adadelta([p], rho=1.5), ValueError, "Invalid rho value: 1.5"),
    (lambda p: ember.optim.NAdam([p], momentum_decay=-1.0), ValueError,
     "Invalid momentum_decay value: -1.0"),
    (lambda p: ember.optim.SGD([p, 3], lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is int"),
    (lambda p: ember.optim.SGD([p * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: ember.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda p: ember.optim.SGD([{"params": {p}}], lr=0.1), TypeError,
     "optimizer parameters need to be organized in ordered collections"),
    (lambda p: ember.optim.LBFGS([{"params": [p]}, {"params": [p * 1]}]), ValueError,
     "can't optimize a non-leaf Tensor"),
])
def test_errors_match_torch(make_opt, exc, msg):
    for mod in (ember, torch):
        p = mod.ones(2, requires_grad=True)
        with pytest.raises(exc) as info:
            make_opt(p) if mod is ember else _torch_version(make_opt, p)
        assert msg in str(info.value)


def _torch_version(make_opt, p):
    """Run the same lambda against torch by swapping the module it closes over."""
    g = dict(make_opt.__globals__, ember=torch)
    fn = type(make_opt)(make_opt.__code__, g, None, None, make_opt.__closure__)
    return fn(p)


def test_duplicate_parameters_warn():
    p = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ember.optim.SGD([p, p], lr=0.1)


def test_zero_grad():
    p = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    p.grad = ember.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_closure_loss_and_grad_mode():
    p = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.25)
    modes = []

    def closure():
        opt.zero_grad()
        modes.append(ember.is_grad_enabled())
        loss = (p ** 2).sum()
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0 and modes == [True]
    assert p.tolist() == [0.5, -1.0]
    assert opt.step() is None


def test_step_hooks():
    p = ember.ones(1, requires_grad=True)
    opt = ember.optim.Adam([p])
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", o is opt)))
    p.grad = ember.ones(1)
    opt.step()
    assert calls == [("pre", True), ("post", True)]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2


def test_state_dict_hooks():
    p = ember.ones(1, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    seen = []
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o))
    opt.load_state_dict(opt.state_dict())
    assert seen == [opt]


def test_add_param_group_uses_defaults():
    a, b = ember.ones(1, requires_grad=True), ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"] == [b]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_subclass_calling_super_step_runs_hooks_once():
    class MySGD(ember.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)
    p = ember.ones(1, requires_grad=True)
    opt = MySGD([p], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda *a: calls.append(1))
    p.grad = ember.ones(1)
    opt.step()
    assert calls == [1] and p.tolist() == pytest.approx([0.9])
