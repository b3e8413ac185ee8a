"""A small Transformer encoder classifier (nn.TransformerEncoder) with positional encoding."""
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
vocab, d_model, nhead, num_layers, seq_len, num_classes = 12, 16, 2, 2, 6, 2


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x):
        return x + self.pe[:x.size(0)]


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_model)
        self.pos_encoder = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32, dropout=0.0)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, src, mask=None):
        x = self.embedding(src) * math.sqrt(d_model)
        x = self.pos_encoder(x)
        x = self.encoder(x, mask)
        return self.head(x.mean(0))


model = TransformerClassifier()
print(model.encoder.layers[0])
print(sum(p.numel() for p in model.parameters()))
with torch.no_grad():
    for i, (name, p) in enumerate(model.named_parameters()):
        if 'norm' in name:
            continue
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)

# label: whether token 5 appears in the sequence (seq-first layout: S x N)
n = 16
src = (torch.arange(seq_len * n).reshape(seq_len, n) * 5 % 11) + 1
src[src == 5] = 4
labels = torch.arange(n) % 2
src[2, labels == 1] = 5
mask = nn.Transformer.generate_square_subsequent_mask(seq_len)
print(mask)

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
for epoch in range(6):
    logits = model(src)
    loss = criterion(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print('epoch {} loss {:.4f}'.format(epoch + 1, loss.item()))

model.eval()
with torch.no_grad():
    print(model(src).argmax(1))
    print(model(src[:, :2], mask))
    attn = nn.MultiheadAttention(d_model, nhead)
    for i, p in enumerate(attn.parameters()):
        p.copy_(torch.cos(torch.arange(p.numel()) * 0.3 + i).reshape(p.shape) * 0.1)
    x = torch.sin(torch.arange(3 * 2 * d_model, dtype=torch.float32)).reshape(3, 2, d_model)
    out, weights = attn(x, x, x)
    print(out.shape, weights.shape)
    print(weights[0])
