"""A bidirectional LSTM classifier (pytorch-tutorial 07) with embeddings and packed lengths."""
import torch
import torch.nn as nn

torch.manual_seed(0)
vocab_size, embed_size, hidden_size, num_layers, num_classes = 20, 6, 8, 2, 2


class BiRNN(nn.Module):
    def __init__(self):
        super(BiRNN, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True,
                            bidirectional=True)
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, x):
        h0 = torch.zeros(num_layers * 2, x.size(0), hidden_size)
        c0 = torch.zeros(num_layers * 2, x.size(0), hidden_size)
        out, _ = self.lstm(self.embed(x), (h0, c0))
        out = self.fc(out[:, -1, :])
        return out


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) * 0.3)


# class 1 sequences contain token 7 near the start; the backward direction must carry it
n, length = 20, 9
tokens = (torch.arange(n * length).reshape(n, length) * 7 % 19) + 1
labels = torch.arange(n) % 2
tokens[labels == 1, 1] = 7
tokens[labels == 0, 1] = 3

model = BiRNN()
print(model)
init_weights(model)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(10):
    outputs = model(tokens)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if (epoch + 1) % 2 == 0:
        print('Epoch [{}/10], Loss: {:.4f}'.format(epoch + 1, loss.item()))

with torch.no_grad():
    outputs = model(tokens)
    print('Accuracy: {} / {}'.format((outputs.argmax(1) == labels).sum().item(), n))
    out, (h, c) = model.lstm(model.embed(tokens[:3]))
    print(out.shape, h.shape, c.shape)
    print(h[-1])
