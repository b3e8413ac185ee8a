"""nn.utils.rnn: packing and padding of variable-length sequences, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as E

torch = pytest.importorskip("torch")
T = torch.nn.utils.rnn
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("lengths,enforce_sorted,batch_first", [
    ([5, 3, 2], True, False), ([2, 5, 3], False, False), ([2, 5, 3], False, True),
    ([1, 1, 1], True, True),
])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip(lengths, enforce_sorted, batch_first, as_tensor):
    shape = (3, 5, 2) if batch_first else (5, 3, 2)
    x = RNG.standard_normal(shape)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ex = ember.from_numpy(x.copy()).requires_grad_(True)
    tl = torch.tensor(lengths) if as_tensor else lengths
    el = ember.tensor(lengths) if as_tensor else lengths
    tp = T.pack_padded_sequence(tx, tl, batch_first=batch_first, enforce_sorted=enforce_sorted)
    ep = E.pack_padded_sequence(ex, el, batch_first=batch_first, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(ep.data.detach().numpy(), tp.data.detach().numpy())
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((tp.sorted_indices, ep.sorted_indices),
                 (tp.unsorted_indices, ep.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    for total in (None, 7):
        tpad, tlen = T.pad_packed_sequence(tp, batch_first, -1.0, total)
        epad, elen = E.pad_packed_sequence(ep, batch_first, -1.0, total)
        np.testing.assert_array_equal(epad.detach().numpy(), tpad.detach().numpy())
        assert elen.tolist() == tlen.tolist() and elen.dtype == ember.int64
    w = RNG.standard_normal(tuple(tpad.shape))
    (tpad * torch.from_numpy(w)).sum().backward()
    (epad * ember.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy())


def test_packed_sequence_is_a_namedtuple():
    p = E.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert batch_sizes.tolist() == [2, 2, 1] and sorted_indices is None
    assert p.to(ember.float64).data.dtype == ember.float64
    assert p.double().batch_sizes is p.batch_sizes
    assert not p.is_cuda


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    seqs = [RNG.standard_normal((n, 3)) for n in (2, 4, 1)]
    a = T.pad_sequence([torch.from_numpy(s) for s in seqs], batch_first, 9.0, side)
    b = E.pad_sequence([ember.from_numpy(s) for s in seqs], batch_first, 9.0, side)
    np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_pack_sequence_unpack_unpad():
    seqs = [RNG.standard_normal((n, 2)) for n in (2, 4, 3)]
    tp = T.pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=False)
    ep = E.pack_sequence([ember.from_numpy(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(ep.data.numpy(), tp.data.numpy())
    for s, u in zip(seqs, E.unpack_sequence(ep)):
        np.testing.assert_array_equal(u.numpy(), s)
    padded = E.pad_sequence([ember.from_numpy(s) for s in seqs])
    for s, u in zip(seqs, E.unpad_sequence(padded, ember.tensor([2, 4, 3]))):
        np.testing.assert_array_equal(u.numpy(), s)


@pytest.mark.parametrize("call,msg", [
    (lambda lib, x: lib.pack_padded_sequence(x, [2, 4, 1]),
     "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
     "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
     "sidestep this requirement if you do not need ONNX exportability."),
    (lambda lib, x: lib.pack_padded_sequence(x, [4, 0, 1], enforce_sorted=False),
     "Length of all samples has to be greater than 0, but found an element in 'lengths' that "
     "is <= 0"),
    (lambda lib, x: lib.pack_padded_sequence(x, [4, 3]),
     "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
    (lambda lib, x: lib.pad_sequence([x], padding_side="x"),
     "Expected padding_side to be one of left or right, but got x."),
])
def test_errors_match_torch(call, msg):
    for lib, mod in ((T, torch), (E, ember)):
        with pytest.raises(RuntimeError) as info:
            call(lib, mod.zeros(4, 3, 2))
        assert str(info.value) == msg


def test_total_length_error():
    p = E.pack_sequence([ember.ones(3), ember.ones(2)])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of "
                                         "the longest sequence in input, but got "
                                         "total_length=2 and max sequence length being 3"):
        E.pad_packed_sequence(p, total_length=2)
