"""Convolutions (im2col + one GEMM), padding and interpolation."""
from __future__ import annotations

from ...amp import _policy as _amp
from ._conv_ops import Conv, ConvTranspose
from ._resample import fold, interpolate, pad, unfold, upsample, upsample_bilinear, \
    upsample_nearest

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pad", "interpolate",
           "upsample", "upsample_nearest", "upsample_bilinear", "unfold", "fold"]


def _pair(v, n, name="value"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}


def _cname(dt):
    return _C_NAMES.get(dt.name, dt.name)


def _check_conv(x, w, b, groups, nd, transposed=False):
    xs, ws = x._data.shape, w._data.shape
    if len(xs) != nd + 2 or len(ws) != nd + 2:
        if w.ndim != nd + 2:
            raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional "
                               f"input {_shape_str(x.shape)}, but got {w.ndim}-dimensional "
                               f"weight of size {_shape_str(w.shape)} instead")
        name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {_shape_str(x.shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if not transposed and ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {_shape_str(w.shape)} "
                           f"instead")
    want = ws[0] if transposed else ws[1] * groups
    if xs[1] != want:
        kind = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {kind}, weight of size {_shape_str(w.shape)}, expected "
                           f"input{_shape_str(x.shape)} to have {want} channels, but got "
                           f"{x.shape[1]} channels instead")
    if b is not None:
        nout = ws[1] * groups if transposed else ws[0]
        if b._data.shape != (nout,):
            raise RuntimeError(f"Given weight of size {_shape_str(w.shape)}, expected bias to be "
                               f"1-dimensional with {nout} elements, but got bias of size "
                               f"{_shape_str(b.shape)} instead")
    if b is not None and b.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_cname(x.dtype)}) and bias type ({_cname(b.dtype)}) "
                           "should be the same")
    if x.dtype is not w.dtype:
        raise RuntimeError(f"expected scalar type {x.dtype._legacy[:-6]} but found "
                           f"{w.dtype._legacy[:-6]}")


def _padding(padding, kernel, stride, dilation, nd):
    """(top, bottom, left, right) for an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out += [total // 2, total - total // 2]
        return tuple(out)
    p = _pair(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return (0, 0, p[0], p[0]) if nd == 1 else (p[0], p[0], p[1], p[1])


_GEOMS: dict = {}


def _geom(w, stride, padding, dilation, groups, nd):
    """The normalised (kernel, stride, pads, dilation, groups), cached per argument set."""
    try:
        key = (w._data.shape, stride, padding, dilation, groups, nd)
        return _GEOMS[key]
    except (KeyError, TypeError):  # a miss, or list arguments (unhashable)
        pass
    geom = _make_geom(w, stride, padding, dilation, groups, nd)
    if len(_GEOMS) > 512:
        _GEOMS.clear()
    try:
        _GEOMS[key] = geom
    except TypeError:
        pass
    return geom


def _make_geom(w, stride, padding, dilation, groups, nd):
    kernel = tuple(w.shape[2:])
    stride, dilation = _pair(stride, nd, "stride"), _pair(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        shown = [1, dilation[0]] if nd == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    pads = _padding(padding, kernel, stride, dilation, nd)
    if nd == 1:
        return ((1, kernel[0]), (1, stride[0]), pads, (1, dilation[0]), groups)
    return (kernel, stride, pads, dilation, groups)


def _check_size(x, geom, nd):
    kernel, _, pads, dilation, _ = geom
    xs = x._data.shape
    size = [xs[-2] + pads[0] + pads[1], xs[-1] + pads[2] + pads[3]]
    ext = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if nd == 1:
        size, ext = size[1:], ext[1:]
    if any(s < e for s, e in zip(size, ext)):
        sz = " x ".join(map(str, size))
        raise RuntimeError(f"Calculated padded input size per channel: ({sz}). Kernel size: "
                           f"({' x '.join(map(str, kernel[2 - nd:]))}). Kernel size can't be "
                           "greater than actual input size")


def _conv(x, weight, bias, stride, padding, dilation, groups, nd):
    unbatched = x._data.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    _check_conv(x, weight, bias, groups, nd)
    geom = _geom(weight, stride, padding, dilation, groups, nd)
    _check_size(x, geom, nd)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = Conv.apply(*args, geom=geom)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over (N, C, L) inputs."""
    if _amp.active and (r := _amp.run("conv1d", conv1d, input, weight, bias, stride, padding,
                                      dilation, groups)) is not None:
        return r
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation over (N, C, H, W) inputs, as im2col + one GEMM.

    >>> F.conv2d(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2)).shape
    ember.Size([1, 1, 2, 2])
    """
    if _amp.active and (r := _amp.run("conv2d", conv2d, input, weight, bias, stride, padding,
                                      dilation, groups)) is not None:
        return r
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def _conv_t(x, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    _check_conv(x, weight, bias, groups, nd, transposed=True)
    dil = _pair(dilation, nd, "dilation")
    if any(d <= 0 for d in dil):
        dil = (1,) + dil if nd == 1 else dil
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dil[0]}, dilation_width: {dil[1]}")
    if isinstance(padding, str):
        raise RuntimeError(f"conv_transpose{nd}d(): argument 'padding' must be tuple of ints, "
                           f"not str")
    geom = _geom(weight, stride, padding, dilation, groups, nd)
    kernel, stride_, pads, dil, _ = geom
    op = (0,) + _pair(output_padding, nd) if nd == 1 else _pair(output_padding, nd)
    for o, s, d in zip(op, stride_, dil):
        if o >= s and o >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               f"but got output_padding_height: {op[0]} output_padding_width: "
                               f"{op[1]} stride_height: {stride_[0]} stride_width: {stride_[1]} "
                               f"dilation_height: {dil[0]} dilation_width: {dil[1]}")
    hw = [(n - 1) * s - p0 - p1 + d * (k - 1) + o + 1 for n, s, p0, p1, d, k, o in zip(
        (1,) * (2 - nd) + tuple(x.shape[2:]), stride_, pads[::2], pads[1::2], dil, kernel, op)]
    xshape = (x.shape[0], weight.shape[1] * groups) + tuple(hw[2 - nd:])
    args = (x, weight) if bias is None else (x, weight, bias)
    out = ConvTranspose.apply(*args, geom=geom, xshape=xshape)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of conv1d with respect to its input)."""
    if _amp.active and (r := _amp.run("conv_transpose1d", conv_transpose1d, input, weight, bias,
                                      stride, padding, output_padding, groups,
                                      dilation)) is not None:
        return r
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input)."""
    if _amp.active and (r := _amp.run("conv_transpose2d", conv_transpose2d, input, weight, bias,
                                      stride, padding, output_padding, groups,
                                      dilation)) is not None:
        return r
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)
