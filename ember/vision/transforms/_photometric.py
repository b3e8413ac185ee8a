"""Photometric ops: invert, posterize, solarize, sharpness, autocontrast, equalize, gamma.

PIL images go through Pillow's ImageOps / ImageEnhance (as torchvision does); tensors
(..., C, H, W) go through the NumPy kernels here, which follow torchvision's tensor
functions dtype for dtype (uint8 work is done in float32 and truncated back).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._convert import _arr, _is_tensor, _wrap, convert_image_dtype
from ._pil_ops import is_pil_image as _is_pil_image
from ._tensor_ops import _bound


def _pil_only(img: Any) -> None:
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def _image_array(img: Any, min_ndim: int = 2) -> np.ndarray:
    """The tensor's array after torchvision's image checks (ndim, 1 or 3 channels)."""
    a = _arr(img)
    if a.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    if a.ndim < min_ndim:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{a.ndim}")
    return a


def _check_channels(a: np.ndarray) -> None:
    c = 1 if a.ndim == 2 else a.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")


def _check_uint8(a: np.ndarray, img: Any) -> None:
    if a.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")


def _work_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float32)


def _blend(a: np.ndarray, b: np.ndarray, ratio: float) -> np.ndarray:
    work = _work_dtype(a.dtype).type
    ratio = float(ratio)
    out = work(ratio) * a.astype(work) + work(1.0 - ratio) * b.astype(work)
    return np.clip(out, 0, _bound(a.dtype)).astype(a.dtype)


def _invert(a: np.ndarray) -> np.ndarray:
    return np.asarray(_bound(a.dtype), dtype=a.dtype) - a


def invert(img: Any) -> Any:
    """Invert the colours: ``max_value - img`` (255 for uint8, 1.0 for floats).

    >>> invert(ember.tensor([[[0, 200]]], dtype=ember.uint8)).tolist()
    [[[255, 55]]]
    """
    if not _is_tensor(img):
        from PIL import ImageOps
        _pil_only(img)
        return ImageOps.invert(img)
    a = _image_array(img, 3)
    _check_channels(a)
    return _wrap(img, _invert(a))


def posterize(img: Any, bits: int) -> Any:
    """Keep the ``bits`` most significant bits of each channel (uint8 tensors or PIL).

    >>> posterize(ember.tensor([[[255, 100]]], dtype=ember.uint8), 2).tolist()
    [[[192, 64]]]
    """
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if not _is_tensor(img):
        from PIL import ImageOps
        _pil_only(img)
        return ImageOps.posterize(img, bits)
    a = _image_array(img, 3)
    _check_uint8(a, img)
    _check_channels(a)
    mask = np.uint8(-int(2 ** (8 - bits)) & 0xFF)
    return _wrap(img, a & mask)


def solarize(img: Any, threshold: float) -> Any:
    """Invert the pixels whose value is at least ``threshold``.

    >>> solarize(ember.tensor([[[10, 200]]], dtype=ember.uint8), 128).tolist()
    [[[10, 55]]]
    """
    if not _is_tensor(img):
        from PIL import ImageOps
        _pil_only(img)
        return ImageOps.solarize(img, threshold)
    a = _image_array(img, 3)
    _check_channels(a)
    if threshold > _bound(a.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return _wrap(img, np.where(a >= threshold, _invert(a), a))


def _blurred_degenerate(a: np.ndarray) -> np.ndarray:
    """The image smoothed by PIL's SMOOTH kernel (1 1 1 / 1 5 1 / 1 1 1) / 13, border kept."""
    work = _work_dtype(a.dtype)
    kernel = np.ones((3, 3), dtype=work)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    x = a.astype(work)
    h, w = a.shape[-2:]
    acc = sum(kernel[i, j] * x[..., i:h - 2 + i, j:w - 2 + j]
              for i in range(3) for j in range(3))
    if not np.issubdtype(a.dtype, np.floating):
        acc = np.round(acc)
    out = a.copy()
    out[..., 1:-1, 1:-1] = acc.astype(a.dtype)
    return out


def adjust_sharpness(img: Any, sharpness_factor: float) -> Any:
    """Blend with a smoothed copy: 0 blurs, 1 keeps the image, 2 doubles the sharpness.

    Args:
        img: PIL image or tensor (..., 1 or 3, H, W).
        sharpness_factor: any non-negative number.

    >>> x = ember.zeros(3, 4, 4)
    >>> tuple(adjust_sharpness(x, 2.0).shape)
    (3, 4, 4)
    """
    if not _is_tensor(img):
        from PIL import ImageEnhance
        _pil_only(img)
        return ImageEnhance.Sharpness(img).enhance(sharpness_factor)
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    a = _image_array(img)
    _check_channels(a)
    if a.shape[-1] <= 2 or a.shape[-2] <= 2:
        return img
    return _wrap(img, _blend(a, _blurred_degenerate(a), sharpness_factor))


def autocontrast(img: Any) -> Any:
    """Stretch each channel so that its darkest pixel becomes 0 and its lightest the maximum.

    >>> autocontrast(ember.tensor([[[50, 100, 150]]], dtype=ember.uint8)).tolist()
    [[[0, 127, 255]]]
    """
    if not _is_tensor(img):
        from PIL import ImageOps
        _pil_only(img)
        return ImageOps.autocontrast(img)
    a = _image_array(img, 3)
    _check_channels(a)
    bound = _bound(a.dtype)
    work = _work_dtype(a.dtype).type
    lo = a.min(axis=(-2, -1), keepdims=True).astype(work)
    hi = a.max(axis=(-2, -1), keepdims=True).astype(work)
    with np.errstate(divide="ignore", invalid="ignore"):  # torch's `bound / t` is 1/t * bound
        scale = np.reciprocal(hi - lo) * work(bound)
    flat = ~np.isfinite(scale)  # constant channels are left as they are
    lo[flat], scale[flat] = 0, 1
    return _wrap(img, np.clip((a - lo) * scale, 0, bound).astype(a.dtype))


def _equalize_channel(chan: np.ndarray) -> np.ndarray:
    hist = np.bincount(chan.reshape(-1), minlength=256)
    step = hist[hist != 0][:-1].sum() // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[chan].astype(np.uint8)


def equalize(img: Any) -> Any:
    """Equalize the histogram of each channel (uint8 tensors of 3 or 4 dims, or PIL).

    >>> x = ember.full((1, 30, 30), 7, dtype=ember.uint8)
    >>> x[..., :10] = 3
    >>> equalize(x)[0, 0, 8:12].tolist()
    [0, 0, 255, 255]
    """
    if not _is_tensor(img):
        from PIL import ImageOps
        _pil_only(img)
        return ImageOps.equalize(img)
    a = _image_array(img)
    if not 3 <= a.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {a.ndim}")
    _check_uint8(a, img)
    _check_channels(a)
    flat = a.reshape(-1, *a.shape[-2:])
    out = np.stack([_equalize_channel(chan) for chan in flat])
    return _wrap(img, out.reshape(a.shape))


def _pil_gamma(img: Any, gamma: float, gain: float) -> Any:
    _pil_only(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    table = [int((256 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)]
    return img.convert("RGB").point(table * 3).convert(mode)


def adjust_gamma(img: Any, gamma: float, gain: float = 1) -> Any:
    """Gamma correction ``gain * I ** gamma`` on intensities scaled to [0, 1].

    Args:
        img: PIL image or tensor (..., 1 or 3, H, W).
        gamma: non-negative; below 1 brightens the shadows, above 1 darkens them.
        gain: the constant multiplier.

    >>> adjust_gamma(ember.tensor([[[0.25, 1.0]]]), 0.5).tolist()
    [[[0.5, 1.0]]]
    """
    if not _is_tensor(img):
        return _pil_gamma(img, gamma, gain)
    _check_channels(_image_array(img))
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    from ... import float32
    floating = img.dtype.is_floating_point
    x = _arr(img if floating else convert_image_dtype(img, float32))
    out = np.clip(gain * np.power(x, gamma), 0, 1)
    return convert_image_dtype(_wrap(img, out), img.dtype)
