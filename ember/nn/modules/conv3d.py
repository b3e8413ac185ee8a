"""3-D convolution layers: ``Conv3d`` and ``ConvTranspose3d``."""
from __future__ import annotations

from .. import functional as F
from .conv import _Conv, _ConvTranspose

__all__ = ["Conv3d", "ConvTranspose3d"]


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, padding ('same', 'valid' or ints), dilation, groups, bias,
        padding_mode ('zeros', 'reflect', 'replicate', 'circular'): as in PyTorch.

    >>> ember.nn.Conv3d(2, 4, 3)(ember.randn(1, 2, 5, 6, 7)).shape
    ember.Size([1, 4, 3, 4, 5])
    """
    _fn = staticmethod(F.conv3d)
    _nd = 3


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (the gradient of Conv3d), over (N, C_in, D, H, W).

    >>> ember.nn.ConvTranspose3d(2, 4, 3, stride=2)(ember.randn(1, 2, 3, 3, 3)).shape
    ember.Size([1, 4, 7, 7, 7])
    """
    _fn = staticmethod(F.conv_transpose3d)
    _nd = 3

    def _output_padding(self, input, output_size):
        try:
            return super()._output_padding(input, output_size)
        except ValueError as e:  # PyTorch shows output_size as the caller gave it
            shown = output_size[len(output_size) - 3:]
            raise ValueError(str(e).replace(str(list(shown)), str(shown), 1)) from None
