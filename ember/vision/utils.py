"""Image utilities: ``make_grid`` and ``save_image`` (torchvision's behaviour)."""
from __future__ import annotations

import math
from typing import Any, BinaryIO, List, Optional, Tuple, Union

import numpy as np

from .transforms._convert import _arr, _is_tensor, _wrap

__all__ = ["make_grid", "save_image"]


def _as_batch(tensor: Any) -> Tuple[Any, np.ndarray]:
    if isinstance(tensor, list):
        for t in tensor:
            if not _is_tensor(t):
                raise TypeError(f"tensor or list of tensors expected, got a list containing "
                                f"{type(t)}")
        if not tensor:
            raise RuntimeError("stack expects a non-empty TensorList")
        return tensor[0], np.stack([_arr(t) for t in tensor], axis=0)
    if not _is_tensor(tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    return tensor, _arr(tensor)


def _norm_ip(img: np.ndarray, low: float, high: float) -> None:
    dt = img.dtype.type
    np.clip(img, dt(low), dt(high), out=img)
    np.subtract(img, dt(low), out=img)
    np.divide(img, dt(max(high - low, 1e-5)), out=img)


def _norm_range(t: np.ndarray, value_range: Optional[Tuple[float, float]]) -> None:
    if value_range is not None:
        _norm_ip(t, value_range[0], value_range[1])
    else:
        _norm_ip(t, float(t.min()), float(t.max()))


def make_grid(tensor: Union[Any, List[Any]], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: Optional[Tuple[int, int]] = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Any:
    """Tile a batch (B, C, H, W) or list of images into one (C, H', W') grid image.

    Args:
        nrow: images per row. padding: pixels between and around images.
        normalize: shift to [0, 1] by ``value_range`` (min, max) or the data's range.
        scale_each: normalize each image separately. pad_value: the padding's value.
    """
    like, x = _as_batch(tensor)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = np.concatenate((x, x, x), 0)
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = np.concatenate((x, x, x), 1)
    if normalize is True:
        x = x.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and "
                            "max are numbers")
        if scale_each is True:
            for t in x:
                _norm_range(t, value_range)
        else:
            _norm_range(x, value_range)
    if x.shape[0] == 1:
        return _wrap(like, np.ascontiguousarray(x[0]))
    nmaps = x.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(x.shape[2] + padding), int(x.shape[3] + padding)
    grid = np.full((x.shape[1], height * ymaps + padding, width * xmaps + padding),
                   pad_value, dtype=x.dtype)
    for k in range(nmaps):
        y, col = divmod(k, xmaps)
        top, left = y * height + padding, col * width + padding
        grid[:, top:top + height - padding, left:left + width - padding] = x[k]
    return _wrap(like, grid)


def save_image(tensor: Union[Any, List[Any]], fp: Union[str, Any, BinaryIO],
               format: Optional[str] = None, **kwargs: Any) -> None:
    """Save a tensor (or a grid of a batch) as an image file, e.g. PNG.

    Args:
        fp: a path or a file object. format: the image format (needed for file objects).
        **kwargs: passed to ``make_grid``.
    """
    from PIL import Image
    grid = _arr(make_grid(tensor, **kwargs))
    if np.issubdtype(grid.dtype, np.floating):
        scaled = grid * grid.dtype.type(255)
        scaled = scaled + grid.dtype.type(0.5)
        ndarr = np.nan_to_num(np.clip(scaled, 0, 255)).astype(np.uint8)
    else:
        ndarr = np.clip(grid.astype(np.int64) * 255, 0, 255).astype(np.uint8)
    ndarr = np.ascontiguousarray(ndarr.transpose(1, 2, 0))
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    Image.fromarray(ndarr).save(fp, format=format)
