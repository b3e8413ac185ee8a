"""A convolutional network (two conv + batch-norm + pool blocks) classifying digits.

Run: python examples/cnn.py [--epochs 10] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import (evaluate, get_device, load_images, loaders, log, make_parser, png_path,
                    save_curves, train_epoch)


class ConvNet(nn.Module):
    """(conv 3x3 -> batch norm -> ReLU -> max pool) x 2 -> Linear."""

    def __init__(self, num_classes: int = 10, size: int = 8):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2))
        self.fc = nn.Linear(32 * (size // 4) ** 2, num_classes)

    def forward(self, x):
        out = self.layer2(self.layer1(x))
        return self.fc(out.flatten(1))


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=10, lr=2e-3)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, test_loader = loaders(train, test, args.batch_size, args.seed)
    model = ConvNet(int(train[1].max()) + 1, train[0].shape[-1]).to(device)
    print(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    losses, test_acc = [], []
    for epoch in range(args.epochs):
        losses.append(train_epoch(model, train_loader, criterion, optimizer, device,
                                  desc=f"epoch {epoch + 1}/{args.epochs}"))
        test_acc.append(evaluate(model, test_loader, device))
        log(f"epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  test {test_acc[-1]:5.1f}%")
    print(f"test accuracy: {test_acc[-1]:.1f}%")

    images, labels = test[0][:16], test[1][:16]
    with torch.no_grad():
        model.eval()
        predicted = model(images.to(device)).argmax(1).cpu()
    print("labels:   ", " ".join(str(int(v)) for v in labels))
    print("predicted:", " ".join(str(int(v)) for v in predicted))
    save_curves(png_path(args, __file__), {"training loss": {"train": losses},
                                           "test accuracy (%)": {"test": test_acc}},
                title="CNN on digits", images=images[:, 0].numpy(),
                image_title="predicted: " + " ".join(str(int(v)) for v in predicted[:8]))


if __name__ == "__main__":
    main()
