"""LeNet-5 style CIFAR-10 net of the PyTorch tutorial ("Training a classifier")."""
from __future__ import annotations

from typing import Any

from ... import nn
from ...nn import functional as F
from ..._tensor import Tensor
from ._utils import _handle_weights

__all__ = ["LeNet", "lenet"]


class LeNet(nn.Module):
    """Two 5x5 conv + 2x2 max-pool stages and three linear layers (the tutorial's ``Net``).

    Its state dict keys (``conv1``, ``conv2``, ``fc1``, ``fc2``, ``fc3``) match the tutorial's
    ``Net``, so a saved tutorial model loads into it.

    Args:
        num_classes: output size of ``fc3``.
        in_channels: image channels (3 for CIFAR-10; 1 for 32x32-padded MNIST).

    Shape:
        input ``(N, in_channels, 32, 32)``, output ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> LeNet:
    """The tutorial's LeNet (62k parameters); ``kwargs`` go to :class:`LeNet`."""
    _handle_weights("lenet", weights, kwargs)
    return LeNet(**kwargs)
