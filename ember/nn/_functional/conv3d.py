"""3-D convolutions: conv3d and conv_transpose3d as im2col + one GEMM per call.

Three primitives close under differentiation, as the 2-D ones do: d(conv)/dx is the input
gradient (conv_transpose3d), d(conv)/dw the weight gradient, and each of those
differentiates back into the other two, so gradients of any order are 3-D convolutions.
"""
from __future__ import annotations

from ..._backend import conv3d_kernels as K
from ...amp import _policy as _amp
from ._conv_ops import Conv, ConvInputGrad, ConvWeightGrad, link
from .conv import _cname, _pair, _shape_str

__all__ = ["conv3d", "conv_transpose3d"]


class Conv3d(Conv, node_name="ConvolutionBackward0"):
    """conv3d(x, w) (+ b): the 2-D primitive over the 3-D kernels."""


class Conv3dInputGrad(ConvInputGrad, node_name="ConvolutionBackwardBackward0"):
    """The input gradient of conv3d (conv_transpose3d when public)."""


class ConvTranspose3d(Conv3dInputGrad, node_name="ConvolutionBackward0"):
    pass


class Conv3dWeightGrad(ConvWeightGrad, node_name="ConvolutionBackwardBackward0"):
    """The weight gradient of conv3d."""


link(Conv3d, Conv3dInputGrad, Conv3dWeightGrad, K)


def _check_conv3d(x, w, b, groups, transposed=False):
    """PyTorch's checks of input, weight and bias shapes and dtypes (5-D input here)."""
    xs, ws = tuple(x._data.shape), tuple(w._data.shape)
    name = "conv_transpose3d" if transposed else "conv3d"
    if len(ws) != 5:
        raise RuntimeError(f"Expected 5-dimensional weight for 5-dimensional input "
                           f"{_shape_str(xs)}, but got {len(ws)}-dimensional weight of size "
                           f"{_shape_str(ws)} instead")
    if len(xs) != 5:
        raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {name}, but got "
                           f"input of size: {_shape_str(xs)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if transposed and ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_shape_str(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_shape_str(ws)}] instead")
    want = ws[0] if transposed else ws[1] * groups
    kind = "transposed=1" if transposed else f"groups={groups}"
    if xs[1] != want:
        raise RuntimeError(f"Given {kind}, weight of size {_shape_str(ws)}, expected "
                           f"input{_shape_str(xs)} to have {want} channels, but got {xs[1]} "
                           "channels instead")
    if b is not None:
        nout = ws[1] * groups if transposed else ws[0]
        if tuple(b._data.shape) != (nout,):
            given = "Given transposed=1, weight" if transposed else "Given weight"
            raise RuntimeError(f"{given} of size {_shape_str(ws)}, expected bias to be "
                               f"1-dimensional with {nout} elements, but got bias of size "
                               f"{_shape_str(b.shape)} instead")
        if b.dtype is not x.dtype:
            raise RuntimeError(f"Input type ({_cname(x.dtype)}) and bias type "
                               f"({_cname(b.dtype)}) should be the same")
    if x.dtype is not w.dtype:
        raise RuntimeError(f"expected scalar type {x.dtype._legacy[:-6]} but found "
                           f"{w.dtype._legacy[:-6]}")


def _pads(padding, kernel, stride, dilation):
    """One (low, high) pair per spatial dim for an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * 3
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    p = _pair(padding, 3, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def _geom3(w, stride, padding, dilation, groups):
    """The validated (kernel, stride, pads, dilation, groups) of a 3-D convolution."""
    kernel = tuple(w.shape[2:])
    stride, dilation = _pair(stride, 3, "stride"), _pair(dilation, 3, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    return kernel, stride, _pads(padding, kernel, stride, dilation), dilation, groups


def _check_size(x, geom):
    kernel, _, pads, dilation, _ = geom
    size = [n + lo + hi for n, (lo, hi) in zip(x._data.shape[2:], pads)]
    ext = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if any(s < e for s, e in zip(size, ext)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, size))}). Kernel size: "
                           f"({' x '.join(map(str, ext))}). Kernel size can't be greater than "
                           "actual input size")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation over (N, C, D, H, W) inputs, as im2col + one GEMM.

    >>> F.conv3d(ember.ones(1, 1, 3, 3, 3), ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 2, 2, 2])
    """
    if _amp.active and (r := _amp.run("conv3d", conv3d, input, weight, bias, stride, padding,
                                      dilation, groups)) is not None:
        return r
    unbatched = input._data.ndim == 4
    x = input.unsqueeze(0) if unbatched else input
    _check_conv3d(x, weight, bias, groups)
    geom = _geom3(weight, stride, padding, dilation, groups)
    _check_size(x, geom)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = Conv3d.apply(*args, geom=geom)
    return out.squeeze(0) if unbatched else out


_DHW = ("depth", "height", "width")


def _transpose_geom(x, weight, stride, padding, output_padding, groups, dilation):
    """The geometry and the output's full shape of conv_transpose3d, with PyTorch's checks."""
    dil = _pair(dilation, 3, "dilation")
    if any(d <= 0 for d in dil):
        raise RuntimeError("dilation should be greater than zero, but got " +
                           ", ".join(f"dilation_{n}: {d}" for n, d in zip(_DHW, dil)))
    if isinstance(padding, str):
        raise TypeError("conv_transpose3d(): argument 'padding' must be tuple of ints, not str")
    kernel, stride, pads, dil, _ = _geom3(weight, stride, padding, dilation, groups)
    op = _pair(output_padding, 3, "output_padding")
    if any(o >= s and o >= d for o, s, d in zip(op, stride, dil)):
        parts = [f"{kind}_{n}: {v}" for kind, vals in
                 (("output_padding", op), ("stride", stride), ("dilation", dil))
                 for n, v in zip(_DHW, vals)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    spatial = tuple(x.shape[2:])
    out = tuple((n - 1) * s - 2 * p[0] + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                zip(spatial, stride, pads, dil, kernel, op))
    if any(n < 1 for n in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, spatial))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")
    xshape = (x.shape[0], weight.shape[1] * groups) + out
    return (kernel, stride, pads, dil, groups), xshape


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (the gradient of conv3d with respect to its input).

    >>> F.conv_transpose3d(ember.ones(1, 2, 3, 3, 3), ember.ones(2, 1, 2, 2, 2), stride=2).shape
    ember.Size([1, 1, 6, 6, 6])
    """
    if _amp.active and (r := _amp.run("conv_transpose3d", conv_transpose3d, input, weight, bias,
                                      stride, padding, output_padding, groups,
                                      dilation)) is not None:
        return r
    unbatched = input._data.ndim == 4
    x = input.unsqueeze(0) if unbatched else input
    _check_conv3d(x, weight, bias, groups, transposed=True)
    geom, xshape = _transpose_geom(x, weight, stride, padding, output_padding, groups,
                                   dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = ConvTranspose3d.apply(*args, geom=geom, xshape=xshape)
    return out.squeeze(0) if unbatched else out
