"""Leaves and their gradient accumulators: one accumulator per leaf for the leaf's life, no
reference cycle, the graph keeping its leaves alive (as in PyTorch), copies and pickles that
start without the original's autograd state, and the lazily checked saved-input versions."""
from __future__ import annotations

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import ember


@pytest.fixture
def no_gc():
    """Cyclic garbage collection off: what dies here dies by reference counting alone."""
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_one_accumulator_per_leaf_across_steps():
    w = ember.randn(3, requires_grad=True)
    first = (w * 2).grad_fn.next_functions[0][0]
    second = (w.exp()).grad_fn.next_functions[0][0]
    assert first is second
    assert first.name() == "torch::autograd::AccumulateGrad"
    assert first.variable is w


def test_leaf_dies_by_refcount_once_its_graph_is_gone(no_gc):
    x = ember.randn(4, requires_grad=True)
    ref = weakref.ref(x)
    (x * 3).sum().backward()
    del x
    assert ref() is None


def test_graph_keeps_a_dropped_leaf_alive_and_its_hooks_run(no_gc):
    x = ember.ones(3, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    y = (x + 1).sum()  # AddBackward saves nothing: only the graph refers to x
    ref = weakref.ref(x)
    del x
    assert ref() is not None
    assert y.grad_fn.next_functions[0][0].next_functions[0][0].variable is ref()
    y.backward()
    assert len(seen) == 1 and np.array_equal(seen[0].numpy(), np.ones(3, np.float32))
    np.testing.assert_array_equal(ref().grad.numpy(), np.ones(3, np.float32))
    del y
    assert ref() is None


def test_deepcopy_of_a_leaf_in_a_live_graph_gets_its_own_gradients():
    p = ember.nn.Parameter(ember.ones(2))
    live = (p * 2).sum()  # keeps p's accumulator in use
    q = copy.deepcopy(p)
    (q * 3).sum().backward()
    assert p.grad is None
    np.testing.assert_array_equal(q.grad.numpy(), [3.0, 3.0])
    live.backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(q.grad.numpy(), [3.0, 3.0])


def test_deepcopy_of_a_tensor_subclass_drops_hooks_and_accumulator():
    class Tagged(ember.Tensor):
        pass

    t = ember.ones(2).as_subclass(Tagged).requires_grad_()
    t.tag = "kept"
    calls = []
    t.register_hook(lambda g: calls.append(1))
    (t * 2).sum()
    c = copy.deepcopy(t)
    assert type(c) is Tagged and c.tag == "kept"
    (c * 5).sum().backward()
    assert calls == []  # the hook belongs to the original only
    np.testing.assert_array_equal(c.grad.numpy(), [5.0, 5.0])
    assert t.grad is None


def test_pickling_a_leaf_used_in_a_live_graph():
    x = ember.arange(3.0).requires_grad_()
    y = x * 2  # x now has an accumulator
    x2 = pickle.loads(pickle.dumps(x))
    assert x2.requires_grad and x2.is_leaf
    np.testing.assert_array_equal(x2.detach().numpy(), [0.0, 1.0, 2.0])
    (x2 * 4).sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), [4.0, 4.0, 4.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_second_backward_through_nodes_that_saved_nothing():
    # PyTorch: only freed saved tensors make a second backward fail
    x = ember.ones(3, requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_saved_input_versions_checked_only_where_backward_reads_them():
    w = ember.ones(3, requires_grad=True)
    c = ember.full((3,), 2.0)
    y = w * c  # backward reads c (for w's gradient), not w
    c.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()
    d = ember.full((3,), 2.0)
    y = d * w
    y2 = ember.full((3,), 5.0)
    z = y2 * ember.ones(3, requires_grad=True)  # reads y2 only
    with ember.no_grad():
        w.mul_(7)  # w is not read for either gradient of d * w (d needs no grad)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])
    y2.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_as_subclass_shares_data_and_history():
    class Tagged(ember.Tensor):
        pass

    x = ember.ones(2, requires_grad=True)
    y = x.as_subclass(Tagged)
    assert type(y) is Tagged and not y.is_leaf and y.grad_fn.name() == "AliasBackward0"
    assert repr(y) == "Tagged([1., 1.], grad_fn=<AliasBackward0>)"
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    plain = ember.zeros(3)
    view = plain.as_subclass(Tagged)
    view.add_(1)  # shares memory and version counter
    np.testing.assert_array_equal(plain.numpy(), [1.0, 1.0, 1.0])
    assert plain._version == view._version == 1
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        plain.as_subclass(int)


def test_an_accumulator_outliving_its_leaf(no_gc):
    from ember.autograd.graph import to_dot
    from ember.autograd.node import grad_accumulator
    x = ember.ones(2, requires_grad=True)
    acc = grad_accumulator(x)
    del x
    assert acc.variable is None
    assert "leaf freed" in to_dot(acc)
    acc.apply_grad(np.ones(2, np.float32), False)  # nothing to fill: a no-op, no error
