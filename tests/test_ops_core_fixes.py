"""Regression tests for core ops fixed after review: fmax/fmin (NaN ignored), clamp's gradient
at ties, tensor_split with negative/unsorted indices and tensor specs, hstack/vstack edge
cases, select and the select/slice/diagonal scatters, UntypedStorage indexing, and the
maximum/minimum gradient at NaN."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

NAN = float("nan")


def _norm(r):
    """A comparable form of a result: tensors as (shape, dtype, values), errors as
    (type, full message)."""
    if isinstance(r, BaseException):
        return type(r).__name__, str(r)
    if isinstance(r, (tuple, list)):
        return [_norm(x) for x in r]
    if hasattr(r, "shape") and hasattr(r, "detach"):
        return tuple(r.shape), str(r.dtype), r.detach().numpy().copy()
    return r


def _run(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _norm(fn(lib))
    except Exception as e:  # noqa: BLE001  (the error itself is compared with torch's)
        return _norm(e)


def _compare(e, t):
    if isinstance(t, list):
        assert isinstance(e, list) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            _compare(a, b)
    elif isinstance(t, tuple) and len(t) == 3 and isinstance(t[2], np.ndarray):
        assert isinstance(e, tuple) and len(e) == 3, f"ember gave {e}, torch gave {t}"
        assert e[:2] == t[:2], (e[:2], t[:2])
        np.testing.assert_array_equal(e[2], t[2])
    else:
        assert e == t, (e, t)


def same_as_torch(fn):
    """``fn(lib)`` gives the same shapes, dtypes and values (NaN equal to NaN), or the same
    error type and message, in ember and in PyTorch."""
    torch = pytest.importorskip("torch")
    _compare(_run(fn, ember), _run(fn, torch))


def all_same_as_torch(cases):
    """``same_as_torch`` for every case of a {name: fn} table, naming the case that fails."""
    for name, fn in cases.items():
        try:
            same_as_torch(fn)
        except AssertionError as e:
            raise AssertionError(f"case {name!r}: {e}") from None


def grads_as_torch(fn, *arrays):
    """The output and the float64 gradients of ``fn(lib, *xs)`` equal PyTorch's exactly,
    for a fixed output weighting; returns ember's gradients."""
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (ember, torch):
        xs = [lib.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        w = np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape))
        out.backward(lib.tensor(w))
        grads.append([out.detach().numpy().copy(), out.grad_fn.name()] +
                     [None if x.grad is None else x.grad.numpy().copy() for x in xs])
    for e, t in zip(*grads):
        if t is None or e is None:
            assert e is None and t is None
        else:
            np.testing.assert_array_equal(e, t)
    return grads[0][2:]


def check_gradients(fn, *arrays):
    """gradcheck and gradgradcheck of ``fn(ember, *xs)`` in float64."""
    xs = [ember.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert gradcheck(lambda *ts: fn(ember, *ts), xs)
    assert gradgradcheck(lambda *ts: fn(ember, *ts), xs)


# ---- 1. fmax / fmin: the non-NaN operand wins ----

A = [1.0, NAN, NAN, 2.0, 3.0, -1.0]
B = [NAN, 2.0, NAN, 2.0, 1.0, 4.0]


def test_fmax_fmin_ignore_nan():
    a, b = ember.tensor(A), ember.tensor(B)
    np.testing.assert_array_equal(ember.fmax(a, b).numpy(), [1, 2, NAN, 2, 3, 4])
    np.testing.assert_array_equal(ember.fmin(a, b).numpy(), [1, 2, NAN, 2, 1, -1])
    np.testing.assert_array_equal(a.fmax(b).numpy(), np.fmax(A, B).astype(np.float32))
    np.testing.assert_array_equal(a.fmin(b).numpy(), np.fmin(A, B).astype(np.float32))


FMAX_CASES = {
    "nan": lambda L, f: f(L.tensor(A), L.tensor(B)),
    "broadcast": lambda L, f: f(L.tensor(A).reshape(2, 3), L.tensor([NAN, 0.0, 5.0])),
    "int": lambda L, f: f(L.tensor([1, 5, -2]), L.tensor([3, 2, -2])),
    "bool": lambda L, f: f(L.tensor([True, False]), L.tensor([False, False])),
    "half_float": lambda L, f: f(L.tensor([1.0, NAN], dtype=L.float16), L.tensor([NAN, 2.0])),
    "int_double": lambda L, f: f(L.tensor([1, 5]), L.tensor([NAN, 2.0], dtype=L.float64)),
    "0dim": lambda L, f: f(L.tensor(NAN, dtype=L.float64), L.tensor([3.0, NAN])),
    "out": lambda L, f: f(L.tensor(A), L.tensor(B), out=L.empty(6)),
    "bcast_err": lambda L, f: f(L.ones(2), L.ones(3)),
    "scalar_other": lambda L, f: f(L.ones(2), 2.0),
    "scalar_input": lambda L, f: f(2.0, L.ones(2)),
    "complex": lambda L, f: f(L.ones(2, dtype=L.complex64), L.ones(2)),
}


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_match_torch(name):
    all_same_as_torch({k: (lambda L, c=c: c(L, getattr(L, name)))
                       for k, c in FMAX_CASES.items()})


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_method_errors(name):
    same_as_torch(lambda L: getattr(L.ones(2), name)(2.0))


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_gradient_at_nan_and_ties(name):
    # a tie or a pair of NaNs sends the whole gradient to the first operand
    ga, gb = grads_as_torch(lambda L, a, b: getattr(L, name)(a, b), A, B)
    np.testing.assert_array_equal(ga + gb, np.arange(1.0, 7.0))
    assert ga[2] == 3 and gb[2] == 0 and ga[3] == 4 and gb[3] == 0
    grads_as_torch(lambda L, a, b: getattr(L, name)(a, b), [[1.0, NAN], [2.0, 0.5]],
                   [NAN, 0.5])
    check_gradients(lambda L, a, b: getattr(L, name)(a, b),
                    [[0.3, -1.2, 2.0], [1.5, 0.1, -0.7]], [0.9, -0.4, 1.1])


# ---- maximum / minimum: both operands get the gradient where one is NaN ----

@pytest.mark.parametrize("name", ["maximum", "minimum", "max", "min"])
def test_maximum_minimum_gradient_at_nan(name):
    ga, gb = grads_as_torch(lambda L, a, b: getattr(L, name)(a, b), A, B)
    np.testing.assert_array_equal(ga[:3], [1, 2, 3])
    np.testing.assert_array_equal(gb[:3], [1, 2, 3])
    assert ga[3] == gb[3] == 2  # a tie still splits


# ---- 2. clamp with tensor bounds: ties go to the input ----

X = [0.0, 1.0, 2.0, 3.0, NAN, 1.0, 2.0, 1.5]
LO = [1.0, 1.0, 1.0, 1.0, 1.0, NAN, 2.0, 2.0]
HI = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0]


@pytest.mark.parametrize("fn", [
    lambda L, x, lo, hi: L.clamp(x, lo, hi),
    lambda L, x, lo, hi: x.clamp(min=lo, max=hi),
    lambda L, x, lo, hi: L.clip(x, lo, hi),
    lambda L, x, lo, hi: L.clamp(x, min=lo),
    lambda L, x, lo, hi: L.clamp(x, max=hi),
    lambda L, x, lo, hi: L.clamp_min(x, lo),
    lambda L, x, lo, hi: x.clamp_max(hi),
    lambda L, x, lo, hi: L.clamp(x.reshape(2, 4), lo[:4], hi.reshape(2, 4)[:, :1]),
], ids=["clamp", "method", "clip", "min_only", "max_only", "clamp_min", "clamp_max",
        "broadcast"])
def test_clamp_tensor_bounds_gradient_as_torch(fn):
    grads_as_torch(fn, X, LO, HI)


def test_clamp_tensor_tie_goes_to_input():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    lo = ember.tensor([1.0, 1.0], requires_grad=True)
    hi = ember.tensor([3.0, 2.0], requires_grad=True)
    out = ember.clamp(x, lo, hi)
    assert out.grad_fn.name() == "ClampBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])
    np.testing.assert_array_equal(lo.grad.numpy(), [0, 0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0, 0])
    # away from ties, the gradients of all three operands are the true derivatives
    rng = np.random.default_rng(0)
    x, lo, hi = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 0, (4,)), rng.uniform(0, 2, (3, 1))
    check_gradients(lambda L, a, b, c: L.clamp(a, b, c), x, lo, hi)
    check_gradients(lambda L, a, b: L.clamp_min(a, b), x, lo)
    check_gradients(lambda L, a, c: L.clamp(a, max=c), x, hi)


def test_clamp_number_bounds_gradient_as_torch():
    # values, gradients and node names (clamp_min/clamp_max have their own)
    for fn in (lambda L, x: L.clamp(x, 1.0, 2.0), lambda L, x: L.clamp(x, min=1.0),
               lambda L, x: x.clamp_min(1.0), lambda L, x: L.clamp_max(x, 2.0),
               lambda L, x: L.clamp(x, NAN, 2.0), lambda L, x: L.clamp(x, 2.0, 1.0)):
        grads_as_torch(fn, X)


def test_clamp_values_dtypes_and_errors():
    all_same_as_torch({
        "int_float": lambda L: L.clamp(L.tensor([1, 2, 3]), L.tensor([2.0])),
        "int_0dim_double": lambda L: L.clamp(L.tensor([1, 5]), L.tensor(2.5, dtype=L.float64)),
        "uint8_int8": lambda L: L.clamp(L.tensor([1, 5], dtype=L.uint8),
                                        L.tensor([2], dtype=L.int8)),
        "int": lambda L: L.clamp(L.tensor([1, 5]), L.tensor([2, 2]), L.tensor([3, 3])),
        "broadcast": lambda L: L.clamp(L.ones(2), L.ones(2, 2)),
        "bcast3": lambda L: L.clamp(L.ones(2), L.ones(3, 1), L.ones(4)),
        "mixed": lambda L: L.clamp(L.ones(2), L.ones(2), 2),
        "mixed2": lambda L: L.clamp(L.ones(2), 1, L.ones(2)),
        "str": lambda L: L.clamp(L.ones(2), None, "a"),
        "min_none": lambda L: L.clamp_min(L.ones(2), None),
        "max_str": lambda L: L.clamp_max(L.ones(2), "a"),
        "complex": lambda L: L.clamp(L.ones(2, dtype=L.complex64), L.ones(2)),
        "none": lambda L: L.clamp(L.ones(2)),
    })


# ---- 3. tensor_split: indices slice like Python, tensor specs ----

def _split6(spec):
    return lambda L: L.tensor_split(L.arange(6.0), spec)


def test_tensor_split_indices_slice_like_python():
    specs = [[-2], [4, 2], [2, -2], [10], [-10], [0], [], [1, 1], (3,), [-1, 7, 2], 0, -1, 2.0,
             [1.0], True, [True], None]
    all_same_as_torch({repr(s): _split6(s) for s in specs})


def test_tensor_split_tensor_specs():
    specs = {"[4, 2]": lambda L: L.tensor([4, 2]), "3": lambda L: L.tensor(3),
             "[3]": lambda L: L.tensor([3]), "[-1]": lambda L: L.tensor([-1]),
             "[]": lambda L: L.tensor([]), "[[1, 2]]": lambda L: L.tensor([[1, 2]]),
             "[1.]": lambda L: L.tensor([1.0]), "0": lambda L: L.tensor(0),
             "-1": lambda L: L.tensor(-1), "int32": lambda L: L.tensor([1, 2], dtype=L.int32)}
    all_same_as_torch({k: (lambda L, s=s: L.tensor_split(L.arange(6.0), s(L)))
                       for k, s in specs.items()})


def test_tensor_split_forms_match_torch():
    all_same_as_torch({
        "dim1": lambda L: L.tensor_split(L.arange(12).reshape(3, 4), [3, -3], dim=1),
        "tensor_dim": lambda L: L.tensor_split(L.arange(12).reshape(3, 4), L.tensor([2, 1]),
                                               dim=-1),
        "method": lambda L: L.arange(6).tensor_split([4, 2]),
        "method_tensor": lambda L: L.arange(6).tensor_split(L.tensor([4, 2])),
        "kw_indices": lambda L: L.tensor_split(L.arange(6), indices=[-2]),
        "kw_sections": lambda L: L.tensor_split(L.arange(6), sections=4),
        "kw_tensor": lambda L: L.tensor_split(L.arange(6),
                                              tensor_indices_or_sections=L.tensor([4, 2])),
        "kw_bad": lambda L: L.tensor_split(L.arange(6), indices=2),
        "empty": lambda L: L.tensor_split(L.ones(0), [1, 2]),
        "0dim": lambda L: L.tensor_split(L.tensor(1.0), 2),
        "bad_dim": lambda L: L.tensor_split(L.arange(6), 2, dim=1),
    })


def test_tensor_split_unsorted_indices_gradient():
    x = ember.arange(6.0, requires_grad=True)
    parts = ember.tensor_split(x, [4, 2])
    assert [tuple(p.shape) for p in parts] == [(4,), (0,), (4,)]
    sum(p.sum() * (i + 1) for i, p in enumerate(parts)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 4, 4, 3, 3])


# ---- 4. hstack / vstack ----

def test_stack_empty_list_errors_match_torch():
    names = ["hstack", "vstack", "dstack", "cat", "stack", "column_stack", "row_stack", "concat"]
    all_same_as_torch({f"{n}({e!r})": (lambda L, n=n, e=e: getattr(L, n)(e))
                       for n in names for e in ([], ())})


def test_hstack_vstack_match_torch():
    all_same_as_torch({
        "h_0d": lambda L: L.hstack([L.tensor(1.0), L.tensor(2.0)]),
        "h_0d_1d": lambda L: L.hstack([L.tensor(1), L.tensor([3.0, 4.0])]),
        "h_2d_0d": lambda L: L.hstack([L.ones(2, 2), L.tensor(1.0)]),
        "h_empty": lambda L: L.hstack([L.ones(0), L.ones(2, 2)]),
        "v_0d": lambda L: L.vstack([L.tensor(1.0), L.tensor(2.0)]),
        "v_mismatch": lambda L: L.vstack([L.ones(2), L.ones(3)]),
        "v_tensor": lambda L: L.vstack(L.ones(2)),
        "v_ints": lambda L: L.vstack([1, 2]),
    })


def test_hstack_0dim_gradient():
    grads_as_torch(lambda L, a, b: L.hstack([a, b]), 1.5, [2.0, 3.0])


# ---- 5. select and the scatters ----

def _grid(L):
    return L.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("fn", [
    lambda L: L.select(_grid(L), 0, 1),
    lambda L: _grid(L).select(1, -1),
    lambda L: _grid(L).select(dim=1, index=2),
    lambda L: L.select(_grid(L), dim=0, index=-3),
    lambda L: _grid(L).select(0, L.tensor(1)),
    lambda L: _grid(L).select(0, np.int64(2)),
    lambda L: _grid(L).select(0, 5),
    lambda L: _grid(L).select(-1, -5),
    lambda L: L.arange(3).select(0, 3),
    lambda L: L.tensor(1.0).select(0, 0),
    lambda L: _grid(L).select(2, 0),
    lambda L: _grid(L).select(0, 1.0),
    lambda L: L.select(_grid(L), 0, True),
    lambda L: L.select(_grid(L), 1.0, 0),
    lambda L: L.ones(0, 2).select(0, 0),
], ids=["fn", "neg", "kw", "fn_neg", "tensor_index", "np_index", "oob", "oob_neg", "oob_1d",
        "0dim", "bad_dim", "float_method", "bool_fn", "float_dim", "empty"])
def test_select_matches_torch(fn):
    same_as_torch(fn)


def test_select_is_a_view_with_gradient():
    x = ember.arange(12.0).reshape(3, 4)
    v = x.select(1, 2)
    assert v.stride() == (4,)
    v[0] = 100.0
    assert x[0, 2].item() == 100.0
    grads_as_torch(lambda L, a: a.select(1, -2), np.arange(12.0).reshape(3, 4))
    check_gradients(lambda L, a: L.select(a, 0, 1), np.arange(12.0).reshape(3, 4))


@pytest.mark.parametrize("fn", [
    lambda L: L.select_scatter(_grid(L), L.tensor([10.0, 20, 30, 40]), 0, 1),
    lambda L: _grid(L).select_scatter(L.ones(3), 1, -1),
    lambda L: L.select_scatter(_grid(L), L.ones(4, dtype=L.float64), 0, 0),
    lambda L: L.select_scatter(_grid(L), L.ones(3), 0, 0),
    lambda L: L.select_scatter(_grid(L), L.ones(4), 0, 5),
    lambda L: L.select_scatter(_grid(L), L.ones(()), 0, 0),
    lambda L: L.select_scatter(_grid(L), 1.0, 0, 1),
    lambda L: L.select_scatter(_grid(L), L.ones(4), 0, 1.0),
    lambda L: L.select_scatter(L.tensor(1.0), L.tensor(2.0), 0, 0),
    lambda L: L.slice_scatter(_grid(L), L.zeros(3, 2), 1, 0, 4, 2),
    lambda L: _grid(L).slice_scatter(L.zeros(3, 2), dim=1, step=2),
    lambda L: L.slice_scatter(_grid(L), L.zeros(1, 4), start=-1),
    lambda L: L.slice_scatter(_grid(L), L.zeros(2, 4), start=-5, end=2),
    lambda L: L.slice_scatter(_grid(L), L.zeros(3, 4), end=100),
    lambda L: L.slice_scatter(_grid(L), L.zeros(0, 4), start=2, end=1),
    lambda L: L.slice_scatter(_grid(L), L.zeros(1, 4, dtype=L.int64), end=1),
    lambda L: L.slice_scatter(_grid(L), L.zeros(1, 4)),
    lambda L: L.slice_scatter(_grid(L), L.zeros(1, 4), step=0),
    lambda L: L.slice_scatter(_grid(L), L.zeros(1, 4), dim=2),
    lambda L: L.slice_scatter(_grid(L), L.ones(1, 4), 0, 1.0),
    lambda L: L.slice_scatter(_grid(L), L.ones(1, 4), 0, None, None, None),
    lambda L: L.slice_scatter(L.tensor(1.0), L.tensor(2.0)),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(3)),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(3), 1),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(2), -1),
    lambda L: _grid(L).diagonal_scatter(L.zeros(3), offset=1),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(3), 0, 1, 0),
    lambda L: L.diagonal_scatter(L.zeros(2, 3, 3), L.ones(3, 2), 0, 0, 1),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(0), 5),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(4)),
    lambda L: L.diagonal_scatter(_grid(L), L.zeros(3), 0, 0, 0),
    lambda L: L.diagonal_scatter(L.ones(3), L.ones(1)),
], ids=["sel", "sel_method", "sel_dtype", "sel_size", "sel_oob", "sel_0d_src", "sel_src_float",
        "sel_index_float", "sel_0dim", "sl_step", "sl_method", "sl_neg_start", "sl_clamped",
        "sl_end_big", "sl_empty", "sl_int_src", "sl_size", "sl_step0", "sl_dim", "sl_float",
        "sl_step_none", "sl_0dim", "d", "d_off", "d_neg", "d_method", "d_swapped", "d_3d",
        "d_far", "d_size", "d_same_dims", "d_1d"])
def test_scatters_match_torch(fn):
    same_as_torch(fn)


@pytest.mark.parametrize("fn", [
    lambda L, a, s: L.select_scatter(a, s.reshape(12)[:3], 1, 2),
    lambda L, a, s: L.slice_scatter(a, s.reshape(3, 4)[:, :2], 1, 1, 4, 2),
    lambda L, a, s: L.diagonal_scatter(a, s.reshape(12)[:3], 1),
], ids=["select_scatter", "slice_scatter", "diagonal_scatter"])
def test_scatters_gradients(fn):
    rng = np.random.default_rng(1)
    a, s = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4))
    grads_as_torch(fn, a, s)
    check_gradients(fn, a, s)


# ---- 6. UntypedStorage indexing, is_shared, is_pinned ----

def _storage(L):
    return L.tensor([1, 2, 258], dtype=L.int16).untyped_storage()


@pytest.mark.parametrize("key", [0, 1, -1, 5, -6, 6, -7, np.int64(4), slice(1, 4),
                                 slice(4, 2), slice(-2, None), slice(10, 20), slice(None, None, 2),
                                 slice(None, None, -1), 1.0, True, None, "a"])
def test_untyped_storage_getitem_matches_torch(key):
    def fn(L):
        out = _storage(L)[key]
        return ("storage", out.tolist(), out.nbytes()) if hasattr(out, "nbytes") else out
    same_as_torch(fn)
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and -6 <= key < 6:
        assert type(_storage(ember)[key]) is int


def test_untyped_storage_slice_shares_memory():
    t = ember.tensor([1, 2, 258], dtype=ember.int16)
    s = t.untyped_storage()
    part = s[1:4]
    assert part.data_ptr() == s.data_ptr() + 1 and len(part) == 3
    s[5] = 2
    part[0] = 1
    assert t.tolist() == [257, 2, 514]


@pytest.mark.parametrize("key, value", [
    (0, 7), (1, 300), (1, -1), (5, True), (-1, 5), (6, 1), (slice(0, 2), 9),
    (slice(0, 4, 2), 1), (1.0, 2), (True, 3), (0, 1.5), (0, np.int64(4)), (0, "tensor"),
])
def test_untyped_storage_setitem_matches_torch(key, value):
    def fn(L):
        t = L.tensor([1, 2, 258], dtype=L.int16)
        t.untyped_storage()[key] = L.tensor(6) if value == "tensor" else value
        return t
    same_as_torch(fn)


def test_untyped_storage_is_shared_is_pinned():
    def fn(L):
        t = L.ones(3)
        s = t.untyped_storage()
        before = [s.is_shared(), s.is_pinned(), s.is_pinned("cuda")]
        t.share_memory_()
        return before + [s.is_shared(), t.untyped_storage().is_shared(),
                         t[1:].untyped_storage().is_shared(), s[4:].is_shared()]
    same_as_torch(fn)
