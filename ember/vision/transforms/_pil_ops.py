"""Image ops on PIL images (Pillow does the pixel work, as torchvision does)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def _pil():
    from PIL import Image
    return Image


def is_pil_image(img: Any) -> bool:
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def num_channels(img: Any) -> int:
    return len(img.getbands())


def _fill_opts(fill: Any, img: Any) -> dict:
    if fill is None:
        fill = 0
    n = num_channels(img)
    if isinstance(fill, (int, float)) and n > 1:
        fill = tuple([fill] * n)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * n
        if len(fill) != n:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {n})")
        fill = tuple(fill) if n > 1 else fill[0]
    if img.mode != "F":
        fill = tuple(int(v) for v in fill) if isinstance(fill, tuple) else int(fill)
    return {"fill": fill}


def pad(img: Any, ltrb: Sequence[int], fill: Any, mode: str) -> Any:
    left, top, right, bottom = ltrb
    if mode == "constant":
        from PIL import ImageOps
        return ImageOps.expand(img, border=(left, top, right, bottom),
                               **_fill_opts(fill, img))
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    palette = img.getpalette() if img.mode == "P" else None
    out = _pil().fromarray(np.pad(arr, widths, mode=mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def rotate(img: Any, angle: float, resample: int, expand: bool, center: Any,
           fill: Any) -> Any:
    opts = _fill_opts(fill, img)
    return img.rotate(angle, resample, expand, center, fillcolor=opts["fill"])


def affine(img: Any, matrix: Sequence[float], resample: int, fill: Any) -> Any:
    return img.transform(img.size, _pil().AFFINE, list(matrix)[:6], resample,
                         fillcolor=_fill_opts(fill, img)["fill"])


def perspective(img: Any, coeffs: Sequence[float], resample: int, fill: Any) -> Any:
    return img.transform(img.size, _pil().PERSPECTIVE, list(coeffs), resample,
                         fillcolor=_fill_opts(fill, img)["fill"])


def to_grayscale(img: Any, num_output_channels: int) -> Any:
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    if num_output_channels == 3:
        arr = np.asarray(gray)
        return _pil().fromarray(np.dstack([arr, arr, arr]))
    raise ValueError("num_output_channels should be either 1 or 3")


def adjust_hue(img: Any, hue_factor: float) -> Any:
    if img.mode in {"L", "1", "I", "F"}:
        return img
    mode = img.mode
    h, s, v = img.convert("HSV").split()
    shift = int(hue_factor * 255) % 256
    np_h = (np.asarray(h, dtype=np.uint8).astype(np.int32) + shift) % 256
    h = _pil().fromarray(np_h.astype(np.uint8))
    return _pil().merge("HSV", (h, s, v)).convert(mode)


def enhance(img: Any, kind: str, factor: float) -> Any:
    from PIL import ImageEnhance
    return getattr(ImageEnhance, kind)(img).enhance(factor)
