"""Pixel and channel shuffles: pure rearrangements, each the other's (or its own) adjoint."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.node import Primitive

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _pixel_shuffle(x, r):
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    y = y.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def _pixel_unshuffle(x, r):
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    y = y.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def _channel_shuffle(x, g):
    n, c, *rest = x.shape
    y = x.reshape(n, g, c // g, *rest).swapaxes(1, 2)
    return y.reshape(n, c, *rest)


def _fresh(xp, out, x):
    """A result that never aliases its input (trivial factors give reshape views)."""
    return out.copy() if xp.may_share_memory(out, x) else out


class PixelShuffle(Primitive, node_name="PixelShuffleBackward0"):
    def forward(self, x):
        return _fresh(self.xp, _pixel_shuffle(x, self.factor), x)

    def backward(self, grad):
        return PixelUnshuffle.apply(grad, factor=self.factor)


class PixelUnshuffle(Primitive, node_name="PixelUnshuffleBackward0"):
    def forward(self, x):
        return _fresh(self.xp, _pixel_unshuffle(x, self.factor), x)

    def backward(self, grad):
        return PixelShuffle.apply(grad, factor=self.factor)


class ChannelShuffle(Primitive, node_name="ChannelShuffleBackward0"):
    def forward(self, x):
        return _fresh(self.xp, _channel_shuffle(x, self.groups), x)

    def backward(self, grad):  # the inverse permutation is the shuffle with C / g groups
        return ChannelShuffle.apply(grad, groups=grad.shape[1] // self.groups)


def _int_arg(fn, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


def _check_factor(fn, name, input, r):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    r = _int_arg(fn, name, r)
    if input.ndim < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C * r^2, H, W) into (*, C, H * r, W * r).

    >>> ember.nn.functional.pixel_shuffle(ember.randn(1, 8, 3, 4), 2).shape
    ember.Size([1, 2, 6, 8])
    """
    r = _check_factor("pixel_shuffle", "upscale_factor", input, upscale_factor)
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return PixelShuffle.apply(input, factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H * r, W * r) into (*, C * r^2, H, W), undoing ``pixel_shuffle``.

    >>> ember.nn.functional.pixel_unshuffle(ember.randn(1, 2, 6, 8), 2).shape
    ember.Size([1, 8, 3, 4])
    """
    r = _check_factor("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    for d, name in ((-2, "height"), (-1, "width")):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={input.shape[d]} is not "
                               f"divisible by {r}")
    return PixelUnshuffle.apply(input, factor=r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Split the channels (dim 1) into ``groups`` and interleave them: (N, g, C/g, *) -> (N, C/g,
    g, *), keeping the shape.

    >>> ember.nn.functional.channel_shuffle(ember.arange(4.).reshape(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    groups = _int_arg("channel_shuffle", "groups", groups)
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    c = input.shape[1]
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    return ChannelShuffle.apply(input, groups=groups)
