"""searchsorted, bucketize, isin, histogram and unique_consecutive against PyTorch and NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from test_ops_tensor_extra_c_common import same_as_torch


def _s(L):
    return L.tensor([1, 3, 5, 7, 9])


def _v(L):
    return L.tensor([[3, 6, 9], [3, 6, 9]])


NAN = float("nan")
CASES = {
    "ss_left": lambda L: L.searchsorted(_s(L), _v(L)),
    "ss_right": lambda L: L.searchsorted(_s(L), _v(L), right=True),
    "ss_side_right": lambda L: L.searchsorted(_s(L), _v(L), side="right"),
    "ss_side_left": lambda L: L.searchsorted(_s(L), _v(L), side="left", right=False),
    "ss_both_right": lambda L: L.searchsorted(_s(L), _v(L), side="right", right=True),
    "ss_int32": lambda L: L.searchsorted(_s(L), _v(L), out_int32=True, right=True),
    "ss_scalar_int": lambda L: L.searchsorted(_s(L), 5),
    "ss_scalar_float": lambda L: L.searchsorted(_s(L), 5.5),
    "ss_scalar_wraps": lambda L: L.searchsorted(L.tensor([1, 2, 3], dtype=L.uint8), 257),
    "ss_0d": lambda L: L.searchsorted(_s(L), L.tensor(5)),
    "ss_empty_values": lambda L: L.searchsorted(_s(L), L.tensor([])),
    "ss_empty_seq": lambda L: L.searchsorted(_s(L)[:0], _v(L)),
    "ss_float_seq": lambda L: L.searchsorted(_s(L).float(), _v(L)),
    "ss_float_vals": lambda L: L.searchsorted(_s(L), _v(L).float() + 0.5),
    "ss_promote_uint8": lambda L: L.searchsorted(L.tensor([1, 2, 3], dtype=L.uint8),
                                                 L.tensor([-1])),
    "ss_nd": lambda L: L.searchsorted(_s(L).repeat(2, 1) * L.tensor([[1], [2]]), _v(L)),
    "ss_nd_right": lambda L: L.searchsorted(_s(L).repeat(2, 1), _v(L), right=True),
    "ss_3d_values_1d_seq": lambda L: L.searchsorted(_s(L), L.tensor([[[3]]])),
    "ss_sorter": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2, 4, 6, 0]),
                                          sorter=L.tensor([1, 2, 0])),
    "ss_sorter_nd": lambda L: L.searchsorted(
        L.tensor([[5, 1, 3], [0, 4, 2]]), L.tensor([[2, 4], [3, 5]]), right=True,
        sorter=L.tensor([[1, 2, 0], [0, 2, 1]])),
    "ss_nan_seq": lambda L: L.searchsorted(L.tensor([1., NAN]), L.tensor([NAN, 2.])),
    "ss_nan_right": lambda L: L.searchsorted(L.tensor([1., 3, NAN]), L.tensor([NAN, 2., 4, 0]),
                                             right=True),
    "ss_unsorted": lambda L: L.searchsorted(L.tensor([3., 1, 2, 0, 5]),
                                            L.tensor([0.5, 1.5, 2.5, 4, 6])),
    "ss_err_side": lambda L: L.searchsorted(_s(L), _v(L), side="foo"),
    "ss_err_opposite": lambda L: L.searchsorted(_s(L), _v(L), side="left", right=True),
    "ss_err_dims": lambda L: L.searchsorted(_s(L).repeat(3, 1), _v(L)),
    "ss_err_dims_1d": lambda L: L.searchsorted(_s(L).repeat(2, 1), L.tensor([3, 4])),
    "ss_err_scalar_nd": lambda L: L.searchsorted(_s(L).repeat(2, 1), L.tensor(3)),
    "ss_err_0d_seq": lambda L: L.searchsorted(L.tensor(5), L.tensor([2, 4])),
    "ss_err_sorter_size": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2]),
                                                   sorter=L.tensor([1, 2])),
    "ss_err_sorter_range": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2]),
                                                    sorter=L.tensor([1, 2, 3])),
    "ss_err_sorter_neg": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2]),
                                                  sorter=L.tensor([1, 2, -1])),
    "ss_err_sorter_dtype": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2]),
                                                    sorter=L.tensor([1, 2, 0], dtype=L.int32)),
    "ss_err_bool": lambda L: L.searchsorted(_s(L).bool(), _v(L).bool()),
    "ss_err_list": lambda L: L.searchsorted(_s(L), [3]),
    "bk_basic": lambda L: L.bucketize(_v(L), _s(L)),
    "bk_right": lambda L: L.bucketize(_v(L), _s(L), right=True),
    "bk_int32": lambda L: L.bucketize(_v(L), _s(L), out_int32=True),
    "bk_scalar": lambda L: L.bucketize(3.5, _s(L)),
    "bk_float": lambda L: L.bucketize(_v(L).float(), _s(L)),
    "bk_err_2d": lambda L: L.bucketize(_v(L), _s(L).repeat(2, 1)),
    "bk_err_0d": lambda L: L.bucketize(_v(L), L.tensor(3)),
    "bk_err_list": lambda L: L.bucketize(_v(L), [3]),
    "isin": lambda L: L.isin(L.tensor([[1, 2], [3, 4]]), L.tensor([2, 3])),
    "isin_invert": lambda L: L.isin(L.tensor([[1, 2], [3, 4]]), L.tensor([2, 3]), invert=True),
    "isin_scalar_test": lambda L: L.isin(L.tensor([[1, 2], [3, 4]]), 2),
    "isin_scalar_elem": lambda L: L.isin(2, L.tensor([2, 3])),
    "isin_float_scalar": lambda L: L.isin(L.tensor([1, 2]), 2.5),
    "isin_promote": lambda L: L.isin(L.tensor([1.5, 2]), L.tensor([2, 3])),
    "isin_promote64": lambda L: L.isin(L.tensor([0.1, 1 / 3], dtype=L.float64),
                                       L.tensor([0.1, 1 / 3])),
    "isin_wrap": lambda L: L.isin(L.tensor([1, 2], dtype=L.uint8), 258),
    "isin_no_wrap_tensor": lambda L: L.isin(L.tensor([1, 2], dtype=L.uint8), L.tensor([-254])),
    "isin_nan": lambda L: L.isin(L.tensor([1., NAN]), L.tensor([NAN])),
    "isin_2d_test": lambda L: L.isin(L.tensor([1, 2]), L.tensor([[2], [3]])),
    "isin_empty": lambda L: L.isin(L.tensor([]), L.tensor([2])),
    "isin_keywords": lambda L: L.isin(elements=L.tensor([1]), test_elements=L.tensor([1]),
                                      assume_unique=True),
    "isin_err_bool": lambda L: L.isin(L.tensor([1, 2]), L.tensor([True])),
    "isin_err_complex": lambda L: L.isin(L.tensor([1 + 0j]), L.tensor([1 + 0j])),
    "isin_err_numbers": lambda L: L.isin(2, 3),
}

HIST = {
    "default": lambda L: L.histogram(_hx(L)),
    "bins4": lambda L: L.histogram(_hx(L), bins=4),
    "range": lambda L: L.histogram(_hx(L), bins=4, range=(0., 5.)),
    "int_range": lambda L: L.histogram(_hx(L), 4, range=(0, 5)),
    "edges": lambda L: L.histogram(_hx(L), L.tensor([0., 1.5, 3, 5])),
    "edges_density": lambda L: L.histogram(_hx(L), bins=L.tensor([0., 1.5, 3, 5]),
                                           density=True),
    "weights": lambda L: L.histogram(_hx(L), 3, weight=L.tensor([.5, 1, 2, 3, 4])),
    "weights_density": lambda L: L.histogram(_hx(L), 7, weight=L.tensor([.5, 1, 2, 3, 4]),
                                             density=True),
    "density": lambda L: L.histogram(_hx(L), bins=3, density=True),
    "double": lambda L: L.histogram(_hx(L).double(), bins=3),
    "2d_input": lambda L: L.histogram(L.arange(6.).reshape(2, 3), 2, weight=L.ones(2, 3)),
    "flat_weight": lambda L: L.histogram(L.arange(6.).reshape(2, 3), 2, weight=L.ones(6)),
    "constant": lambda L: L.histogram(L.ones(3), bins=3),
    "point_range": lambda L: L.histogram(_hx(L), bins=3, range=(1., 1.)),
    "empty": lambda L: L.histogram(L.tensor([]), bins=3),
    "nan_ignored": lambda L: L.histogram(L.tensor([1., 2, NAN]), 2, range=(0., 5.)),
    "edge_values": lambda L: L.histogram(L.tensor([0.1, 0.2, 0.3, 0.7, 1.0]), 10),
    "huge": lambda L: L.histogram(L.tensor([-1e30, 1e30]), 2),
    "method": lambda L: _hx(L).histogram(3),
    "err_long": lambda L: L.histogram(_hx(L).long(), bins=3),
    "err_half": lambda L: L.histogram(_hx(L).half(), bins=3),
    "err_bins0": lambda L: L.histogram(_hx(L), bins=0),
    "err_bins_neg": lambda L: L.histogram(_hx(L), bins=-1),
    "err_one_edge": lambda L: L.histogram(_hx(L), bins=L.tensor([3.])),
    "err_range_order": lambda L: L.histogram(_hx(L), bins=3, range=(5., 1.)),
    "err_range_len": lambda L: L.histogram(_hx(L), 2, range=(0.,)),
    "err_range_inf": lambda L: L.histogram(_hx(L), 2, range=(0., float("inf"))),
    "err_nan_data": lambda L: L.histogram(L.tensor([1., NAN]), bins=3),
    "err_edges_dtype": lambda L: L.histogram(_hx(L), L.tensor([0., 1.5, 3]).double()),
    "err_edges_long": lambda L: L.histogram(_hx(L), L.tensor([0, 2, 5])),
    "err_edges_2d": lambda L: L.histogram(_hx(L), L.tensor([[0., 1.5, 3]])),
    "err_weight_size": lambda L: L.histogram(_hx(L), 3, weight=L.ones(4)),
    "err_weight_dtype": lambda L: L.histogram(_hx(L), 3, weight=L.ones(5).double()),
    "err_bins_float": lambda L: L.histogram(_hx(L), 2.5),
}


def _hx(L):
    return L.tensor([1., 2, 1, 4, 2.5])


def _u(L):
    return L.tensor([1, 1, 2, 2, 3, 1, 1, 2])


def _m(L):
    return L.tensor([[1, 1], [1, 1], [2, 3], [2, 3], [1, 1]])


UNIQUE = {
    "plain": lambda L: L.unique_consecutive(_u(L)),
    "inverse": lambda L: L.unique_consecutive(_u(L), return_inverse=True),
    "counts": lambda L: L.unique_consecutive(_u(L), return_counts=True),
    "both": lambda L: L.unique_consecutive(_u(L), True, True),
    "method": lambda L: _u(L).unique_consecutive(return_counts=True),
    "2d_flat": lambda L: L.unique_consecutive(_m(L), return_inverse=True),
    "dim0": lambda L: L.unique_consecutive(_m(L), return_inverse=True, return_counts=True, dim=0),
    "dim1": lambda L: L.unique_consecutive(_m(L), return_inverse=True, return_counts=True, dim=1),
    "dim_neg": lambda L: L.unique_consecutive(_m(L), return_inverse=True, dim=-1),
    "dim_3d": lambda L: L.unique_consecutive(L.arange(24).reshape(2, 3, 4) // 5, True, True,
                                             dim=2),
    "noncontig": lambda L: L.unique_consecutive(L.tensor([[1, 2], [1, 2]]).t(),
                                                return_counts=True, dim=1),
    "0d": lambda L: L.unique_consecutive(L.tensor(5), return_inverse=True, return_counts=True),
    "empty": lambda L: L.unique_consecutive(L.tensor([]), return_inverse=True,
                                            return_counts=True),
    "empty_dim": lambda L: L.unique_consecutive(L.ones(0, 2), True, True, dim=0),
    "nan": lambda L: L.unique_consecutive(L.tensor([NAN, NAN, 1.])),
    "signed_zero": lambda L: L.unique_consecutive(L.tensor([0., -0., 1.])),
    "bool": lambda L: L.unique_consecutive(L.tensor([True, True, False])),
    "err_zero_other_dim": lambda L: L.unique_consecutive(L.ones(2, 0), True, True, dim=0),
    "err_0d_dim": lambda L: L.unique_consecutive(L.tensor(5), dim=0),
    "err_dim_range": lambda L: L.unique_consecutive(_m(L), dim=2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_search_and_isin_same_as_torch(name):
    same_as_torch(CASES[name])


@pytest.mark.parametrize("name", sorted(HIST))
def test_histogram_same_as_torch(name):
    same_as_torch(HIST[name], tol=1e-6)


@pytest.mark.parametrize("name", sorted(UNIQUE))
def test_unique_consecutive_same_as_torch(name):
    same_as_torch(UNIQUE[name])


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_random_against_numpy(right):
    rng = np.random.default_rng(3)
    seq = np.sort(rng.integers(0, 50, (3, 4, 40)), -1)
    vals = rng.integers(-5, 55, (3, 4, 17))
    out = ember.searchsorted(ember.tensor(seq), ember.tensor(vals), right=right).numpy()
    side = "right" if right else "left"
    ref = np.stack([np.searchsorted(s, v, side=side)
                    for s, v in zip(seq.reshape(-1, 40), vals.reshape(-1, 17))])
    np.testing.assert_array_equal(out, ref.reshape(vals.shape))
    flat = ember.searchsorted(ember.tensor(seq[0, 0]), ember.tensor(vals), right=right)
    np.testing.assert_array_equal(flat.numpy(), np.searchsorted(seq[0, 0], vals, side=side))


def test_histogram_random_against_torch_and_numpy():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal(10000)
    for dt in (np.float32, np.float64):
        for bins, rng in ((37, None), (50, (-1.3, 2.1)), (64, None)):
            e = ember.histogram(ember.tensor(data.astype(dt)), bins, range=rng)
            t = torch.histogram(torch.tensor(data.astype(dt)), bins, range=rng)
            np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())
            np.testing.assert_array_equal(e.bin_edges.numpy(), t.bin_edges.numpy())
            h, edges = np.histogram(data.astype(dt), bins, range=rng)
            np.testing.assert_allclose(e.bin_edges.numpy(), edges, rtol=1e-6, atol=1e-6)
            assert abs(e.hist.numpy() - h).max() <= 2  # edge rounding may move a value


def test_histogram_return_type():
    out = ember.histogram(ember.tensor([1., 2., 1.]), bins=2)
    assert repr(out).startswith("torch.return_types.histogram(\nhist=tensor([2., 1.])")
    hist, edges = out
    assert out.hist is hist and out.bin_edges is edges


def test_unique_consecutive_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, 200)
    vals, inv, counts = ember.unique_consecutive(ember.tensor(x), True, True)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    np.testing.assert_array_equal(vals.numpy(), x[starts])
    np.testing.assert_array_equal(counts.numpy(), np.diff(np.r_[starts, x.size]))
    np.testing.assert_array_equal(vals.numpy()[inv.numpy()], x)
