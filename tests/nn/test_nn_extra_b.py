"""Extra losses, lazy modules and DataParallel, checked against PyTorch."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(11)
REDS = ["mean", "sum", "none"]
X = rand_array((4, 5))
Y = np.array([0, 3, 4, 1], dtype=np.int64)
W5 = RNG.uniform(0.5, 2.0, (5,))
MLT = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 0, 4], [-1, 1, 2, 3, 0], [4, 4, 1, -1, -1]],
               dtype=np.int64)


def _raises_like(fn):
    """Run ``fn(lib)`` on torch and ember: same exception type and message."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


# ---- multi_margin_loss ----
@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("p,margin", [(1, 1.0), (2, 0.7), (1, 2.5)])
def test_multi_margin_loss(red, p, margin):
    check_op(lambda lib, x, y: lib.nn.functional.multi_margin_loss(
        x, y, p=p, margin=margin, reduction=red), X, Y)
    check_op(lambda lib, x, y, w: lib.nn.functional.multi_margin_loss(
        x, y, p=p, margin=margin, weight=w, reduction=red), X, Y, W5, grad_inputs=[0])


@pytest.mark.parametrize("red", REDS)
def test_multi_margin_loss_1d_and_module(red):
    for y in (np.array(2), np.array([2])):
        check_op(lambda lib, x, y: lib.nn.functional.multi_margin_loss(x, y, reduction=red),
                 X[0], y)
    x = X.astype(np.float32)
    for kw in ({}, {"p": 2, "margin": 0.5}, {"weight": W5.astype(np.float32)}):
        mods = [lib.nn.MultiMarginLoss(**{k: lib.tensor(v) if k == "weight" else v
                                         for k, v in kw.items()}, reduction=red)
                for lib in (ember, torch)]
        a, b = [m(lib.tensor(x), lib.tensor(Y)) for m, lib in zip(mods, (ember, torch))]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        assert repr(mods[0]) == repr(mods[1])


def test_multi_margin_loss_errors():
    def mml(*args, **kw):
        return lambda lib: lib.nn.functional.multi_margin_loss(
            *[lib.tensor(a) for a in args], **kw)
    _raises_like(mml(X, np.array([0, 1, 5, 2])))
    _raises_like(mml(X, np.array([0, 1, -1, 2])))
    _raises_like(mml(X, np.array([0, 1])))
    _raises_like(mml(X, Y.astype(np.float32)))
    _raises_like(mml(RNG.random((2, 3, 4)), Y))
    _raises_like(mml(RNG.random((3, 0)), Y[:3]))
    _raises_like(mml(X[0], np.array([1, 2])))
    _raises_like(mml(X, Y, p=3))
    _raises_like(mml(X, Y, reduction="bad"))
    _raises_like(lambda lib: lib.nn.functional.multi_margin_loss(
        lib.tensor(X), lib.tensor(Y), weight=lib.ones(3)))
    _raises_like(lambda lib: lib.nn.functional.multi_margin_loss(
        lib.tensor(X), lib.tensor(Y), weight=lib.ones(5, requires_grad=True)))
    _raises_like(lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)))
    _raises_like(lambda lib: lib.nn.MultiMarginLoss(p=0))


def test_multi_margin_loss_legacy_args():
    for kw in ({"size_average": False}, {"reduce": False}):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            a = ember.nn.functional.multi_margin_loss(ember.tensor(X), ember.tensor(Y), **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = torch.nn.functional.multi_margin_loss(torch.tensor(X), torch.tensor(Y), **kw)
            m = ember.nn.MultiMarginLoss(**kw)
        np.testing.assert_allclose(a.numpy(), b.numpy())
        assert m.reduction == ("sum" if "size_average" in kw else "none")


# ---- multilabel_margin_loss ----
@pytest.mark.parametrize("red", REDS)
def test_multilabel_margin_loss(red):
    check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=red),
             X, MLT)
    for row in MLT:
        check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(
            x, y, reduction=red), X[1], row)
    a = ember.nn.MultiLabelMarginLoss(reduction=red)(ember.tensor(X), ember.tensor(MLT))
    b = torch.nn.MultiLabelMarginLoss(reduction=red)(torch.tensor(X), torch.tensor(MLT))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_multilabel_margin_loss_errors():
    def f(x, y):
        return lambda lib: lib.nn.functional.multilabel_margin_loss(lib.tensor(x), lib.tensor(y))
    bad = MLT.copy()
    bad[0, 4] = 5
    _raises_like(f(X, bad))
    bad[0, 4] = -2
    _raises_like(f(X, bad))
    _raises_like(f(X, MLT[:, :3]))
    _raises_like(f(X, MLT.astype(np.float64)))
    _raises_like(f(X[0], MLT))
    _raises_like(f(RNG.random((2, 3, 4)), MLT))
    _raises_like(lambda lib: lib.nn.functional.multilabel_margin_loss(
        lib.tensor(X), lib.tensor(MLT), reduction="x"))


# ---- multilabel_soft_margin_loss ----
@pytest.mark.parametrize("red", REDS)
def test_multilabel_soft_margin_loss(red):
    t = (RNG.random((4, 5)) > 0.5).astype(np.float64)
    check_op(lambda lib, x, t: lib.nn.functional.multilabel_soft_margin_loss(
        x, t, reduction=red), X, t)
    check_op(lambda lib, x, t, w: lib.nn.functional.multilabel_soft_margin_loss(
        x, t, weight=w, reduction=red), X, t, W5)
    check_op(lambda lib, x, t: lib.nn.functional.multilabel_soft_margin_loss(
        x, t, reduction=red), X[0], t[0])
    a = ember.nn.MultiLabelSoftMarginLoss(ember.tensor(W5), reduction=red)(
        ember.tensor(X), ember.tensor(t))
    b = torch.nn.MultiLabelSoftMarginLoss(torch.tensor(W5), reduction=red)(
        torch.tensor(X), torch.tensor(t))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_multilabel_soft_margin_loss_errors_and_legacy():
    _raises_like(lambda lib: lib.nn.functional.multilabel_soft_margin_loss(
        lib.tensor(X), lib.tensor(X), reduction="foo"))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        a = ember.nn.functional.multilabel_soft_margin_loss(ember.tensor(X), ember.tensor(X),
                                                            size_average=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = torch.nn.functional.multilabel_soft_margin_loss(torch.tensor(X), torch.tensor(X),
                                                            size_average=False)
    np.testing.assert_allclose(a.numpy(), b.numpy())


# ---- triplet_margin_with_distance_loss ----
def _cos_dist(lib):
    return lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(red, swap):
    a, p, n = rand_array((4, 3)), rand_array((4, 3)), rand_array((4, 3))
    check_op(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, swap=swap, reduction=red, margin=2.0), a, p, n)
    check_op(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_cos_dist(lib), swap=swap, reduction=red, margin=0.5),
        a, p, n)
    outs = []
    for lib in (ember, torch):
        m = lib.nn.TripletMarginWithDistanceLoss(margin=1.5, swap=swap, reduction=red)
        outs.append(m(*[lib.tensor(v) for v in (a, p, n)]).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)


def test_triplet_margin_with_distance_loss_errors_and_repr():
    a = np.zeros((3, 4))

    def f(short=False, **kw):
        return lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            lib.tensor(a), lib.tensor(a), lib.tensor(a[0] if short else a), **kw)
    _raises_like(f(margin=0))
    _raises_like(f(short=True))
    _raises_like(f(reduction="x"))
    _raises_like(lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-1))
    assert repr(ember.nn.TripletMarginWithDistanceLoss()) == \
        repr(torch.nn.TripletMarginWithDistanceLoss())
    m = ember.nn.TripletMarginWithDistanceLoss(distance_function=ember.nn.L1Loss())
    assert "(distance_function): L1Loss()" in repr(m)


def test_nll_loss_2d_is_a_deprecated_nll_loss():
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        m = ember.nn.NLLLoss2d(ignore_index=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.NLLLoss2d(ignore_index=1)
    assert isinstance(m, ember.nn.NLLLoss) and repr(m) == repr(t) == "NLLLoss2d()"
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = RNG.integers(0, 3, (2, 4, 4))
    a = m(ember.tensor(x).log_softmax(1), ember.tensor(y))
    b = t(torch.tensor(x).log_softmax(1), torch.tensor(y))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


# ---- lazy modules ----
LAZY = [("LazyLinear", "Linear", (3,), {}, (2, 5)),
        ("LazyLinear", "Linear", (4,), {"bias": False}, (2, 3, 6)),
        ("LazyConv1d", "Conv1d", (4, 3), {"stride": 2, "padding": 1}, (2, 3, 9)),
        ("LazyConv1d", "Conv1d", (4, 3), {"groups": 2, "bias": False}, (6, 9)),
        ("LazyConv2d", "Conv2d", (6, 3), {"padding": "same", "dilation": 2}, (2, 4, 7, 7)),
        ("LazyConv2d", "Conv2d", (4, (2, 3)), {"groups": 2}, (4, 6, 5)),
        ("LazyBatchNorm1d", "BatchNorm1d", (), {}, (4, 5)),
        ("LazyBatchNorm1d", "BatchNorm1d", (), {"affine": False, "momentum": None}, (4, 5, 3)),
        ("LazyBatchNorm2d", "BatchNorm2d", (), {"eps": 1e-3}, (2, 3, 4, 4)),
        ("LazyBatchNorm2d", "BatchNorm2d", (), {"track_running_stats": False}, (2, 3, 4, 4)),
        ("LazyBatchNorm2d", "BatchNorm2d", (), {"bias": False}, (2, 3, 4, 4)),
        ("LazyBatchNorm3d", "BatchNorm3d", (), {}, (2, 3, 2, 2, 2)),
        ("LazyConv3d", "Conv3d", (4, 3), {"padding": 1}, (1, 2, 5, 6, 7)),
        ("LazyConvTranspose1d", "ConvTranspose1d", (5, 3), {"stride": 2}, (2, 4, 6)),
        ("LazyConvTranspose2d", "ConvTranspose2d", (6, 3),
         {"stride": 2, "groups": 2, "output_padding": 1}, (1, 4, 5, 5)),
        ("LazyConvTranspose3d", "ConvTranspose3d", (3, 2), {"bias": False}, (1, 2, 3, 3, 3)),
        ("LazyInstanceNorm1d", "InstanceNorm1d", (), {}, (2, 3, 5)),
        ("LazyInstanceNorm2d", "InstanceNorm2d", (), {"affine": False}, (2, 3, 4, 4)),
        ("LazyInstanceNorm3d", "InstanceNorm3d", (), {"bias": False}, (2, 3, 2, 2, 2))]


@pytest.mark.parametrize("case", LAZY, ids=[f"{c[0]}-{c[3]}" for c in LAZY])
def test_lazy_module_matches_torch(case):
    lazy, plain, args, kw, shape = case
    mods = [getattr(lib.nn, lazy)(*args, **kw) for lib in (ember, torch)]
    assert repr(mods[0]) == repr(mods[1])
    for m in mods:
        assert m.has_uninitialized_params()
    for (n, p), (tn, _) in zip(mods[0].named_parameters(), mods[1].named_parameters()):
        assert n == tn and isinstance(p, ember.nn.parameter.UninitializedParameter)
    assert list(mods[0].state_dict()) == list(mods[1].state_dict())
    x = RNG.standard_normal(shape).astype(np.float32)
    ember.manual_seed(0)
    out = mods[0](ember.tensor(x))
    t_out = mods[1](torch.tensor(x))
    assert type(mods[0]) is getattr(ember.nn, plain) and type(mods[0]).__name__ == \
        type(mods[1]).__name__
    assert repr(mods[0]) == repr(mods[1])
    assert not mods[0]._forward_pre_hooks and not mods[0]._load_state_dict_pre_hooks
    es, ts = mods[0].state_dict(), mods[1].state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert type(es[k]) is ember.Tensor and tuple(es[k].shape) == tuple(ts[k].shape), k
        assert es[k].dtype.name == str(ts[k].dtype).replace("torch.", ""), k
    assert tuple(out.shape) == tuple(t_out.shape)
    # the same initialisation (and so the same values) as the ordinary class made after it
    ember.manual_seed(0)
    ref_args = {"Linear": (shape[-1],), **{f"{kind}Norm{d}d": (shape[1],)
                                            for kind in ("Batch", "Instance") for d in (1, 2, 3)}}
    batched_ndim = {"1d": 3, "2d": 4, "3d": 5}.get(lazy[-2:], 0)
    in_ch = shape[1] if len(shape) == batched_ndim else shape[0]
    first = ref_args.get(plain, (in_ch,))
    ref = getattr(ember.nn, plain)(*first, *args, **kw)
    for (n, p), (_, q) in zip(ref.named_parameters(), mods[0].named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n)
    if "BatchNorm" in lazy:
        np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                                   atol=1e-5)
        for k in ts:
            np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), rtol=1e-5, atol=1e-6)
    else:  # load torch's weights into the ordinary module: same output
        mods[0].load_state_dict({k: ember.tensor(v.numpy()) for k, v in ts.items()})
        np.testing.assert_allclose(mods[0](ember.tensor(x)).detach().numpy(),
                                   t_out.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_lazy_init_bounds_and_training():
    m = ember.nn.LazyLinear(7)
    opt = ember.optim.SGD(m.parameters(), lr=0.1)   # allowed before the first call, as torch
    x = ember.randn(8, 400)
    loss = m(x).pow(2).sum()
    bound = 1 / 20
    assert float(m.weight.abs().max()) <= bound and float(m.bias.abs().max()) <= bound
    assert float(m.weight.std()) > bound / 4
    before = m.weight.detach().clone()
    loss.backward()
    opt.step()
    assert not np.array_equal(before.numpy(), m.weight.detach().numpy())
    assert m.weight.requires_grad and m.weight.is_leaf


def test_lazy_load_state_dict_materialises_like_torch():
    src = torch.nn.Linear(5, 3)
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
    m, t = ember.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    m.load_state_dict(sd)
    t.load_state_dict(src.state_dict())
    assert type(m).__name__ == type(t).__name__ == "LazyLinear"
    assert tuple(m.weight.shape) == (3, 5) and not m.has_uninitialized_params()
    np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.detach().numpy())
    x = RNG.standard_normal((2, 5)).astype(np.float32)
    np.testing.assert_allclose(m(ember.tensor(x)).detach().numpy(),
                               src(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    t(torch.tensor(x))
    assert type(m) is ember.nn.Linear and m.in_features == t.in_features == 5
    assert repr(m) == repr(t)
    m2 = ember.nn.LazyLinear(3)
    m2.load_state_dict(sd)
    with pytest.raises(AssertionError, match="The in_features inferred from input: 4 is not"):
        m2(ember.zeros(1, 4))


def test_lazy_errors_like_torch():
    _raises_like(lambda lib: lib.nn.LazyConv2d(4, 3, groups=2)(lib.zeros(1, 3, 5, 5)))
    _raises_like(lambda lib: lib.nn.LazyConv2d(4, 3)(lib.zeros(3, 5)))
    _raises_like(lambda lib: lib.nn.LazyConv1d(4, 3)(lib.zeros(3, 5, 5, 5)))
    _raises_like(lambda lib: lib.nn.LazyBatchNorm2d()(lib.zeros(3, 5)))
    assert repr(ember.nn.LazyBatchNorm1d().running_mean) == "<UninitializedBuffer>"
    assert isinstance(ember.nn.LazyBatchNorm1d().running_var,
                      ember.nn.parameter.UninitializedBuffer)


# ---- DataParallel ----
def test_data_parallel_single_device():
    inner = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    dp = ember.nn.DataParallel(inner)
    tdp = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(4, 3),
                                                    torch.nn.BatchNorm1d(3)))
    assert dp.module is inner and repr(dp) == repr(tdp)
    assert list(dp.state_dict()) == list(tdp.state_dict())
    assert dp.device_ids == tdp.device_ids == []
    tdp.load_state_dict({k: torch.tensor(v.numpy()) for k, v in dp.state_dict().items()})
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    out, t_out = dp(ember.tensor(x)), tdp(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    out.sum().backward()
    assert inner[0].weight.grad is not None
    assert [n for n, _ in dp.named_parameters()] == [n for n, _ in tdp.named_parameters()]
    dp2 = ember.nn.DataParallel(ember.nn.Sequential(ember.nn.Linear(4, 3),
                                                    ember.nn.BatchNorm1d(3)))
    dp2.load_state_dict(dp.state_dict())
    dp.eval()
    dp2.eval()
    assert not dp2.module.training
    np.testing.assert_array_equal(dp2(ember.tensor(x)).detach().numpy(),
                                  dp(ember.tensor(x)).detach().numpy())


def test_uninitialized_parameter_and_buffer_refuse_shape():
    from ember.nn.parameter import UninitializedBuffer, UninitializedParameter
    for cls, text in ((UninitializedParameter, "<UninitializedParameter>"),
                      (UninitializedBuffer, "<UninitializedBuffer>")):
        t = cls()
        assert str(t) == repr(t) == text
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
            _ = t.shape
        t.materialize((2, 3))
        assert tuple(t.shape) == (2, 3) and type(t).__name__ in ("Parameter", "Tensor")
