"""3-D pooling layers: max, average, adaptive and max-unpooling over (N, C, D, H, W)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .pooling import _AdaptiveNd, _AvgPoolNd, _MaxPoolNd, _MaxUnpoolNd

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "MaxUnpool3d"]


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W); stride defaults to kernel_size.

    >>> ember.nn.MaxPool3d(2)(ember.randn(1, 2, 4, 6, 8)).shape
    ember.Size([1, 2, 2, 3, 4])
    """

    def forward(self, input: Tensor):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W).

    >>> ember.nn.AvgPool3d(2)(ember.randn(1, 2, 4, 6, 8)).shape
    ember.Size([1, 2, 2, 3, 4])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptiveNd):
    """Average pooling to a fixed ``output_size`` (``None`` keeps that dim)."""

    def __init__(self, output_size) -> None:
        Module.__init__(self)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveNd):
    """Max pooling to a fixed ``output_size``."""

    def forward(self, input: Tensor):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: values go back to their argmax positions."""
    _n = 3

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)
