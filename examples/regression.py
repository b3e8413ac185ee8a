"""Regression: a straight-line fit (nn.Linear) and a small MLP fitting a curve, with MSELoss.

The default data is synthetic (y = sin(2x) + x/2 + noise); ``--data`` reads a CSV file (or
``DIR/data.csv``) whose last column is the target and other columns the features.

Run: python examples/regression.py [--epochs 300] [--data data.csv]
"""
from __future__ import annotations

import os

import numpy as np

import ember as torch
import ember.nn as nn

from common import get_device, log, make_parser, png_path, progress, save_curves, _pyplot


def load_data(path, limit, seed):
    """(x, y) float tensors of shapes (N, F) and (N, 1), features standardised."""
    if path is None:
        rng = np.random.RandomState(seed)
        x = np.sort(rng.uniform(-3, 3, size=(200, 1)), axis=0)
        y = np.sin(2 * x) + x / 2 + rng.normal(0, 0.1, size=x.shape)
    else:
        path = os.path.join(path, "data.csv") if os.path.isdir(path) else path
        table = np.loadtxt(path, delimiter=",", ndmin=2)
        x, y = table[:, :-1], table[:, -1:]
    if limit is not None:
        x, y = x[:limit], y[:limit]
    x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def fit(model, x, y, epochs, lr, name):
    """Full-batch training with Adam; returns the loss per epoch."""
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in progress(range(epochs), desc=name):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (epoch + 1) % max(epochs // 5, 1) == 0:
            log(f"{name:6s} epoch {epoch + 1:4d}  loss {loss.item():.4f}")
    return losses


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=300, lr=1e-2,
                         data_help="CSV file (or folder with data.csv): features..., target")
    parser.add_argument("--hidden", type=int, default=32, help="MLP hidden units, default 32")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)
    x, y = load_data(args.data, args.limit, args.seed)
    x, y = x.to(device), y.to(device)

    linear = nn.Linear(x.shape[1], 1).to(device)
    mlp = nn.Sequential(nn.Linear(x.shape[1], args.hidden), nn.Tanh(),
                        nn.Linear(args.hidden, args.hidden), nn.Tanh(),
                        nn.Linear(args.hidden, 1)).to(device)
    curves = {"linear": fit(linear, x, y, args.epochs, args.lr, "linear"),
              "MLP": fit(mlp, x, y, args.epochs, args.lr, "MLP")}
    print(f"final MSE: linear {curves['linear'][-1]:.4f}, MLP {curves['MLP'][-1]:.4f}")
    w, b = linear.weight.detach().cpu().numpy().ravel(), linear.bias.item()
    print("linear fit: y = " + " + ".join(f"{v:.3f}*x{i}" for i, v in enumerate(w))
          + f" + {b:.3f}")

    path = png_path(args, __file__)
    plt = _pyplot()
    if plt is None or x.shape[1] != 1:
        save_curves(path, {"MSE loss": curves}, title="Regression")
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for name, values in curves.items():
        ax1.plot(values, label=name)
    ax1.set(title="MSE loss", xlabel="epoch", yscale="log")
    ax1.legend()
    xs = x.cpu().numpy().ravel()
    with torch.no_grad():
        ax2.scatter(xs, y.cpu().numpy().ravel(), s=8, c="gray", label="data")
        ax2.plot(xs, linear(x).cpu().numpy().ravel(), label="linear")
        ax2.plot(xs, mlp(x).cpu().numpy().ravel(), label="MLP")
    ax2.set(title="fits", xlabel="x (standardised)", ylabel="y")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
