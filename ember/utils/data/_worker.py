"""What runs inside a DataLoader worker process, and what crosses the process boundary."""
from __future__ import annotations

import io
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any, Optional

import numpy as np

from ember._tensor import Tensor

# How often a blocked worker or main process wakes up to check that its peer is alive.
POLL_INTERVAL = 0.1


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: Optional[WorkerInfo] = None


def get_worker_info() -> Optional[WorkerInfo]:
    """The current worker's ``WorkerInfo`` (id, num_workers, seed, dataset); None in the main
    process."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def __reduce__(self):
        try:  # classes defined in a function cannot be pickled by reference
            pickle.dumps(self.exc_type)
            exc_type = self.exc_type
        except Exception:
            exc_type = None
        return _rebuild_exception, (exc_type, self.exc_type.__name__, self.exc_msg, self.where)

    def reraise(self):
        """Raise the exception again, with the worker's traceback in the message."""
        name = self.exc_type.__name__ if self.exc_type else self._name
        msg = f"Caught {name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(_KeyErrorMessage(msg))
        try:
            exc = self.exc_type(msg) if self.exc_type is not None else None
        except Exception:
            exc = None
        if exc is None:
            raise RuntimeError(msg) from None
        raise exc


def _rebuild_exception(exc_type, name, msg, where):
    w = ExceptionWrapper.__new__(ExceptionWrapper)
    w.exc_type, w._name, w.exc_msg, w.where = exc_type, name, msg, where
    return w


class _KeyErrorMessage(str):
    """KeyError shows ``repr`` of its argument; this keeps the traceback readable."""

    def __repr__(self):
        return str(self)


# ---- tensors across processes: the ndarray, the dtype and requires_grad ----
def _rebuild_tensor(arr, dtype_name: str, requires_grad: bool):
    from ember.ops.creation import from_numpy
    t = from_numpy(arr)
    if t.dtype.name != dtype_name:
        import ember
        t = t.to(getattr(ember, dtype_name))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t: Tensor):
    arr = t._data if t.device.type == "cpu" else t.detach().cpu()._data
    return _rebuild_tensor, (np.asarray(arr), t.dtype.name, bool(t.requires_grad))


class _Pickler(ForkingPickler):
    """Pickles ember Tensors (subclasses included) as their NumPy arrays."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


def dumps(obj) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


loads = pickle.loads
ForkingPickler.register(Tensor, _reduce_tensor)  # datasets holding tensors under spawn


# ---- fetching samples ----
class _IterableDatasetStopIteration:
    """A worker's message that its copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class _ResumeIteration:
    """Tells a persistent worker that a new epoch starts."""


def create_fetcher(is_iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last):
    if is_iterable:
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    return _MapFetcher(dataset, auto_collation, collate_fn)


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self._getitems = getattr(dataset, "__getitems__", None) if auto_collation else None

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if callable(self._getitems):
            return self.collate_fn(self._getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.iterator = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


# ---- the worker process ----
def _seed_worker(base_seed: int, worker_id: int) -> None:
    """Seed Python's, ember's and NumPy's global generators as PyTorch's workers do: the
    first two with base_seed + worker_id, NumPy's with PyTorch's SeedSequence-style hash of
    (worker_id, base_seed), so augmentations drawing from any of them match."""
    import ember
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    entropy = [worker_id, base_seed & 0xFFFF_FFFF, base_seed >> 32, 0]
    np.random.seed(np.random.SeedSequence(entropy).generate_state(4))


def worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid):
    """Serve ``(task_idx, indices)`` requests from ``index_queue`` until told to stop."""
    global _worker_info
    try:
        seed = base_seed + worker_id
        _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        _serve(locals())
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()


def _serve(s) -> None:
    index_queue, data_queue, done_event = s["index_queue"], s["data_queue"], s["done_event"]
    fetcher, init_error, ended = s.get("fetcher"), s["init_error"], False
    while True:
        try:
            request = index_queue.get(timeout=POLL_INTERVAL)
        except queue.Empty:  # the main process shut down (its last message may be lost
            # when it is garbage collected) or died: do not linger
            if done_event.is_set() or os.getppid() != s["parent_pid"]:
                return
            continue
        if request is None:
            return
        if isinstance(request, _ResumeIteration):
            ended = False
            if s["is_iterable"] and init_error is None:
                fetcher = create_fetcher(True, s["dataset"], s["auto_collation"],
                                         s["collate_fn"], s["drop_last"])
            data_queue.put((request, None))
            continue
        if done_event.is_set() or ended:
            continue
        task_idx, index = request
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                if not s["is_iterable"]:
                    data = ExceptionWrapper(where=s["where"])
                else:
                    data, ended = _IterableDatasetStopIteration(s["worker_id"]), True
            except Exception:
                data = ExceptionWrapper(where=s["where"])
        data_queue.put((task_idx, _encode(data, s["where"])))
        del data, request, index


def _encode(data, where: str) -> bytes:
    """Pickle here, so that an unpicklable batch becomes an error the main process sees."""
    try:
        return dumps(data)
    except Exception:
        return dumps(ExceptionWrapper(where=where))
