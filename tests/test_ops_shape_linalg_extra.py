"""diagonal, diag_embed, diff, tril/triu_indices, kron, cross, einsum diagonals, broadcasting."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import ember
from helpers import check_op, rand_array as R

torch = pytest.importorskip("torch")


def _raises_like(fn):
    """``fn(lib)`` raises the same exception type and message in ember and torch."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


# ---- diagonal ----
@pytest.mark.parametrize("args", [(), (1,), (-1,), (0, 1, 2), (2, 2, 0), (-1, -1, 0), (9, 0, 1),
                                  (-9, 0, 2)])
def test_diagonal(args):
    check_op(lambda t, x: t.diagonal(x, *args), R((3, 4, 2)))


def test_diagonal_method_and_keywords():
    check_op(lambda t, x: x.diagonal(offset=1, dim1=-1, dim2=0), R((3, 4)))


def test_diagonal_is_a_writable_view():
    x = ember.zeros(3, 4)
    d = x.diagonal(1)
    assert d._base is x
    d.fill_(5.0)
    tx = torch.zeros(3, 4)
    tx.diagonal(1).fill_(5.0)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert x._version == d._version


def test_diagonal_inplace_on_view_gradient():
    for lib in (ember, torch):
        w = lib.arange(9.0).reshape(3, 3).requires_grad_(True)
        y = w * 2
        y.diagonal().mul_(3)
        (y * lib.arange(9.0).reshape(3, 3)).sum().backward()
        if lib is ember:
            eg = w.grad.numpy()
        else:
            np.testing.assert_allclose(eg, w.grad.numpy())


def test_diagonal_grad_fn_names():
    x = ember.ones(3, 3, requires_grad=True)
    assert x.diagonal().grad_fn.name() == "DiagonalBackward0"
    assert x.diag_embed().grad_fn.name() == "DiagEmbedBackward0"


@pytest.mark.parametrize("fn", [
    lambda L: L.diagonal(L.ones(3, 4), 0, 0, -2),
    lambda L: L.diagonal(L.ones(3), 0),
    lambda L: L.diagonal(L.tensor(1.0)),
    lambda L: L.diagonal(L.ones(3, 4), 0, 0, 2),
])
def test_diagonal_errors(fn):
    _raises_like(fn)


# ---- diag_embed ----
@pytest.mark.parametrize("args", [(), (1,), (-2,), (1, 0, 2), (0, 2, 0), (-1, -1, 1)])
def test_diag_embed(args):
    check_op(lambda t, x: t.diag_embed(x, *args), R((2, 3)))


def test_diag_embed_1d_and_int():
    check_op(lambda t, x: x.diag_embed(), R((4,)))
    a = ember.tensor([1, 2, 3]).diag_embed(1)
    b = torch.tensor([1, 2, 3]).diag_embed(1)
    assert a.dtype == ember.int64
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn", [
    lambda L: L.diag_embed(L.ones(2, 3), 1, 0, 0),
    lambda L: L.diag_embed(L.ones(2, 3), 1, 0, 3),
    lambda L: L.diag_embed(L.tensor(1.0)),
])
def test_diag_embed_errors(fn):
    _raises_like(fn)


# ---- diff ----
@pytest.mark.parametrize("n,dim", [(1, -1), (2, -1), (1, 0), (3, 1), (0, 0), (6, 1)])
def test_diff(n, dim):
    check_op(lambda t, x: t.diff(x, n=n, dim=dim), R((3, 4)))


def test_diff_prepend_append():
    check_op(lambda t, x, p, a: t.diff(x, 2, 0, prepend=p, append=a),
             R((3, 2)), R((1, 2)), R((2, 2)))
    check_op(lambda t, x, a: x.diff(append=a), R((2, 3)), R((2, 1)))


@pytest.mark.parametrize("data", [[True, False, False, True], [3, 1, 4, 1, 5]])
def test_diff_non_float(data):
    for n in (1, 2):
        a, b = ember.tensor(data).diff(n), torch.tensor(data).diff(n)
        assert a.dtype.name == str(b.dtype)[6:]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_diff_promotes_prepend():
    a = ember.diff(ember.arange(4), prepend=ember.tensor([2.5]))
    b = torch.diff(torch.arange(4), prepend=torch.tensor([2.5]))
    assert a.dtype == ember.float32
    np.testing.assert_allclose(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn", [
    lambda L: L.diff(L.tensor(1.0)),
    lambda L: L.diff(L.arange(5.0), n=-1),
    lambda L: L.diff(L.arange(5.0), prepend=L.zeros(2, 2)),
    lambda L: L.diff(L.arange(5.0), prepend=L.tensor(2.0)),
    lambda L: L.diff(L.arange(5.0), prepend=2.0),
    lambda L: L.diff(L.zeros(2, 3), append=L.zeros(3, 1), dim=1),
    lambda L: L.diff(L.zeros(2, 3), dim=2),
    lambda L: L.diff(L.zeros(2, 3), n=1.5),
])
def test_diff_errors(fn):
    _raises_like(fn)


# ---- tril_indices / triu_indices ----
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col,offset", [(3, 4, 0), (3, 4, 1), (4, 3, -1), (3, 3, 10),
                                            (3, 3, -10), (0, 4, 0), (1, 1, 0), (5, 2, -2)])
def test_tri_indices(name, row, col, offset):
    a = getattr(ember, name)(row, col, offset)
    b = getattr(torch, name)(row, col, offset)
    assert a.dtype == ember.int64 and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tri_indices_dtype_device():
    a = ember.triu_indices(3, 3, dtype=ember.int32, device="cpu")
    b = torch.triu_indices(3, 3, dtype=torch.int32, device="cpu")
    assert a.dtype == ember.int32 and a.device.type == "cpu"
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn", [
    lambda L: L.tril_indices(-1, 4),
    lambda L: L.triu_indices(3, -2),
    lambda L: L.tril_indices(3, 3, dtype=L.float32),
    lambda L: L.triu_indices(3, 3, dtype=L.int16),
])
def test_tri_indices_errors(fn):
    _raises_like(fn)


# ---- kron ----
@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 2)), ((3,), (2,)), ((2, 3), (2,)), ((2,), (1, 3)),
                                   ((2, 1, 2), (2, 3)), ((), (2,)), ((2, 2), ())])
def test_kron(sa, sb):
    check_op(lambda t, a, b: t.kron(a, b), R(sa), R(sb))


def test_kron_method_dtypes():
    check_op(lambda t, a, b: a.kron(b), R((2, 2)), R((2, 1)))
    a = ember.kron(ember.ones(2, 3, dtype=ember.int64), ember.ones(2))
    assert a.dtype == ember.float32 and tuple(a.shape) == (2, 6)
    _raises_like(lambda L: L.kron(L.ones(2, 3), 2))


# ---- cross / linalg.cross ----
def test_cross_with_dim():
    check_op(lambda t, a, b: t.cross(a, b, dim=1), R((2, 3)), R((2, 3)))
    check_op(lambda t, a, b: a.cross(b, dim=-2), R((3, 2)), R((3, 1)))
    check_op(lambda t, a, b: t.cross(a, b, 0), R((3,)), R((3,)))


def test_cross_default_dim_warns():
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        a = ember.cross(ember.tensor([[1.0, 0, 0]]), ember.tensor([[0.0, 1, 0], [0, 0, 1]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = torch.cross(torch.tensor([[1.0, 0, 0]]), torch.tensor([[0.0, 1, 0], [0, 0, 1]]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_linalg_cross():
    from ember.ops.linalg import linalg_cross
    for sa, sb, dim in [((4, 3), (4, 3), -1), ((2, 1, 3), (1, 4, 3), -1), ((3, 2), (3, 2), 0)]:
        check_op(lambda t, a, b: (linalg_cross if t is ember else torch.linalg.cross)(a, b,
                                                                                      dim=dim),
                 R(sa), R(sb))


@pytest.mark.parametrize("fn", [
    lambda L: L.cross(L.ones(4, 3), L.ones(4, 3), dim=0),
    lambda L: L.cross(L.ones(4, 3), L.ones(3), dim=1),
    lambda L: L.cross(L.ones(3, 2), L.ones(1, 2), dim=0),
    lambda L: L.cross(L.ones(3, 4, dtype=L.int64), L.ones(3, 4), dim=0),
    lambda L: L.cross(L.ones(4, 3), L.ones(2, 3), dim=1),
    lambda L: L.cross(L.ones(4, 3), L.ones(4, 3), dim=-3),
])
def test_cross_errors(fn):
    _raises_like(fn)


def test_cross_no_dim_of_size_3():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(lambda L: L.cross(L.ones(4, 2), L.ones(4, 2)))


# ---- einsum with a repeated index in one operand ----
@pytest.mark.parametrize("eq,shapes", [
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("bii->bi", [(2, 3, 3)]),
    ("iii->i", [(2, 2, 2)]), ("iji->j", [(2, 3, 2)]), ("ii,i->i", [(3, 3), (3,)]),
    ("ij,kk->ij", [(2, 3), (2, 2)]), ("iijj->ij", [(2, 2, 3, 3)]), ("...ii->...i", [(2, 3, 3)]),
    ("bii,bj->bij", [(2, 3, 3), (2, 2)]),
])
def test_einsum_repeated_index(eq, shapes):
    check_op(lambda t, *xs: t.einsum(eq, *xs), *[R(s) for s in shapes])


# ---- broadcast_shapes / broadcast_tensors ----
@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((2, 1), (1, 4), (3, 1, 1)), (3, (2, 1)),
                                    ((2, 0), (1, 1)), ((),), ()])
def test_broadcast_shapes(shapes):
    a = ember.broadcast_shapes(*shapes)
    assert isinstance(a, ember.Size) and a == torch.broadcast_shapes(*shapes)


@pytest.mark.parametrize("fn", [
    lambda L: L.broadcast_shapes((2, 3), (4, 3)),
    lambda L: L.broadcast_shapes((2, 3), (3,), (4, 1, 2)),
    lambda L: L.broadcast_shapes(3, (2, 4)),
    lambda L: L.broadcast_shapes([2, 3], [1, 4, 5]),
    lambda L: L.broadcast_shapes((2, 0), (2, 3)),
    lambda L: L.broadcast_shapes((2, -1)),
    lambda L: L.broadcast_shapes((2, 3), 2.0),
    lambda L: L.broadcast_tensors(L.zeros(2, 3), L.zeros(4, 3)),
    lambda L: L.broadcast_tensors(L.zeros(2, 3), L.zeros(4, 5)),
    lambda L: L.broadcast_tensors(L.zeros(2, 3), L.zeros(3), L.zeros(4, 1, 2)),
    lambda L: L.broadcast_tensors([L.zeros(2, 3), L.zeros(3)]),
])
def test_broadcast_errors(fn):
    _raises_like(fn)


def test_broadcast_tensors():
    check_op(lambda t, a, b, c: t.broadcast_tensors(a, b, c), R((2, 1)), R((3,)), R((1, 1, 1)))
    a = ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))
    assert [tuple(x.shape) for x in a] == [(2, 3), (2, 3)]
    assert a[0].stride() == (1, 0) and a[0]._base is not None
    assert ember.broadcast_tensors() == ()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                   "int16", "int8", "uint8", "bool"])
def test_linspace_is_value_for_value_torchs(dtype):
    """The same values as PyTorch's CPU kernel (two ramps, fused multiply-adds, half rounding,
    integer truncation) and the same errors, not just close ones."""
    for start, end in ((-1, 1), (0, 10), (0.5, 9.7), (-3, 7), (0, 255), (-3.7, 2.2), (5, -5),
                       (100, 3), (0, 300), (1e-3, 1e3)):
        for steps in (0, 1, 2, 3, 4, 5, 7, 16, 33, 100, 1001):
            got = want = None
            try:
                want = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
            except (RuntimeError, NotImplementedError) as e:
                with pytest.raises(type(e), match=re.escape(str(e))):
                    ember.linspace(start, end, steps, dtype=getattr(ember, dtype))
                continue
            got = ember.linspace(start, end, steps, dtype=getattr(ember, dtype))
            assert got.float().numpy().tolist() == want.float().numpy().tolist(), \
                (start, end, steps)


def test_squeeze_node_names_follow_torchs_overloads():
    for lib in (ember, torch):
        x = lib.ones(1, 3, 1, requires_grad=True)
        names = [type(t.grad_fn).__name__ for t in (x.squeeze(), x.squeeze(0),
                                                    x.squeeze((0, 2)))]
        assert names == ["SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2"], lib
