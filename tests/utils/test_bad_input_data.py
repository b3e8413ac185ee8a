"""Bad input to DataLoader, samplers, datasets, random_split and collate: each case runs on ember
and on torch and must raise the same exception type with the same message fragment."""
import gc
import re

import pytest

import ember

torch = pytest.importorskip("torch")


def _D(lib):
    return lib.utils.data


def _ds(lib, n=10):
    return _D(lib).TensorDataset(lib.arange(n))


def _seq(lib):
    return _D(lib).SequentialSampler(range(10))


def _batches(lib):
    return _D(lib).BatchSampler(_seq(lib), 2, False)


def _stream(lib):
    class Stream(_D(lib).IterableDataset):
        def __iter__(self):
            return iter(range(3))
    return Stream()


def _loader(lib, *args, **kwargs):
    return _D(lib).DataLoader(*args, **kwargs)


EXCLUSIVE = "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and " \
            "drop_last"

# (id, call(lib), exception type, message fragment shared by torch and ember)
CASES = [
    ("batch_size_0", lambda l: _loader(l, _ds(l), batch_size=0),
     ValueError, "batch_size should be a positive integer value, but got batch_size=0"),
    ("batch_size_negative", lambda l: _loader(l, _ds(l), batch_size=-1),
     ValueError, "batch_size should be a positive integer value, but got batch_size=-1"),
    ("batch_size_float", lambda l: _loader(l, _ds(l), batch_size=1.5),
     ValueError, "batch_size should be a positive integer value, but got batch_size=1.5"),
    ("shuffle_and_sampler", lambda l: _loader(l, _ds(l), shuffle=True, sampler=_seq(l)),
     ValueError, "sampler option is mutually exclusive with shuffle"),
    ("batch_sampler_and_batch_size",
     lambda l: _loader(l, _ds(l), batch_size=3, batch_sampler=_batches(l)),
     ValueError, EXCLUSIVE),
    ("batch_sampler_and_shuffle",
     lambda l: _loader(l, _ds(l), shuffle=True, batch_sampler=_batches(l)), ValueError, EXCLUSIVE),
    ("batch_sampler_and_sampler",
     lambda l: _loader(l, _ds(l), sampler=_seq(l), batch_sampler=_batches(l)),
     ValueError, EXCLUSIVE),
    ("batch_sampler_and_drop_last",
     lambda l: _loader(l, _ds(l), drop_last=True, batch_sampler=_batches(l)),
     ValueError, EXCLUSIVE),
    ("batch_size_none_drop_last", lambda l: _loader(l, _ds(l), batch_size=None, drop_last=True),
     ValueError, "batch_size=None option disables auto-batching and is mutually exclusive with "
                 "drop_last"),
    ("num_workers_negative", lambda l: _loader(l, _ds(l), num_workers=-1),
     ValueError, "num_workers option should be non-negative; use num_workers=0 to disable "
                 "multiprocessing."),
    ("timeout_negative", lambda l: _loader(l, _ds(l), timeout=-1),
     ValueError, "timeout option should be non-negative"),
    ("prefetch_without_workers", lambda l: _loader(l, _ds(l), prefetch_factor=2),
     ValueError, "prefetch_factor option could only be specified in multiprocessing."),
    ("persistent_without_workers", lambda l: _loader(l, _ds(l), persistent_workers=True),
     ValueError, "persistent_workers option needs num_workers > 0"),
    ("context_without_workers", lambda l: _loader(l, _ds(l), multiprocessing_context="spawn"),
     ValueError, "multiprocessing_context can only be used with multi-process loading "
                 "(num_workers > 0), but got num_workers=0"),
    ("context_unknown",
     lambda l: _loader(l, _ds(l), num_workers=1, multiprocessing_context="foo"),
     ValueError, "multiprocessing_context option should specify a valid start method"),
    ("set_batch_size_after", lambda l: setattr(_loader(l, _ds(l)), "batch_size", 3),
     ValueError, "batch_size attribute should not be set after DataLoader is initialized"),
    ("iterable_shuffle", lambda l: _loader(l, _stream(l), shuffle=True),
     ValueError, "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                 "shuffle=True"),
    ("iterable_sampler", lambda l: _loader(l, _stream(l), sampler=[0]),
     ValueError, "DataLoader with IterableDataset: expected unspecified sampler option"),
    ("iterable_batch_sampler", lambda l: _loader(l, _stream(l), batch_sampler=[[0]]),
     ValueError, "DataLoader with IterableDataset: expected unspecified batch_sampler option"),
    ("tensor_dataset_sizes", lambda l: _D(l).TensorDataset(l.arange(3), l.arange(4)),
     AssertionError, "Size mismatch between tensors"),
    ("tensor_dataset_index", lambda l: _ds(l, 3)[5],
     IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ("stack_dataset_sizes", lambda l: _D(l).StackDataset(_ds(l, 3), _ds(l, 4)),
     ValueError, "Size mismatch between datasets"),
    ("stack_dataset_empty", lambda l: _D(l).StackDataset(),
     ValueError, "At least one dataset should be passed"),
    ("concat_dataset_empty", lambda l: _D(l).ConcatDataset([]),
     AssertionError, "datasets should not be an empty iterable"),
    ("concat_dataset_iterable", lambda l: _D(l).ConcatDataset([_stream(l)]),
     AssertionError, "ConcatDataset does not support IterableDataset"),
    ("concat_dataset_negative", lambda l: _D(l).ConcatDataset([_ds(l, 3)])[-5],
     ValueError, "absolute value of index should not exceed dataset length"),
    ("subset_index", lambda l: _D(l).Subset(_ds(l, 3), [0])[3],
     IndexError, "list index out of range"),
    ("random_split_sum", lambda l: _D(l).random_split(range(10), [3, 4]),
     ValueError, "Sum of input lengths does not equal the length of the input dataset!"),
    ("random_split_fraction_sum", lambda l: _D(l).random_split(range(10), [0.5, 0.4]),
     ValueError, "Sum of input lengths does not equal the length of the input dataset!"),
    ("random_split_fraction_range", lambda l: _D(l).random_split(range(10), [1.5, -0.5]),
     ValueError, "Fraction at index 0 is not between 0 and 1"),
    ("random_sampler_num_samples", lambda l: _D(l).RandomSampler(range(10), num_samples=0),
     ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
    ("random_sampler_replacement", lambda l: _D(l).RandomSampler(range(10), replacement="yes"),
     TypeError, "replacement should be a boolean value, but got replacement=yes"),
    ("batch_sampler_size", lambda l: _D(l).BatchSampler(range(10), 0, False),
     ValueError, "batch_size should be a positive integer value, but got batch_size=0"),
    ("batch_sampler_drop_last", lambda l: _D(l).BatchSampler(range(10), 2, "no"),
     ValueError, "drop_last should be a boolean value, but got drop_last=no"),
    ("weighted_sampler_num_samples", lambda l: _D(l).WeightedRandomSampler([1.0, 1.0], 0),
     ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
    ("weighted_sampler_2d", lambda l: _D(l).WeightedRandomSampler([[1.0, 1.0]], 2),
     ValueError, "weights should be a 1d sequence but given weights have shape (1, 2)"),
    ("weighted_sampler_replacement",
     lambda l: _D(l).WeightedRandomSampler([1.0, 1.0], 2, replacement="x"),
     ValueError, "replacement should be a boolean value, but got replacement=x"),
    ("collate_sizes", lambda l: _D(l).default_collate([l.zeros(2), l.zeros(3)]),
     RuntimeError, "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] "
                   "at entry 1"),
    ("collate_type", lambda l: _D(l).default_collate([object(), object()]),
     TypeError, "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found <class 'object'>"),
    ("collate_lengths", lambda l: _D(l).default_collate([(1, 2), (1,)]),
     RuntimeError, "each element in list of batch should be of equal size"),
    ("distributed_rank", lambda l: _D(l).DistributedSampler(range(10), num_replicas=2, rank=2),
     ValueError, "Invalid rank 2, rank should be in the interval [0, 1]"),
]


@pytest.mark.parametrize("lib", ["ember", "torch"])
@pytest.mark.parametrize("call, exc, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_data_input_raises_like_torch(lib, call, exc, fragment):
    lib = ember if lib == "ember" else torch
    with pytest.raises(exc, match=re.escape(fragment)) as info:
        call(lib)
    assert type(info.value) is exc


def test_case_ids_unique():
    assert len({c[0] for c in CASES}) == len(CASES)


# torch's half-built iterator fails again in __del__; that noise is torch's, not ember's
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("lib", ["ember", "torch"])
def test_prefetch_factor_zero_raises_like_torch(lib):
    lib = ember if lib == "ember" else torch
    loader = _loader(lib, _ds(lib), num_workers=1, prefetch_factor=0)
    with pytest.raises(AssertionError, match="prefetch_factor must be greater than 0 for "
                                             "MultiProcessingDataLoaderIter"):
        iter(loader)
    gc.collect()


def test_rejected_prefetch_factor_starts_no_workers():
    loader = ember.utils.data.DataLoader(_ds(ember), num_workers=1, prefetch_factor=0)
    with pytest.raises(AssertionError):
        iter(loader)
    assert list(ember.utils.data.DataLoader(_ds(ember, 4), batch_size=2))[1][0].tolist() == [2, 3]
