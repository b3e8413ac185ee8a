"""Helpers shared by the model builders: the ``weights``/``pretrained`` check and rounding."""
from __future__ import annotations

import warnings
from typing import Any

from ... import nn

_NO_DOWNLOAD = (
    "{name}: pretrained weights ({what}) cannot be downloaded in ember. Build the model with "
    "weights=None and load a torchvision state dict instead, e.g. "
    "model = {name}(); model.load_state_dict(ember.load('{name}.pth'))")


def _handle_weights(name: str, weights: Any, kwargs: dict, stacklevel: int = 3) -> None:
    """Accept ``weights=None`` and legacy ``pretrained=False``; refuse any pretrained weights.

    ``pretrained`` is popped from ``kwargs``. As in torchvision, using it at all warns that it
    is deprecated (``stacklevel`` points the warning at the user's call).
    """
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        if pretrained:
            raise RuntimeError(_NO_DOWNLOAD.format(name=name, what="pretrained=True"))
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed "
                      "in the future, please use 'weights' instead.", UserWarning,
                      stacklevel=stacklevel)
    if weights is not None:
        raise RuntimeError(_NO_DOWNLOAD.format(name=name, what=f"weights={weights!r}"))


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round ``v`` to a multiple of ``divisor`` without going more than 10% below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    """Conv2d (same padding) + norm layer + activation, as torchvision.ops.Conv2dNormActivation.

    Args:
        in_channels, out_channels, kernel_size, stride, groups, dilation: the convolution's.
        padding: defaults to ``(kernel_size - 1) // 2 * dilation``.
        norm_layer: defaults to ``BatchNorm2d``; ``None`` skips it (and gives the conv a bias).
        activation_layer: defaults to ``ReLU``; ``None`` skips it.
        inplace: passed to the activation; bias: defaults to ``norm_layer is None``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, padding: int | None = None, groups: int = 1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation: int = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                            dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            extra = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**extra))
        super().__init__(*layers)
        self.out_channels = out_channels
