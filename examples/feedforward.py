"""A feed-forward network (one hidden layer) classifying handwritten digits.

Each 8x8 digit is flattened to 64 numbers; two Linear layers with a ReLU between them map it
to 10 class scores, trained with cross-entropy and Adam.

Run: python examples/feedforward.py [--epochs 15] [--hidden 128] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import (evaluate, get_device, load_images, loaders, log, make_parser, png_path,
                    save_curves, train_epoch)


class NeuralNet(nn.Module):
    """input -> Linear -> ReLU -> Linear -> class scores."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=15, lr=1e-3)
    parser.add_argument("--hidden", type=int, default=128, help="hidden units, default 128")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, test_loader = loaders(train, test, args.batch_size, args.seed)
    num_classes = int(train[1].max()) + 1
    model = NeuralNet(train[0][0].numel(), args.hidden, num_classes).to(device)
    print(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    losses, train_acc, test_acc = [], [], []
    for epoch in range(args.epochs):
        losses.append(train_epoch(model, train_loader, criterion, optimizer, device,
                                  desc=f"epoch {epoch + 1}/{args.epochs}"))
        train_acc.append(evaluate(model, train_loader, device))
        test_acc.append(evaluate(model, test_loader, device))
        log(f"epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  train {train_acc[-1]:5.1f}%  "
            f"test {test_acc[-1]:5.1f}%")
    print(f"test accuracy: {test_acc[-1]:.1f}%")
    save_curves(png_path(args, __file__), {"loss": {"train": losses},
                                           "accuracy (%)": {"train": train_acc,
                                                            "test": test_acc}},
                title="Feed-forward network on digits")


if __name__ == "__main__":
    main()
