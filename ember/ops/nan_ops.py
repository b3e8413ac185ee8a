"""PyTorch's NaN rules: ``median`` propagates NaN, ``nanmedian`` ignores it; ``nan_to_num``."""
from __future__ import annotations

import numpy as np

from ..autograd.node import Primitive
from .extrema import ArgExtreme, ReduceAll, indexed_reduction
from ._util import wrap_dim


def _lower_median(xp, flat):
    """The lower of the two middle values of a 1-D array without NaN (NaN when empty)."""
    n = flat.shape[0]
    if n == 0:
        return xp.nan
    k = (n - 1) // 2
    return xp.partition(flat, k)[k]


class MedianAll(ReduceAll, node_name="MedianBackward0"):
    @staticmethod
    def fn(xp, flat):
        if flat.dtype.kind == "f" and xp.isnan(flat).any():
            return xp.nan
        return _lower_median(xp, flat)


class NanmedianAll(ReduceAll, node_name="NanmedianBackward0"):
    @staticmethod
    def fn(xp, flat):
        if flat.dtype.kind == "f":
            flat = flat[~xp.isnan(flat)]
        return _lower_median(xp, flat)


class MedianDim(ArgExtreme, node_name="MedianBackward1"):
    """The lower median along a dim and its index; a row holding NaN gives its first NaN."""
    skip_nan = False

    def forward(self, x):
        xp, d = self.xp, self.dim
        order = xp.argsort(x, axis=d, kind="stable")
        n = x.shape[d]
        if x.dtype.kind == "f":
            nan = xp.isnan(x)
            has_nan = nan.any(axis=d, keepdims=True)
            if self.skip_nan:
                # NaN sorts last, so the median of the numbers is at (count - 1) // 2
                count = n - nan.sum(axis=d, keepdims=True)
                idx = xp.take_along_axis(order, xp.maximum(count - 1, 0) // 2, d)
            else:
                idx = xp.take(order, [(n - 1) // 2], axis=d)
                idx = xp.where(has_nan, nan.argmax(axis=d, keepdims=True), idx)
        else:
            idx = xp.take(order, [(n - 1) // 2], axis=d)
        self.index = idx
        vals = xp.take_along_axis(x, idx, d)
        if not self.keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
        return vals, idx.astype(np.int64)


class NanmedianDim(MedianDim, node_name="NanmedianBackward1"):
    skip_nan = True


def _median(input, dim, keepdim, skip_nan):
    name = "nanmedian" if skip_nan else "median"
    if dim is None:
        if input.numel() == 0:
            return input.new_full((), float("nan"))
        return (NanmedianAll if skip_nan else MedianAll).apply(input)
    return indexed_reduction(NanmedianDim if skip_nan else MedianDim, name, input,
                             wrap_dim(dim, input.ndim), keepdim, label="median")


def median(input, dim=None, keepdim=False):
    """The lower median of all values, or (values, indices) along ``dim``; NaN if any value is.

    >>> ember.median(ember.tensor([3., 1., float("nan")]))
    tensor(nan)
    """
    return _median(input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False):
    """Like :func:`median`, ignoring NaN (NaN only where every value is NaN).

    >>> ember.nanmedian(ember.tensor([3., 1., float("nan")]))
    tensor(1.)
    """
    return _median(input, dim, keepdim, True)


class NanToNum(Primitive, node_name="NanToNumBackward0"):
    """Replace NaN and infinities; the gradient passes only where the input was finite."""

    def forward(self, x):
        # the mask, not the input, is kept: nan_to_num_ overwrites the input
        self.finite = self.xp.isfinite(x)
        return self.xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, grad):
        return grad * grad._from_array(self.finite)
