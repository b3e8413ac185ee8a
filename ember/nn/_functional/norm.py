"""Normalisation: batch, layer, group, instance and local response norm (composites)."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm"]


def _channel_shape(x):
    return (1, -1) + (1,) * (x.ndim - 2)


def _update_running(running_mean, running_var, mean, var, n, momentum):
    """Exponential (or cumulative, via the caller's momentum) update, unbiased var."""
    with no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean.detach().to(running_mean.dtype),
                                                 alpha=momentum)
        if running_var is not None:
            unbiased = var.detach() * (n / max(n - 1, 1))
            running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype), alpha=momentum)


def _normalise(x, mean, var, weight, bias, eps, shape):
    """(x - mean) / sqrt(var + eps) * weight + bias, folded into one scale and shift."""
    inv = (var + eps).rsqrt()
    if weight is not None:
        inv = inv * weight.reshape(shape) if inv.ndim else inv * weight
    out = (x - mean) * inv
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise over the batch (and spatial) dims per channel of (N, C, *)."""
    if input.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"batch_norm\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    shape = _channel_shape(input)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training:
        n = input.numel() // max(c, 1)
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size ember.Size({list(input.shape)})")
        dims = (0,) + tuple(range(2, input.ndim))
        mean = input.mean(dims, keepdim=True)
        var = ((input - mean) ** 2).mean(dims, keepdim=True)
        if running_mean is not None or running_var is not None:
            _update_running(running_mean, running_var, mean.reshape(-1), var.reshape(-1), n,
                            momentum if momentum is not None else 0.1)
    else:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    return _normalise(input, mean, var, weight, bias, eps, shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing ``normalized_shape`` dims."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if tuple(input.shape[input.ndim - k:]) != ns or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centred = input - mean
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over channel groups (and spatial dims) of (N, C, *)."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"GroupNormKernelImpl\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups,"
                           f" but got input of shape {list(input.shape)} and num_groups="
                           f"{num_groups}")
    g = input.reshape(n, num_groups, -1)
    mean = g.mean(-1, keepdim=True)
    centred = g - mean
    var = (centred * centred).mean(-1, keepdim=True)
    out = (centred * (var + eps).rsqrt()).reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each (sample, channel) plane over its spatial dims."""
    shape = _channel_shape(input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"batch_norm\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    dims = tuple(range(2, input.ndim))
    n_sp = input.numel() // max(input.shape[0] * input.shape[1], 1)
    if n_sp <= 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"ember.Size({list(input.shape)})")
    mean = input.mean(dims, keepdim=True)
    var = ((input - mean) ** 2).mean(dims, keepdim=True)
    if running_mean is not None or running_var is not None:
        _update_running(running_mean, running_var, mean.mean(0).reshape(-1),
                        var.mean(0).reshape(-1), n_sp, momentum)
    return _normalise(input, mean, var, weight, bias, eps, shape)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0):
    """Normalise each value by the energy of its ``size`` neighbouring channels."""
    from .conv import pad
    from .pool import avg_pool2d
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    div = (input * input).unsqueeze(1)
    if input.ndim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        n, _, cp, h, w = div.shape
        div = avg_pool2d(div.reshape(n, cp, h * w, 1).transpose(1, 3),
                         (1, size), stride=1).transpose(1, 3)
        div = div.reshape(sizes)
    div = (div * alpha + k) ** beta
    return input / div
