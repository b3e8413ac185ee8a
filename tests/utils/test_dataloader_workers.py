"""DataLoader with worker processes: order, failures, timeouts, shutdown, seeding, sharding."""
import gc
import multiprocessing as mp
import os
import random
import signal
import time

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

WAIT = 10.0  # generous bound on anything that should take well under a second


class Range(Dataset):
    def __init__(self, n, fail_at=None, kill_at=None, sleep_at=None):
        self.n, self.fail_at, self.kill_at, self.sleep_at = n, fail_at, kill_at, sleep_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad index {i}")
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.sleep_at:
            time.sleep(3)
        return i, np.full(2, i, np.float32)


def child_pids():
    """Live children of this process, read from /proc (no psutil)."""
    me, pids = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                pids.append(int(entry))
    return pids


def _helper_pids():
    """multiprocessing's own long-lived helpers (spawn's resource tracker), not workers."""
    from multiprocessing import resource_tracker
    pid = getattr(resource_tracker._resource_tracker, "_pid", None)
    return {pid} if pid else set()


def worker_pids():
    return set(child_pids()) - _helper_pids()


def wait_no_children():
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        gc.collect()
        if not mp.active_children() and not worker_pids():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(autouse=True)
def no_leftover_workers():
    yield
    assert wait_no_children(), f"orphan workers: {worker_pids()}"


def as_lists(loader):
    return [(idx.tolist(), arr.tolist()) for idx, arr in loader]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_give_single_process_results_in_order(workers):
    ember.manual_seed(3)
    single = as_lists(DataLoader(Range(23), batch_size=4, shuffle=True))
    ember.manual_seed(3)
    multi = as_lists(DataLoader(Range(23), batch_size=4, shuffle=True, num_workers=workers))
    assert multi == single and sorted(sum((b[0] for b in multi), [])) == list(range(23))


def test_tensor_dataset_through_workers_keeps_dtypes():
    ds = TensorDataset(ember.arange(6).reshape(3, 2).float(), ember.tensor([1, 2, 3]))
    (x, y), = list(DataLoader(ds, batch_size=3, num_workers=1))
    assert x.dtype == ember.float32 and y.dtype == ember.int64 and x.tolist()[2] == [4.0, 5.0]


def test_prefetch_and_batch_size_none():
    out = list(DataLoader(Range(7), batch_size=None, num_workers=2, prefetch_factor=1))
    assert [o[0] for o in out] == list(range(7))


def test_out_of_order_delivers_everything():
    out = as_lists(DataLoader(Range(10), batch_size=3, num_workers=2, in_order=False))
    assert sorted(sum((b[0] for b in out), [])) == list(range(10))


def test_worker_exception_is_reraised_with_traceback():
    with pytest.raises(ValueError) as info:
        list(DataLoader(Range(8, fail_at=5), batch_size=2, num_workers=2))
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):\n")
    assert "in __getitem__" in msg and msg.rstrip().endswith("ValueError: bad index 5")
    del info


def test_worker_init_fn_exception_is_reraised():
    def init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process"):
        list(DataLoader(Range(4), num_workers=1, worker_init_fn=init))


def test_killed_worker_raises_promptly():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by "
                                           r"signal: Killed\."):
        list(DataLoader(Range(8, kill_at=5), batch_size=2, num_workers=2))
    assert time.monotonic() - start < 5


def test_timeout_raises():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Range(4, sleep_at=1), num_workers=1, timeout=0.3))
    assert time.monotonic() - start < 3


def test_break_and_del_leave_no_children():
    loader = DataLoader(Range(100), num_workers=2)
    it = iter(loader)
    next(it)
    assert len(worker_pids()) == 2
    del it
    assert wait_no_children()
    for i, _ in enumerate(loader):
        if i == 2:
            break
    del loader
    assert wait_no_children()


def test_deleting_persistent_loader_stops_workers():
    loader = DataLoader(Range(6), batch_size=2, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(3):
        for _ in loader:
            pass
        pids.append(sorted(w.pid for w in loader._iterator._workers))
    assert pids[0] == pids[1] == pids[2] and len(worker_pids()) == 2
    it = iter(loader)
    next(it)  # an unfinished epoch: its stale batches must not leak into the next one
    assert as_lists(loader) == as_lists(DataLoader(Range(6), batch_size=2))
    del loader, it
    assert wait_no_children()


class Seeds(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.seed, random.random(), float(np.random.rand()),
                ember.rand(1).item()]


def seeds_epoch(**kwargs):
    return [list(map(float, row)) for row in DataLoader(Seeds(), batch_size=None,
                                                        num_workers=2, **kwargs)]


def test_worker_seeds_distinct_and_reproducible():
    ember.manual_seed(11)
    a = seeds_epoch()
    ember.manual_seed(11)
    assert seeds_epoch() == a
    assert seeds_epoch() != a  # a new epoch draws a new base seed
    by_worker = {int(row[0]): row for row in a[:2]}
    assert by_worker[1][1] == by_worker[0][1] + 1
    for col in (2, 3, 4):  # random, numpy and ember differ between the two workers
        assert by_worker[0][col] != by_worker[1][col]
    g = ember.Generator().manual_seed(4)
    b = seeds_epoch(generator=g)
    g.manual_seed(4)
    assert seeds_epoch(generator=g) == b


def test_worker_init_fn_sees_worker_info():
    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 2
        np.random.seed(100 + worker_id)
    out = list(DataLoader(Seeds(), batch_size=None, num_workers=2, worker_init_fn=init))
    assert float(out[0][3]) == np.random.RandomState(100).rand()


class Shards(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_iterable_dataset_sharded_yields_each_item_once(batch_size):
    out = list(DataLoader(Shards(11), batch_size=batch_size, num_workers=2))
    items = [int(x) for b in out for x in (b.tolist() if batch_size else [b])]
    assert sorted(items) == list(range(11))


def test_iterable_dataset_persistent_workers_restart():
    loader = DataLoader(Shards(5), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    assert [b.tolist() for b in loader] == first
    assert sorted(sum(first, [])) == list(range(5))
    del loader


def test_spawn_context():
    ds = TensorDataset(ember.arange(5).float())
    out = list(DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn"))
    assert [b[0].tolist() for b in out] == [[0.0, 1.0], [2.0, 3.0], [4.0]]
