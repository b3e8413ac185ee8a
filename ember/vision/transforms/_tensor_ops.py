"""Image ops on NumPy arrays shaped (..., C, H, W): the tensor path of the transforms."""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import numpy as np

from ...nn._functional._resample import _nearest_index, resize_weights


def _bound(dtype: np.dtype) -> float:
    return 1.0 if np.issubdtype(dtype, np.floating) else float(np.iinfo(dtype).max)


def _cast_back(x: np.ndarray, dtype: np.dtype, round_: bool = True) -> np.ndarray:
    if np.issubdtype(dtype, np.floating):
        return x.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    x = np.round(x) if round_ else np.trunc(x)
    return np.clip(x, info.min, info.max).astype(dtype)


# ------------------------------------------------------------------ resampling

def resize(x: np.ndarray, size: Sequence[int], mode: str, antialias: bool) -> np.ndarray:
    """Resize the last two dims to ``size`` (h, w) like torch's interpolate."""
    h, w = x.shape[-2:]
    oh, ow = size
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        return x[..., _nearest_index(h, oh, h / oh, exact)[:, None],
                 _nearest_index(w, ow, w / ow, exact)]
    if mode not in ("bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode {mode} is unsupported for tensors")
    wh = resize_weights(mode, h, oh, h / oh, antialias=antialias)
    ww = resize_weights(mode, w, ow, w / ow, antialias=antialias)
    work = np.float64 if x.dtype == np.float64 else np.float32
    out = np.matmul(np.matmul(wh.astype(work), x.astype(work)), ww.T.astype(work))
    if not np.issubdtype(x.dtype, np.floating):
        return _cast_back(out, x.dtype)
    return out.astype(x.dtype, copy=False)


# ------------------------------------------------------------------ geometry

def pad(x: np.ndarray, ltrb: Sequence[int], fill: float, mode: str) -> np.ndarray:
    left, top, right, bottom = ltrb
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=fill)
    return np.pad(x, widths, mode={"edge": "edge", "reflect": "reflect",
                                   "symmetric": "symmetric"}[mode])


def rotate(x: np.ndarray, angle: float, mode: str, expand: bool,
           center: Optional[Sequence[float]], fill: Optional[List[float]]) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees (grid_sample, align_corners=False)."""
    h, w = x.shape[-2:]
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    oh, ow = h, w
    if expand:
        corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) * 0.5
        rx = cos * corners[:, 0] + sin * corners[:, 1]
        ry = -sin * corners[:, 0] + cos * corners[:, 1]
        ow = int(math.ceil(round(rx.max() - rx.min(), 4)))
        oh = int(math.ceil(round(ry.max() - ry.min(), 4)))
    ys, xs = np.meshgrid(np.arange(oh) + 0.5 - oh * 0.5, np.arange(ow) + 0.5 - ow * 0.5,
                         indexing="ij")
    sx = cos * (xs - cx) - sin * (ys - cy) + cx + w * 0.5 - 0.5
    sy = sin * (xs - cx) + cos * (ys - cy) + cy + h * 0.5 - 0.5
    return _warp(x, sx, sy, mode, fill)


def affine(x: np.ndarray, matrix: Sequence[float], mode: str,
           fill: Optional[List[float]]) -> np.ndarray:
    """Warp by the inverse affine ``matrix`` (output pixel -> input pixel, both centred on
    the image centre), as torchvision's affine grid + grid_sample(align_corners=False)."""
    h, w = x.shape[-2:]
    ys, xs = np.meshgrid(np.arange(h) + 0.5 - h * 0.5, np.arange(w) + 0.5 - w * 0.5,
                         indexing="ij")
    a, b, c, d, e, f = matrix[:6]
    sx = a * xs + b * ys + c + w * 0.5 - 0.5
    sy = d * xs + e * ys + f + h * 0.5 - 0.5
    return _warp(x, sx, sy, mode, fill)


def perspective(x: np.ndarray, coeffs: Sequence[float], mode: str,
                fill: Optional[List[float]]) -> np.ndarray:
    """Warp by perspective ``coeffs`` (output pixel centre -> input pixel centre)."""
    h, w = x.shape[-2:]
    ys, xs = np.meshgrid(np.arange(h) + 0.5, np.arange(w) + 0.5, indexing="ij")
    a, b, c, d, e, f, g, k = coeffs[:8]
    den = g * xs + k * ys + 1.0
    return _warp(x, (a * xs + b * ys + c) / den - 0.5, (d * xs + e * ys + f) / den - 0.5,
                 mode, fill)


def _warp(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, mode: str,
          fill: Optional[List[float]]) -> np.ndarray:
    """Sample ``x`` at source pixel coordinates (sx, sy); outside pixels become ``fill``."""
    img = x.astype(np.float64) if not np.issubdtype(x.dtype, np.floating) else x
    out, mask = _sample(img, sx, sy, mode)
    if fill is not None:
        f = np.asarray(fill, dtype=out.dtype).reshape(-1, 1, 1)
        if mode == "nearest":
            out = np.where(mask < 0.5, f, out)
        else:
            out = out * mask + (1.0 - mask) * f
    return _cast_back(out, x.dtype)


def _sample(img: np.ndarray, sx: np.ndarray, sy: np.ndarray, mode: str):
    h, w = img.shape[-2:]
    if mode == "nearest":
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = img[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)] * ok
        return out, ok.astype(img.dtype)
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    out = np.zeros(img.shape[:-2] + sx.shape, dtype=img.dtype)
    mask = np.zeros(sx.shape, dtype=img.dtype)
    for dy in (0, 1):
        for dx in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            wgt = (1 - np.abs(sx - xi)) * (1 - np.abs(sy - yi))
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            wgt = (wgt * ok).astype(img.dtype)
            out += img[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * wgt
            mask += wgt
    return out, mask


# ------------------------------------------------------------------ color

def rgb_to_grayscale(x: np.ndarray, num_output_channels: int) -> np.ndarray:
    if x.shape[-3] == 1:
        gray = x
    else:
        r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
        gray = (0.2989 * r + 0.587 * g + 0.114 * b)
        gray = _cast_back(gray, x.dtype, round_=False)[..., None, :, :]
    reps = [1] * x.ndim
    reps[-3] = num_output_channels
    return np.tile(gray, reps) if num_output_channels > 1 else gray


def blend(a: np.ndarray, b: np.ndarray, ratio: float) -> np.ndarray:
    bound = _bound(a.dtype)
    out = np.clip(ratio * a.astype(np.float32) + (1.0 - ratio) * b, 0, bound)
    return _cast_back(out, a.dtype, round_=False)


def adjust_contrast(x: np.ndarray, factor: float) -> np.ndarray:
    work = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    gray = rgb_to_grayscale(x, 1) if x.shape[-3] == 3 else x
    mean = gray.astype(work).mean(axis=(-3, -2, -1), keepdims=True)
    return blend(x, mean, factor)


def _rgb2hsv(img: np.ndarray) -> np.ndarray:
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_div = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(img: np.ndarray) -> np.ndarray:
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.select([i == k for k in range(6)], [row[c] for row in table]) for c in range(3)]
    return np.stack(out, axis=-3).astype(img.dtype)


def adjust_hue(x: np.ndarray, factor: float) -> np.ndarray:
    if x.shape[-3] == 1:
        return x
    floating = np.issubdtype(x.dtype, np.floating)
    img = x if floating else x.astype(np.float32) / 255.0
    hsv = _rgb2hsv(img)
    hsv[..., 0, :, :] = np.fmod(hsv[..., 0, :, :] + factor, 1.0) % 1.0
    out = _hsv2rgb(hsv)
    return out if floating else _cast_back(out * 255.0, x.dtype)


def gaussian_kernel1d(kernel_size: int, sigma: float) -> np.ndarray:
    half = (kernel_size - 1) * 0.5
    pdf = np.exp(-0.5 * (np.linspace(-half, half, kernel_size) / sigma) ** 2)
    return (pdf / pdf.sum()).astype(np.float32)


def gaussian_blur(x: np.ndarray, kernel_size: Sequence[int], sigma: Sequence[float]
                  ) -> np.ndarray:
    kx, ky = kernel_size
    work = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    img = pad(x.astype(work), [kx // 2, ky // 2, kx // 2, ky // 2], 0, "reflect")
    wx, wy = gaussian_kernel1d(kx, sigma[0]), gaussian_kernel1d(ky, sigma[1])
    win = np.lib.stride_tricks.sliding_window_view(img, ky, axis=-2)
    img = np.einsum("...hwk,k->...hw", win, wy.astype(work))
    win = np.lib.stride_tricks.sliding_window_view(img, kx, axis=-1)
    out = np.einsum("...hwk,k->...hw", win, wx.astype(work))
    return out.astype(x.dtype) if x.dtype == work else _cast_back(out, x.dtype)
