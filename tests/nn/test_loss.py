"""Losses: harness (gradcheck + torch parity) for every option, module parity, errors."""
import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

pytestmark = requires_torch()

RNG = np.random.default_rng(7)
A, B = rand_array((4, 3)), rand_array((4, 3))
P01 = RNG.uniform(0.05, 0.95, (4, 3))
T01 = RNG.uniform(0.0, 1.0, (4, 3))
REDS = ["mean", "sum", "none"]


@pytest.mark.parametrize("red", REDS)
def test_regression_losses(red):
    F = "nn.functional"
    for name, kw in [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.7})]:
        check_op(lambda lib, a, b: getattr(lib.nn.functional, name)(a, b, reduction=red, **kw),
                 A, B)
    assert F


@pytest.mark.parametrize("red", REDS)
def test_bce_losses(red):
    check_op(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t, reduction=red),
             P01, T01)
    w = RNG.uniform(0.5, 2, (3,))
    check_op(lambda lib, x, t, w: lib.nn.functional.binary_cross_entropy(x, t, w,
                                                                          reduction=red),
             P01, T01, w, grad_inputs=[0, 1])
    pw = RNG.uniform(0.5, 3, (3,))
    check_op(lambda lib, x, t, w, pw: lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, w, reduction=red, pos_weight=pw), A, T01, w, pw, grad_inputs=[0, 1])
    check_op(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, reduction=red), A * 30, T01)


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"reduction": "none"},
                                {"ignore_index": 1}, {"label_smoothing": 0.2},
                                {"weight": True}, {"weight": True, "label_smoothing": 0.3},
                                {"weight": True, "ignore_index": 2, "reduction": "sum"},
                                {"ignore_index": 0, "label_smoothing": 0.1,
                                 "reduction": "none"}])
def test_cross_entropy_and_nll_options(kw):
    target = np.array([0, 2, 1, 2])
    w = np.array([0.5, 2.0, 1.5])

    def run(lib, x, t, *rest, fn="cross_entropy"):
        opts = dict(kw)
        if opts.pop("weight", False):
            opts["weight"] = rest[0]
        if fn == "nll_loss":
            opts.pop("label_smoothing", None)
            x = lib.nn.functional.log_softmax(x, 1)
        return getattr(lib.nn.functional, fn)(x, t, **opts)
    extra = (w,) if kw.get("weight") else ()
    check_op(run, A, target, *extra, grad_inputs=[0])
    check_op(lambda lib, x, t, *r: run(lib, x, t, *r, fn="nll_loss"), A, target, *extra,
             grad_inputs=[0])


def test_cross_entropy_nd_probability_and_unbatched():
    x = rand_array((2, 3, 2, 2))
    t = RNG.integers(0, 3, (2, 2, 2))
    for red in REDS:
        check_op(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, reduction=red,
                                                                   ignore_index=1), x, t,
                 grad_inputs=[0])
    probs = RNG.dirichlet(np.ones(3), size=4)
    for kw in [{}, {"label_smoothing": 0.2}, {"reduction": "none"}]:
        check_op(lambda lib, x, p: lib.nn.functional.cross_entropy(x, p, **kw), A, probs)
    check_op(lambda lib, x, p, w: lib.nn.functional.cross_entropy(x, p, weight=w), A, probs,
             np.array([1.0, 2.0, 0.5]), grad_inputs=[0, 1])
    check_op(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), rand_array((5,)),
             np.array(3), grad_inputs=[0])


@pytest.mark.parametrize("red", ["mean", "sum", "none", "batchmean"])
def test_kl_div(red):
    logp = np.log(RNG.dirichlet(np.ones(3), size=4))
    q = RNG.dirichlet(np.ones(3), size=4)
    with np.errstate(all="ignore"):
        pass
    ctx = pytest.warns(UserWarning, match="'batchmean'") if red == "mean" else _nullctx()
    with ctx:
        check_op(lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction=red), logp, q,
                 torch_parity=False)
    for log_target in (False, True):
        tgt = np.log(q) if log_target else q
        e = ember.nn.KLDivLoss(reduction="batchmean", log_target=log_target)(
            ember.tensor(logp), ember.tensor(tgt))
        t = torch.nn.KLDivLoss(reduction="batchmean", log_target=log_target)(
            torch.tensor(logp), torch.tensor(tgt))
        np.testing.assert_allclose(e.item(), t.item(), rtol=1e-10)


class _nullctx:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@pytest.mark.parametrize("red", REDS)
def test_margin_and_embedding_losses(red):
    y = np.array([1.0, -1.0, 1.0, -1.0])
    check_op(lambda lib, a, b, y: lib.nn.functional.cosine_embedding_loss(
        a, b, y, margin=0.1, reduction=red), A, B, y, grad_inputs=[0, 1])
    check_op(lambda lib, a, b, y: lib.nn.functional.margin_ranking_loss(
        a, b, y, margin=0.3, reduction=red), A[:, 0], B[:, 0], y, grad_inputs=[0, 1])
    check_op(lambda lib, a, y: lib.nn.functional.hinge_embedding_loss(a, y, reduction=red),
             A[:, 0] * 0.3, y, grad_inputs=[0])
    check_op(lambda lib, a, y: lib.nn.functional.soft_margin_loss(a, y, reduction=red),
             A[:, 0], y, grad_inputs=[0])
    var = RNG.uniform(0.5, 2, (4, 3))
    check_op(lambda lib, a, b, v: lib.nn.functional.gaussian_nll_loss(a, b, v, full=True,
                                                                       reduction=red), A, B, var)


def test_loss_modules_match_torch():
    x, t = rand_array((6, 4)).astype(np.float32), RNG.integers(0, 4, 6)
    w = np.array([1.0, 0.5, 2.0, 1.0], dtype=np.float32)
    pairs = [("CrossEntropyLoss", dict(weight="w", ignore_index=2, label_smoothing=0.1)),
             ("NLLLoss", dict(weight="w", reduction="sum"))]
    for name, kw in pairs:
        out = []
        for lib in (ember, torch):
            opts = {k: (lib.tensor(w) if v == "w" else v) for k, v in kw.items()}
            m = getattr(lib.nn, name)(**opts)
            xi = lib.tensor(x, requires_grad=True)
            loss = m(xi, lib.tensor(t))
            loss.backward()
            out.append((loss.item(), xi.grad.numpy(), repr(m), list(m.state_dict()),
                        type(loss.grad_fn).__name__))
        np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5)
        np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5, atol=1e-7)
        assert out[0][2:] == out[1][2:]
    e = ember.nn.BCEWithLogitsLoss(pos_weight=ember.ones(4))
    assert list(e.state_dict()) == ["pos_weight"] and repr(e) == "BCEWithLogitsLoss()"


def test_legacy_size_average_reduce():
    for kw, red in [({"size_average": False}, "sum"), ({"reduce": False}, "none"),
                    ({"size_average": True, "reduce": True}, "mean")]:
        with pytest.warns(UserWarning, match=f"please use reduction='{red}' instead"):
            m = ember.nn.MSELoss(**kw)
        assert m.reduction == red
        with pytest.warns(UserWarning):
            e = ember.nn.functional.l1_loss(ember.tensor(A), ember.tensor(B), **kw)
        with pytest.warns(UserWarning):
            t = torch.nn.functional.l1_loss(torch.tensor(A), torch.tensor(B), **kw)
        np.testing.assert_allclose(e.numpy(), t.numpy())


def test_loss_errors_match_torch():
    x = rand_array((4, 10))

    def cases(lib):
        F = lib.nn.functional
        xt = lib.tensor(x)
        return [lambda: F.cross_entropy(xt, lib.tensor([1, 2, 10, 3])),
                lambda: F.cross_entropy(xt, lib.tensor([1, 2, -5, 3])),
                lambda: F.nll_loss(xt, lib.tensor([1.0, 2, 3, 4])),
                lambda: F.nll_loss(xt, lib.tensor([1, 2, 3])),
                lambda: F.nll_loss(lib.zeros(2, 3, 4), lib.zeros(2, 3, dtype=lib.int64)),
                lambda: F.nll_loss(xt, lib.tensor([1, 2, 3, 4]), weight=lib.ones(3)),
                lambda: F.nll_loss(xt, lib.zeros(4, 2, dtype=lib.int64)),
                lambda: F.binary_cross_entropy(lib.ones(3) / 2, lib.ones(4)),
                lambda: F.binary_cross_entropy(lib.tensor([1.5]), lib.ones(1)),
                lambda: F.binary_cross_entropy_with_logits(lib.ones(3), lib.ones(4)),
                lambda: F.mse_loss(lib.ones(3), lib.ones(3), reduction="foo"),
                lambda: F.cross_entropy(xt, lib.tensor([1, 2, 3, 4]), label_smoothing=1.5)]
    got = []
    for lib in (ember, torch):
        row = []
        for fn in cases(lib):
            with pytest.raises(Exception) as info:
                fn()
            row.append((type(info.value).__name__, str(info.value)))
        got.append(row)
    assert got[0] == got[1]


def test_mse_size_warning_and_bce_extremes():
    with pytest.warns(UserWarning, match="Using a target size"):
        ember.nn.functional.mse_loss(ember.ones(3, 1), ember.ones(3))
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    loss = ember.nn.functional.binary_cross_entropy(x, ember.tensor([1.0, 0.0]))
    t = torch.nn.functional.binary_cross_entropy(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]))
    assert loss.item() == pytest.approx(t.item())
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()
    big = ember.nn.functional.binary_cross_entropy_with_logits(ember.tensor([200.0, -200.0]),
                                                               ember.tensor([0.0, 1.0]))
    assert big.item() == pytest.approx(200.0)


def test_cross_entropy_all_ignored_is_nan_like_torch():
    e = ember.nn.functional.cross_entropy(ember.ones(2, 3), ember.tensor([-100, -100]))
    t = torch.nn.functional.cross_entropy(torch.ones(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(e.item()) and np.isnan(t.item())


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_loss_nodes_match_torch(name, reduction):
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))
    check_op(lambda t, a, b: getattr(t.nn.functional, name)(a, b, reduction=reduction), x, y)
    e = getattr(ember.nn.functional, name)(ember.tensor(x, requires_grad=True),
                                           ember.tensor(y))
    t = getattr(torch.nn.functional, name)(torch.tensor(x, requires_grad=True), torch.tensor(y))
    assert e.grad_fn.name() == t.grad_fn.name()


def test_bce_with_logits_pos_weight_node():
    rng = np.random.default_rng(1)
    x, y, pw = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4)), rng.uniform(0.5, 2, 4)
    check_op(lambda t, a, b: t.nn.functional.binary_cross_entropy_with_logits(
        a, b, pos_weight=t.from_numpy(pw)), x, y)
