"""NaN handling matches PyTorch: ordering, medians, extremes' gradients, nan_to_num."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

NAN, INF = float("nan"), float("inf")
# rows mixing NaN, ties and infinities
ROWS = [[3., NAN, 1., NAN, 2., 1.], [NAN, 0., INF, 5., -INF, 5.], [4., -1., 0., 2., 7., 6.]]


def _same(e, t):
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def _grad_pair(fn, data, dtype="float32"):
    torch = pytest.importorskip("torch")
    e = ember.tensor(data, dtype=getattr(ember, dtype), requires_grad=True)
    t = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    for mod, x in ((ember, e), (torch, t)):
        out = fn(mod, x)
        out.sum().backward()
    return e, t


# ---- ordering: NaN is the largest value ----

@pytest.mark.parametrize("stable", [False, True])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_nan_order(descending, stable, dim):
    torch = pytest.importorskip("torch")
    v, i = ember.sort(ember.tensor(ROWS), dim=dim, descending=descending, stable=stable)
    tv, ti = torch.sort(torch.tensor(ROWS), dim=dim, descending=descending, stable=True)
    _same(v, tv)
    _same(i, ti)
    _same(ember.argsort(ember.tensor(ROWS), dim, descending), torch.argsort(
        torch.tensor(ROWS), dim=dim, descending=descending, stable=True))


def test_sort_descending_integers_and_bool():
    torch = pytest.importorskip("torch")
    for data, dt in (([3, 0, 255, 3, 7], "uint8"), ([True, False, True], "bool"),
                     ([-5, 2, -5, 9], "int64")):
        v, i = ember.tensor(data, dtype=getattr(ember, dt)).sort(descending=True)
        tv, ti = torch.tensor(data, dtype=getattr(torch, dt)).sort(descending=True, stable=True)
        _same(v, tv)
        _same(i, ti)


def test_sort_descending_gradient_follows_nan():
    e, t = _grad_pair(lambda m, x: m.sort(x, descending=True).values[:, 0] *
                      m.tensor([1., 2., 3.]), ROWS)
    _same(e.grad, t.grad)


@pytest.mark.parametrize("largest", [True, False])
def test_topk_nan_largest(largest):
    torch = pytest.importorskip("torch")
    # one NaN per row and distinct numbers: PyTorch's order is then fully determined
    data = [[3., NAN, 1., -2., 2.], [0., 4., -INF, NAN, 9.]]
    for k in (1, 2, 4):
        v, i = ember.topk(ember.tensor(data), k, largest=largest)
        tv, ti = torch.topk(torch.tensor(data), k, largest=largest)
        _same(v, tv)
        _same(i, ti)


def test_topk_several_nans_values():
    torch = pytest.importorskip("torch")
    v, i = ember.tensor(ROWS).topk(3)
    tv, ti = torch.tensor(ROWS).topk(3)
    _same(v, tv)
    # the order among equal values (NaN ties) is unspecified in PyTorch; the set is not
    assert [sorted(r) for r in i.tolist()] == [sorted(r) for r in ti.tolist()]


def test_kthvalue_msort_nan_last():
    torch = pytest.importorskip("torch")
    data = [[3., NAN, 1., -2., 2.], [0., 4., -INF, NAN, 9.]]
    for k in range(1, 6):
        v, i = ember.kthvalue(ember.tensor(data), k)
        tv, ti = torch.kthvalue(torch.tensor(data), k)
        _same(v, tv)
        _same(i, ti)
    _same(ember.msort(ember.tensor(data).T), torch.msort(torch.tensor(data).T))


# ---- median / nanmedian ----

def test_median_all_propagates_nan():
    torch = pytest.importorskip("torch")
    for data in (ROWS, [1., 2., NAN], [NAN], [[1., 2.], [3., 4.]]):
        _same(ember.median(ember.tensor(data)), torch.median(torch.tensor(data)))
        _same(ember.tensor(data).median(), torch.tensor(data).median())


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_median_dim_first_nan(dim, keepdim):
    torch = pytest.importorskip("torch")
    data = [[3., NAN, 1., NAN, 2.], [NAN, 0., INF, 5., -1.], [4., -1., 0., 2., 7.]]
    v, i = ember.median(ember.tensor(data), dim, keepdim)
    tv, ti = torch.median(torch.tensor(data), dim, keepdim)
    _same(v, tv)
    _same(i, ti)
    assert type(v.grad_fn).__name__ == "MedianBackward1" or v.grad_fn is None


def test_median_gradients():
    e, t = _grad_pair(lambda m, x: m.median(x), [[1., NAN, 3., NAN], [2., 5., 5., 0.]])
    _same(e.grad, t.grad)
    e, t = _grad_pair(lambda m, x: m.median(x), [[1., 2., 2.], [2., 5., 0.]])
    _same(e.grad, t.grad)          # ties share the gradient evenly
    e, t = _grad_pair(lambda m, x: m.median(x, 1).values, [[1., NAN, 3., NAN], [2., 5., 6., 0.]])
    _same(e.grad, t.grad)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_nanmedian(dim, keepdim):
    torch = pytest.importorskip("torch")
    # (an all-NaN row's index is whatever PyTorch's selection algorithm lands on)
    data = [[3., NAN, 1., NAN, 2.], [4., -1., 0., 2., 7.], [NAN, 0., INF, 5., -1.]]
    if dim is None:
        _same(ember.nanmedian(ember.tensor(data)), torch.nanmedian(torch.tensor(data)))
        return
    res = ember.tensor(data).nanmedian(dim, keepdim=keepdim)
    tres = torch.tensor(data).nanmedian(dim, keepdim=keepdim)
    _same(res.values, tres.values)
    _same(res.indices, tres.indices)
    assert repr(res).startswith("torch.return_types.nanmedian(")


def test_nanmedian_edge_cases_and_gradient():
    torch = pytest.importorskip("torch")
    _same(ember.nanmedian(ember.tensor([NAN, NAN])), torch.nanmedian(torch.tensor([NAN, NAN])))
    _same(ember.nanmedian(ember.tensor([4, 1, 3, 2])), torch.nanmedian(torch.tensor([4, 1, 3, 2])))
    e = ember.tensor(2.5).nanmedian(0)
    assert e.values.item() == 2.5 and e.indices.item() == 0
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 0 to have non-zero"):
        ember.nanmedian(ember.zeros(0, 3), 0)
    e, t = _grad_pair(lambda m, x: m.nanmedian(x), [[1., NAN, 2.], [2., 5., NAN]])
    _same(e.grad, t.grad)
    e, t = _grad_pair(lambda m, x: m.nanmedian(x, 0).values, [[1., NAN, 2.], [2., 5., NAN]])
    _same(e.grad, t.grad)


def test_median_nanmedian_gradcheck():
    x = ember.tensor([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, 0.9]], dtype=ember.float64,
                     requires_grad=True)
    for fn in (lambda a: ember.median(a), lambda a: ember.nanmedian(a, 1).values,
               lambda a: ember.median(a, 0).values):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


# ---- max / min / amax / amin gradients at NaN ----

@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_all_gradient_split_among_nans(name):
    data = [[1., NAN, 3., NAN], [2., 5., 5., 0.]]
    e, t = _grad_pair(lambda m, x: getattr(m, name)(x), data)
    _same(e.grad, t.grad)
    out = getattr(ember.tensor(data, requires_grad=True), name)()
    assert type(out.grad_fn).__name__ == name.capitalize() + "Backward1"


@pytest.mark.parametrize("fn", [lambda m, x: m.amax(x), lambda m, x: m.amin(x, 1),
                                lambda m, x: x.max(1).values, lambda m, x: x.min(0).values,
                                lambda m, x: m.amax(x, (0, 1), keepdim=True)])
def test_reductions_with_nan_gradients(fn):
    e, t = _grad_pair(fn, [[1., NAN, 3., NAN], [2., 5., 5., 0.]])
    _same(e.grad, t.grad)


def test_max_all_double_backward():
    x = ember.tensor([0.5, 2.0, 2.0, -1.0], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a: (a * a).max(), (x,))
    assert gradgradcheck(lambda a: (a * a).min(), (x,))


# ---- nan_to_num ----

def test_nan_to_num_gradient():
    torch = pytest.importorskip("torch")
    data = [NAN, -1.5, INF, -INF, 2.0]
    e, t = _grad_pair(lambda m, x: m.nan_to_num(x * 3, nan=1.0, posinf=9.0), data)
    _same(e.grad, t.grad)
    out = ember.nan_to_num(ember.tensor(data, requires_grad=True))
    assert type(out.grad_fn).__name__ == "NanToNumBackward0"
    _same(out, torch.nan_to_num(torch.tensor(data)))


def test_nan_to_num_inplace_and_out():
    torch = pytest.importorskip("torch")
    data = [NAN, -1.5, INF, -INF]
    x = ember.tensor(data, requires_grad=True)
    y = x * 1
    y.nan_to_num_(neginf=-7.0)
    assert type(y.grad_fn).__name__ == "NanToNumBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0., 1., 0., 0.])
    out = ember.empty(4)
    res = ember.nan_to_num(ember.tensor(data), 0.5, out=out)
    assert res is out
    _same(out, torch.nan_to_num(torch.tensor(data), 0.5))
    with pytest.raises(RuntimeError, match=r"nan_to_num\(\): functions with out=\.\.\. "
                                           r"arguments don't support automatic differentiation"):
        ember.nan_to_num(x, out=out)


def test_nan_to_num_gradcheck():
    x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a: ember.nan_to_num(a), (x,))
    assert gradgradcheck(lambda a: ember.nan_to_num(a * a), (x,))


# ---- activations at NaN: the gradient is blocked only where PyTorch's test says so ----

@pytest.mark.parametrize("name,args", [("hardtanh", ()), ("relu6", ()), ("elu", ()),
                                       ("selu", ()), ("celu", ()), ("leaky_relu", ()),
                                       ("threshold", (0.5, 2.0)), ("hardtanh", (-0.5, 0.5))])
def test_activation_nan_values_and_gradients(name, args):
    data = [NAN, -1.0, 0.25, 1.0, 7.0]
    e, t = _grad_pair(lambda m, x: getattr(m.nn.functional, name)(x * 1, *args), data)
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6)  # NaN == NaN
    torch = pytest.importorskip("torch")
    _same(getattr(ember.nn.functional, name)(ember.tensor(data), *args),
          getattr(torch.nn.functional, name)(torch.tensor(data), *args))


def test_inplace_activations_at_nan():
    x = ember.tensor([NAN, -2.0, 0.5], requires_grad=True)
    y = x * 1
    ember.nn.functional.hardtanh_(y)
    ember.nn.functional.threshold_(y, 0.0, 3.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
    assert np.isnan(y.detach().numpy()[0])


# ---- max pooling: a window holding NaN gives NaN at the index of its last NaN ----

@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=1), dict(kernel_size=2, dilation=2),
                                dict(kernel_size=3, stride=2, ceil_mode=True)])
@pytest.mark.parametrize("dims", [1, 2])
def test_max_pool_nan(kw, dims):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 9, 10)[:dims + 2]).astype(np.float32)
    a[rng.random(a.shape) < 0.2] = NAN
    w = np.arange(np.prod(a.shape)).reshape(a.shape).astype(np.float32)
    res = []
    for m in (ember, torch):
        x = m.tensor(a, requires_grad=True)
        out, idx = getattr(m.nn.functional, f"max_pool{dims}d")(x, return_indices=True, **kw)
        (out * m.tensor(w[tuple(slice(0, s) for s in out.shape)])).sum().backward()
        res.append((out.detach().numpy(), idx.numpy(), x.grad.numpy()))
    for e, t in zip(*res):
        np.testing.assert_array_equal(e, t)


def test_adaptive_max_pool_nan():
    torch = pytest.importorskip("torch")
    a = np.arange(2 * 9 * 10, dtype=np.float32).reshape(1, 2, 9, 10) % 7
    a[0, 0, 1, 1] = a[0, 0, 2, 2] = a[0, 1, 5, 3] = NAN
    e, ei = ember.nn.functional.adaptive_max_pool2d(ember.tensor(a), (4, 3), True)
    t, ti = torch.nn.functional.adaptive_max_pool2d(torch.tensor(a), (4, 3), True)
    _same(e, t)
    _same(ei, ti)


def test_relu_passes_the_gradient_of_a_nan_input():
    torch = pytest.importorskip("torch")
    vals = [float("nan"), -1.0, 2.0, 0.0]
    for fn in (lambda lib, x: lib.relu(x), lambda lib, x: lib.nn.functional.relu(x),
               lambda lib, x: lib.nn.ReLU()(x)):
        grads = []
        for lib in (ember, torch):
            x = lib.tensor(vals, requires_grad=True)
            fn(lib, x).sum().backward()
            grads.append(x.grad.tolist())
        assert grads[0] == grads[1] == [1.0, 0.0, 1.0, 0.0]
