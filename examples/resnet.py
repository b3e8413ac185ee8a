"""A small deep residual network (ResNet) classifying digits.

Residual blocks add their input back to their output (``out += residual``), with a strided
1x1 convolution ("downsample") where the shape changes.

Run: python examples/resnet.py [--epochs 6] [--width 16] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import (evaluate, get_device, load_images, loaders, log, make_parser, png_path,
                    save_curves, train_epoch)


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class ResidualBlock(nn.Module):
    """conv-bn-relu-conv-bn plus the (possibly downsampled) input, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += residual
        return self.relu(out)


class ResNet(nn.Module):
    """stem conv -> 3 stages of residual blocks (widths w, 2w, 4w) -> global pool -> Linear."""

    def __init__(self, num_classes: int = 10, width: int = 16, blocks=(1, 1, 1)):
        super().__init__()
        self.stem = nn.Sequential(conv3x3(1, width), nn.BatchNorm2d(width), nn.ReLU())
        layers, channels = [], width
        for i, n in enumerate(blocks):
            out = width * 2 ** i
            for j in range(n):
                layers.append(ResidualBlock(channels, out, stride=2 if i > 0 and j == 0 else 1))
                channels = out
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        out = self.pool(self.layers(self.stem(x)))
        return self.fc(out.flatten(1))


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=6, lr=3e-3)
    parser.add_argument("--width", type=int, default=16, help="channels of the first stage")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, test_loader = loaders(train, test, args.batch_size, args.seed)
    model = ResNet(int(train[1].max()) + 1, args.width).to(device)
    print(f"ResNet: {sum(p.numel() for p in model.parameters()):,} parameters")
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))

    losses, test_acc = [], []
    for epoch in range(args.epochs):
        losses.append(train_epoch(model, train_loader, criterion, optimizer, device,
                                  desc=f"epoch {epoch + 1}/{args.epochs}"))
        scheduler.step()
        test_acc.append(evaluate(model, test_loader, device))
        log(f"epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  test {test_acc[-1]:5.1f}%  "
            f"lr {scheduler.get_last_lr()[0]:.5f}")
    print(f"test accuracy: {test_acc[-1]:.1f}%")
    save_curves(png_path(args, __file__), {"training loss": {"train": losses},
                                           "test accuracy (%)": {"test": test_acc}},
                title="ResNet on digits")


if __name__ == "__main__":
    main()
