"""as_strided (views, bounds, gradients), Tensor.storage(), share_memory_/is_shared and
pin_memory/is_pinned."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember.ops import memory
from test_ops_tensor_extra_c_common import check_grads, same_as_torch

STRIDED = {
    "basic": lambda L: L.as_strided(L.arange(9.), (2, 2), (1, 2)),
    "offset": lambda L: L.arange(9.).as_strided((2, 2), (3, 1), 1),
    "offset_kw": lambda L: L.arange(9.).as_strided((2, 2), (3, 1), storage_offset=2),
    "keywords": lambda L: L.as_strided(L.arange(9.), size=(2,), stride=(2,), storage_offset=1),
    "view_default_offset": lambda L: L.arange(9.)[2:].as_strided((2, 2), (3, 1)),
    "view_offset_of_result": lambda L: L.arange(9.)[2:].as_strided((2, 2), (3, 1))
    .storage_offset(),
    "view_explicit_offset": lambda L: L.arange(9.)[2:].as_strided((2, 2), (3, 1), 0),
    "transposed_input": lambda L: L.arange(9.).reshape(3, 3).t().as_strided((3,), (4,)),
    "result_strides": lambda L: L.arange(9.).reshape(3, 3).as_strided((2, 2), (1, 3)).stride(),
    "chained": lambda L: L.arange(9.).as_strided((3, 3), (1, 1)).as_strided((2,), (2,), 3),
    "int32": lambda L: L.arange(9, dtype=L.int32).as_strided((2, 2), (1, 1)),
    "zero_strides": lambda L: L.arange(9.).as_strided((2, 2), (0, 0)),
    "empty_far_offset": lambda L: L.arange(9.).as_strided((0, 2), (100, 1), 100),
    "scalar": lambda L: L.arange(9.).as_strided((), (), 4),
    "whole": lambda L: L.arange(9.).as_strided((3, 3), (3, 1), 0),
    "err_bounds": lambda L: L.arange(9.).as_strided((2, 2), (3, 1), 8),
    "err_bounds_one_past": lambda L: L.arange(9.).as_strided((10,), (1,), 0),
    "err_neg_offset": lambda L: L.arange(9.).as_strided((2, 2), (3, 1), -1),
    "err_lengths": lambda L: L.arange(9.).as_strided((2, 2), (3,)),
    "err_neg_size": lambda L: L.arange(9.).as_strided((2, -2), (3, 1)),
    "err_neg_stride": lambda L: L.arange(9.).as_strided((2, 2), (3, -1)),
    "err_float_size": lambda L: L.arange(9.).as_strided((2.5, 2), (3, 1)),
    "err_float_stride": lambda L: L.arange(9.).as_strided((2, 2), (1., 1)),
}


@pytest.mark.parametrize("name", sorted(STRIDED))
def test_as_strided_same_as_torch(name):
    same_as_torch(STRIDED[name])


def test_as_strided_shares_memory_and_version():
    x = ember.arange(9.)
    y = x.as_strided((3,), (3,))
    assert y._base is x and y.data_ptr() == x.data_ptr()
    y[0] = 100.
    assert x[0].item() == 100. and x._version == y._version
    x[3] = -1.
    assert y.tolist() == [100., -1., 6.]


def test_as_strided_view_inplace_autograd():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        a = lib.arange(6., requires_grad=True)
        b = a * 1
        b.as_strided((2,), (2,), 1).mul_(3)
        (b * lib.arange(6.)).sum().backward()
        assert b.tolist() == a.grad.tolist() == [0., 3., 2., 9., 4., 5.]
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            lib.arange(6., requires_grad=True).as_strided((2,), (1,)).add_(1)


def test_as_strided_overlapping_result_rejects_inplace():
    y = ember.arange(4.).as_strided((2, 2), (1, 1))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.add_(1)
    z = ember.arange(4.).as_strided((2, 2), (2, 1))
    z.add_(1)  # a non-overlapping layout stays writable
    assert z.tolist() == [[1., 2.], [3., 4.]]


def test_as_strided_matches_numpy():
    base = np.arange(40.)
    for size, stride, off in [((3, 4), (5, 1), 2), ((2, 3, 2), (12, 1, 6), 0), ((5,), (7,), 3)]:
        ref = np.lib.stride_tricks.as_strided(base[off:], size, tuple(8 * s for s in stride))
        np.testing.assert_array_equal(ember.tensor(base).as_strided(size, stride, off).numpy(),
                                      ref)


GRADS = {
    "overlapping_out": (lambda L, a: a.as_strided((3, 3), (1, 1)), (9,)),
    "offset": (lambda L, a: a.as_strided((2, 2), (3, 1), 1), (9,)),
    "expanded_input": (lambda L, a: a.expand(3, 9).as_strided((2,), (1,)), (9,)),
    "fresh_input": (lambda L, a: (a[2:] * 1).as_strided((2,), (1,), 0), (6,)),
    "view_input": (lambda L, a: (a * 1)[2:].as_strided((3,), (1,), 3), (6,)),
    "transposed_input": (lambda L, a: a.view(2, 3).t().as_strided((3,), (2,), 1), (6,)),
    "zero_stride": (lambda L, a: a.view(2, 3).t().as_strided((2, 2), (0, 1), 1), (6,)),
    "chained": (lambda L, a: a.as_strided((2, 3), (3, 1)).as_strided((4,), (1,), 1), (6,)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_as_strided_gradients(name):
    fn, *shapes = GRADS[name]
    check_grads(fn, *shapes)
    x = ember.ones(*shapes[0], requires_grad=True)
    assert type(fn(ember, x).grad_fn).__name__ == "AsStridedBackward0"


def test_as_strided_gradient_ignores_storage_outside_the_input():
    # PyTorch's backward only sees the input's own elements: reading storage outside a view
    # gives those elements no gradient (as in PyTorch)
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        a = lib.arange(6., dtype=lib.float64).requires_grad_()
        y = (a * 1)[2:].as_strided((3,), (1,), 1)
        (g,) = lib.autograd.grad(y.sum(), a)
        assert g.tolist() == [0., 0., 1., 1., 0., 0.]


@pytest.fixture
def fresh_typed_warning(monkeypatch):
    monkeypatch.setattr(memory, "_warned", False)


def _typed_storage_checks(lib):
    base = lib.arange(4.)
    st = base[1:].storage()
    assert (st.size(), len(st), st.element_size(), st.nbytes()) == (4, 4, 4, 16)
    assert st.tolist() == [0., 1., 2., 3.] and list(st) == [0., 1., 2., 3.]
    assert (st[0], st[-1], st.dtype, st.device.type) == (0., 3., lib.float32, "cpu")
    assert st.data_ptr() == base.data_ptr() and st.type() == "torch.FloatStorage"
    assert not st.is_shared() and not st.is_pinned() and not st.is_cuda
    assert st.untyped().nbytes() == 16
    st[0] = 9.
    assert base[0].item() == 9.
    st.fill_(2)
    assert base.tolist() == [2.] * 4
    clone = st.clone()
    clone[1] = 5.
    assert base[1].item() == 2.
    with pytest.raises(IndexError, match="index 10 out of range for storage of size 4"):
        st[10]
    with pytest.raises(RuntimeError, match="slices are only supported in UntypedStorage"):
        st[1:3]
    return repr(st), repr(lib.tensor([1, 2], dtype=lib.int32).storage()), \
        repr(lib.tensor([], dtype=lib.bool).storage())


def test_storage_typed_api():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn once that TypedStorage is old
        assert _typed_storage_checks(ember) == _typed_storage_checks(torch)


def test_storage_warns_once(fresh_typed_warning):
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        ember.ones(2).storage()
    ember.ones(2).storage()  # no second warning (filterwarnings = error would raise)


def test_share_memory_marks_the_storage():
    x = ember.arange(6.).reshape(2, 3)
    view = x[1]
    assert not x.is_shared() and not view.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and view.is_shared()  # views share the storage
    assert not x.clone().is_shared()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert x.storage().is_shared()


def test_pin_memory_without_accelerator(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(memory, "_accelerator_available", lambda: False)
    for lib in (ember, torch):
        x = lib.arange(3.)
        assert x.is_pinned() is False
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is "
                                               "available."):
            x.pin_memory()


def test_pin_memory_with_accelerator(monkeypatch):
    monkeypatch.setattr(memory, "_accelerator_available", lambda: True)
    x = ember.arange(3.)
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned() and p.tolist() == [0., 1., 2.]
    assert p.data_ptr() != x.data_ptr() and p.pin_memory() is p
