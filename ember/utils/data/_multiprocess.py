"""The multi-process DataLoader iterator: workers, ordering, failure detection, shutdown."""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import queue
import signal
import sys
import time

from . import _worker
from ._worker import ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration, loads
from .dataloader import _BaseDataLoaderIter

_JOIN_TIMEOUT = 1.0  # seconds a worker gets to exit cleanly before it is terminated


def _default_context():
    """fork on Linux (datasets need not be picklable, workers start fast), else the default."""
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Dispatches index batches round-robin to workers and yields results in sampler order."""

    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._owner_pid = os.getpid()
        self._shutdown = True  # until the workers exist
        self._prefetch_factor = loader.prefetch_factor
        if not self._prefetch_factor > 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context or _default_context()
        self._data_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        self._shutdown = False
        for i in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            w = ctx.Process(target=_worker.worker_loop, daemon=True, args=(
                self._is_iterable, self._dataset, index_queue, self._data_queue,
                self._done_event, self._auto_collation, self._collate_fn, self._drop_last,
                self._base_seed, loader.worker_init_fn, i, self._num_workers, self._owner_pid))
            w.start()
            self._index_queues.append(index_queue)
            self._workers.append(w)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}  # task idx -> (worker id,) or (worker id, data)
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:  # persistent workers: start a new epoch, drop stale results
            for q in self._index_queues:
                q.put(_ResumeIteration())
            pending = self._num_workers
            while pending:
                tag, _ = self._get_data()
                if isinstance(tag, _ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---- dispatch ----
    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id]:
                break
        else:
            return  # every worker's iterable is exhausted
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    # ---- receive ----
    def _get_data(self):
        """The next ``(task idx, data)`` from any worker; raises if a worker died or timed out."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _worker.POLL_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                idx, payload = self._data_queue.get(timeout=wait)
            except queue.Empty:
                self._check_workers_alive()
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") \
                        from None
                continue
            return idx, (loads(payload) if isinstance(payload, bytes) else payload)

    def _check_workers_alive(self) -> None:
        dead = [w for w in self._workers if w.exitcode is not None]
        if not dead:
            return
        self._shutdown_workers()
        w = next((w for w in dead if w.exitcode < 0), dead[0])
        if w.exitcode < 0:
            name = signal.strsignal(-w.exitcode) or f"signal {-w.exitcode}"
            raise RuntimeError(f"DataLoader worker (pid {w.pid}) is killed by signal: {name}.")
        raise RuntimeError(f"DataLoader worker (pid {w.pid}) exited unexpectedly with exit "
                           f"code {w.exitcode}. Details are lost due to multiprocessing. "
                           "Rerunning with num_workers=0 may give better error trace.")

    def _next_data(self):
        while True:
            if not self._advance_to_pending():
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(info[1])
            if self._shutdown:
                raise RuntimeError("DataLoader iterator used after its workers shut down")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                del self._task_info[idx]
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                del self._task_info[idx]
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process_data(data)
            self._task_info[idx] += (data,)

    def _advance_to_pending(self) -> bool:
        """Skip tasks already delivered or lost to finished workers; False when none remain."""
        while self._rcvd_idx < self._send_idx:
            info = self._task_info.get(self._rcvd_idx)
            if info is not None and (len(info) == 2 or self._workers_status[info[0]]):
                return True
            self._task_info.pop(self._rcvd_idx, None)
            self._rcvd_idx += 1
        return False

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # ---- shutdown ----
    def _shutdown_workers(self) -> None:
        if self._shutdown or os.getpid() != self._owner_pid:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for q in self._index_queues:
                q.put(None)
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
                if w.is_alive():
                    w.kill()
                    w.join()
        finally:
            for q in (*self._index_queues, self._data_queue):
                q.cancel_join_thread()
                q.close()

    def __del__(self):
        if getattr(self, "_shutdown", True) is False:
            self._shutdown_workers()
