"""An LSTM (optionally bidirectional) classifying digits read row by row as a sequence.

Each 8x8 digit becomes a sequence of 8 steps with 8 features (one pixel row per step); the
last step's hidden state (both directions' with ``--bidirectional``) feeds a Linear layer.

Run: python examples/lstm_classifier.py [--bidirectional] [--epochs 12] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import (evaluate, get_device, load_images, loaders, log, make_parser, png_path,
                    save_curves, train_epoch)


class RNNClassifier(nn.Module):
    """LSTM over the rows of an image, then a Linear layer on the final hidden state."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, num_classes: int,
                 bidirectional: bool = False):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True,
                            bidirectional=bidirectional)
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        x = x.flatten(1, 2)             # (N, 1, H, W) -> (N, H, W): H steps of W features
        _, (h_n, _) = self.lstm(x)
        if self.lstm.bidirectional:     # last layer's forward and backward final states
            last = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            last = h_n[-1]
        return self.fc(last)


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=12, lr=5e-3)
    parser.add_argument("--bidirectional", action="store_true", help="use a bidirectional LSTM")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units, default 64")
    parser.add_argument("--layers", type=int, default=1, help="stacked LSTM layers, default 1")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, test_loader = loaders(train, test, args.batch_size, args.seed)
    model = RNNClassifier(train[0].shape[-1], args.hidden, args.layers,
                          int(train[1].max()) + 1, args.bidirectional).to(device)
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
    kind = "Bidirectional LSTM" if args.bidirectional else "LSTM"
    save_curves(png_path(args, __file__), {"training loss": {"train": losses},
                                           "test accuracy (%)": {"test": test_acc}},
                title=f"{kind} reading digits row by row")


if __name__ == "__main__":
    main()
