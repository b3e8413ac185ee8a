"""3-D pooling: max, average, adaptive and max-unpooling over (N, C, D, H, W) inputs."""
from __future__ import annotations

import numpy as np

from ..._backend import conv3d_kernels as K
from ._pool3d_ops import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, MaxPool3d, \
    MaxUnpool3d, VolumeSel, avg_matrix
from ._pool_ops import avg_divisor
from .pool import _unbatch

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "max_unpool3d"]

_MAX_MSG = {"kernel_size": "max_pool3d: kernel_size must either be a single int, or a tuple "
                           "of three ints",
            "stride": "max_pool3d: stride must either be omitted, a single int, or a tuple of "
                      "three ints",
            "padding": "max_pool3d: padding must either be a single int, or a tuple of three "
                       "ints",
            "dilation": "max_pool3d: dilation must be either a single int, or a tuple of three "
                        "ints"}
_AVG_MSG = {"kernel_size": "avg_pool3d: kernel_size must be a single int, or a tuple of three "
                           "ints",
            "stride": "avg_pool3d: stride must be omitted, a single int, or a tuple of three "
                      "ints",
            "padding": "avg_pool3d: padding must be a single int, or a tuple of three ints"}


def _triple(v, msg):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = (v[0],) * 3
        if len(v) != 3:
            raise RuntimeError(msg)
        return tuple(int(a) for a in v)
    return (int(v),) * 3


def _omitted(stride):
    return stride is None or (isinstance(stride, (tuple, list)) and not stride)


def _five(x, where):
    """x as a batched 5-D tensor (and whether it was unbatched), with PyTorch's checks."""
    shape = tuple(x._data.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if 0 in shape[len(shape) - 4:]:
        raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {list(shape)} and non-batch "
                           "dimension 0 has length zero!")
    return (x.unsqueeze(0), True) if len(shape) == 4 else (x, False)


def _pool_geom(x, kernel, stride, pad, dilation, ceil_mode, where, avg=False):
    """The output size, after PyTorch's pooling checks in PyTorch's order."""
    for k, s, p, d in zip(kernel, stride, pad, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    for name, vals in (("kernel size", kernel), ("stride", stride)):
        if any(v <= 0 for v in vals):
            letters = "kT kH kW" if name == "kernel size" else "dT dH dW"
            got = " ".join(f"{a}: {v}" for a, v in zip(letters.split(), vals))
            raise RuntimeError(f"{name} should be greater than zero, but got {got}")
    if any(d <= 0 for d in dilation):
        got = " ".join(f"dilation{a}: {v}" for a, v in zip("THW", dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    x5, unbatched = _five(x, where)
    spatial = tuple(x5.shape[2:])
    if avg and any(n < k for n, k in zip(spatial, kernel)):
        raise RuntimeError(f"input image (T: {spatial[0]} H: {spatial[1]} W: {spatial[2]}) "
                           f"smaller than kernel size (kT: {kernel[0]} kH: {kernel[1]} "
                           f"kW: {kernel[2]})")
    pads = tuple((p, p) for p in pad)
    osz = K.out_size(x5.shape, kernel, stride, pads, dilation, bool(ceil_mode))
    if min(osz) < 1:
        size = "x".join(map(str, (x5.shape[1],) + spatial))
        out = "x".join(map(str, (x5.shape[1],) + osz))
        raise RuntimeError(f"Given input size: ({size}). Calculated output size: ({out}). "
                           "Output size is too small")
    return x5, unbatched, pads, osz


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W); stride defaults to the kernel size.

    >>> F.max_pool3d(ember.arange(8.).view(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
    """
    kernel = _triple(kernel_size, _MAX_MSG["kernel_size"])
    stride = kernel if _omitted(stride) else _triple(stride, _MAX_MSG["stride"])
    pad = _triple(padding, _MAX_MSG["padding"])
    dil = _triple(dilation, _MAX_MSG["dilation"])
    if input._data.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    x, unbatched, pads, osz = _pool_geom(input, kernel, stride, pad, dil, ceil_mode,
                                         "max_pool3d_with_indices_out_cpu_template")
    out = MaxPool3d.apply(x, geom=(kernel, stride, pads, dil, osz),
                          return_indices=bool(return_indices))
    return _unbatch(out, unbatched)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W).

    >>> F.avg_pool3d(ember.arange(8.).view(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
    """
    kernel = _triple(kernel_size, _AVG_MSG["kernel_size"])
    stride = kernel if _omitted(stride) else _triple(stride, _AVG_MSG["stride"])
    pad = _triple(padding, _AVG_MSG["padding"])
    if input._data.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    x, unbatched, pads, osz = _pool_geom(input, kernel, stride, pad, (1, 1, 1), ceil_mode,
                                         "avg_pool3d", avg=True)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        div = np.float64(divisor_override)
    else:
        dd, dh, dw = (avg_divisor(np, n, k, s, p, o, count_include_pad) for n, k, s, p, o in
                      zip(x.shape[2:], kernel, stride, pad, osz))
        div = (dd[:, None, None] * dh[:, None] * dw).astype(np.float64)
        if (div == div.flat[0]).all():
            div = div.flat[0]
    plan = (kernel, stride, pads, osz, div)
    return _unbatch(AvgPool3d.apply(x, plan=plan, xshape=tuple(x.shape)), unbatched)


def _adaptive_input(input, name):
    shape = tuple(input._data.shape)
    if len(shape) not in (4, 5):
        sep = ": " if "max" in name else " "
        raise RuntimeError(f"{name}(): Expected 4D or 5D tensor, but got{sep}{list(shape)}")
    for i in range(1, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(shape)} with dimension "
                               f"{i} being empty")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    return (input.unsqueeze(0), True) if len(shape) == 4 else (input, False)


def _adaptive_size(output_size, x, name):
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * 3
    if len(output_size) != 3:
        raise RuntimeError(f"{name}: output_size must be 3" if "avg" in name else
                           f"{name}(): internal error: output_size.size() must be 3")
    out = tuple(n if o is None else int(o) for o, n in zip(output_size, x.shape[2:]))
    if min(out) < 0:
        if "avg" in name:
            raise RuntimeError(f"{name}: elements of output_size must be greater than or equal "
                               f"to 0 but received {{{out[0]}, {out[1]},{out[2]}}}")
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: "
                           f"{list(x.shape[:2]) + list(out)}")
    return out


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed output size (windows placed as PyTorch places them).

    >>> F.adaptive_avg_pool3d(ember.ones(1, 2, 5, 6, 7), (2, None, 3)).shape
    ember.Size([1, 2, 2, 6, 3])
    """
    x, unbatched = _adaptive_input(input, "adaptive_avg_pool3d")
    osize = _adaptive_size(output_size, x, "adaptive_avg_pool3d")
    mats = tuple(avg_matrix(n, o) for n, o in zip(x.shape[2:], osize))
    return _unbatch(AdaptiveAvgPool3d.apply(x, mats=mats), unbatched)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size.

    >>> F.adaptive_max_pool3d(ember.ones(1, 2, 5, 6, 7), 2).shape
    ember.Size([1, 2, 2, 2, 2])
    """
    x, unbatched = _adaptive_input(input, "adaptive_max_pool3d")
    osize = _adaptive_size(output_size, x, "adaptive_max_pool3d")
    if 0 in osize or x.shape[0] == 0:
        out = x.new_zeros(tuple(x.shape[:2]) + osize)
        out = (out, out.long()) if return_indices else out
    else:
        out = AdaptiveMaxPool3d.apply(x, osize=osize, return_indices=bool(return_indices))
    return _unbatch(out, unbatched)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


def _unpool_size(x, kernel, stride, pad, output_size):
    """The output's (D, H, W), with the checks of PyTorch's ``_unpool_output_size``."""
    default = [(n - 1) * s + k - 2 * p for n, s, k, p in zip(x.shape[-3:], stride, kernel, pad)]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == 5:
        output_size = output_size[2:]
    if len(output_size) != 3:
        raise ValueError("output_size should be a sequence containing 3 or 5 elements, but it "
                         f"has a length of '{len(output_size)}'")
    for d, (o, s) in enumerate(zip(output_size, stride)):
        lo, hi = default[d] - s, default[d] + s
        if not lo < o < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f"between {lo} and {hi})")
    return tuple(int(o) for o in output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatter pooled values back to where max_pool3d found them (zeros elsewhere)."""
    tup = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * 3  # noqa: E731
    kernel = tup(kernel_size)
    stride = kernel if stride is None else tup(stride)
    pad = tup(padding)
    if len(kernel) != 3:
        raise RuntimeError("There should be exactly three elements (depth, height, width) in "
                           f"output_size, but got {len(kernel)} elements.")
    size = _unpool_size(input, kernel, stride, pad, output_size)
    if input.ndim not in (4, 5):
        raise RuntimeError("Input to max_unpooling3d should be a 4d or 5d Tensor, but got a "
                           f"tensor with {input.ndim} dimensions.")
    if indices.dtype.name != "int64":
        raise RuntimeError("elements in indices should be type int64")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"strides should be greater than zero, but got stride: "
                           f"{list(stride)}")
    unbatched = input.ndim == 4
    x = input.unsqueeze(0) if unbatched else input
    raw = (indices.unsqueeze(0) if unbatched else indices)._data
    vol = size[0] * size[1] * size[2]
    if raw.size:
        hi, lo = int(raw.max()), int(raw.min())
        if hi >= vol or lo < 0:
            raise RuntimeError(f"Found an invalid max index: {hi if hi >= vol else lo} (output "
                               f"volumes are of size {size[0]}x{size[1]}x{size[2]})")
    sel = VolumeSel(raw, tuple(x.shape[:2]) + size, False)
    return _unbatch(MaxUnpool3d.apply(x, sel=sel), unbatched)
