"""Datasets and random_split (errors checked against torch's wording)."""
import warnings

import pytest

import ember
from ember.utils.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                              StackDataset, Subset, TensorDataset, random_split)

torch = pytest.importorskip("torch")
tdata = torch.utils.data


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_tensor_dataset_rows():
    x, y = ember.arange(12).reshape(4, 3), ember.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6, 7, 8] and yi.item() == 0
    assert ds[1:3][0].shape == (2, 3)


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ember.zeros(3), ember.zeros(4))


def test_base_dataset_getitem_not_implemented():
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_subset_and_getitems():
    sub = Subset(Squares(10), [9, 2, 5])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [81, 4, 25]
    assert sub.__getitems__([0, 2]) == [81, 25]


def test_concat_dataset_indexing():
    cat = ConcatDataset([Squares(3), Squares(2)])
    assert len(cat) == 5 and cat.cumulative_sizes == [3, 5]
    assert [cat[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert cat[-1] == 1 and cat[-5] == 0
    assert [x for x in (Squares(2) + Squares(2))] == [0, 1, 0, 1]


@pytest.mark.parametrize("make, exc", [
    (lambda m: m.ConcatDataset([]), AssertionError),
    (lambda m: m.ConcatDataset([type("S", (m.IterableDataset,), {"__iter__": iter})()]),
     AssertionError),
    (lambda m: m.ConcatDataset([Squares(3)])[-4], ValueError),
])
def test_concat_dataset_errors_match_torch(make, exc):
    with pytest.raises(exc) as ours:
        make(ember.utils.data)
    with pytest.raises(exc) as theirs:
        make(tdata)
    assert str(ours.value) == str(theirs.value)


def test_chain_dataset():
    chain = ChainDataset([Stream([1, 2]), Stream([3])])
    assert list(chain) == [1, 2, 3] and len(chain) == 3
    assert list(Stream([1]) + Stream([2])) == [1, 2]


def test_stack_dataset():
    ds = StackDataset(Squares(3), Squares(3))
    assert ds[2] == (4, 4)
    assert StackDataset(a=Squares(2), b=Squares(2))[1] == {"a": 1, "b": 1}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Squares(2), Squares(3))


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.33, 0.33, 0.34], [1, 0, 9]])
def test_random_split_partitions(lengths):
    parts = random_split(range(10), lengths, generator=ember.Generator().manual_seed(3))
    expected = [len(p) for p in tdata.random_split(range(10), lengths)]
    assert [len(p) for p in parts] == expected
    items = sorted(x for p in parts for x in (p[i] for i in range(len(p))))
    assert items == list(range(10))


def test_random_split_fraction_rounding_matches_torch():
    for n, fracs in [(7, [0.5, 0.5]), (11, [0.2, 0.3, 0.5]), (3, [0.1, 0.9])]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = [len(p) for p in random_split(range(n), fracs)]
            theirs = [len(p) for p in tdata.random_split(range(n), fracs)]
        assert ours == theirs


def test_random_split_zero_length_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        random_split(range(3), [0.9, 0.1, 0.0])
    assert [str(w.message) for w in caught] == [
        f"Length of split at index {i} is 0. This might result in an empty dataset."
        for i in (1, 2)]


def test_random_split_reproducible():
    def split():
        return [list(p.indices) for p in random_split(range(20), [5, 15], generator=g)]
    g = ember.Generator().manual_seed(7)
    a = split()
    g.manual_seed(7)
    assert split() == a
    ember.manual_seed(1)
    b = [p.indices for p in random_split(range(20), [5, 15])]
    ember.manual_seed(1)
    assert [p.indices for p in random_split(range(20), [5, 15])] == b
    assert b[0] != list(range(5)) or b[1] != list(range(5, 20))


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.4], [0.5, 0.6, -0.1], [11]])
def test_random_split_errors_match_torch(lengths):
    with pytest.raises(ValueError) as ours:
        random_split(range(10), lengths)
    with pytest.raises(ValueError) as theirs:
        tdata.random_split(range(10), lengths)
    assert str(ours.value) == str(theirs.value)
