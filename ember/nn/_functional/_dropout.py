"""Dropout family, drawing masks from ember's default generator (reproducible with manual_seed)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._random import _generator
from ..._torch_sampling import unit_uniform
from ..._tensor import Tensor
from ...ops.inplace import apply_inplace

_ALPHA = 1.7580993408473766  # -SELU's negative saturation value


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, p, shape):
    """A float mask of ``input``'s dtype and device: 1 with probability 1 - p, else 0."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{input.dtype._legacy[:-6]}")
    # PyTorch's bernoulli_(1 - p): one double-precision uniform per element, kept below 1 - p
    keep = unit_uniform(_generator(None)._rng, math.prod(shape), np.float64) < 1.0 - p
    arr = keep.reshape(shape).astype(input.dtype.np)
    if input.device.type != "cpu":
        arr = input._backend.from_host(arr, input.device.index)
    return input._from_array(arr)


def _apply(input, mask, inplace):
    if inplace:
        return apply_inplace(input, lambda x: x * mask)
    return input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _apply(input, input._from_array(input._backend.xp.zeros((), input.dtype.np)),
                      inplace)
    mask = _keep_mask(input, p, tuple(input.shape))
    mask._data /= 1.0 - p  # in the mask's dtype, as PyTorch's noise.div_(1 - p)
    return _apply(input, mask, inplace)


def _feature_dropout(input, p, training, inplace, batched=True):
    """Drop whole channels: one draw per (N, C) position, broadcast over the rest."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.dim() - lead)
    mask = _keep_mask(input, p, shape)
    if p < 1.0:
        mask._data /= 1.0 - p  # in the mask's dtype, as PyTorch's noise.div_(1 - p)
    return _apply(input, mask, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel-wise dropout for ``(N, C, L)`` or ``(C, L)`` inputs."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _feature_dropout(input, p, training, inplace, batched=input.dim() == 3)


def _warn_dims(name, ndim, spatial, ok):
    warnings.warn(
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in "
        "an error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {name} exists to provide channel-wise dropout on inputs "
        f"with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {ok} inputs).", stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel-wise dropout for ``(N, C, H, W)`` inputs (3-D inputs are read as ``(N, C, L)``)."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        _warn_dims("dropout2d", ndim, 2, "3D or 4D")
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel-wise dropout for ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        _warn_dims("dropout3d", ndim, 3, "4D or 5D")
    return _feature_dropout(input, p, training, inplace, batched=ndim != 4)


def _alpha_dropout(input, p, training, inplace, shape):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _keep_mask(input, p, shape)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
    mul = input._from_array(keep._data * a)
    add = input._from_array((keep._data - 1) * (_ALPHA * a) + _ALPHA * a * p)
    if inplace:
        return apply_inplace(input, lambda x: x * mul + add)
    return input * mul + add


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU activations' mean and variance."""
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Channel-wise alpha dropout."""
    if training and 0.0 < p <= 1.0 and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _alpha_dropout(input, p, training, inplace, shape)
