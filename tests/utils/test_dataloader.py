"""DataLoader in the main process: orders, lengths, shuffling, argument errors (vs torch)."""
import pytest

import ember
from ember.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, Sampler,
                              SequentialSampler, TensorDataset, get_worker_info)

torch = pytest.importorskip("torch")
tdata = torch.utils.data


class Range(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def flat(loader):
    return [b.tolist() if hasattr(b, "tolist") else b for b in loader]


@pytest.mark.parametrize("n, bs, drop_last", [(10, 4, False), (10, 4, True), (8, 4, True),
                                              (3, 5, False), (3, 5, True), (1, 1, False)])
def test_batches_and_len_match_torch(n, bs, drop_last):
    ours = DataLoader(Range(n), batch_size=bs, drop_last=drop_last)
    theirs = tdata.DataLoader(Range(n), batch_size=bs, drop_last=drop_last)
    assert flat(ours) == flat(theirs) and len(ours) == len(theirs)


def test_default_batch_size_is_one_and_batch_size_none_disables_batching():
    assert flat(DataLoader(Range(3))) == [[0], [1], [2]]
    assert list(DataLoader(Range(3), batch_size=None)) == [0, 1, 2]
    assert list(tdata.DataLoader(Range(3), batch_size=None)) == [0, 1, 2]


def test_tensor_dataset_batches():
    x, y = ember.arange(20).reshape(10, 2).float(), ember.arange(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[1][1].tolist() == [4, 5, 6, 7] and batches[0][0].dtype == ember.float32


def test_shuffle_reproducible_and_reshuffled_each_epoch():
    loader = DataLoader(Range(40), batch_size=8, shuffle=True)
    ember.manual_seed(0)
    e1, e2 = flat(loader), flat(loader)
    ember.manual_seed(0)
    assert flat(loader) == e1 and flat(loader) == e2
    assert e1 != e2 and sorted(sum(e1, [])) == list(range(40))


def test_shuffle_with_generator():
    def epoch(seed):
        return flat(DataLoader(Range(20), batch_size=5, shuffle=True,
                               generator=ember.Generator().manual_seed(seed)))
    assert epoch(1) == epoch(1) and epoch(1) != epoch(2)


def test_iteration_restarts_each_epoch():
    loader = DataLoader(Range(5), batch_size=2)
    assert flat(loader) == flat(loader) == [[0, 1], [2, 3], [4]]
    it = iter(loader)
    next(it)
    assert flat(loader) == [[0, 1], [2, 3], [4]]


def test_custom_sampler_batch_sampler_and_collate():
    class Reverse(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    assert flat(DataLoader(Range(5), batch_size=2, sampler=Reverse(5))) == [[4, 3], [2, 1], [0]]
    bs = BatchSampler(SequentialSampler(range(5)), 3, drop_last=False)
    assert flat(DataLoader(Range(5), batch_sampler=bs)) == [[0, 1, 2], [3, 4]]
    assert list(DataLoader(Range(4), batch_size=2, collate_fn=sum)) == [1, 5]
    assert len(DataLoader(Range(5), batch_sampler=bs)) == 2


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n = n

    def __iter__(self):
        assert get_worker_info() is None
        return iter(range(self.n))


class SizedStream(Stream):
    def __len__(self):
        return self.n


def test_iterable_dataset_batches_and_len():
    assert flat(DataLoader(Stream(5), batch_size=2)) == [[0, 1], [2, 3], [4]]
    assert flat(DataLoader(Stream(5), batch_size=2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(DataLoader(SizedStream(5), batch_size=2)) == 3
    assert len(DataLoader(SizedStream(5), batch_size=2, drop_last=True)) == 2
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(Stream(5)))


def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _seq(m):
    return m.SequentialSampler(range(10))


ARG_ERRORS = {
    "sampler_shuffle": lambda m, ds: m.DataLoader(ds, shuffle=True, sampler=_seq(m)),
    "batch_sampler_batch_size": lambda m, ds: m.DataLoader(
        ds, batch_sampler=m.BatchSampler(_seq(m), 2, False), batch_size=2),
    "batch_sampler_shuffle": lambda m, ds: m.DataLoader(
        ds, batch_sampler=m.BatchSampler(_seq(m), 2, False), shuffle=True),
    "batch_sampler_drop_last": lambda m, ds: m.DataLoader(
        ds, batch_sampler=m.BatchSampler(_seq(m), 2, False), drop_last=True),
    "batch_sampler_sampler": lambda m, ds: m.DataLoader(
        ds, batch_sampler=m.BatchSampler(_seq(m), 2, False), sampler=_seq(m)),
    "none_drop_last": lambda m, ds: m.DataLoader(ds, batch_size=None, drop_last=True),
    "negative_workers": lambda m, ds: m.DataLoader(ds, num_workers=-1),
    "negative_timeout": lambda m, ds: m.DataLoader(ds, timeout=-1),
    "prefetch_without_workers": lambda m, ds: m.DataLoader(ds, prefetch_factor=2),
    "persistent_without_workers": lambda m, ds: m.DataLoader(ds, persistent_workers=True),
    "negative_prefetch": lambda m, ds: m.DataLoader(ds, num_workers=1, prefetch_factor=-1),
    "batch_size_zero": lambda m, ds: m.DataLoader(ds, batch_size=0),
    "batch_size_float": lambda m, ds: m.DataLoader(ds, batch_size=2.0),
    "context_without_workers": lambda m, ds: m.DataLoader(ds, multiprocessing_context="fork"),
    "bad_context": lambda m, ds: m.DataLoader(ds, num_workers=1, multiprocessing_context="x"),
    "bad_context_type": lambda m, ds: m.DataLoader(ds, num_workers=1, multiprocessing_context=3),
}


@pytest.mark.parametrize("name", sorted(ARG_ERRORS))
def test_argument_errors_match_torch(name):
    make = ARG_ERRORS[name]
    assert error_of(lambda: make(ember.utils.data, Range(10))) == \
        error_of(lambda: make(tdata, Range(10)))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[1]),
                                    dict(batch_sampler=[[1]])])
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    class TStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(3))
    assert error_of(lambda: DataLoader(Stream(3), **kwargs)) == \
        error_of(lambda: tdata.DataLoader(TStream(), **kwargs))


def test_setting_attributes_after_init_matches_torch():
    assert error_of(lambda: setattr(DataLoader(Range(3)), "batch_size", 4)) == \
        error_of(lambda: setattr(tdata.DataLoader(Range(3)), "batch_size", 4))
    loader = DataLoader(Range(3))
    loader.num_workers = 0  # not frozen in torch either


def test_pin_memory_accepted():
    assert flat(DataLoader(Range(3), batch_size=3, pin_memory=True)) == [[0, 1, 2]]
