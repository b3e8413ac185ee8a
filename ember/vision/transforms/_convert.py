"""Conversions between PIL images, NumPy arrays and ember tensors; normalize; dtypes."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ._pil_ops import is_pil_image, num_channels


def _is_tensor(x: Any) -> bool:
    from ..._tensor import Tensor
    return isinstance(x, Tensor)


def _arr(t: Any) -> np.ndarray:
    """The NumPy array of a (cpu) tensor."""
    data = t._data
    return data if isinstance(data, np.ndarray) else data.get()


def _wrap(like: Any, arr: np.ndarray) -> Any:
    """A tensor on ``like``'s device holding ``arr``."""
    if not isinstance(like._data, np.ndarray):
        arr = like._backend.xp.asarray(arr)
    return like._from_array(arr)


def _from_numpy(arr: np.ndarray) -> Any:
    from ...ops.creation import from_numpy
    return from_numpy(np.ascontiguousarray(arr))


def _default_float() -> np.dtype:
    from ... import get_default_dtype
    return get_default_dtype().np


def _pil_array(pic: Any, dtype: Optional[type] = None, copy: bool = True) -> np.ndarray:
    modes = {"I": np.int32, "I;16": np.int16 if dtype is None else np.int16, "F": np.float32}
    arr = np.array(pic, modes.get(pic.mode, np.uint8), copy=copy)
    if pic.mode == "1":
        arr = 255 * arr
    return arr.reshape(pic.size[1], pic.size[0], num_channels(pic)).transpose(2, 0, 1)


def to_tensor(pic: Any) -> Any:
    """PIL image or HWC ndarray -> CHW tensor; uint8 data scaled to [0, 1] floats."""
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = (pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1)
    else:
        arr = _pil_array(pic, copy=pic.mode not in ("RGB", "L", "RGBA", "P", "CMYK"))
    if arr.dtype == np.uint8:  # the float conversion copies
        ft = _default_float()
        arr = arr.astype(ft)
        arr /= ft.type(255)
    return _from_numpy(arr)


def pil_to_tensor(pic: Any) -> Any:
    """PIL image -> CHW tensor, keeping the pixel dtype."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return _from_numpy(_pil_array(pic))


_PERMITTED = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
_ONE_CHANNEL = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16",
                np.dtype(np.int32): "I", np.dtype(np.float32): "F"}


def _chw_to_hwc(pic: Any, mode: Optional[str]) -> np.ndarray:
    if _is_tensor(pic):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = _arr(pic)
        arr = arr[None] if arr.ndim == 2 else arr
        if arr.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-3]} channels.")
        if np.issubdtype(arr.dtype, np.floating) and mode != "F":
            scaled = np.nan_to_num(arr.astype(np.float64) * 255)
            arr = (np.clip(np.trunc(scaled), -2**62, 2**62).astype(np.int64) & 255)
            arr = arr.astype(np.uint8)
        return arr.transpose(1, 2, 0)
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    arr = pic[:, :, None] if pic.ndim == 2 else pic
    if arr.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-1]} channels.")
    return arr


def to_pil_image(pic: Any, mode: Optional[str] = None) -> Any:
    """CHW tensor or HWC ndarray -> PIL image (floats scaled by 255 unless mode 'F')."""
    from PIL import Image
    arr = _chw_to_hwc(pic, mode)
    c = arr.shape[2]
    if c == 1:
        arr = arr[:, :, 0]
        expected = _ONE_CHANNEL.get(arr.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type "
                             f"{np.dtype}. Should be {expected}")
        mode = expected
    else:
        if mode is not None and mode not in _PERMITTED[c]:
            raise ValueError(f"Only modes {_PERMITTED[c]} are supported for {c}D inputs")
        if mode is None and arr.dtype == np.uint8:
            mode = {2: "LA", 3: "RGB", 4: "RGBA"}[c]
    if mode is None:
        raise TypeError(f"Input type {arr.dtype} is not supported")
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if mode == "I;16":
        return Image.frombuffer(mode, (w, h), arr.astype("<u2").tobytes(), "raw", mode, 0, 1)
    raw = {"I": "I", "F": "F"}.get(mode, mode)
    return Image.frombuffer(mode, (w, h), arr.tobytes(), "raw", raw, 0, 1)


def normalize(tensor: Any, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Any:
    """(tensor - mean) / std per channel of a float tensor (..., C, H, W)."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    arr = _arr(tensor)
    dt = arr.dtype
    m = np.asarray(mean, dtype=dt)
    s = np.asarray(std, dtype=dt)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading "
                         "to division by zero.")
    m = m.reshape(-1, 1, 1) if m.ndim == 1 else m
    s = s.reshape(-1, 1, 1) if s.ndim == 1 else s
    if inplace:
        np.subtract(arr, m, out=arr)
        np.divide(arr, s, out=arr)
        return tensor
    return _wrap(tensor, (arr - m) / s)


def _max_value(dt: np.dtype) -> float:
    return 1.0 if np.issubdtype(dt, np.floating) else int(np.iinfo(dt).max)


def convert_image_dtype(image: Any, dtype: Any = None) -> Any:
    """Convert a tensor image's dtype, rescaling values (uint8 255 <-> float 1.0)."""
    from ... import float32
    dtype = float32 if dtype is None else dtype
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    src, dst = _arr(image).dtype, dtype.np
    arr = _arr(image)
    if np.issubdtype(src, np.floating):
        if np.issubdtype(dst, np.floating):
            return _wrap(image, arr.astype(dst))
        if (src == np.float32 and dst in (np.int32, np.int64)) or \
                (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        scaled = arr * src.type(_max_value(dst) + 1.0 - 1e-3)
        return _wrap(image, np.trunc(scaled).astype(dst))
    if np.issubdtype(dst, np.floating):
        return _wrap(image, arr.astype(dst) / dst.type(_max_value(src)))
    in_max, out_max = _max_value(src), _max_value(dst)
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return _wrap(image, (arr // factor).astype(dst))
    factor = (out_max + 1) // (in_max + 1)
    return _wrap(image, arr.astype(dst) * dst.type(factor))
