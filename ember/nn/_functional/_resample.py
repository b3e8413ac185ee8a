"""Padding, interpolation and unfold/fold (im2col as a public op)."""
from __future__ import annotations

import math

import numpy as np

from ..._backend import conv_kernels as K
from ...autograd.node import Primitive

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
        if lo >= n or hi >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                               f"of input {n}")
        i = np.abs(i)
        return (n - 1) - np.abs((n - 1) - i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if lo > n or hi > n:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    return i % n


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the trailing dims: ``pad`` = (left, right, top, bottom, ...)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length " f"{len(pad)} and input of "
                           f"dimension {input.ndim}")
    if mode == "constant":
        return ConstantPad.apply(input, pads=pad, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    nd = len(pad) // 2
    if input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError("Only 2D, 3D, 4D, 5D padding with non-constant padding are "
                                  "supported for now")
    from ...ops.creation import tensor
    out = input
    for i in range(nd):
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


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False):
    """Resize the spatial dims with nearest or (bi)linear interpolation."""
    from ...ops.creation import tensor
    nd = input.ndim - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic "
                         f"| trilinear | area | nearest-exact (got {mode})")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    sizes, scales = _scales(input, size, scale_factor, nd, recompute_scale_factor)
    out = input
    for k in range(nd):
        d = 2 + k
        n_in, n_out = input.shape[d], sizes[k]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n_in, n_out, scales[k], mode == "nearest-exact")
            out = out.index_select(d, tensor(idx, device=input.device))
        elif mode in ("linear", "bilinear", "trilinear"):
            m = _linear_matrix(n_in, n_out, scales[k], bool(align_corners))
            mt = tensor(m.T, dtype=input.dtype, device=input.device)
            out = (out.movedim(d, -1) @ mt).movedim(-1, d)
        else:
            raise NotImplementedError(f"interpolate: mode '{mode}' is not supported")
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
