"""``default_collate`` and ``default_convert``: samples -> batches of tensors."""
from __future__ import annotations

import collections.abc as abc
from typing import Any, Callable, Sequence

import numpy as np

from ember._tensor import Tensor

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_numpy(obj) -> bool:
    return type(obj).__module__ == "numpy" and not isinstance(obj, (np.str_, np.bytes_))


def _is_str_array(arr) -> bool:
    return isinstance(arr, np.ndarray) and arr.dtype.kind in "SaUO"


def _from_numpy(arr: np.ndarray) -> Tensor:
    from ember.ops.creation import from_numpy
    return from_numpy(np.asarray(arr))


def _collate_tensors(batch: Sequence[Tensor]) -> Tensor:
    from ember.ops.shape import stack
    return stack(list(batch), 0)


def _collate_numpy(batch: Sequence) -> Tensor:
    elem = batch[0]
    if _is_str_array(elem):
        raise TypeError(_ERR.format(elem.dtype))
    if elem.shape == () and not isinstance(elem, np.ndarray):  # numpy scalars
        return _from_numpy(np.asarray(batch))
    same = all(isinstance(b, np.ndarray) and b.dtype == elem.dtype and b.shape == elem.shape
               for b in batch)
    if same:  # one copy straight into the batch array
        return _from_numpy(np.stack(batch))
    return default_collate([_from_numpy(b) for b in batch])


def _collate_mapping(batch: Sequence, fn: Callable) -> Any:
    elem = batch[0]
    out = {key: fn([d[key] for d in batch]) for key in elem}
    try:
        return type(elem)(out)
    except TypeError:  # a mapping type whose constructor takes something else
        return out


def _collate_sequence(batch: Sequence) -> Any:
    elem = batch[0]
    size = len(elem)
    if not all(len(e) == size for e in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    transposed = list(zip(*batch))
    if isinstance(elem, tuple):
        return [default_collate(s) for s in transposed]
    collated = [default_collate(s) for s in transposed]
    try:
        return type(elem)(collated)
    except TypeError:
        return collated


def default_collate(batch: Sequence) -> Any:
    """Merge a list of samples into a batch, keeping the samples' structure.

    Tensors and NumPy arrays are stacked, Python floats become float64 and ints int64
    tensors, strings stay a list; tuples, lists, dicts and named tuples are collated
    field by field.

    >>> default_collate([(0, 1.5), (1, 2.5)])
    [tensor([0, 1]), tensor([1.5000, 2.5000], dtype=torch.float64)]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if _is_numpy(elem):
        return _collate_numpy(batch)
    if isinstance(elem, float):
        return _from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):  # dtype inferred from all values, as torch.tensor does
        from ember.ops.creation import tensor
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        return _collate_mapping(batch, default_collate)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        return _collate_sequence(batch)
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays (nested in lists, tuples, dicts) to tensors; no batching.

    >>> default_convert([np.array([1, 2]), "a"])
    [tensor([1, 2]), 'a']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        return data if _is_str_array(data) else _from_numpy(data)
    if isinstance(data, abc.Mapping):
        out = {key: default_convert(v) for key, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
