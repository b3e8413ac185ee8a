"""A small Transformer encoder (nn.TransformerEncoder) classifying digits as patch sequences.

Each 8x8 digit is cut into 2x2 patches (16 tokens of 4 pixels), embedded, given learned
positions and a [CLS] token, and read by a 2-layer Transformer encoder: a tiny Vision
Transformer.

Run: python examples/transformer.py [--epochs 10] [--d-model 32] [--data DIR]
"""
from __future__ import annotations

import ember as torch
import ember.nn as nn

from common import (evaluate, get_device, load_images, loaders, log, make_parser, png_path,
                    save_curves, train_epoch)


class PatchTransformer(nn.Module):
    """Patches -> Linear embedding (+ [CLS] + positions) -> TransformerEncoder -> Linear."""

    def __init__(self, image_size: int, patch: int, d_model: int, nhead: int, num_layers: int,
                 num_classes: int):
        super().__init__()
        self.patch = patch
        n_tokens = (image_size // patch) ** 2
        self.embed = nn.Linear(patch * patch, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        self.pos = nn.Parameter(torch.randn(1, n_tokens + 1, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2 * d_model,
                                           dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, x):
        n, p = x.shape[0], self.patch
        h, w = x.shape[2] // p, x.shape[3] // p
        # (N, 1, H, W) -> (N, h, p, w, p) -> (N, h, w, p, p) -> (N, h*w tokens, p*p pixels)
        patches = x.reshape(n, h, p, w, p).permute(0, 1, 3, 2, 4).reshape(n, h * w, p * p)
        tokens = torch.cat([self.cls.expand(n, -1, -1), self.embed(patches)], dim=1)
        out = self.encoder(tokens + self.pos)
        return self.head(self.norm(out[:, 0]))


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=10, lr=2e-3)
    parser.add_argument("--d-model", type=int, default=32, help="embedding size, default 32")
    parser.add_argument("--heads", type=int, default=4, help="attention heads, default 4")
    parser.add_argument("--layers", type=int, default=2, help="encoder layers, default 2")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    train, test = load_images(args.data, args.limit, args.seed)
    train_loader, test_loader = loaders(train, test, args.batch_size, args.seed)
    model = PatchTransformer(train[0].shape[-1], 2, args.d_model, args.heads, args.layers,
                             int(train[1].max()) + 1).to(device)
    print(f"PatchTransformer: {sum(p.numel() for p in model.parameters()):,} parameters")
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)

    losses, test_acc = [], []
    for epoch in range(args.epochs):
        losses.append(train_epoch(model, train_loader, criterion, optimizer, device,
                                  desc=f"epoch {epoch + 1}/{args.epochs}"))
        test_acc.append(evaluate(model, test_loader, device))
        log(f"epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  test {test_acc[-1]:5.1f}%")
    print(f"test accuracy: {test_acc[-1]:.1f}%")
    save_curves(png_path(args, __file__), {"training loss": {"train": losses},
                                           "test accuracy (%)": {"test": test_acc}},
                title="Transformer encoder on digit patches")


if __name__ == "__main__":
    main()
