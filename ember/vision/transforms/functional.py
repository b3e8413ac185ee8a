"""Functional image transforms on PIL images and tensors (..., C, H, W)."""
from __future__ import annotations

import math
import numbers
from enum import Enum
from typing import Any, List, Optional, Tuple

import numpy as np

from . import _pil_ops as P
from . import _tensor_ops as T
from ._convert import (convert_image_dtype, normalize, pil_to_tensor, to_pil_image,
                       to_tensor, _is_tensor, _arr, _wrap)
from ._pil_ops import is_pil_image as _is_pil_image


class InterpolationMode(Enum):
    """Interpolation modes (values are the names torch's interpolate uses)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_CODES = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
              InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3,
              InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
              InterpolationMode.LANCZOS: 1}
_FROM_PIL = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
             3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
             5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}

__all__ = ["InterpolationMode", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize",
           "convert_image_dtype", "get_dimensions", "get_image_size",
           "get_image_num_channels", "resize", "pad", "crop", "center_crop", "resized_crop",
           "hflip", "vflip", "rotate", "affine", "perspective", "erase", "five_crop",
           "ten_crop", "rgb_to_grayscale", "to_grayscale",
           "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "gaussian_blur", "invert", "posterize", "solarize", "adjust_sharpness",
           "autocontrast", "equalize", "adjust_gamma"]


def _mode(interpolation: Any) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _FROM_PIL[interpolation]
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a "
                        "corresponding Pillow integer constant")
    return interpolation


def _check_img(img: Any) -> None:
    if not (_is_tensor(img) or _is_pil_image(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img: Any) -> List[int]:
    """[channels, height, width] of a PIL image or tensor."""
    _check_img(img)
    if _is_tensor(img):
        shape = list(img.shape)
        return [1 if len(shape) == 2 else shape[-3], shape[-2], shape[-1]]
    width, height = img.size
    return [P.num_channels(img), height, width]


def get_image_size(img: Any) -> List[int]:
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


def _resized_hw(h: int, w: int, size: Any, max_size: Optional[int]) -> List[int]:
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return [new_long, new_short] if w <= h else [new_short, new_long]
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1 "
                         "in torchscript mode.")
    return [int(size[0]), int(size[1])]


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR,
           max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Any:
    """Resize to ``size`` ((h, w), or the smaller edge when an int)."""
    mode = _mode(interpolation)
    if not isinstance(size, (int, list, tuple)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    _, h, w = get_dimensions(img)
    out_hw = _resized_hw(h, w, size, max_size)
    if [h, w] == out_hw:
        return img
    if _is_pil_image(img):
        return img.resize(out_hw[::-1], _PIL_CODES[mode])
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                    InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(f"Interpolation mode {mode.value} is unsupported with Tensor input")
    return _wrap(img, T.resize(_arr(img), out_hw, mode.value, bool(antialias)))


def _parse_padding(padding: Any) -> List[int]:
    if isinstance(padding, numbers.Number):
        padding = [int(padding)]
    if not isinstance(padding, (list, tuple)):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    p = [int(v) for v in padding]
    if len(p) == 1:
        return [p[0]] * 4
    if len(p) == 2:
        return [p[0], p[1], p[0], p[1]]
    return p


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders: padding is int, (lr, tb) or (left, top, right, bottom)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    ltrb = _parse_padding(padding)
    if min(ltrb) < 0:
        _, h, w = get_dimensions(img)
        l, t, r, b = ltrb
        img = crop(img, -min(t, 0), -min(l, 0), h + min(t, 0) + min(b, 0),
                   w + min(l, 0) + min(r, 0))
        ltrb = [max(v, 0) for v in ltrb]
    if _is_pil_image(img):
        return P.pad(img, ltrb, fill, padding_mode)
    fill_v = 0 if fill is None else fill
    if isinstance(fill_v, (list, tuple)):
        raise TypeError("fill should be a number for tensors")
    return _wrap(img, T.pad(_arr(img), ltrb, fill_v, padding_mode))


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """Crop a box; parts outside the image are zero-filled."""
    if _is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    _check_img(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        arr = _arr(img)[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)]
        ltrb = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        return _wrap(img, T.pad(arr, ltrb, 0, "constant"))
    return img[..., top:bottom, left:right]


def _hw(size: Any) -> Tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) == 1:
        return int(size[0]), int(size[0])
    return int(size[0]), int(size[1])


def center_crop(img: Any, output_size: Any) -> Any:
    """Crop the center (padding with zeros when the crop is larger than the image)."""
    ch, cw = _hw(output_size)
    _, h, w = get_dimensions(img)
    if ch > h or cw > w:
        ltrb = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    top, left = int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True) -> Any:
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img: Any) -> Any:
    if _is_pil_image(img):
        return img.transpose(0)  # Image.FLIP_LEFT_RIGHT
    _check_img(img)
    return _wrap(img, np.ascontiguousarray(_arr(img)[..., ::-1]))


def vflip(img: Any) -> Any:
    if _is_pil_image(img):
        return img.transpose(1)  # Image.FLIP_TOP_BOTTOM
    _check_img(img)
    return _wrap(img, np.ascontiguousarray(_arr(img)[..., ::-1, :]))


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST,
           expand: bool = False, center: Optional[List[int]] = None,
           fill: Optional[List[float]] = None) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees about ``center``."""
    mode = _mode(interpolation)
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if _is_pil_image(img):
        return P.rotate(img, angle, _PIL_CODES[mode], expand, center, fill)
    _check_img(img)
    _check_grid_mode(mode)
    return _wrap(img, T.rotate(_arr(img), angle, mode.value, expand, center,
                               _tensor_fill(img, fill)))


def _check_grid_mode(mode: InterpolationMode) -> None:
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Interpolation mode '{mode.value}' is unsupported with Tensor input")


def _tensor_fill(img: Any, fill: Any) -> Optional[List[float]]:
    """``fill`` as one float per channel for the tensor warps (None stays None)."""
    if fill is None:
        return None
    c = get_dimensions(img)[0]
    if isinstance(fill, (int, float)):
        return [float(fill)] * c
    fill = [float(f) for f in fill]
    if len(fill) not in (1, c):
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the "
                         f"number of channels of the image ({len(fill)} != {c})")
    return fill * c if len(fill) == 1 else fill


def _get_inverse_affine_matrix(center: List[float], angle: float, translate: List[float],
                               scale: float, shear: List[float]) -> List[float]:
    """The output -> input map of rotation (clockwise degrees), scale and shear about
    ``center`` followed by ``translate``, as a row-major 2x3 matrix."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # rotation-shear part, without the scale
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def affine(img: Any, angle: float, translate: List[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: Optional[List[float]] = None,
           center: Optional[List[int]] = None) -> Any:
    """Rotate (``angle`` degrees clockwise), scale and shear (degrees) about the centre,
    then translate by ``translate`` pixels; the image size is kept."""
    mode = _mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    shear = [float(shear), 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    _check_img(img)
    _, height, width = get_dimensions(img)
    if _is_pil_image(img):
        center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _get_inverse_affine_matrix(center, float(angle), list(translate), scale, shear)
        return P.affine(img, matrix, _PIL_CODES[mode], fill)
    _check_grid_mode(mode)
    center_f = [0.0, 0.0] if center is None else \
        [c - s * 0.5 for c, s in zip(center, (width, height))]
    matrix = _get_inverse_affine_matrix(center_f, float(angle), [float(t) for t in translate],
                                        scale, shear)
    return _wrap(img, T.affine(_arr(img), matrix, mode.value, _tensor_fill(img, fill)))


def _get_perspective_coeffs(startpoints: List[List[int]],
                            endpoints: List[List[int]]) -> List[float]:
    """The 8 coefficients mapping output pixels to input pixels (least squares, float32)."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} "
                         f"startpoints and {len(endpoints)} endpoints.")
    a = np.zeros((8, 8))
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    return np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32).tolist()


def perspective(img: Any, startpoints: List[List[int]], endpoints: List[List[int]],
                interpolation: Any = InterpolationMode.BILINEAR,
                fill: Optional[List[float]] = None) -> Any:
    """Warp so that the four ``startpoints`` (image corners, [x, y]) land on ``endpoints``."""
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    mode = _mode(interpolation)
    if _is_pil_image(img):
        return P.perspective(img, coeffs, _PIL_CODES[mode], fill)
    _check_img(img)
    _check_grid_mode(mode)
    return _wrap(img, T.perspective(_arr(img), coeffs, mode.value, _tensor_fill(img, fill)))


def erase(img: Any, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Any:
    """Set the box (top ``i``, left ``j``, ``h`` x ``w``) of a tensor image to ``v``."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


def five_crop(img: Any, size: Any) -> Tuple[Any, Any, Any, Any, Any]:
    """The four corner crops and the centre crop of ``size``."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, h, w = get_dimensions(img)
    ch, cw = size
    if cw > w or ch > h:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw),
            crop(img, h - ch, 0, ch, cw), crop(img, h - ch, w - cw, ch, cw),
            center_crop(img, [ch, cw]))


def ten_crop(img: Any, size: Any, vertical_flip: bool = False) -> Tuple[Any, ...]:
    """``five_crop`` of the image and of its horizontal (or vertical) flip."""
    first = five_crop(img, size)
    return first + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Convert to grayscale with weights (0.2989, 0.587, 0.114)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil_image(img):
        return P.to_grayscale(img, num_output_channels)
    _check_img(img)
    c = get_dimensions(img)[0]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    return _wrap(img, T.rgb_to_grayscale(_arr(img), num_output_channels))


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    if not _is_pil_image(img):
        raise TypeError("Input should be PIL Image")
    return rgb_to_grayscale(img, num_output_channels)


def _check_factor(name: str, factor: float) -> None:
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    _check_factor("brightness_factor", brightness_factor)
    if _is_pil_image(img):
        return P.enhance(img, "Brightness", brightness_factor)
    _check_img(img)
    a = _arr(img)
    return _wrap(img, T.blend(a, np.zeros((), np.float32), brightness_factor))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    _check_factor("contrast_factor", contrast_factor)
    if _is_pil_image(img):
        return P.enhance(img, "Contrast", contrast_factor)
    _check_img(img)
    return _wrap(img, T.adjust_contrast(_arr(img), contrast_factor))


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    _check_factor("saturation_factor", saturation_factor)
    if _is_pil_image(img):
        return P.enhance(img, "Color", saturation_factor)
    _check_img(img)
    a = _arr(img)
    if a.shape[-3] == 1:
        return img
    return _wrap(img, T.blend(a, T.rgb_to_grayscale(a, 1), saturation_factor))


def adjust_hue(img: Any, hue_factor: float) -> Any:
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil_image(img):
        return P.adjust_hue(img, hue_factor)
    _check_img(img)
    return _wrap(img, T.adjust_hue(_arr(img), hue_factor))


def gaussian_blur(img: Any, kernel_size: List[int], sigma: Optional[List[float]] = None) -> Any:
    """Blur with a Gaussian kernel (reflect padding)."""
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if any(s <= 0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_pil_image(img):
        t = pil_to_tensor(img)
        return to_pil_image(_wrap(t, T.gaussian_blur(_arr(t), kernel_size, sigma)),
                            mode=img.mode)
    _check_img(img)
    return _wrap(img, T.gaussian_blur(_arr(img), kernel_size, sigma))


from ._photometric import (adjust_gamma, adjust_sharpness, autocontrast, equalize,  # noqa: E402
                           invert, posterize, solarize)
