"""A variational auto-encoder on digits: encode to a Gaussian, sample, decode, ELBO loss.

The loss is reconstruction binary cross-entropy plus the KL divergence of the code's
Gaussian from N(0, I); the figure shows the curves, reconstructions and fresh samples.

Run: python examples/vae.py [--epochs 80] [--z-dim 8] [--data DIR]
"""
from __future__ import annotations

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F

from common import (get_device, load_images, loaders, log, make_parser, png_path, progress,
                    save_curves)


class VAE(nn.Module):
    """MLP encoder to (mu, log_var), reparameterised sample, MLP decoder with sigmoid."""

    def __init__(self, image_size: int, h_dim: int = 128, z_dim: int = 8):
        super().__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc3 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), self.fc3(h)

    def reparameterize(self, mu, log_var):
        std = torch.exp(log_var / 2)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc5(F.relu(self.fc4(z))))

    def forward(self, x):
        mu, log_var = self.encode(x)
        return self.decode(self.reparameterize(mu, log_var)), mu, log_var


def elbo_terms(x_reconst, x, mu, log_var):
    """(reconstruction BCE, KL divergence), both summed over the batch."""
    reconst = F.binary_cross_entropy(x_reconst, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())
    return reconst, kl


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=80, lr=2e-3)
    parser.add_argument("--z-dim", type=int, default=8, help="latent size, default 8")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)
    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, _ = loaders(train, test, args.batch_size, args.seed)
    size = train[0].shape[-1]
    model = VAE(size * size, z_dim=args.z_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    history = {"reconstruction": [], "KL": [], "test ELBO": []}
    x_test = test[0].flatten(1).to(device)
    for epoch in progress(range(args.epochs), desc="epochs"):
        model.train()
        rec_sum = kl_sum = 0.0
        for x, _ in train_loader:
            x = x.flatten(1).to(device)
            x_reconst, mu, log_var = model(x)
            rec, kl = elbo_terms(x_reconst, x, mu, log_var)
            loss = rec + kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            rec_sum, kl_sum = rec_sum + rec.item(), kl_sum + kl.item()
        n = len(train[0])
        history["reconstruction"].append(rec_sum / n)
        history["KL"].append(kl_sum / n)
        model.eval()
        with torch.no_grad():
            x_reconst, mu, log_var = model(x_test)
            rec, kl = elbo_terms(x_reconst, x_test, mu, log_var)
        history["test ELBO"].append((rec + kl).item() / len(x_test))
        if (epoch + 1) % max(args.epochs // 6, 1) == 0:
            log(f"epoch {epoch + 1:3d}  reconstruction {history['reconstruction'][-1]:.2f}  "
                f"KL {history['KL'][-1]:.2f}  test loss {history['test ELBO'][-1]:.2f}")

    with torch.no_grad():
        originals = x_test[:8]
        reconstructions = model(originals)[0]
        samples = model.decode(torch.randn(8, args.z_dim, device=device))
    grid = torch.cat([originals, reconstructions, samples]).view(-1, size, size).cpu().numpy()
    print(f"final test loss per image: {history['test ELBO'][-1]:.2f}")
    save_curves(png_path(args, __file__),
                {"training loss terms (per image)": {"reconstruction": history["reconstruction"],
                                                     "KL": history["KL"]},
                 "test loss (per image)": {"test": history["test ELBO"]}},
                title="Variational auto-encoder on digits", images=np.asarray(grid),
                image_title="rows: originals, reconstructions, samples")


if __name__ == "__main__":
    main()
