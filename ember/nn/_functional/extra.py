"""``rms_norm`` and ``gumbel_softmax`` (composites)."""
from __future__ import annotations

import warnings

import numpy as np

from ..._tensor import Tensor

__all__ = ["rms_norm", "gumbel_softmax"]

_LOW_PRECISION = ("float16", "bfloat16")


def _check_normalized_shape(normalized_shape):
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    for i, s in enumerate(normalized_shape):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple "
                            f"of ints, but found element of type {type(s).__name__} at pos {i}")
    ns = [int(s) for s in normalized_shape]
    if not ns:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    return ns


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dims.

    ``eps=None`` means the machine epsilon of the computation dtype (float32 for half inputs).

    >>> ember.nn.functional.rms_norm(ember.tensor([[3., 4.]]), [2])
    tensor([[0.8485, 1.1314]])
    """
    ns = _check_normalized_shape(normalized_shape)
    k = len(ns)
    if weight is not None and list(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = {ns}")
    if input.ndim < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got {input.ndim}")
    if list(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={ns}, expected input with shape "
                           f"[*{', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"rms_norm\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    x = input.float() if input.dtype.name in _LOW_PRECISION else input
    if eps is None:
        eps = float(np.finfo(x.dtype.np).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    if x is not input:
        out = out.to(input.dtype)
    if weight is not None:
        out = out * weight
    return out


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Samples from the Gumbel-softmax distribution (one-hot with a soft gradient when
    ``hard``); the noise comes from ember's generator, so ``ember.manual_seed`` fixes it.

    Args:
        logits: unnormalised log-probabilities, ``[..., num_features]``.
        tau: the non-negative temperature.
        hard: return one-hot samples, differentiated as the soft ones (straight-through).
        dim: the dimension softmax runs along.

    >>> ember.nn.functional.gumbel_softmax(ember.randn(2, 5), hard=True).sum(-1)
    tensor([1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from ...ops.creation import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()  # ~Gumbel(0, 1)
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
