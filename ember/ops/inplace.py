"""In-place ops: compute out of place, write the result back, rebase the history."""
from __future__ import annotations

import numpy as np

from .._dtype import can_cast
from .._tensor import Tensor
from ..autograd.grad_mode import STATE

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to "
               "a single memory location. Please clone() the tensor before performing the "
               "operation.")
VIEW_LEAF_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place "
                 "operation.")


def _alias(x):
    """Same memory, history and version counter; a distinct object for the graph to save."""
    a = Tensor._make(x._data, x.dtype, x.device, x._backend)
    a._rg, a.grad_fn, a._output_nr = x._rg, x.grad_fn, x._output_nr
    a._version_box, a._base = x._version_box, x._base
    return a


def check_leaf(x):
    if STATE.enabled:
        if x._rg and x.grad_fn is None:
            raise RuntimeError(LEAF_MSG)
        if x._base is not None and x._base._rg and x._base.grad_fn is None:
            raise RuntimeError(VIEW_LEAF_MSG)


def apply_inplace(x, compute):
    """``compute(alias_of_x)`` gives the new value; store it in ``x`` and return ``x``."""
    check_leaf(x)
    res = compute(_alias(x))
    write_result(x, res)
    if STATE.enabled and res._rg:
        if x._base is not None:
            _rebase_view(x, res)
        else:
            x.grad_fn, x._rg, x._output_nr = res.grad_fn, True, res._output_nr
    return x


def write_result(x, res):
    if res.dtype is not x.dtype:
        if not can_cast(res.dtype, x.dtype):
            raise RuntimeError(f"result type {res.dtype._legacy[:-6]} can't be cast to the "
                               f"desired output type {x.dtype._legacy[:-6]}")
    if res.shape != x.shape:
        try:
            if np.broadcast_shapes(res.shape, x.shape) != tuple(x.shape):
                raise ValueError
        except ValueError:
            raise RuntimeError(f"output with shape [{', '.join(map(str, x.shape))}] doesn't "
                               f"match the broadcast shape "
                               f"[{', '.join(map(str, np.broadcast_shapes(res.shape, x.shape)))}]"
                               ) from None
    if x._data.ndim == 0 and not isinstance(x._data, np.ndarray):
        x._data = res._data.astype(x.dtype.np)
    else:
        try:
            if np.shares_memory(x._data, res._data) if isinstance(x._data, np.ndarray) \
                    else False:
                x._data[...] = res._data.copy()
            else:
                x._data[...] = res._data
        except ValueError as e:
            if "read-only" not in str(e):
                raise
            raise RuntimeError(OVERLAP_MSG) from None
    x._bump()


def _flat_positions(x, base):
    """Flat indices into ``base`` of every element of its view ``x``."""
    item = x._data.itemsize
    offset = (x.data_ptr() - base.data_ptr()) // item
    positions = np.arange(base.numel(), dtype=np.int64)
    strides = tuple(s // item * 8 for s in x._data.strides)
    return np.lib.stride_tricks.as_strided(positions[offset:], x.shape, strides).copy()


def _rebase_view(x, res):
    """In-place on a view: record the base as updated at the view's positions."""
    from .index import Index, IndexPut
    base = x._base
    if not base._data.flags.c_contiguous:
        raise RuntimeError("ember: in-place operation with autograd on a view of a "
                           "non-contiguous tensor is not supported; call .contiguous() first")
    key = (_flat_positions(x, base),)
    flat = _alias(base).reshape(-1)
    new_flat = IndexPut.apply(flat, res, key=key, advanced=True)
    base.grad_fn, base._rg, base._output_nr = None, True, 0
    new_base = new_flat.reshape(base.shape)
    base.grad_fn = new_base.grad_fn
    view = Index.apply(new_flat, key=key, in_shape=new_flat.shape, advanced=True)
    x.grad_fn, x._rg, x._output_nr = view.grad_fn, True, 0


def copy_into_out(out, res):
    """Implement ``out=``: resize ``out`` if needed, cast, copy, return it."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.enabled and (res._rg or out._rg):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if res.dtype is not out.dtype and not can_cast(res.dtype, out.dtype):
        raise RuntimeError(f"result type {res.dtype._legacy[:-6]} can't be cast to the desired "
                           f"output type {out.dtype._legacy[:-6]}")
    if out.shape != res.shape:
        out._data = res._data.astype(out.dtype.np, copy=True)
    else:
        out._data[...] = res._data
    out._bump()
    return out


def copy_(x, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved) into ``x``; differentiable w.r.t. both."""
    if not isinstance(src, Tensor):
        from .creation import tensor
        src = tensor(src)
    check_leaf(x)
    s = src
    if s.device != x.device or s.dtype is not x.dtype:
        s = s.to(x.device, x.dtype)
    if s.shape != x.shape:
        try:
            s = s.expand(x.shape)
        except RuntimeError as e:  # PyTorch's broadcast wording, as for any in-place op
            from ..autograd.node import broadcast_error
            err = broadcast_error(x.shape, s.shape)
            if err is None:
                b = np.broadcast_shapes(x.shape, s.shape)
                err = RuntimeError(f"output with shape [{', '.join(map(str, x.shape))}] doesn't "
                                   f"match the broadcast shape [{', '.join(map(str, b))}]")
            raise err from e
    if STATE.enabled and (s._rg or x._rg):
        from .elementwise import Clone
        return apply_inplace(x, lambda a: Clone.apply(s) + a * 0)
    x._data[...] = s._data
    x._bump()
    return x


def fill_(x, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        if STATE.enabled and (value._rg or x._rg):
            return copy_(x, value.expand(x.shape))
        value = value.item()
    check_leaf(x)
    if STATE.enabled and x._rg:
        from ._util import scalar_tensor
        return apply_inplace(x, lambda a: a * 0 + scalar_tensor(value, x.dtype, x))
    x._data[...] = value
    x._bump()
    return x


def zero_(x):
    return fill_(x, 0)
