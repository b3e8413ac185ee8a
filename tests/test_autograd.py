"""Autograd: backward, grad, higher order, hooks, grad modes, errors, Function, anomaly."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import Variable


def test_seed_examples():
    x = Variable(ember.ones(2, 2), requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    assert z.grad_fn.name() == "MulBackward0" and out.grad_fn.name() == "MeanBackward0"
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    x = ember.Tensor([1.0, 2.0]).requires_grad_()
    y = (x * ember.Tensor([[1.0, 1.0], [1.0, 1.0]])).sum(1)
    y.backward(ember.Tensor([2, 3]))
    assert x.grad.tolist() == [5.0, 5.0]


def test_next_functions_walk():
    a = ember.ones(2, requires_grad=True)
    loss = ((a * 2).relu().sum() - 1)
    names = []
    node = loss.grad_fn
    while node is not None:
        names.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    assert names == ["SubBackward0", "SumBackward0", "ReluBackward0", "MulBackward0",
                     "torch::autograd::AccumulateGrad"]
    assert loss.grad_fn.next_functions[0][0].next_functions[0][0].name() == "ReluBackward0"
    acc = names and loss.grad_fn
    assert "object at" in repr(acc)


def test_accumulation_and_zeroing():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
    assert w.grad.tolist() == [6.0, 12.0]
    w.grad = None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_higher_order():
    x = ember.tensor([0.5, -1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = (x.sin() * x ** 3).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    (h,) = ember.autograd.grad(g.sum(), x, retain_graph=True)
    xs = x.detach().numpy()
    expect = (-np.sin(xs) * xs ** 3 + 6 * np.cos(xs) * xs ** 2 + 6 * np.sin(xs) * xs)
    np.testing.assert_allclose(h.numpy(), expect)
    # Hessian-vector product and a gradient penalty both go through create_graph
    v = ember.ones(3, dtype=ember.float64)
    (hv,) = ember.autograd.grad(g, x, v)
    np.testing.assert_allclose(hv.numpy(), expect)
    w = ember.randn(3, 3, dtype=ember.float64, requires_grad=True)
    inp = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    out = (inp @ w).tanh().sum()
    (gi,) = ember.autograd.grad(out, inp, create_graph=True)
    penalty = (gi.norm(dim=1) - 1).pow(2).mean()
    penalty.backward()
    assert w.grad is not None and w.grad.abs().sum().item() > 0
    # third order
    t = ember.tensor(2.0, requires_grad=True)
    (d1,) = ember.autograd.grad(t ** 4, t, create_graph=True)
    (d2,) = ember.autograd.grad(d1, t, create_graph=True)
    (d3,) = ember.autograd.grad(d2, t)
    assert d3.item() == 48.0


def test_grad_options():
    x = ember.ones(2, requires_grad=True)
    z = ember.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ember.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = ember.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0, 2.0] and gz is None
    _, gz = ember.autograd.grad(y, [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0, 0.0]
    assert x.grad is None  # grad() does not accumulate


def test_backward_inputs_and_retain_graph():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    c = (a * b * 3).sum()
    c.backward(inputs=[a], retain_graph=True)
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None
    c.backward()
    assert a.grad.tolist() == [6.0, 6.0] and b.grad.tolist() == [3.0, 3.0]


def test_errors():
    x = ember.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    a = ember.ones(3, requires_grad=True)
    b = a.exp()
    c = b * 2
    b.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: "
                                           r"\[torch.FloatTensor \[3\]\], which is output 0 of "
                                           r"Exp, is at version 1; expected version 0"):
        c.sum().backward()


def test_inplace_on_non_leaf_and_views():
    a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = a * 1
    h.mul_(2)        # mul by a constant needs no saved self: no error
    h.add_(a)
    h.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0, 3.0]
    b = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    m = b.clone()
    m[0] = m[0] * 10      # setitem on a non-leaf
    m[:, 1] *= 2          # in-place on a view of a non-leaf
    m.sum().backward()
    assert b.grad.tolist() == [[10.0, 20.0], [1.0, 2.0]]
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        b[0].add_(1)
    with ember.no_grad():
        b[0].add_(1)
    assert b.tolist()[0] == [2.0, 3.0]


def test_grad_modes():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()
    with ember.inference_mode():
        assert not (x + 1).requires_grad

    @ember.no_grad()
    def f(t):
        return t * 3
    assert not f(x).requires_grad
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)


def test_detach_data_and_hooks():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.data_ptr() == y.data_ptr()
    assert not x.data.requires_grad
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    h = x.register_hook(lambda g: g * 10)
    y.retain_grad()
    (y * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and y.grad.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [60.0, 60.0]
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


class Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return grad * 3 * x ** 2 * ctx.k, None


def test_custom_function():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]
    assert ember.autograd.gradcheck(lambda t: Cube.apply(t, 0.5), (x,))
    (g,) = ember.autograd.grad(Cube.apply(x, 1.0).sum(), x, create_graph=True)
    g.sum().backward()
    assert x.grad.tolist() == [6.0 + 6.0, 24.0 + 12.0]


def test_gradcheck_detects_wrong_gradient():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    assert not ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradcheck(Wrong.apply, (x,))


def test_detect_anomaly_names_node():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = x.sqrt()
        z = (y * 0.0).sum()
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values "
                                               "in its 0th output") as info:
            z.backward()
    assert "test_autograd.py" in str(info.value)  # the forward's location is named
    (x.sqrt() * 0.0).sum().backward()  # without anomaly mode NaNs pass silently
    assert np.isnan(x.grad.numpy()[0])


def test_unbroadcast_and_dtype_of_grads():
    a = ember.ones(3, 1, requires_grad=True)
    b = ember.ones(4, dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.dtype is ember.float32
    assert a.grad.tolist() == [[4.0]] * 3 and b.grad.tolist() == [3.0] * 4


def _views_program(t):
    w = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    a = w * 2
    v = a[:, 1:]
    v.mul_(a[:, :2].detach() + 1)
    b = a.t()
    b[0].add_(w[:, 0])
    c = a.sin().sum() + (v ** 2).sum()
    c.backward()
    x = t.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x.clone()
    y[1:3] = y[1:3] * y[0].item()
    y.view(2, 2)[1].exp_()
    y.sum().backward()
    return [c.item(), w.grad.tolist(), x.grad.tolist()]


def test_inplace_through_views_matches_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = _views_program(ember), _views_program(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-6)
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-6)


def test_broadcast_error_message():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        ember.ones(2, 3) + ember.ones(4)


def _grads_of_small_net(seed):
    g = ember.Generator().manual_seed(seed)
    x = ember.randn(5, 4, generator=g, dtype=ember.float64)
    w1 = ember.randn(4, 6, generator=g, dtype=ember.float64, requires_grad=True)
    w2 = ember.randn(6, 3, generator=g, dtype=ember.float64, requires_grad=True)
    b = ember.randn(3, generator=g, dtype=ember.float64, requires_grad=True)
    h = (x @ w1).tanh().relu().view(5, 2, 3).permute(1, 0, 2).reshape(10, 3)
    out = (h.sigmoid().exp() @ w2.t()[:, :3] - b / 2).mean(0).sum() + (w1 * w1).sum()
    out.backward()
    return [t.grad.numpy().copy() for t in (w1, w2, b)]


def test_array_fast_path_matches_tensor_path():
    from ember.autograd import engine
    fast = _grads_of_small_net(0)
    engine.ARRAY_PATH[0] = False
    try:
        slow = _grads_of_small_net(0)
    finally:
        engine.ARRAY_PATH[0] = True
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cast", ["int", "long", "bool", "byte"])
def test_integer_casts_leave_the_graph(cast):
    x = ember.randn(3, requires_grad=True)
    y = getattr(x, cast)()
    assert not y.requires_grad and y.grad_fn is None
    assert x.float().requires_grad and x.double().grad_fn.name() == "ToCopyBackward0"


def test_zero_dim_results_hold_arrays_for_in_place_updates():
    x = ember.tensor([1.0, 2.0])
    for t in (x.sum(), x.norm(), x.max(), x.mean(), x[0] * x[1]):
        assert isinstance(t._data, np.ndarray) and t._data.shape == ()
    s = x.sum()
    v = s.view(1)
    s.add_(1)  # a view of a 0-dim result sees the in-place change
    assert v.tolist() == [4.0]
    # a Parameter made from a reduction trains like any other (SGD with momentum)
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]).sum())
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
    np.testing.assert_allclose(p.item(), 0.186, rtol=1e-5)  # PyTorch's value
