"""Ember quickstart: train the seed tutorials' CNN on real handwritten digits.

By default it uses scikit-learn's bundled digits (1,797 real 8x8 scans, no network needed),
upsampled to 32x32 for the tutorial's LeNet; ``--dataset mnist|cifar10 --data DIR`` runs the
same program on those datasets. It prints test accuracy, saves and reloads a checkpoint,
predicts with the reloaded model and writes a figure of the curves and labelled test digits.

Run: python examples/quickstart.py [--epochs 12] [--out quickstart.png]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    """The seed tutorials' LeNet: conv 5x5 -> pool -> conv 5x5 -> pool -> 3 linear layers."""

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load_digits_data(seed):
    """scikit-learn's digits as (N, 1, 32, 32) float tensors in [-1, 1], split 80/20."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("quickstart needs scikit-learn for its bundled digits: "
                         "pip install -e '.[examples]'") from None
    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False) * 2 - 1
    y = torch.from_numpy(digits.target.astype(np.int64))
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = len(y) // 5
    test, train = perm[:n_test], perm[n_test:]
    return (x[train], y[train]), (x[test], y[test]), [str(i) for i in range(10)], 1


def load_vision_data(name, root):
    """MNIST (resized to 32x32) or CIFAR-10 through ember.vision, as tensors."""
    from ember.vision import datasets, transforms
    if name == "mnist":
        tf = transforms.Compose([transforms.Resize(32), transforms.ToTensor(),
                                 transforms.Normalize((0.5,), (0.5,))])
        make = datasets.MNIST
    else:
        tf = transforms.Compose([transforms.ToTensor(),
                                 transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
        make = datasets.CIFAR10
    train = make(root, train=True, download=True, transform=tf)
    test = make(root, train=False, download=True, transform=tf)

    def stack(ds):
        xs, ys = zip(*[ds[i] for i in range(len(ds))])
        return torch.stack(xs), torch.tensor(ys)
    classes = list(getattr(train, "classes", [str(i) for i in range(10)]))
    return stack(train), stack(test), classes, 1 if name == "mnist" else 3


def evaluate(model, x, y, batch=512):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(y)


def progress(iterable, desc):
    try:
        from tqdm import tqdm
        return tqdm(iterable, desc=desc, leave=False)
    except ImportError:
        return iterable


def train(model, train_data, test_data, epochs, lr, batch_size, seed):
    loader = DataLoader(TensorDataset(*train_data), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(epochs):
        total, n = 0.0, 0
        for inputs, labels in progress(loader, f"epoch {epoch + 1}/{epochs}"):
            opt.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            opt.step()
            total += loss.item() * len(labels)
            n += len(labels)
        history["loss"].append(total / n)
        history["train_acc"].append(evaluate(model, *train_data))
        history["test_acc"].append(evaluate(model, *test_data))
        print(f"epoch {epoch + 1:2d}  loss {total / n:.4f}  "
              f"train acc {history['train_acc'][-1]:.3f}  test acc {history['test_acc'][-1]:.3f}")
    return history


def plot(history, images, labels, preds, classes, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return None
    fig = plt.figure(figsize=(11, 5.4), constrained_layout=True)
    outer = fig.add_gridspec(1, 2, width_ratios=[1, 1.15])
    curves = outer[0].subgridspec(2, 1)
    digits = outer[1].subgridspec(4, 5)
    epochs = range(1, len(history["loss"]) + 1)
    ax = fig.add_subplot(curves[0])
    ax.plot(epochs, history["loss"], "o-", color="#c0392b")
    ax.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    ax.grid(alpha=0.3)
    ax = fig.add_subplot(curves[1])
    ax.plot(epochs, history["train_acc"], "o-", label="train", color="#2980b9")
    ax.plot(epochs, history["test_acc"], "s-", label="test", color="#27ae60")
    ax.set(title="accuracy", xlabel="epoch", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    for i in range(min(20, len(labels))):
        ax = fig.add_subplot(digits[i // 5, i % 5])
        img = images[i].numpy()
        img = img[0] if img.shape[0] == 1 else np.transpose(img, (1, 2, 0))
        ax.imshow((img + 1) / 2, cmap="gray_r" if img.ndim == 2 else None, vmin=0, vmax=1)
        ok = preds[i] == labels[i]
        ax.set_title(f"pred {classes[preds[i]]}" + ("" if ok else f" (is {classes[labels[i]]})"),
                     fontsize=9, color="#1e8449" if ok else "#c0392b")
        ax.axis("off")
    fig.suptitle("ember quickstart: the seed tutorials' CNN on real handwritten digits "
                 f"(test accuracy {history['test_acc'][-1] * 100:.1f}%)", fontsize=12)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["digits", "mnist", "cifar10"], default="digits")
    p.add_argument("--data", default="./data", help="dataset folder for mnist/cifar10")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", default="quickstart.pt")
    p.add_argument("--out", default="quickstart.png")
    args = p.parse_args(argv)
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    if args.dataset == "digits":
        train_data, test_data, classes, channels = load_digits_data(args.seed)
    else:
        train_data, test_data, classes, channels = load_vision_data(args.dataset, args.data)
    print(f"{args.dataset}: {len(train_data[1])} training and {len(test_data[1])} test images")
    model = Net(channels, len(classes))
    history = train(model, train_data, test_data, args.epochs, args.lr, args.batch_size,
                    args.seed)
    acc = history["test_acc"][-1]
    print(f"test accuracy: {acc * 100:.2f}%")
    torch.save({"model": model.state_dict(), "classes": classes}, args.checkpoint)
    restored = Net(channels, len(classes))
    ckpt = torch.load(args.checkpoint)
    restored.load_state_dict(ckpt["model"])
    restored.eval()
    x, y = test_data
    with torch.no_grad():
        preds = restored(x[:20]).argmax(1)
    agree = evaluate(restored, *test_data) == acc
    print(f"saved {args.checkpoint}, reloaded it: predictions "
          f"{'match' if agree else 'DIFFER'}; first ten: "
          f"{' '.join(classes[i] for i in preds[:10].tolist())}")
    path = plot(history, x[:20], y[:20].tolist(), preds.tolist(), classes, args.out)
    if path:
        print(f"wrote {path}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return acc


if __name__ == "__main__":
    main()
