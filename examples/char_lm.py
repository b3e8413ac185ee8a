"""A character-level language model: an LSTM learns to predict the next character, then writes.

Trains with truncated backpropagation through time on a bundled text (or ``--data FILE``,
a UTF-8 text file) and samples new text with a temperature.

Run: python examples/char_lm.py [--epochs 25] [--data book.txt] [--temperature 0.8]
"""
from __future__ import annotations

import math
import os

import ember as torch
import ember.nn as nn
import ember.nn.functional as F

from common import get_device, log, make_parser, png_path, progress, save_curves

TEXT = """\
It was the best of times, it was the worst of times, it was the age of wisdom, it was the age
of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season
of Light, it was the season of Darkness, it was the spring of hope, it was the winter of
despair, we had everything before us, we had nothing before us, we were all going direct to
Heaven, we were all going direct the other way - in short, the period was so far like the
present period, that some of its noisiest authorities insisted on its being received, for good
or for evil, in the superlative degree of comparison only.
"""


class CharLM(nn.Module):
    """Embedding -> LSTM -> Linear over the vocabulary."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.linear(out), state


def sample(model, stoi, itos, prompt: str, length: int, temperature: float, device) -> str:
    """Continue ``prompt`` by sampling ``length`` characters."""
    model.eval()
    chars, state = list(prompt), None
    inp = torch.tensor([[stoi[c] for c in prompt]], device=device)
    with torch.no_grad():
        for _ in range(length):
            logits, state = model(inp, state)
            probs = F.softmax(logits[0, -1] / temperature, dim=0)
            idx = torch.multinomial(probs, 1).item()
            chars.append(itos[idx])
            inp = torch.tensor([[idx]], device=device)
    return "".join(chars)


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=25, lr=8e-3, batch_size=16,
                         data_help="a UTF-8 text file (default: a bundled paragraph)")
    parser.add_argument("--seq-length", type=int, default=32, help="BPTT length, default 32")
    parser.add_argument("--hidden", type=int, default=96, help="LSTM units, default 96")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)
    text = TEXT
    if args.data:
        with open(os.path.expanduser(args.data), encoding="utf-8") as f:
            text = f.read()
    if args.limit is not None:
        text = text[:max(args.limit, 2 * args.seq_length + 2)]
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = dict(enumerate(chars))
    data = torch.tensor([stoi[c] for c in text])
    batch = min(args.batch_size, (len(data) - 1) // args.seq_length)
    steps = (len(data) - 1) // batch
    inputs = data[:batch * steps].view(batch, steps).to(device)
    targets = data[1:batch * steps + 1].view(batch, steps).to(device)
    print(f"{len(text):,} characters, vocabulary of {len(chars)}, {batch} streams")

    model = CharLM(len(chars), 32, args.hidden, 1).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    losses = []
    for epoch in progress(range(args.epochs), desc="epochs"):
        model.train()
        state, total, count = None, 0.0, 0
        for i in range(0, steps, args.seq_length):
            if state is not None:
                state = tuple(s.detach() for s in state)   # truncate the graph here
            logits, state = model(inputs[:, i:i + args.seq_length], state)
            loss = criterion(logits.reshape(-1, len(chars)),
                             targets[:, i:i + args.seq_length].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total, count = total + loss.item(), count + 1
        losses.append(total / count)
        if (epoch + 1) % max(args.epochs // 6, 1) == 0:
            log(f"epoch {epoch + 1:3d}  loss {losses[-1]:.3f}  "
                f"perplexity {math.exp(losses[-1]):6.2f}")
    print("sample:", repr(sample(model, stoi, itos, text[:3], 120, args.temperature, device)))
    save_curves(png_path(args, __file__),
                {"cross-entropy": {"train": losses},
                 "perplexity": {"train": [math.exp(v) for v in losses]}},
                title="Character-level LSTM language model")


if __name__ == "__main__":
    main()
