"""F.ctc_loss / nn.CTCLoss: values and gradients against PyTorch, gradcheck, errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, requires_torch, torch

RNG = np.random.default_rng(7)
PADDED = np.array([[1, 2, 2, 3], [4, 4, 4, 0], [1, 1, 1, 1]])
LENGTHS = [  # (input_lengths, target_lengths) for PADDED with T = 12
    ([12, 10, 7], [4, 3, 4]),  # full, shorter, tight (repeats need blanks in between)
    ([12, 3, 12], [4, 3, 0]),  # too short -> inf; an empty target
    ([0, 12, 5], [0, 2, 2]),  # zero input length with an empty target
    ([12, 2, 4], [3, 3, 4]),  # two infinite losses
]


def _ctc(lib, x, targets, il, tl, lengths_as="tensor", normalise=True, **kw):
    lp = x.log_softmax(-1) if normalise else x
    if lengths_as == "tensor":
        il, tl = lib.tensor(il), lib.tensor(tl)
    else:
        il, tl = lengths_as(il), lengths_as(tl)
    return lib.nn.functional.ctc_loss(lp, lib.from_numpy(np.asarray(targets)), il, tl, **kw)


def _compare(x, targets, il, tl, **kw):
    """Loss values, grad_fn name and d loss / d x of ember and torch, for one upstream grad."""
    out = {}
    for lib in (ember, torch):
        xt = lib.from_numpy(x.copy()).requires_grad_(True)
        loss = _ctc(lib, xt, targets, il, tl, **kw)
        up = np.random.default_rng(3).standard_normal(tuple(loss.shape)).astype(x.dtype)
        loss.backward(lib.from_numpy(up))
        out[lib] = (loss.detach().numpy(), type(loss.grad_fn).__name__, xt.grad.numpy())
    tol = dict(rtol=1e-4, atol=1e-5) if x.dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)
    (ev, en, eg), (tv, tn, tg) = out[ember], out[torch]
    assert ev.dtype == tv.dtype and ev.shape == tv.shape
    np.testing.assert_allclose(ev, tv, **tol)
    np.testing.assert_array_equal(np.signbit(ev), np.signbit(tv))  # -0.0 for empty/empty
    assert en == tn
    np.testing.assert_allclose(eg, tg, **tol)  # nan where torch has nan
    return ev, eg


@requires_torch()
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("lengths", LENGTHS)
def test_padded_matches_torch(dtype, reduction, zero_infinity, lengths):
    x = RNG.standard_normal((12, 3, 5)).astype(dtype)
    _compare(x, PADDED, *lengths, reduction=reduction, zero_infinity=zero_infinity)


@requires_torch()
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_concatenated_targets_and_tuple_lengths(dtype, reduction):
    x = RNG.standard_normal((9, 3, 6)).astype(dtype)
    flat = np.array([1, 2, 2, 5, 5, 4, 1])
    _compare(x, flat, [9, 8, 6], [3, 4, 0], reduction=reduction)
    _compare(x, flat, (9, 8, 6), (3, 4, 0), lengths_as=tuple, reduction=reduction)
    _compare(x, flat, [9, 8, 6], [3, 4, 0], lengths_as=list, reduction=reduction)


@requires_torch()
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_larger_random_batch(dtype):
    t, n, c, s = 40, 6, 7, 12
    x = RNG.standard_normal((t, n, c)).astype(dtype) * 2
    tl = RNG.integers(0, s + 1, n)
    il = np.maximum(RNG.integers(t // 2, t + 1, n), 2 * tl + 1)
    il[0] = t
    targets = RNG.integers(1, c, (n, s))
    for red in ("none", "mean", "sum"):
        _compare(x, targets, il.tolist(), tl.tolist(), reduction=red)


@requires_torch()
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_unbatched(reduction):
    x = RNG.standard_normal((8, 5))
    v, _ = _compare(x, np.array([1, 3, 3]), [8], [3], reduction=reduction)
    assert v.shape == ()
    _compare(x, np.array([[1, 3, 3, 0]]), [7], [3], reduction=reduction)  # (1, S) targets
    xt = ember.from_numpy(x).log_softmax(-1)
    a = ember.nn.functional.ctc_loss(xt, ember.tensor([1, 3]), ember.tensor(8), ember.tensor(2))
    b = ember.nn.functional.ctc_loss(xt, ember.tensor([1, 3]), (8,), (2,))
    assert a.item() == pytest.approx(b.item())


@requires_torch()
@pytest.mark.parametrize("blank", [2, 4])
def test_other_blank_and_labels_equal_to_blank(blank):
    x = RNG.standard_normal((12, 3, 5))
    _compare(x, PADDED, [12, 10, 7], [4, 3, 4], blank=blank, reduction="none")


@requires_torch()
def test_unnormalised_input_uses_torch_gradient_formula():
    x = RNG.standard_normal((10, 2, 4))
    _, g = _compare(x, np.array([[1, 2], [3, 3]]), [10, 9], [2, 2], normalise=False,
                    reduction="sum")
    assert abs(g.sum()) > 1  # exp(log_probs) - posterior does not sum to zero here


def test_known_values():
    # uniform over 2 classes, T = 2, target [1]: paths (1,1), (0,1), (1,0) -> 3/4
    lp = ember.full((2, 1, 2), float(np.log(0.5)), dtype=ember.float64, requires_grad=True)
    loss = ember.nn.functional.ctc_loss(lp, ember.tensor([[1]]), [2], [1], reduction="sum")
    assert loss.item() == pytest.approx(-np.log(0.75))
    loss.backward()
    # d/d lp = exp(lp) - posterior: posterior of label 1 is 2/3 at both steps
    np.testing.assert_allclose(lp.grad.numpy()[:, 0], [[0.5 - 1 / 3, 0.5 - 2 / 3]] * 2)
    assert loss.grad_fn.next_functions[0][0].name() == "CtcLossBackward0"
    inf = ember.nn.functional.ctc_loss(lp, ember.tensor([[1, 1]]), [2], [2], reduction="none")
    assert np.isinf(inf.item())  # "1 1" needs three steps


def test_gradcheck_through_log_softmax():
    x = RNG.standard_normal((6, 2, 4))
    targets = np.array([[1, 1, 2], [3, 0, 0]])
    il, tl = np.array([6, 5]), np.array([3, 1])

    def fn(lib, x, targets, il, tl):
        return lib.nn.functional.ctc_loss(x.log_softmax(2), targets, il, tl, reduction="sum")
    check_op(fn, x, targets, il, tl, gradgrad=False, grad_inputs=[0])


def test_double_backward_raises():
    lp = ember.randn(5, 2, 4, dtype=ember.float64).log_softmax(2).detach().requires_grad_()
    loss = ember.nn.functional.ctc_loss(lp, ember.tensor([[1, 2], [3, 3]]), [5, 5], [2, 2])
    (g,) = ember.autograd.grad(loss, lp, create_graph=True)
    assert g.grad_fn.name() == "NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not"):
        ember.autograd.grad(g.sum(), lp)


def test_inplace_modification_is_detected():
    lp = ember.randn(5, 1, 3).requires_grad_()
    y = lp * 1
    loss = ember.nn.functional.ctc_loss(y, ember.tensor([[1]]), [5], [1])
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@requires_torch()
def test_module():
    x = RNG.standard_normal((7, 2, 4))
    args = (np.array([[1, 2, 2], [3, 0, 0]]), [7, 3], [3, 1])
    for kw in ({}, dict(blank=3, reduction="sum"), dict(reduction="none", zero_infinity=True)):
        outs = []
        for lib in (ember, torch):
            m = lib.nn.CTCLoss(**kw)
            assert repr(m) == "CTCLoss()"
            assert (m.blank, m.reduction, m.zero_infinity) == \
                (kw.get("blank", 0), kw.get("reduction", "mean"), kw.get("zero_infinity", False))
            tg = lib.from_numpy(args[0])
            outs.append(m(lib.from_numpy(x).log_softmax(2), tg, lib.tensor(args[1]),
                          lib.tensor(args[2])).numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-10)


def _errors(call):
    """(type, message) of ``call(lib)`` for ember and torch."""
    res = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as info:
            call(lib)
        res.append((type(info.value).__name__, str(info.value)))
    return res


BAD = {
    "log_probs rank": lambda L, lp, tg, il, tl: ((lp.unsqueeze(0), tg, il, tl), {}),
    "log_probs 1-d": lambda L, lp, tg, il, tl: ((lp[:, 0, 0], tg, il, tl), {}),
    "targets rank": lambda L, lp, tg, il, tl: ((lp, tg.unsqueeze(0), il, tl), {}),
    "blank high": lambda L, lp, tg, il, tl: ((lp, tg, il, tl), dict(blank=4)),
    "blank negative": lambda L, lp, tg, il, tl: ((lp, tg, il, tl), dict(blank=-1)),
    "reduction": lambda L, lp, tg, il, tl: ((lp, tg, il, tl), dict(reduction="foo")),
    "input_lengths size": lambda L, lp, tg, il, tl: ((lp, tg, il[:1], tl), {}),
    "target_lengths size": lambda L, lp, tg, il, tl: ((lp, tg, il, tl[:1]), {}),
    "input too long": lambda L, lp, tg, il, tl: ((lp, tg, L.tensor([7, 5]), tl), {}),
    "input negative": lambda L, lp, tg, il, tl: ((lp, tg, L.tensor([-1, 5]), tl), {}),
    "target negative": lambda L, lp, tg, il, tl: ((lp, tg, il, L.tensor([-1, 2])), {}),
    "targets too short": lambda L, lp, tg, il, tl: ((lp, tg, il, L.tensor([4, 2])), {}),
    "targets batch": lambda L, lp, tg, il, tl: ((lp, tg[:1], il, tl), {}),
    "concat size": lambda L, lp, tg, il, tl: ((lp, L.tensor([1, 2, 2, 1]), il, tl), {}),
    "float input_lengths": lambda L, lp, tg, il, tl: ((lp, tg, il.double(), tl), {}),
    "float target_lengths": lambda L, lp, tg, il, tl: ((lp, tg, il, tl.double()), {}),
    "bool input_lengths": lambda L, lp, tg, il, tl: ((lp, tg, il.bool(), tl), {}),
    "long log_probs": lambda L, lp, tg, il, tl: ((lp.long(), tg, il, tl), {}),
    "half log_probs": lambda L, lp, tg, il, tl: ((lp.half(), tg, il, tl), {}),
    "empty log_probs": lambda L, lp, tg, il, tl: ((lp[:0], tg, il, tl), {}),
    "int lengths": lambda L, lp, tg, il, tl: ((lp, tg, 6, 3), {}),
    "mixed lengths": lambda L, lp, tg, il, tl: ((lp, tg, il, [3, 2]), {}),
    "float list lengths": lambda L, lp, tg, il, tl: ((lp, tg, [6.0, 5], [3, 2]), {}),
}


@requires_torch()
@pytest.mark.parametrize("case", sorted(BAD))
def test_errors_match_torch(case):
    def call(lib):
        lp = lib.from_numpy(RNG.standard_normal((6, 2, 4))).log_softmax(2)
        args, kw = BAD[case](lib, lp, lib.tensor([[1, 2, 2], [1, 1, 0]]), lib.tensor([6, 5]),
                             lib.tensor([3, 2]))
        return lib.nn.functional.ctc_loss(*args, **kw)
    (et, em), (tt, tm) = _errors(call)
    assert et == tt
    if case in ("int lengths", "mixed lengths", "float list lengths"):
        assert em.split(" but expected")[0] == tm.split(" but expected")[0]
    else:
        assert em == tm


def test_out_of_range_target_raises():
    lp = ember.randn(6, 1, 4).log_softmax(2)
    with pytest.raises(RuntimeError, match="Target 4 is out of bounds"):
        ember.nn.functional.ctc_loss(lp, ember.tensor([[1, 4]]), [6], [2])
    # labels past the target length are padding and are not read
    ember.nn.functional.ctc_loss(lp, ember.tensor([[1, -1]]), [6], [1])
