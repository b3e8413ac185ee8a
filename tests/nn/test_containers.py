"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (torch parity)."""
from collections import OrderedDict

import pytest

import ember
from tests.helpers import requires_torch, torch

pytestmark = requires_torch()


def _both(build):
    return build(ember), build(torch)


def test_sequential_indexing_and_repr():
    def build(lib):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Tanh(), nn.Sigmoid()))
        out = [repr(s), repr(s[1:]), repr(s[-1]), len(s), repr(s[::2])]
        s.append(nn.ReLU6())
        s.insert(0, nn.Identity())
        s.insert(-1, nn.GELU())
        out.append(repr(s))
        del s[1]
        out.append(repr(s))
        del s[0:2]
        s.extend([nn.SiLU()])
        out.append(repr(s))
        s[0] = nn.ELU()
        out += [repr(s), repr(s.pop(0)), repr(s + nn.Sequential(nn.Mish()))]
        out.append([type(m).__name__ for m in s])
        for fn in (lambda: s[10], lambda: s.insert(10, nn.ReLU())):
            with pytest.raises(IndexError) as info:
                fn()
            out.append(str(info.value))
        return out
    e, t = _both(build)
    assert e == t


def test_sequential_ordered_dict_and_forward():
    def build(lib):
        nn = lib.nn
        s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        with lib.no_grad():
            s.fc.weight.copy_(lib.tensor([[1.0, -1.0], [2.0, 0.5]]))
            s.fc.bias.fill_(0.25)
        return repr(s), list(s.state_dict()), s(lib.tensor([[1.0, 2.0]])).tolist()
    assert _both(build)[0] == _both(build)[1]


def test_module_list():
    def build(lib):
        nn = lib.nn
        lst = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        lst.append(nn.ReLU())
        lst.extend([nn.Linear(2, 2)])
        out = [repr(lst), len(lst), repr(lst[1:3]), repr(lst[-1])]
        lst.insert(1, nn.Tanh())
        del lst[0]
        out += [repr(lst), list(lst.state_dict()), repr(nn.ModuleList())]
        lst += nn.ModuleList([nn.Sigmoid()])
        out.append(repr(lst))
        with pytest.raises(IndexError) as info:
            lst[20]
        out.append(str(info.value))
        return out
    e, t = _both(build)
    assert e == t


def test_module_dict():
    def build(lib):
        nn = lib.nn
        d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
        d["c"] = nn.Tanh()
        d.update([("e", nn.Sigmoid())])
        out = [repr(d), list(d), list(d.keys()), "a" in d, len(d), list(d.state_dict())]
        out.append(repr(d.pop("b")))
        out.append([type(v).__name__ for v in d.values()])
        d.clear()
        out.append(len(d))
        return out
    e, t = _both(build)
    assert e == t


def test_parameter_list_and_dict():
    def build(lib):
        nn = lib.nn
        pl = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(3)])
        pl.append(lib.ones(2, dtype=lib.float64))
        out = [repr(pl), len(pl), [type(p).__name__ for p in pl], list(pl.state_dict()),
               pl[1].requires_grad, [tuple(p.shape) for p in pl.parameters()]]
        pd = nn.ParameterDict({"w": nn.Parameter(lib.ones(2)), "a": lib.zeros(1, 2)})
        pd["z"] = lib.ones(3)
        out += [repr(pd), list(pd), list(pd.state_dict()), "w" in pd,
                type(pd["a"]).__name__, len(pd)]
        pd.pop("w")
        out.append(list(pd.keys()))
        return out
    e, t = _both(build)
    assert e == t


def test_container_parameters_train():
    net = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 1))
    x = ember.randn(5, 3)
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert len(list(net.parameters())) == 4
