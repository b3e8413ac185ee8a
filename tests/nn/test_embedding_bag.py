"""F.embedding_bag and nn.EmbeddingBag against torch: values, gradients, errors, reprs."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

INPUT = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFFSETS = np.array([0, 4, 4, 6])  # bag 1 is empty


def _eb(lib, w, **kw):
    return lib.nn.functional.embedding_bag(lib.tensor(INPUT), w, lib.tensor(OFFSETS), **kw)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_bag_modes(mode, padding_idx):
    check_op(lambda lib, w: _eb(lib, w, mode=mode, padding_idx=padding_idx),
             rand_array((10, 3)))


def test_embedding_bag_per_sample_weights_and_2d_input():
    check_op(lambda lib, w, p: _eb(lib, w, mode="sum", per_sample_weights=p),
             rand_array((10, 3)), rand_array((8,)))
    idx = np.array([[1, 2, 2], [3, 0, 4]])
    check_op(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(idx), w, mode="max"),
             rand_array((5, 2)))
    check_op(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(idx), w, mode="sum", per_sample_weights=p), rand_array((5, 2)),
        rand_array((2, 3)))


@requires_torch()
def test_embedding_bag_include_last_offset_and_grad_fn():
    w = rand_array((6, 4))
    outs = []
    for lib in (ember, torch):
        t = lib.tensor(w, requires_grad=True)
        o = lib.nn.functional.embedding_bag(lib.tensor([1, 2, 3, 5]), t,
                                            lib.tensor([0, 2, 4]), include_last_offset=True)
        outs.append((o.detach().numpy(), o.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0])
    assert outs[0][1] == outs[1][1] == "EmbeddingBagBackward0"


_BAD = {
    "no_offsets": lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2)),
    "2d_with_offsets": lambda L: L.nn.functional.embedding_bag(
        L.tensor([[1, 2]]), L.ones(5, 2), L.tensor([0])),
    "psw_with_max": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]), mode="max",
        per_sample_weights=L.ones(2)),
    "psw_shape": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]), mode="sum",
        per_sample_weights=L.ones(3)),
    "bad_mode": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]), mode="median"),
    "first_offset": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([1])),
    "index_range": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 20]), L.ones(5, 2), L.tensor([0])),
    "float_indices": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1., 2.]), L.ones(5, 2), L.tensor([0])),
    "last_offset": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([0, 3])),
    "2d_offsets": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5, 2), L.tensor([[0]])),
    "1d_weight": lambda L: L.nn.functional.embedding_bag(
        L.tensor([1, 2]), L.ones(5), L.tensor([0])),
    "3d_input": lambda L: L.nn.functional.embedding_bag(L.tensor([[[1]]]), L.ones(5, 2)),
}


@requires_torch()
@pytest.mark.parametrize("name", sorted(_BAD))
def test_embedding_bag_bad_input_matches_torch(name):
    with pytest.raises(Exception) as theirs:
        _BAD[name](torch)
    with pytest.raises(type(theirs.value)) as mine:
        _BAD[name](ember)
    mine_text = str(mine.value).replace("ember.Size", "torch.Size")
    assert mine_text.replace("ember._tensor.Tensor", "torch.Tensor") == str(theirs.value)


@requires_torch()
def test_embedding_bag_module():
    for kw in (dict(), dict(mode="sum", padding_idx=0), dict(max_norm=1.0, mode="max",
                                                              include_last_offset=True)):
        assert repr(ember.nn.EmbeddingBag(10, 3, **kw)) == repr(torch.nn.EmbeddingBag(10, 3,
                                                                                      **kw))
    ember.manual_seed(0)
    m = ember.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    assert np.all(m.weight.detach().numpy()[2] == 0)
    out = m(ember.tensor(INPUT), ember.tensor(OFFSETS))
    w = m.weight.detach().numpy()
    want = [w[[1, 4, 5]].sum(0), np.zeros(3), w[[4, 3]].sum(0), w[[9]].sum(0)]
    np.testing.assert_allclose(out.detach().numpy(), np.stack(want), rtol=1e-6)
    out.sum().backward()
    assert m.weight.grad[2].abs().sum().item() == 0
    pre = ember.nn.EmbeddingBag.from_pretrained(ember.eye(4), mode="max")
    assert not pre.weight.requires_grad
    np.testing.assert_array_equal(pre(ember.tensor([[0, 3]])).numpy(), [[1., 0., 0., 1.]])
    lim = ember.nn.EmbeddingBag(5, 2, max_norm=1.0, mode="sum")
    lim(ember.tensor([[1, 3]]))
    norms = np.linalg.norm(lim.weight.detach().numpy()[[1, 3]], axis=1)
    assert np.all(norms <= 1.0 + 1e-6)
