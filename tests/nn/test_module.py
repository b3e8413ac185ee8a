"""Module system: registration, traversal, state_dict, hooks, repr, moving/casting."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as enn
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()


def _nets(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_like = nn.Linear(4, 3)
            self.block = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
            self.register_buffer("running", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)
            self.scale = nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.block(self.conv_like(x)) * self.scale + self.running

    return Net()


def _copy_weights(src, dst):
    with torch.no_grad():
        for (k, p), (k2, q) in zip(src.state_dict().items(), dst.state_dict().items()):
            assert k == k2
            q.copy_(torch.from_numpy(p.numpy().copy()))


def test_repr_keys_shapes_match_torch():
    e, t = _nets(ember), _nets(torch)
    assert repr(e) == repr(t)
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert [tuple(v.shape) for v in es.values()] == [tuple(v.shape) for v in ts.values()]
    assert [k for k, _ in e.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in e.named_buffers()] == [k for k, _ in t.named_buffers()]
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]
    assert [k for k, _ in e.named_children()] == [k for k, _ in t.named_children()]
    assert len(list(e.parameters(recurse=False))) == 1
    assert [k for k, _ in e.named_parameters(prefix="m")][0] == "m.scale"


def test_forward_matches_torch_after_loading():
    e, t = _nets(ember), _nets(torch)
    _copy_weights(e, t)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ye, yt = e(ember.from_numpy(x)), t(torch.from_numpy(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    for (k, p), (_, q) in zip(e.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=k)


def test_load_state_dict_errors_match_torch():
    msgs = []
    for lib in (ember, torch):
        net = _nets(lib)
        sd = net.state_dict()
        del sd["conv_like.bias"]
        sd["extra.weight"] = lib.zeros(1)
        sd["block.0.weight"] = lib.zeros(2, 2)
        with pytest.raises(RuntimeError) as info:
            net.load_state_dict(sd)
        msgs.append(str(info.value))
        res = net.load_state_dict({"scale": lib.ones(1), "bogus": lib.ones(1)}, strict=False)
        msgs.append((res.missing_keys, res.unexpected_keys))
        msgs.append(repr(net.load_state_dict(net.state_dict())))
    assert msgs[:3] == msgs[3:]
    assert msgs[0].startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s)")


def test_load_state_dict_copies_in_place_and_assign():
    a, b = _nets(ember), _nets(ember)
    w = a.conv_like.weight
    a.load_state_dict(b.state_dict())
    assert a.conv_like.weight is w
    assert ember.equal(w, b.conv_like.weight)
    a.load_state_dict(b.state_dict(), assign=True)
    assert isinstance(a.conv_like.weight, enn.Parameter)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        a.load_state_dict([1, 2])


def test_state_dict_keep_vars_prefix_and_metadata():
    net = _nets(ember)
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict) and not sd["scale"].requires_grad
    assert net.state_dict(keep_vars=True)["scale"] is net.scale
    assert list(net.state_dict(prefix="p."))[:2] == ["p.scale", "p.running"]
    assert sd._metadata[""] == {"version": 1}
    assert "scratch" not in sd


def test_registration_errors_match_torch():
    for lib in (ember, torch):
        m = lib.nn.Module()
        m.register_parameter("w", None)
        errs = []
        for fn in (lambda: setattr(m, "w", lib.ones(2)),
                   lambda: m.register_parameter("a.b", None),
                   lambda: m.register_parameter("", None),
                   lambda: m.register_buffer("x", 3),
                   lambda: m.add_module("mod", 3),
                   lambda: m.register_parameter("t", lib.ones(1)),
                   lambda: m.register_parameter("g", lib.nn.Parameter(lib.ones(1)) * 2),
                   lambda: m.nothing):
            with pytest.raises(Exception) as info:
                fn()
            errs.append((type(info.value).__name__, str(info.value)))
        if lib is ember:
            ours = errs
    assert ours == errs


def test_attribute_reassignment_moves_between_kinds():
    m = enn.Module()
    m.x = enn.Parameter(ember.ones(1))
    m.x = None
    assert m.x is None and "x" in m._parameters
    m.register_buffer("b", ember.ones(1))
    m.b = ember.zeros(1)
    assert "b" in m._buffers
    m.child = enn.Linear(1, 1)
    del m.child
    assert "child" not in m._modules
    m.buf = enn.Buffer(ember.ones(2), persistent=False)
    assert "buf" in m._buffers and "buf" not in m.state_dict()
    assert "x" in dir(m) and "b" in dir(m)


def test_train_eval_apply_requires_grad_zero_grad():
    net = _nets(ember)
    assert net.eval() is net and not net.block[1].training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_(True)
    net(ember.randn(2, 4)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_double_keeps_parameter_identity():
    net = _nets(ember)
    w = net.conv_like.weight
    net(ember.randn(2, 4)).sum().backward()
    net.double()
    assert net.conv_like.weight is w and w.dtype == ember.float64
    assert w.grad.dtype == ember.float64 and net.running.dtype == ember.float64
    net.to(ember.float32)
    assert w.dtype == ember.float32
    net.half().float()
    net.to("cpu")
    net.cpu()
    assert net.share_memory() is net
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(ember.int64)
    idx = enn.Module()
    idx.register_buffer("i", ember.tensor([1, 2]))
    idx.double()
    assert idx.i.dtype == ember.int64


def test_hooks_order_and_handles():
    log = []
    for lib in (ember, torch):
        calls = []
        m = lib.nn.Linear(2, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre1"))
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
        m.register_forward_hook(lambda mod, args, out: calls.append("post1"))
        m.register_forward_hook(lambda mod, args, kw, out: calls.append(("kw", kw)),
                                with_kwargs=True)
        m(lib.ones(1, 2))
        h1.remove()
        m(lib.ones(1, 2))
        log.append(calls)
    assert log[0] == log[1]


def test_hooks_can_replace_args_and_output():
    m = enn.Linear(2, 2)
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    with m.register_forward_hook(lambda mod, args, out: out + 1):
        assert ember.equal(m(ember.ones(1, 2)), m.bias.detach().unsqueeze(0) + 1)
    assert ember.equal(m(ember.ones(1, 2)), m.bias.detach().unsqueeze(0))


def test_full_backward_hook_matches_torch():
    res = []
    for lib in (ember, torch):
        got = []
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.arange(6.0).reshape(2, 3))
        m.register_full_backward_hook(
            lambda mod, gi, go: got.append([g.tolist() if g is not None else None
                                            for g in gi + go]))
        m.register_full_backward_pre_hook(lambda mod, go: got.append("pre"))
        x = lib.ones(1, 3, requires_grad=True)
        m(x).sum().backward()
        res.append(got)
    assert res[0] == res[1]


def test_global_forward_hook():
    from ember.nn.modules.module import register_module_forward_hook
    seen = []
    h = register_module_forward_hook(lambda m, a, o: seen.append(type(m).__name__))
    enn.Sequential(enn.ReLU())(ember.ones(1))
    h.remove()
    enn.ReLU()(ember.ones(1))
    assert seen == ["ReLU", "Sequential"]


def test_submodule_and_parameter_lookup_errors():
    net = _nets(ember)
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_parameter("block.2.weight") is net.block[2].weight
    assert net.get_buffer("running") is net.running
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        net.get_submodule("block.9")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        net.get_parameter("running")
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'x'"):
        _ = net.x


def test_deepcopy_pickle_and_setstate():
    net = _nets(ember)
    twin = copy.deepcopy(net)
    assert twin.conv_like.weight is not net.conv_like.weight
    assert isinstance(twin.conv_like.weight, enn.Parameter)
    assert ember.equal(twin.conv_like.weight, net.conv_like.weight)
    x = ember.randn(2, 4)
    assert ember.allclose(twin(x), net(x))
    try:
        again = pickle.loads(pickle.dumps(enn.Linear(2, 2)))
    except (ImportError, ModuleNotFoundError, AttributeError):
        pytest.skip("tensor pickling (ember._storage) not available yet")
    assert isinstance(again.weight, enn.Parameter) and again.weight.requires_grad
    m = enn.Module.__new__(enn.Module)
    m.__setstate__({"training": True, "_parameters": {}, "_buffers": {}, "_modules": {}})
    assert m._forward_hooks == {} and repr(m) == "Module()"


def test_parameter_basics():
    p = enn.Parameter(ember.ones(2))
    t = torch.nn.Parameter(torch.ones(2))
    assert repr(p) == repr(t)
    assert type(p.data) is ember.Tensor and p.requires_grad and p.is_leaf
    assert not enn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    assert enn.Parameter().shape == (0,)
    assert isinstance(p, ember.Tensor)
    b = enn.Buffer(ember.ones(1))
    assert isinstance(b, enn.Buffer) and not isinstance(ember.ones(1), enn.Buffer)
    u = enn.UninitializedParameter()
    u.materialize((2, 3))
    assert type(u) is enn.Parameter and u.shape == (2, 3)


def test_forward_missing_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        enn.Module()(1)
