"""A generative adversarial network that learns to draw digits (``--dcgan``: convolutional).

The generator maps noise to 8x8 images; the discriminator tells them from real digits. Both
train against each other with binary cross-entropy. Plain GAN: MLPs; DCGAN: transposed
convolutions with batch norm in G, strided convolutions with LeakyReLU in D.

Run: python examples/gan.py [--dcgan] [--epochs 30] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import get_device, load_images, log, make_parser, png_path, progress, save_curves
from ember.utils.data import DataLoader, TensorDataset

LATENT = 16


def mlp_gan(size: int):
    """(G, D) as multilayer perceptrons over flattened images."""
    pixels = size * size
    G = nn.Sequential(nn.Linear(LATENT, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, pixels), nn.Tanh(), nn.Unflatten(1, (1, size, size)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(pixels, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1), nn.Sigmoid())
    return G, D


def dcgan(size: int, width: int = 32):
    """(G, D) as DCGAN convolution stacks for size x size images (size divisible by 4)."""
    s = size // 4
    G = nn.Sequential(
        nn.Unflatten(1, (LATENT, 1, 1)),
        nn.ConvTranspose2d(LATENT, width * 2, s, 1, 0, bias=False), nn.BatchNorm2d(width * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(width * 2, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width),
        nn.ReLU(True),
        nn.ConvTranspose2d(width, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(width * 2, 1, s, 1, 0, bias=False), nn.Flatten(), nn.Sigmoid())
    return G, D


def weights_init(m):
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def train_step(G, D, real, criterion, opt_g, opt_d, device):
    """One discriminator and one generator update; returns (d_loss, g_loss, D(x), D(G(z)))."""
    n = real.shape[0]
    ones, zeros = torch.ones(n, 1, device=device), torch.zeros(n, 1, device=device)
    fake = G(torch.randn(n, LATENT, device=device))
    d_real = D(real)
    d_loss = criterion(d_real, ones) + criterion(D(fake.detach()), zeros)
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    d_fake = D(fake)
    g_loss = criterion(d_fake, ones)        # G wants D to call its images real
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item(), d_real.mean().item(), d_fake.mean().item()


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=30, lr=2e-3, batch_size=64)
    parser.add_argument("--dcgan", action="store_true", help="convolutional G and D (DCGAN)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)
    (x, _), _ = load_images(args.data, args.limit, args.seed)
    size = x.shape[-1]
    loader = DataLoader(TensorDataset(x * 2 - 1), batch_size=args.batch_size, shuffle=True,
                        drop_last=len(x) > args.batch_size)
    G, D = dcgan(size) if args.dcgan else mlp_gan(size)
    if args.dcgan:
        G.apply(weights_init)
        D.apply(weights_init)
    G, D = G.to(device), D.to(device)
    criterion = nn.BCELoss()
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_noise = torch.randn(32, LATENT, device=device)

    history = {"D loss": [], "G loss": [], "D(x)": [], "D(G(z))": []}
    for epoch in progress(range(args.epochs), desc="epochs"):
        G.train()
        D.train()
        sums = [0.0] * 4
        for (real,) in loader:
            sums = [a + b for a, b in zip(sums, train_step(G, D, real.to(device), criterion,
                                                            opt_g, opt_d, device))]
        for key, total in zip(history, sums):
            history[key].append(total / len(loader))
        if (epoch + 1) % max(args.epochs // 6, 1) == 0:
            log(f"epoch {epoch + 1:3d}  " + "  ".join(f"{k} {v[-1]:.3f}"
                                                      for k, v in history.items()))
    G.eval()
    with torch.no_grad():
        samples = G(fixed_noise).cpu()
    kind = "DCGAN" if args.dcgan else "GAN"
    print(f"{kind}: generated {tuple(samples.shape)} samples in [{samples.min().item():.2f}, "
          f"{samples.max().item():.2f}]")
    save_curves(png_path(args, __file__),
                {"losses": {"D": history["D loss"], "G": history["G loss"]},
                 "discriminator outputs": {"D(x)": history["D(x)"],
                                           "D(G(z))": history["D(G(z))"]}},
                title=f"{kind} on digits", images=samples[:, 0].numpy(),
                image_title="generated digits")


if __name__ == "__main__":
    main()
