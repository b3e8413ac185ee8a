"""Pooling: max, average, adaptive, Lp and max-unpooling (no Python loop over pixels)."""
from __future__ import annotations

import numpy as np

from ._pool_ops import AdaptiveMaxPool, AvgPool, MaxPool, MaxUnpool, IndexSel, avg_divisor
from ..._backend import conv_kernels as K
from ...amp import _policy as _amp

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d",
           "max_unpool2d", "lp_pool1d", "lp_pool2d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "adaptive_max_pool2d_with_indices"]


def _two(v, name="kernel_size"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = (v[0], v[0])
        if len(v) != 2:
            raise RuntimeError(f"max_pool2d: {name} must either be a single int, or a tuple of "
                               "two ints")
        return tuple(int(a) for a in v)
    return (int(v), int(v))


def _batched(x, name, nd=2):
    d = x._data
    if d.ndim == nd + 1:
        return x.unsqueeze(0), True
    if d.ndim != nd + 2 or d.size == 0:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    return x, False


def _unbatch(out, unbatched):
    if not unbatched:
        return out
    if isinstance(out, tuple):
        return tuple(o.squeeze(0) for o in out)
    return out.squeeze(0)


def _check_geom(x, kernel, stride, padding, dilation, ohw):
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} "
                           f"dW: {stride[1]}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} "
                           f"kW: {kernel[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: "
                           f"{dilation[0]} dilationW: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    if ohw[0] < 1 or ohw[1] < 1:
        c, h, w = x.shape[1:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: "
                           f"({c}x{ohw[0]}x{ohw[1]}). Output size is too small")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W); stride defaults to the kernel size.

    >>> F.max_pool2d(ember.arange(16.).view(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    x, unbatched = _batched(input, "max_pool2d")
    try:
        key = (x._data.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
        geom = _MAX_GEOMS[key]
    except (KeyError, TypeError):  # a miss, or list arguments (unhashable)
        geom = _max_pool_geom(x, kernel_size, stride, padding, dilation, ceil_mode)
        if len(_MAX_GEOMS) > 512:
            _MAX_GEOMS.clear()
        try:
            _MAX_GEOMS[key] = geom
        except TypeError:
            pass
    out = MaxPool.apply(x, geom=geom, return_indices=bool(return_indices))
    return _unbatch(out, unbatched)


_MAX_GEOMS: dict = {}


def _max_pool_geom(x, kernel_size, stride, padding, dilation, ceil_mode):
    """Validated (kernel, stride, pads, dilation, ceil_mode) for max_pool2d on ``x``."""
    kernel = _two(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _two(stride, "stride")
    pad, dil = _two(padding, "padding"), _two(dilation, "dilation")
    ohw = tuple(K.out_len(n, k, s, p, p, d, ceil_mode) if s else 0 for n, k, s, p, d in
                zip(x.shape[2:], kernel, stride, pad, dil))
    _check_geom(x, kernel, stride, pad, dil, ohw)
    return (kernel, stride, (pad[0], pad[0], pad[1], pad[1]), dil, bool(ceil_mode))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L)."""
    one = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    if input.ndim not in (2, 3):
        raise RuntimeError("max_pool1d() Expected 2D or 3D input tensor, but got "
                           f"{list(input.shape)}")
    st = None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else (1, one(stride))
    out = max_pool2d(input.unsqueeze(-2), (1, one(kernel_size)), st, (0, one(padding)),
                     (1, one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def max_pool2d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return max_pool2d(*args, **kwargs)


def max_pool1d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return max_pool1d(*args, **kwargs)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W)."""
    x, unbatched = _batched(input, "avg_pool2d")
    kernel = _two(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _two(stride, "stride")
    pad = _two(padding, "padding")
    ohw = tuple(K.out_len(n, k, s, p, p, 1, ceil_mode) if s else 0 for n, k, s, p in
                zip(x.shape[2:], kernel, stride, pad))
    _check_geom(x, kernel, stride, pad, (1, 1), ohw)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        scale = 1.0 / divisor_override
    else:
        dh, dw = (avg_divisor(np, n, k, s, p, o, count_include_pad) for n, k, s, p, o in
                  zip(x.shape[2:], kernel, stride, pad, ohw))
        div = np.outer(dh, dw)
        scale = 1.0 / div[0, 0] if (div == div[0, 0]).all() else 1.0 / div
        if not np.isscalar(scale):
            scale = x._backend.xp.asarray(scale)
    plan = (kernel, stride, (pad[0], pad[0], pad[1], pad[1]), ohw, scale)
    return _unbatch(AvgPool.apply(x, plan=plan, xshape=tuple(x.shape)), unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L)."""
    one = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    st = None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else (1, one(stride))
    return avg_pool2d(input.unsqueeze(-2), (1, one(kernel_size)), st, (0, one(padding)),
                      ceil_mode, count_include_pad).squeeze(-2)


def _out_size(output_size, x, name):
    """The adaptive pool's (ho, wo), with PyTorch's checks of ``output_size``."""
    in_sizes = x.shape[2:]
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * len(in_sizes)
    if len(output_size) != 2:
        raise RuntimeError(f"{name}: output_size must be 2" if "avg" in name else
                           f"{name}(): internal error: output_size.size() must be 2")
    out = tuple(n if o is None else int(o) for o, n in zip(output_size, in_sizes))
    if min(out) < 0:
        if "avg" in name:
            raise RuntimeError(f"{name}: elements of output_size must be greater than or equal "
                               f"to 0 but received {{{out[0]}, {out[1]}}}")
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: "
                           f"{list(x.shape[:2]) + list(out)}")
    return out


def _one(output_size, name):
    """The single output length of a 1-D adaptive pool."""
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got "
                               f"{len(output_size)})")
        return output_size[0]
    return output_size


def _avg_matrix(n_in, n_out, like):
    """(n_out, n_in) matrix averaging each adaptive window."""
    i = np.arange(n_out)
    start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
    j = np.arange(n_in)
    m = ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]
    from ...ops.creation import tensor
    return tensor(m, dtype=like.dtype, device=like.device)


@_amp.op("adaptive_avg_pool2d")
def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (windows as PyTorch places them)."""
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    ho, wo = _out_size(output_size, x, "adaptive_avg_pool2d")
    h, w = x.shape[2:]
    if ho == 0 or wo == 0:
        out = x.new_zeros((*x.shape[:2], ho, wo))
    elif (ho, wo) == (1, 1):
        out = x.mean((2, 3), keepdim=True)
    elif h % ho == 0 and w % wo == 0:
        out = avg_pool2d(x, (h // ho, w // wo))
    else:
        out = _avg_matrix(h, ho, x) @ x @ _avg_matrix(w, wo, x).mT
    return _unbatch(out, unbatched)


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling over (N, C, L)."""
    o = _one(output_size, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size."""
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    osize = _out_size(output_size, x, "adaptive_max_pool2d")
    if 0 in osize:
        out = x.new_zeros((*x.shape[:2], *osize))
        if return_indices:
            out = (out, out.long())
    else:
        out = AdaptiveMaxPool.apply(x, osize=osize, return_indices=bool(return_indices))
    return _unbatch(out, unbatched)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    o = _one(output_size, "adaptive_max_pool1d")
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatter pooled values back to where max_pool2d found them (zeros elsewhere)."""
    x, unbatched = _batched(input, "max_unpool2d")
    idx = indices.unsqueeze(0) if unbatched else indices
    kernel = _two(kernel_size)
    stride = kernel if stride is None else _two(stride, "stride")
    pad = _two(padding, "padding")
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in
                     zip(x.shape[2:], stride, pad, kernel))
    else:
        size = tuple(int(v) for v in tuple(output_size)[-2:])
    raw = idx._data
    hw = size[0] * size[1]
    if raw.size and (int(raw.max()) >= hw or int(raw.min()) < 0):
        bad = int(raw.max()) if int(raw.max()) >= hw else int(raw.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{size[0]}x{size[1]})")
    sel = IndexSel(raw, tuple(x.shape[:2]) + size, True)
    return _unbatch(MaxUnpool.apply(x, sel=sel), unbatched)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    one = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    st = None if stride is None else (1, one(stride))
    osz = None if output_size is None else (1, tuple(output_size)[-1])
    return max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, one(kernel_size)), st,
                        (0, one(padding)), osz).squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x**p) ** (1/p)."""
    kh, kw = _two(kernel_size)
    out = avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)
