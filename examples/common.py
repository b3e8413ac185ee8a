"""Shared plumbing for the examples: command line, data, progress bars and curve plots.

Every example imports this module; it holds what is not the point of an example (argument
parsing, loading the bundled digits, a tqdm bar that falls back to plain prints, saving a PNG
of the training curves) so each example file reads as model + training loop.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import ember
from ember.utils.data import DataLoader, TensorDataset

try:
    from tqdm import tqdm
except ImportError:  # plain prints instead of a progress bar
    tqdm = None


def make_parser(description: str, *, epochs: int, lr: float, batch_size: int = 64,
                data_help: str = "folder of images in class sub-folders (ImageFolder "
                                 "layout); default: scikit-learn's bundled 8x8 digits",
                ) -> argparse.ArgumentParser:
    """An ArgumentParser with the options every example shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", metavar="DIR", default=None, help=data_help)
    parser.add_argument("--epochs", type=int, default=epochs, help=f"default {epochs}")
    parser.add_argument("--batch-size", type=int, default=batch_size,
                        help=f"default {batch_size}")
    parser.add_argument("--lr", type=float, default=lr, help=f"learning rate, default {lr}")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="use at most N training samples (for quick runs)")
    parser.add_argument("--seed", type=int, default=0, help="random seed, default 0")
    parser.add_argument("--out", default=None, metavar="PNG",
                        help="where to save the training curves (default: NAME.png)")
    return parser


def get_device(name: str) -> ember.device:
    """The requested device, or a clear exit when CUDA is asked for but missing."""
    device = ember.device(name)
    if device.type == "cuda" and not ember.cuda.is_available():
        raise SystemExit(f"--device {name}: CUDA is not available (ember needs CuPy and a GPU)")
    return device


def progress(iterable, desc: str = "", total: int | None = None):
    """A tqdm progress bar when tqdm is installed, else the iterable itself."""
    if tqdm is None:
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True,
                disable=None)


def log(message: str) -> None:
    """Print without breaking an active progress bar."""
    if tqdm is not None:
        tqdm.write(message)
    else:
        print(message, flush=True)


def _digits_arrays():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("this example needs scikit-learn for its bundled digits "
                         "(pip install scikit-learn), or --data DIR") from None
    digits = load_digits()
    return digits.images.astype(np.float32) / 16.0, digits.target.astype(np.int64)


def _folder_arrays(root: str, size: int):
    from ember.vision import datasets, transforms
    tf = transforms.Compose([transforms.Grayscale(), transforms.Resize((size, size)),
                             transforms.ToTensor()])
    ds = datasets.ImageFolder(root, transform=tf)
    images = np.stack([ds[i][0].numpy()[0] for i in range(len(ds))])
    return images.astype(np.float32), np.array(ds.targets, dtype=np.int64)


def load_images(data: str | None = None, limit: int | None = None, seed: int = 0,
                size: int = 8):
    """Grayscale images as ((x_train, y_train), (x_test, y_test)), x of shape (N, 1, H, W).

    The default is scikit-learn's 1,797 real 8x8 handwritten digits (values in [0, 1]);
    ``data`` is an ImageFolder tree resized to ``size``. Split 80/20 with a fixed permutation.
    """
    images, labels = _digits_arrays() if data is None else _folder_arrays(data, size)
    perm = np.random.RandomState(seed).permutation(len(labels))
    n_test = len(labels) // 5
    test, train = perm[:n_test], perm[n_test:]
    if limit is not None:
        train, test = train[:limit], test[:max(limit // 4, 1)]
    x = ember.from_numpy(images).unsqueeze(1)
    y = ember.from_numpy(labels)
    return (x[train], y[train]), (x[test], y[test])


def loaders(train, test, batch_size: int, seed: int = 0):
    """Shuffled training and ordered test DataLoaders over (x, y) tensor pairs."""
    gen = ember.Generator().manual_seed(seed)
    return (DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True,
                       generator=gen),
            DataLoader(TensorDataset(*test), batch_size=256))


def train_epoch(model, loader, loss_fn, optimizer, device, desc: str = "train") -> float:
    """One pass over ``loader``; returns the mean training loss."""
    model.train()
    total, count = 0.0, 0
    bar = progress(loader, desc=desc)
    for inputs, targets in bar:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
        if tqdm is not None:
            bar.set_postfix(loss=f"{loss.item():.4f}")
    return total / max(count, 1)


def evaluate(model, loader, device) -> float:
    """Classification accuracy (in %) of ``model`` over ``loader``."""
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for inputs, targets in loader:
            predicted = model(inputs.to(device)).argmax(1).cpu()
            correct += (predicted == targets).sum().item()
            total += len(targets)
    return 100.0 * correct / max(total, 1)


def png_path(args, script: str) -> str:
    """``--out`` or ``<example name>.png`` in the current directory."""
    return args.out or os.path.splitext(os.path.basename(script))[0] + ".png"


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_curves(path: str, panels: dict, title: str = "", images=None,
                image_title: str = "") -> None:
    """Save line plots (one panel per {panel title: {label: values}}) and an optional image grid.

    ``images`` is an (N, H, W) or (N, 3, H, W) array shown as a grid in a last panel.
    Prints a message instead when matplotlib is not installed.
    """
    plt = _pyplot()
    if plt is None:
        print("matplotlib is not installed: skipping the plot (pip install matplotlib)")
        return
    ncols = len(panels) + (images is not None)
    fig, axes = plt.subplots(1, ncols, figsize=(4.5 * ncols, 3.8), squeeze=False)
    for ax, (name, curves) in zip(axes[0], panels.items()):
        for label, values in curves.items():
            xs = np.arange(1, len(values) + 1)
            ax.plot(xs, values, marker="o" if len(values) < 30 else None, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if images is not None:
        ax = axes[0][-1]
        ax.imshow(image_grid(np.asarray(images)), cmap="gray")
        ax.set_title(image_title)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"saved {path}")


def image_grid(images: np.ndarray, ncols: int = 8, pad: int = 1) -> np.ndarray:
    """Tile (N, H, W) or (N, C, H, W) images into one (H', W'[, C]) array scaled to [0, 1]."""
    if images.ndim == 4:
        images = images.transpose(0, 2, 3, 1)
        if images.shape[-1] == 1:
            images = images[..., 0]
    lo, hi = float(images.min()), float(images.max())
    images = (images - lo) / (hi - lo + 1e-8)
    n, h, w = images.shape[:3]
    nrows = (n + ncols - 1) // ncols
    grid = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad) + images.shape[3:])
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h,
             pad + c * (w + pad):pad + c * (w + pad) + w] = img
    return grid

