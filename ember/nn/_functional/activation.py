"""Activation functions, softmax family, ``one_hot``, ``normalize``, similarities, dropout."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...ops import math as M
from ...ops.elementwise import where
from ...ops.inplace import apply_inplace
from . import _activation_ops as P
from ._dropout import (alpha_dropout, dropout, dropout1d, dropout2d, dropout3d,  # noqa: F401
                       feature_alpha_dropout)
from ...amp import _policy as _amp

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "elu",
           "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh",
           "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "softplus", "softsign",
           "tanhshrink", "threshold", "threshold_", "logsigmoid", "softshrink", "hardshrink",
           "glu", "softmax", "log_softmax", "softmin", "one_hot", "normalize",
           "cosine_similarity", "pairwise_distance", "dropout", "dropout1d", "dropout2d",
           "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input, inplace, fn):
    return apply_inplace(input, fn) if inplace else fn(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)`` elementwise."""
    return _maybe_inplace(input, inplace, M.relu)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]`` (zero gradient outside)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, inplace, lambda x: P.Hardtanh.apply(x, lo=min_val, hi=max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x if x > 0 else negative_slope * x``."""
    if negative_slope < 0:
        return _maybe_inplace(input, inplace, lambda x: where(x > 0, x, x * negative_slope))
    return _maybe_inplace(input, inplace, lambda x: P.LeakyRelu.apply(x, slope=negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


@_amp.op("prelu")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope per channel (dim 1) or one shared slope."""
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    n = weight.numel()
    if n == 1:
        weight = weight.reshape(())
    elif input.dim() == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    else:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
        weight = weight.reshape(n, *([1] * (input.dim() - 2)))
    return where(input > 0, input, input * weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU; in eval mode the slope is ``(lower + upper) / 2``."""
    if training:
        from ...ops.random import rand_like
        slope = rand_like(input) * (upper - lower) + lower
        return _maybe_inplace(input, inplace, lambda x: where(x >= 0, x, x * slope))
    return leaky_relu(input, (lower + upper) / 2, inplace)


def _elu(input, alpha, scale, input_scale, inplace):
    return _maybe_inplace(input, inplace, lambda x: P.Elu.apply(
        x, alpha=alpha, scale=scale, input_scale=input_scale))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x if x > 0 else alpha * (exp(x) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit (exact, or the ``'tanh'`` approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return P.Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``."""
    return _maybe_inplace(input, inplace, P.Silu.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _maybe_inplace(input, inplace, lambda x: x * M.tanh(softplus(x)))


def sigmoid(input: Tensor) -> Tensor:
    return M.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return M.tanh(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _maybe_inplace(input, inplace, lambda x: relu6(x + 3.0) / 6.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _maybe_inplace(input, inplace, lambda x: x * (relu6(x + 3.0) / 6.0))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (stable)."""
    return P.Softplus.apply(input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (M.abs(input) + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - M.tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value if x <= threshold else x`` (NaN stays NaN)."""
    return _maybe_inplace(input, inplace, lambda x: where(x <= threshold, value, x))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed stably as ``-softplus(-x)``."""
    return -softplus(-input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return where((input > lambd) | (input < -lambd), input, 0.0)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` with ``a, b`` the halves along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()}"
                           f" is size {input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * M.sigmoid(b)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _prep(input, dim, dtype, name, stacklevel):
    if dim is None:
        dim = _softmax_dim(name, input.dim(), stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        d = input._wrap_dim(dim)
        kernel = "lastdim_kernel_impl" if d == input.dim() - 1 or not input.dim() else \
            "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    return input, input._wrap_dim(dim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (one fused, stable node)."""
    x, d = _prep(input, dim, dtype, "softmax", _stacklevel)
    if x.dim() == 0:
        return P.Softmax.apply(x.reshape(1), dim=0).reshape(())
    return P.Softmax.apply(x, dim=d)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (one fused, stable node)."""
    x, d = _prep(input, dim, dtype, "log_softmax", _stacklevel)
    if x.dim() == 0:
        return P.LogSoftmax.apply(x.reshape(1), dim=0).reshape(())
    return P.LogSoftmax.apply(x, dim=d)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Int64 one-hot encoding with a new last dimension of size ``num_classes``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = tensor._backend.xp
    data = tensor._data
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size:
        if int(data.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(data.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = (data[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return tensor._from_array(out)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    res = input / denom
    if out is not None:
        from ...ops.inplace import copy_into_out
        return copy_into_out(out, res)
    return res


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (broadcasting)."""
    from ... import broadcast_tensors
    try:
        a, b = broadcast_tensors(x1, x2)
    except ValueError as e:  # NumPy's wording -> PyTorch's
        from ...autograd.node import broadcast_error
        raise broadcast_error(x1.shape, x2.shape, e) from None
    na = a.norm(2, dim, keepdim=True).clamp_min(eps)
    nb = b.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((a / na) * (b / nb)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension."""
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)

