"""Padding, interpolation and unfold/fold (im2col as a public op)."""
from __future__ import annotations

import math

import numpy as np

from ..._backend import conv_kernels as K
from ...autograd.node import Primitive
from ...amp import _policy as _amp

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "unfold",
           "fold"]


class ConstantPad(Primitive, node_name="ConstantPadNdBackward0"):
    """Pad (or crop, for negative amounts) the trailing dims with a constant."""

    def forward(self, x):
        shape, src, dst = list(x.shape), [], []
        nd = len(self.pads) // 2
        for i in range(nd):
            lo, hi = self.pads[2 * i], self.pads[2 * i + 1]
            d = x.ndim - 1 - i
            n = x.shape[d]
            shape[d] = n + lo + hi
            if shape[d] < 0:
                raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} "
                                   f"resulted in a negative output size, which is invalid. "
                                   f"Check dimension {d} of your input.")
            src.append(slice(max(-lo, 0), n - max(-hi, 0)))
            dst.append(slice(max(lo, 0), max(lo, 0) + max(n - max(-lo, 0) - max(-hi, 0), 0)))
        lead = (slice(None),) * (x.ndim - nd)
        out = self.xp.full(shape, self.value, dtype=x.dtype)
        out[lead + tuple(dst[::-1])] = x[lead + tuple(src[::-1])]
        return out

    def backward(self, grad):
        return ConstantPad.apply(grad, pads=tuple(-p for p in self.pads), value=0)


def _pad_index(n, lo, hi, mode):
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        i = np.abs(i)
        return (n - 1) - np.abs((n - 1) - i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n


_PAD_COMBOS = ("Supported combinations for non-constant padding:\n"
               "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
               "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
               "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_pad_args(input, pad):
    from ..._tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type(pad).__name__}")
    for k, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {k}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of "
                           f"dimension {input.ndim}")


def _check_nonconstant(input, pad, mode, value):
    nd = len(pad) // 2
    shape = list(input.shape)
    if nd > 3 or input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for "
                                  f"{input.ndim}D input tensor.\n{_PAD_COMBOS}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if any(n == 0 for n in shape[1:] if input.ndim == nd + 2) or \
            (input.ndim == nd + 1 and 0 in shape):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{shape}")
    for i in range(nd):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        d = input.ndim - 1 - i
        n = shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {d} of input {shape}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the trailing dims: ``pad`` = (left, right, top, bottom, ...)."""
    _check_pad_args(input, pad)
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        return ConstantPad.apply(input, pads=pad, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    _check_nonconstant(input, pad, mode, value)
    from ...ops.creation import tensor
    out = input
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        idx = _pad_index(input.shape[d], pad[2 * i], pad[2 * i + 1], mode)
        out = out.index_select(d, tensor(idx, device=input.device))
    return out


def _scales(x, size, scale_factor, nd, recompute):
    """Output sizes and the source/destination scale per spatial dim."""
    in_sizes = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out = list(size) if isinstance(size, (tuple, list)) else [size] * nd
        if len(out) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions,"
                             f" but got input with spatial dimensions of {in_sizes} and output "
                             f"size of {list(out)}. Please provide input tensor in (N, C, d1, d2"
                             f", ...,dK) format and output size in (o1, o2, ...,oK) format.")
        return [int(o) for o in out], [i / o for i, o in zip(in_sizes, out)]
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sf = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * nd
    out = [int(math.floor(i * s)) for i, s in zip(in_sizes, sf)]
    if recompute:
        return out, [i / o for i, o in zip(in_sizes, out)]
    return out, [1.0 / s for s in sf]


def _linear_matrix(n_in, n_out, scale, align_corners):
    """(n_out, n_in) matrix of 1-D linear interpolation weights."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1.0 - lam)
    np.add.at(m, (np.arange(n_out), i1), lam)
    return m


def _nearest_index(n_in, n_out, scale, exact):
    dst = np.arange(n_out, dtype=np.float64)
    d32, s32 = dst.astype(np.float32), np.float32(scale)
    src = np.floor((d32 + np.float32(0.5)) * s32) if exact else np.floor(d32 * s32)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _cubic_weights(t, a):
    """Keys' cubic convolution weights of the four taps around a point at fraction ``t``."""
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return (far(t + 1), near(t), near(1 - t), far(2 - t))


def _cubic_matrix(n_in, n_out, scale, align_corners):
    """(n_out, n_in) bicubic weights (A = -0.75), taps beyond the edges clamped to it."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = (dst + 0.5) * scale - 0.5  # not clamped at 0, unlike the linear modes
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - i0, 0.0, 1.0)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for k, w in enumerate(_cubic_weights(t, -0.75)):
        np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, n_in - 1)), w)
    return m


def _area_matrix(n_in, n_out):
    """(n_out, n_in) adaptive-average weights: output i averages [floor(i*n/o), ceil((i+1)*n/o))."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _keys_half(x):
    """Keys' cubic kernel with a = -0.5 (the antialiased bicubic filter, as in PIL)."""
    x, a = np.abs(x), -0.5
    return np.where(x < 1.0, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2.0, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _lanczos3(x):
    x = np.abs(x)
    return np.where(x < 3.0, np.sinc(x) * np.sinc(x / 3.0), 0.0)


#: antialiasing filters: (function, taps of the unscaled filter)
_AA_FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_half, 4), "lanczos": (_lanczos3, 6)}


def _aa_matrix(mode, n_in, n_out, scale, align_corners):
    """(n_out, n_in) antialiased weights: the filter is widened by the scale when
    downsampling, centred on ``scale * (i + 0.5)``, cut at the borders and renormalised."""
    fn, taps = _AA_FILTERS[mode]
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    support = taps * 0.5 * scale if scale >= 1.0 else taps * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    widest = int(math.ceil(support)) * 2 + 1
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        size = min(max(min(int(center + support + 0.5), n_in) - lo, 0), widest)
        w = fn((np.arange(size) + lo - center + 0.5) * invscale)
        total = w.sum()
        m[i, lo:lo + size] = w / total if total != 0.0 else w
    return m


def resize_weights(mode, n_in, n_out, scale, align_corners=False, antialias=False):
    """The (n_out, n_in) float64 weight matrix of one spatial dim for ``mode`` (any
    interpolating mode or 'area'); shared by ``interpolate`` and the vision transforms."""
    if antialias:
        return _aa_matrix(mode, n_in, n_out, scale, align_corners)
    if mode in ("linear", "bilinear", "trilinear"):
        return _linear_matrix(n_in, n_out, scale, align_corners)
    if mode == "bicubic":
        return _cubic_matrix(n_in, n_out, scale, align_corners)
    return _area_matrix(n_in, n_out)


_NEEDS_DIM = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4, "lanczos": 4}


def _mode_error(input, mode):
    nd = input.ndim
    want = _NEEDS_DIM.get(mode)
    if mode in ("linear", "bilinear", "trilinear") and nd in (3, 4, 5):
        return NotImplementedError(f"Got {nd}D input, but {mode} mode needs {want}D input")
    return NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
        f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
        f"(got {mode})")


@_amp.op("interpolate")
def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False):
    """Resize the spatial dims: nearest, nearest-exact, (bi/tri)linear, bicubic, area, and
    antialiased bilinear/bicubic/lanczos, each as one weight matrix per spatial dim."""
    from ...ops.creation import tensor
    nd = input.ndim - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic "
                         f"| trilinear | lanczos | area | nearest-exact (got {mode})")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    sizes, scales = _scales(input, size, scale_factor, nd,
                            recompute_scale_factor or mode == "area")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode not in ("nearest", "nearest-exact", "area"):
        if _NEEDS_DIM.get(mode) != input.ndim:
            raise _mode_error(input, mode)
        if mode == "lanczos":
            if align_corners:
                raise ValueError("Lanczos mode does not support align_corners=True")
            if not antialias:
                raise ValueError("Lanczos mode requires antialias=True")
    out = input
    for k in range(nd):
        d = 2 + k
        n_in, n_out = input.shape[d], sizes[k]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n_in, n_out, scales[k], mode == "nearest-exact")
            out = out.index_select(d, tensor(idx, device=input.device))
            continue
        m = resize_weights(mode, n_in, n_out, scales[k], bool(align_corners), antialias)
        mt = tensor(m.T, dtype=input.dtype, device=input.device)
        out = (out.movedim(d, -1) @ mt).movedim(-1, d)
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _two(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class Unfold(Primitive, node_name="Im2ColBackward0"):
    def forward(self, x):
        kernel, stride, pad, dil = self.geom
        cols, (ho, wo) = K.im2col(self.xp, x, kernel, stride, pad, dil)
        n = x.shape[0]
        return self.xp.ascontiguousarray(
            cols.reshape(cols.shape[0], n, ho * wo).transpose(1, 0, 2))

    def backward(self, grad):
        return Fold.apply(grad, geom=self.geom, xshape=self.xshape)


class Fold(Primitive, node_name="Col2ImBackward0"):
    def forward(self, g):
        kernel, stride, pad, dil = self.geom
        n, ckk, length = g.shape
        ohw = K.conv_out_hw(self.xshape, kernel, stride, pad, dil)
        if ohw[0] * ohw[1] != length:
            raise RuntimeError(f"Given output_size={tuple(self.xshape[2:])}, kernel_size="
                               f"{kernel}, dilation={dil}, padding={pad[::2]}, stride={stride}, "
                               f"expected size of input's dimension 2 to match the calculated "
                               f"number of sliding blocks {ohw[0]} * {ohw[1]} = "
                               f"{ohw[0] * ohw[1]}, but got input.size(2)={length}.")
        cols = g.transpose(1, 0, 2).reshape(ckk, n * length)
        return K.col2im(self.xp, cols, self.xshape, kernel, stride, pad, dil, ohw)

    def backward(self, grad):
        return Unfold.apply(grad, geom=self.geom, xshape=self.xshape)


def _fold_geom(kernel_size, dilation, padding, stride):
    p = _two(padding)
    return (_two(kernel_size), _two(stride), (p[0], p[0], p[1], p[1]), _two(dilation))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L)."""
    if input.ndim != 4:
        raise NotImplementedError("Input Error: Only 4D input Tensors are supported (got "
                                  f"{input.ndim}D)")
    geom = _fold_geom(kernel_size, dilation, padding, stride)
    return Unfold.apply(input, geom=geom, xshape=tuple(input.shape))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back: (N, C*kh*kw, L) -> (N, C, H, W)."""
    geom = _fold_geom(kernel_size, dilation, padding, stride)
    kk = geom[0][0] * geom[0][1]
    n, ckk = input.shape[0], input.shape[1]
    xshape = (n, ckk // kk) + _two(output_size)
    return Fold.apply(input, geom=geom, xshape=xshape)
