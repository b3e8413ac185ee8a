"""Binning and membership: searchsorted, bucketize, isin, histogram, unique_consecutive."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .._dtype import bool_, int64, result_type
from .._tensor import Tensor
from ._util import scalar_tensor, wrap_dim
from .reduce import _return_type

HISTOGRAM = _return_type("histogram", ("hist", "bin_edges"))


def _sizes(t):
    return f"[{', '.join(map(str, t.shape))}]"


def _bad_args(name, args, expected):
    got = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:\n{expected}")


def _lower_upper_bound(xp, seq, vals, right, sorter):
    """PyTorch's binary search on the last dim of ``seq`` (2-D, one row per row of ``vals``),
    step for step, so that unsorted or NaN-holding sequences give the same answers."""
    n = seq.shape[-1]
    start = xp.zeros(vals.shape, dtype=np.int64)
    end = xp.full(vals.shape, n, dtype=np.int64)
    active = start < end
    while bool(active.any()):
        mid = start + ((end - start) >> 1)
        pos = xp.minimum(mid, n - 1)
        if sorter is not None:
            pos = xp.take_along_axis(sorter, pos, axis=-1)
        mid_val = xp.take_along_axis(seq, pos, axis=-1)
        go_right = ~(mid_val > vals) if right else ~(mid_val >= vals)
        start = xp.where(active & go_right, mid + 1, start)
        end = xp.where(active & ~go_right, mid, end)
        active = start < end
    return start


def _check_side(side, right):
    if side is None:
        return right
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                           f"{side}")
    if (side == "right") != bool(right) and right:
        raise RuntimeError(f"torch.searchsorted(): side and right can't be set to opposites, got "
                           f"side of {side} while right was True")
    return side == "right"


def _check_sorter(seq, sorter):
    if not isinstance(sorter, Tensor):
        raise TypeError(f"searchsorted(): argument 'sorter' must be Tensor, not "
                        f"{type(sorter).__name__}")
    if sorter.dtype is not int64:
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got "
                           f"dtype {sorter.dtype._legacy[:-6]}")
    if sorter.shape != seq.shape:
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, "
                           f"but got boundary tensor {_sizes(seq)}and got sorter tensor "
                           f"{_sizes(sorter)}")
    s = sorter._data
    if s.size and (int(s.min()) < 0 or int(s.max()) >= seq.shape[-1]):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Insertion indices of ``input`` into the innermost dimension of ``sorted_sequence``.

    >>> ember.searchsorted(ember.tensor([1, 3, 5, 7]), ember.tensor([3, 6]))
    tensor([1, 3])
    """
    seq = sorted_sequence
    if not isinstance(seq, Tensor) or not isinstance(input, (Tensor, Number)):
        raise _bad_args("searchsorted", (seq, input), " * (Tensor sorted_sequence, Tensor input, "
                        "*, bool out_int32 = False, bool right = False, str side = None, Tensor "
                        "sorter = None, Tensor out = None)\n")
    right = _check_side(side, right)
    if isinstance(input, Tensor):
        vals = input
    else:
        vals = scalar_tensor(input, result_type(seq, input), seq)
    if vals.ndim == 0 and seq.ndim != 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim({vals.ndim}) "
                           f"numel({vals.numel()})")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim != 1 and (seq.ndim != vals.ndim or seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor {_sizes(seq)} and "
                           f"input value tensor {_sizes(vals)}")
    if sorter is not None:
        _check_sorter(seq, sorter)
    dt = result_type(seq, vals)
    if dt is bool_:
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    xp = seq._backend.xp
    n = seq.shape[-1]
    if n == 0 or vals.numel() == 0:
        idx = xp.zeros(vals.shape, dtype=np.int64)
    else:
        rows = seq.numel() // n
        s = seq._data.astype(dt.np, copy=False).reshape(rows, n)
        v = vals._data.astype(dt.np, copy=False).reshape(rows, -1)
        srt = None if sorter is None else sorter._data.reshape(rows, n)
        idx = _lower_upper_bound(xp, s, v, right, srt).reshape(vals.shape)
    return seq._from_array(idx.astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` given 1-D ``boundaries`` (``searchsorted`` with
    the arguments swapped).

    >>> ember.bucketize(ember.tensor([2, 6]), ember.tensor([1, 3, 5]))
    tensor([1, 3])
    """
    if not isinstance(boundaries, Tensor) or not isinstance(input, (Tensor, Number)):
        raise _bad_args("bucketize", (input, boundaries), " * (Tensor input, Tensor boundaries, "
                        "*, bool out_int32 = False, bool right = False, Tensor out = None)\n")
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """A bool tensor: whether each element of ``elements`` occurs in ``test_elements``.

    >>> ember.isin(ember.tensor([[1, 2], [3, 4]]), ember.tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    te, tt = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not (te or tt) or not isinstance(elements, (Tensor, Number)) or \
            not isinstance(test_elements, (Tensor, Number)):
        raise _bad_args("isin", (elements, test_elements), " * (Tensor elements, Tensor "
                        "test_elements, *, bool assume_unique = False, bool invert = False, "
                        "Tensor out = None)\n")
    like = elements if te else test_elements
    dt = result_type(elements, test_elements)
    for d in (elements, test_elements):
        d = d.dtype if isinstance(d, Tensor) else result_type(d)
        if d is bool_ or d.is_complex:
            raise RuntimeError(f"Unsupported input type encountered for isin(): "
                               f"{d._legacy[:-6]}")
    e = elements if te else scalar_tensor(elements, dt, like)
    t = test_elements if tt else scalar_tensor(test_elements, dt, like)
    xp = like._backend.xp
    res = xp.isin(e._data.astype(dt.np, copy=False), t._data.astype(dt.np, copy=False),
                  invert=invert)
    return like._from_array(xp.asarray(res).reshape(e.shape))


def _c_double(v) -> str:
    """A double printed as C++ streams do (6 significant digits)."""
    return f"{float(v):g}"


def _bin_edges(input, bins, range):
    """The bin edges of ``histogram`` (a tensor of ``input``'s dtype)."""
    from .creation import linspace
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {bins.ndim} dimensions in the bins tensor for dimension 0")
        if bins.dtype is not input.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the "
                               f"same dtype, but got input with dtype {_c_name(input)} and bins "
                               f"for dimension 0 with dtype {_c_name(bins)}")
        if bins.numel() < 2:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins.numel() - 1} "
                               "for dimension 0")
        return bins.detach()
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if range is not None:
        if len(range) != 2:
            raise RuntimeError(f"torch.histogramdd: for a 1-dimensional histogram range should "
                               f"have 2 elements, but got {len(range)}")
        lo, hi = float(range[0]), float(range[1])
    elif input.numel():
        lo, hi = float(input._data.min()), float(input._data.max())
    else:
        lo, hi = 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_c_double(lo)}, "
                           f"{_c_double(hi)}] is not finite")
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                           f"{_c_double(lo)} max {_c_double(hi)} for dimension 0")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return linspace(lo, hi, bins + 1, dtype=input.dtype, device=input.device)


def _c_name(t):
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half"}.get(t.dtype.name, t.dtype.name)


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None,
              density: bool = False):
    """Counts (or summed weights) of ``input``'s values in ``bins`` equal-width bins over
    ``range`` (the data's range by default), or between the given bin edges.

    Values outside the edges are ignored; the last bin includes its right edge.

    >>> ember.histogram(ember.tensor([1., 2., 1.]), bins=2).hist
    tensor([2., 1.])
    """
    if not isinstance(bins, (Tensor, int, np.integer)) or isinstance(bins, bool) or \
            (isinstance(bins, Tensor) and range is not None):
        raise _bad_args("histogram", (input, bins), " * (Tensor input, Tensor bins, *, Tensor "
                        "weight = None, bool density = False, tuple of Tensors out = None)\n * "
                        "(Tensor input, int bins = 100, *, tuple of floats range = None, Tensor "
                        "weight = None, bool density = False, tuple of Tensors out = None)\n")
    if input.dtype.name not in ("float32", "float64"):
        raise NotImplementedError(f"\"histogramdd\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    if weight is not None:
        if weight.numel() != input.numel():
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have "
                               f"the same shape as the input tensor excluding its innermost "
                               f"dimension, but got input with shape [{input.numel()}, 1] and "
                               f"weight with shape {_sizes(weight)}")
        if weight.dtype is not input.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor "
                               f"and weight tensor should have the same dtype, but got "
                               f"input({_c_name(input)}), and weight({_c_name(weight)})")
    edges = _bin_edges(input, bins, range)
    xp = input._backend.xp
    e, x = edges._data, input._data.reshape(-1)
    nb = e.shape[0] - 1
    keep = (x >= e[0]) & (x <= e[-1])
    pos = xp.searchsorted(e, x[keep], side="right") - 1
    pos = xp.minimum(pos, nb - 1)
    w = None if weight is None else weight._data.reshape(-1)[keep]
    hist = xp.bincount(pos, weights=w, minlength=nb)[:nb].astype(e.dtype)
    if density:
        hist = hist / hist.sum()
        hist = hist / (e[1:] - e[:-1])
    return HISTOGRAM(input._from_array(hist.astype(e.dtype, copy=False)), edges)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``) to one.

    >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 3, 1]))
    tensor([1, 2, 3, 1])
    """
    xp = input._backend.xp
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        keys = flat.reshape(-1, 1)
        inv_shape = input.shape
    else:
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = wrap_dim(dim, input.ndim)
        if any(s == 0 for i, s in enumerate(a.shape) if i != d):
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
        moved = xp.moveaxis(a, d, 0)
        keys = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
        inv_shape = (a.shape[d],)
    n = keys.shape[0]
    new_run = xp.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = xp.nonzero(new_run)[0]
    if dim is None:
        out = flat[starts]
    else:
        out = xp.moveaxis(moved[starts], 0, d)
    res = [input._from_array(xp.ascontiguousarray(out))]
    if return_inverse:
        inv = (xp.cumsum(new_run) - 1).astype(np.int64)
        res.append(input._from_array(inv.reshape(inv_shape)))
    if return_counts:
        counts = xp.diff(xp.append(starts, n)).astype(np.int64)
        res.append(input._from_array(counts))
    return res[0] if len(res) == 1 else tuple(res)

