"""Samplers' semantics; errors and deterministic orders checked against torch."""
from collections import Counter

import pytest

import ember
from ember.utils.data import (BatchSampler, DistributedSampler, RandomSampler, SequentialSampler,
                              SubsetRandomSampler, WeightedRandomSampler)

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def test_sequential():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_is_a_permutation_and_reshuffles():
    s = RandomSampler(range(50))
    first, second = list(s), list(s)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second and len(s) == 50


def test_random_num_samples_without_replacement_repeats_whole_permutations():
    out = list(RandomSampler(range(4), num_samples=10))
    assert len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2


def test_random_with_replacement():
    out = list(RandomSampler(range(3), replacement=True, num_samples=300,
                             generator=ember.Generator().manual_seed(0)))
    assert len(out) == 300 and set(out) == {0, 1, 2}
    assert max(Counter(out).values()) < 150


def test_random_reproducible_with_generator_and_manual_seed():
    g = ember.Generator()
    g.manual_seed(5)
    a = list(RandomSampler(range(30), generator=g))
    g.manual_seed(5)
    assert list(RandomSampler(range(30), generator=g)) == a
    ember.manual_seed(5)
    b = list(RandomSampler(range(30)))
    ember.manual_seed(5)
    assert list(RandomSampler(range(30))) == b


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0),
                                    dict(num_samples=1.5)])
def test_random_errors_match_torch(kwargs):
    assert error_of(lambda: RandomSampler(range(3), **kwargs)) == \
        error_of(lambda: tdata.RandomSampler(range(3), **kwargs))


def test_random_empty_dataset_error_matches_torch():
    assert error_of(lambda: RandomSampler(range(0))) == \
        error_of(lambda: tdata.RandomSampler(range(0)))


def test_subset_random():
    idx = [10, 20, 30, 40]
    s = SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(1))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4


def test_weighted_with_replacement_follows_weights():
    s = WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=ember.Generator().manual_seed(0))
    counts = Counter(s)
    assert counts[0] == 0 and len(s) == 4000
    assert 2.6 < counts[2] / counts[1] < 3.4
    assert str(s.weights.dtype) == str(tdata.WeightedRandomSampler([1.0], 1).weights.dtype)


def test_weighted_without_replacement_is_unique_and_skips_zero_weights():
    for seed in range(5):
        s = WeightedRandomSampler([1.0, 0.0, 2.0, 5.0], 3, replacement=False,
                                  generator=ember.Generator().manual_seed(seed))
        assert sorted(s) == [0, 2, 3]


@pytest.mark.parametrize("args, kwargs", [
    (([1.0, 2.0], 0), {}),
    (([1.0, 2.0], 3), dict(replacement=1)),
    (([[1.0, 2.0]], 3), {}),
])
def test_weighted_constructor_errors_match_torch(args, kwargs):
    assert error_of(lambda: WeightedRandomSampler(*args, **kwargs)) == \
        error_of(lambda: tdata.WeightedRandomSampler(*args, **kwargs))


@pytest.mark.parametrize("args, kwargs", [
    (([1.0, 2.0], 3), dict(replacement=False)),
    (([-1.0, 2.0], 3), {}),
    (([0.0, 0.0], 3), {}),
])
def test_weighted_sampling_errors_match_torch(args, kwargs):
    assert error_of(lambda: list(WeightedRandomSampler(*args, **kwargs))) == \
        error_of(lambda: list(tdata.WeightedRandomSampler(*args, **kwargs)))


@pytest.mark.parametrize("n, bs, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                              (2, 5, False), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("bs, drop_last", [(0, False), (-1, False), (2.0, False), (True, False),
                                           (2, 1)])
def test_batch_sampler_errors_match_torch(bs, drop_last):
    assert error_of(lambda: BatchSampler(range(3), bs, drop_last)) == \
        error_of(lambda: tdata.BatchSampler(range(3), bs, drop_last))


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                    (12, 4, False), (12, 4, True)])
def test_distributed_unshuffled_matches_torch(n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TD
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TD(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_shuffled_shards_cover_dataset_and_follow_epoch():
    def shards(epoch, seed=0):
        out = []
        for rank in range(3):
            s = DistributedSampler(range(12), num_replicas=3, rank=rank, seed=seed)
            s.set_epoch(epoch)
            out.append(list(s))
        return out
    e0 = shards(0)
    assert sorted(sum(e0, [])) == list(range(12))
    assert shards(0) == e0 and shards(1) != e0 and shards(0, seed=1) != e0


def test_distributed_errors_match_torch():
    from torch.utils.data.distributed import DistributedSampler as TD
    for args in [(), (2, 2), (2, -1)]:
        assert error_of(lambda: DistributedSampler(range(4), *args)) == \
            error_of(lambda: TD(range(4), *args))
