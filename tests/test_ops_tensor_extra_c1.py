"""meshgrid, cartesian_prod, combinations, block_diag, rot90, atleast_*d, h/v/dsplit, dstack,
column_stack, row_stack, ravel and masked_scatter: values, dtypes, errors, views, gradients."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember
from test_ops_tensor_extra_c_common import check_grads, same_as_torch


CASES = {
    # meshgrid
    "mesh_ij": lambda L: L.meshgrid(L.arange(3), L.arange(2), indexing="ij"),
    "mesh_xy_list": lambda L: L.meshgrid([L.arange(3), L.arange(2)], indexing="xy"),
    "mesh_xy_3": lambda L: L.meshgrid(L.arange(3), L.arange(1), L.arange(4), indexing="xy"),
    "mesh_one": lambda L: L.meshgrid(L.arange(3), indexing="xy"),
    "mesh_0d": lambda L: L.meshgrid(L.tensor(1.), L.tensor([2., 3]), indexing="xy"),
    "mesh_empty_dim": lambda L: L.meshgrid(L.arange(3), L.tensor([], dtype=L.long),
                                           indexing="xy"),
    "mesh_strides": lambda L: [g.stride() for g in
                               L.meshgrid(L.arange(3), L.arange(2), indexing="xy")],
    "mesh_err_dtype": lambda L: L.meshgrid(L.arange(3), L.arange(2.), indexing="ij"),
    "mesh_err_2d": lambda L: L.meshgrid(L.arange(3).reshape(3, 1), indexing="ij"),
    "mesh_err_indexing": lambda L: L.meshgrid(L.arange(3), L.arange(3), indexing="foo"),
    "mesh_err_type": lambda L: L.meshgrid(L.arange(3), 3, indexing="xy"),
    "mesh_err_empty": lambda L: L.meshgrid(indexing="ij"),
    # cartesian_prod / combinations
    "cart_2": lambda L: L.cartesian_prod(L.tensor([1, 2]), L.tensor([3, 4, 5])),
    "cart_3": lambda L: L.cartesian_prod(L.tensor([1, 2]), L.tensor([3, 4]), L.tensor([5, 6])),
    "cart_1": lambda L: L.cartesian_prod(L.tensor([1., 2])),
    "cart_empty": lambda L: L.cartesian_prod(L.tensor([1, 2]), L.tensor([], dtype=L.long)),
    "cart_err_dtype": lambda L: L.cartesian_prod(L.tensor([1, 2]), L.tensor([3.])),
    "cart_err_0d": lambda L: L.cartesian_prod(L.tensor(1), L.tensor([3])),
    "cart_err_none": lambda L: L.cartesian_prod(),
    "comb_2": lambda L: L.combinations(L.tensor([1, 2, 3, 4])),
    "comb_3": lambda L: L.combinations(L.tensor([1., 2, 3, 4]), r=3),
    "comb_repl": lambda L: L.combinations(L.tensor([1, 2, 3]), 2, True),
    "comb_r_too_big": lambda L: L.combinations(L.tensor([1, 2, 3]), r=4),
    "comb_r0": lambda L: L.combinations(L.tensor([1., 2, 3]), r=0),
    "comb_one_repl": lambda L: L.combinations(L.tensor([5.]), r=2, with_replacement=True),
    "comb_empty": lambda L: L.combinations(L.tensor([], dtype=L.long)),
    "comb_err_neg": lambda L: L.combinations(L.tensor([1, 2, 3]), r=-1),
    "comb_err_2d": lambda L: L.combinations(L.tensor([[1, 2, 3]])),
    # block_diag
    "bd_mixed": lambda L: L.block_diag(L.ones(2, 2), L.tensor([1., 2]), L.tensor(5.),
                                       L.ones(0, 3), L.ones(2, 0)),
    "bd_none": lambda L: L.block_diag(),
    "bd_promote": lambda L: L.block_diag(L.ones(2, 2, dtype=L.int32),
                                         L.ones(1, dtype=L.float64)),
    "bd_bool": lambda L: L.block_diag(L.ones(2, 2, dtype=L.int32), L.tensor([True])),
    "bd_0d_float": lambda L: L.block_diag(L.ones(2, 2, dtype=L.int32), L.tensor(2.5)),
    "bd_err_3d": lambda L: L.block_diag(L.ones(2, 2, 2)),
    "bd_err_type": lambda L: L.block_diag(L.ones(2, 2), 3),
    # rot90
    "rot_1": lambda L: L.rot90(L.arange(6).reshape(2, 3)),
    "rot_2": lambda L: L.rot90(L.arange(6).reshape(2, 3), 2),
    "rot_neg": lambda L: L.rot90(L.arange(6).reshape(2, 3), -1),
    "rot_5_swapped": lambda L: L.rot90(L.arange(6).reshape(2, 3), 5, [1, 0]),
    "rot_3d": lambda L: L.rot90(L.arange(24).reshape(2, 3, 4), -3, [2, 0]),
    "rot_method": lambda L: L.arange(6).reshape(2, 3).rot90(3, (0, -1)),
    "rot_strides": lambda L: [L.rot90(L.arange(6).reshape(2, 3), k).stride() for k in range(4)],
    "rot_err_same": lambda L: L.rot90(L.arange(6).reshape(2, 3), 1, [0, -2]),
    "rot_err_ndims": lambda L: L.rot90(L.arange(6).reshape(2, 3), 1, [0]),
    "rot_err_range": lambda L: L.rot90(L.arange(6).reshape(2, 3), 1, [0, 2]),
    "rot_err_1d": lambda L: L.rot90(L.arange(3)),
    "rot_err_k": lambda L: L.rot90(L.arange(6).reshape(2, 3), 1.5),
    # dstack / column_stack / row_stack / ravel
    "dstack_1d": lambda L: L.dstack([L.tensor([1, 2, 3]), L.tensor([4., 5, 6])]),
    "dstack_3d": lambda L: L.dstack([L.ones(2, 3, 2), L.ones(2, 3, 1)]),
    "dstack_0d": lambda L: L.dstack([L.tensor(1), L.tensor(2)]),
    "dstack_err_empty": lambda L: L.dstack([]),
    "dstack_err_tensor": lambda L: L.dstack(L.ones(3)),
    "colstack_1d": lambda L: L.column_stack([L.tensor([1, 2, 3]), L.tensor([4., 5, 6])]),
    "colstack_0d": lambda L: L.column_stack([L.tensor(1), L.tensor(2)]),
    "colstack_mixed": lambda L: L.column_stack([L.tensor([1, 2, 3]), L.ones(3, 2)]),
    "colstack_3d": lambda L: L.column_stack([L.ones(2, 3, 4), L.ones(2, 3, 4)]),
    "colstack_err_rows": lambda L: L.column_stack([L.tensor([1, 2, 3]), L.ones(2, 2)]),
    "colstack_err_empty": lambda L: L.column_stack([]),
    "rowstack_1d": lambda L: L.row_stack([L.tensor([1, 2, 3]), L.tensor([4., 5, 6])]),
    "rowstack_0d": lambda L: L.row_stack([L.tensor(1), L.tensor(2)]),
    "rowstack_err_empty": lambda L: L.row_stack([]),
    "rowstack_err_cols": lambda L: L.row_stack([L.tensor([1, 2, 3]), L.tensor([1, 2])]),
    "ravel": lambda L: L.arange(6.).reshape(2, 3).ravel(),
    "ravel_t": lambda L: L.arange(6.).reshape(2, 3).t().ravel(),
    "ravel_0d": lambda L: L.ravel(L.tensor(1.)),
    # masked_scatter
    "ms_basic": lambda L: L.masked_scatter(L.zeros(2, 3), _mask(L), L.arange(1., 7).reshape(2, 3)),
    "ms_bcast_mask": lambda L: L.zeros(2, 3).masked_scatter(_mask(L)[0], L.arange(1., 7)),
    "ms_bcast_self": lambda L: L.zeros(3).masked_scatter(_mask(L), L.arange(1., 7)),
    "ms_long": lambda L: L.zeros(3, dtype=L.long).masked_scatter(L.tensor([True, False, True]),
                                                                  L.tensor([7, 8, 9])),
    "ms_0d": lambda L: L.tensor(1.).masked_scatter(L.tensor(True), L.tensor([5., 6])),
    "ms_empty": lambda L: L.zeros(0, 3).masked_scatter(L.ones(3, dtype=L.bool), L.ones(0)),
    "ms_err_short": lambda L: L.zeros(2, 3).masked_scatter(_mask(L), L.tensor([1., 2])),
    "ms_err_mask_dtype": lambda L: L.zeros(2, 3).masked_scatter(_mask(L).byte(), L.ones(6)),
    "ms_err_src_dtype": lambda L: L.zeros(2, 3).masked_scatter(_mask(L), L.ones(6).double()),
    "ms_err_bcast": lambda L: L.zeros(2, 3).masked_scatter(L.ones(2, 4, dtype=L.bool),
                                                           L.ones(8)),
    "ms_err_src_type": lambda L: L.zeros(2, 3).masked_scatter(_mask(L), 1.0),
    "ms_inplace": lambda L: L.zeros(2, 3).masked_scatter_(_mask(L)[0], L.arange(1., 7)),
    "ms_inplace_err_bigger_mask": lambda L: L.zeros(3).masked_scatter_(_mask(L), L.ones(6)),
    "ms_inplace_err_shape": lambda L: L.zeros(2, 3).masked_scatter_(L.ones(2, 4, dtype=L.bool),
                                                                    L.ones(8)),
}


def _mask(L):
    return L.tensor([[True, False, True], [False, True, False]])


for _f in ("atleast_1d", "atleast_2d", "atleast_3d"):
    for _i, _shape in enumerate([(), (2,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]):
        CASES[f"{_f}_{_i}"] = lambda L, f=_f, s=_shape: getattr(L, f)(L.ones(s))
    CASES[f"{_f}_many"] = lambda L, f=_f: getattr(L, f)(L.tensor(1.), L.tensor([1, 2]))
    CASES[f"{_f}_list"] = lambda L, f=_f: getattr(L, f)([L.tensor(1.), L.ones(2, 3)])
    CASES[f"{_f}_none"] = lambda L, f=_f: getattr(L, f)()
    CASES[f"{_f}_err_int"] = lambda L, f=_f: getattr(L, f)(1)
    CASES[f"{_f}_err_elem"] = lambda L, f=_f: getattr(L, f)([L.tensor(1.), 2])
for _f in ("hsplit", "vsplit", "dsplit"):
    for _spec in (3, 2, [1, 2], [2, 1], (5,), [-1], [], 0, -1, -2, 1.5):
        CASES[f"{_f}_{_spec}"] = lambda L, f=_f, s=_spec: getattr(L, f)(
            L.arange(24.).reshape(2, 3, 4), s)
    CASES[f"{_f}_method"] = lambda L, f=_f: getattr(L.arange(24.).reshape(2, 3, 4), f)(1)
    CASES[f"{_f}_err_1d"] = lambda L, f=_f: getattr(L, f)(L.arange(6.), 2)
    CASES[f"{_f}_err_0d"] = lambda L, f=_f: getattr(L, f)(L.tensor(1.), 1)
    CASES[f"{_f}_2d"] = lambda L, f=_f: getattr(L, f)(L.ones(2, 3), 3)
CASES["hsplit_1d_indices"] = lambda L: L.hsplit(L.arange(6), [2, 4])


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_torch(name):
    same_as_torch(CASES[name])


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        xs, ys = ember.meshgrid(ember.arange(3), ember.arange(2))
    assert xs.shape == (3, 2) and ys.tolist() == [[0, 1]] * 3


def test_meshgrid_outputs_are_views():
    a = ember.arange(3.)
    xs, _ = ember.meshgrid(a, ember.arange(2.), indexing="ij")
    assert xs._base is a and xs.data_ptr() == a.data_ptr()


def test_combinations_match_itertools():
    vals = [3, 1, 4, 1, 5]
    t = ember.tensor(vals)
    for r in range(1, 4):
        assert ember.combinations(t, r).tolist() == [list(c) for c in
                                                       itertools.combinations(vals, r)]
        assert ember.combinations(t, r, with_replacement=True).tolist() == [
            list(c) for c in itertools.combinations_with_replacement(vals, r)]


def test_ravel_is_a_view_when_contiguous():
    x = ember.arange(6.).reshape(2, 3)
    assert x.ravel().data_ptr() == x.data_ptr()
    assert x.t().ravel().data_ptr() != x.data_ptr()


def test_block_diag_and_rot90_against_numpy():
    a, b = np.arange(6.).reshape(2, 3), np.arange(4.).reshape(4, 1)
    out = ember.block_diag(ember.tensor(a), ember.tensor(b)).numpy()
    ref = np.zeros((6, 4))
    ref[:2, :3], ref[2:, 3:] = a, b
    np.testing.assert_array_equal(out, ref)
    x = np.arange(24).reshape(2, 3, 4)
    for k in range(-5, 6):
        np.testing.assert_array_equal(ember.rot90(ember.tensor(x), k, (1, 2)).numpy(),
                                      np.rot90(x, k, (1, 2)))


def test_masked_scatter_inplace_autograd_and_version():
    x = ember.zeros(2, 3, requires_grad=True)
    src = ember.arange(1., 7., requires_grad=True)
    y = x * 1
    v = y._version
    assert y.masked_scatter_(_mask(ember), src) is y
    assert y._version == v + 1 and type(y.grad_fn).__name__ == "MaskedScatterBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [[0., 1., 0.], [1., 0., 1.]]
    assert src.grad.tolist() == [1., 1., 1., 0., 0., 0.]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.masked_scatter_(_mask(ember), src)


GRADS = {
    "meshgrid": (lambda L, a, b: L.meshgrid(a, b, indexing="xy")[0] * 2 +
                 L.meshgrid(a, b, indexing="xy")[1], (3,), (4,)),
    "cartesian_prod": (lambda L, a, b: L.cartesian_prod(a, b), (3,), (2,)),
    "combinations": (lambda L, a: L.combinations(a, 3), (5,)),
    "combinations_repl": (lambda L, a: L.combinations(a, 2, True), (4,)),
    "block_diag": (lambda L, a, b, c: L.block_diag(a, b, c), (2, 3), (4,), ()),
    "rot90_1": (lambda L, a: L.rot90(a, 1, (0, 2)), (2, 3, 2)),
    "rot90_2": (lambda L, a: L.rot90(a, 2), (2, 3)),
    "rot90_3": (lambda L, a: L.rot90(a, -1), (2, 3)),
    "rot90_0": (lambda L, a: L.rot90(a, 4), (2, 3)),
    "atleast_3d": (lambda L, a: L.atleast_3d(a), (3,)),
    "dstack": (lambda L, a, b: L.dstack([a, b]), (2, 3), (2, 3)),
    "column_stack": (lambda L, a, b: L.column_stack([a, b]), (3,), (3, 2)),
    "row_stack": (lambda L, a, b: L.row_stack([a, b]), (3,), (2, 3)),
    "hsplit": (lambda L, a: L.hsplit(a, [1, 3])[1], (2, 4)),
    "vsplit": (lambda L, a: L.vsplit(a, 2)[1], (4, 2)),
    "dsplit": (lambda L, a: L.dsplit(a, [3, 1])[2], (1, 2, 4)),
    "ravel": (lambda L, a: L.ravel(a.t()), (2, 3)),
    "masked_scatter": (lambda L, a, s: a.masked_scatter(
        L.tensor([[True, False, True], [False, True, True]]), s), (2, 3), (7,)),
    "masked_scatter_bcast": (lambda L, a, s: a.masked_scatter(L.tensor([True, False, True]), s),
                             (2, 3), (2, 3)),
    "masked_scatter_": (lambda L, a, s: (a * 1).masked_scatter_(L.tensor([True, False, True]), s),
                        (2, 3), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name):
    fn, *shapes = GRADS[name]
    check_grads(fn, *shapes)


@pytest.mark.parametrize("module", ["grids", "combine", "strided", "bucket", "math_extra",
                                    "distance", "stats_extra"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    mod = importlib.import_module(f"ember.ops.{module}")
    result = doctest.testmod(mod, extraglobs={"ember": ember})
    assert result.attempted and not result.failed
