"""A character-level language model (LSTM) trained with truncated backprop, then sampled."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
text = ("the quick brown fox jumps over the lazy dog. " * 6).strip()
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
vocab_size, embed_size, hidden_size, seq_length, batch_size = len(chars), 8, 32, 16, 4
print('vocab', vocab_size, 'chars', len(data))


class RNNLM(nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1):
        super(RNNLM, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h):
        x = self.embed(x)
        out, (h, c) = self.lstm(x, h)
        out = out.reshape(out.size(0) * out.size(1), out.size(2))
        out = self.linear(out)
        return out, (h, c)


def detach(states):
    return [state.detach() for state in states]


model = RNNLM(vocab_size, embed_size, hidden_size)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) * 0.2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

num_batches = (len(data) - 1) // (batch_size * seq_length)
inputs_all = data[:num_batches * batch_size * seq_length].view(batch_size, -1)
targets_all = data[1:num_batches * batch_size * seq_length + 1].view(batch_size, -1)
for epoch in range(6):
    states = (torch.zeros(1, batch_size, hidden_size), torch.zeros(1, batch_size, hidden_size))
    for i in range(0, inputs_all.size(1), seq_length):
        inputs = inputs_all[:, i:i + seq_length]
        targets = targets_all[:, i:i + seq_length]
        states = detach(states)
        outputs, states = model(inputs, states)
        loss = criterion(outputs, targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
    print('Epoch [{}/6], Loss: {:.3f}, Perplexity: {:5.2f}'
          .format(epoch + 1, loss.item(), torch.exp(loss).item()))

# greedy decoding (argmax) is deterministic, unlike multinomial sampling
with torch.no_grad():
    state = (torch.zeros(1, 1, hidden_size), torch.zeros(1, 1, hidden_size))
    inp = torch.tensor([[stoi['t']]])
    out_chars = ['t']
    for _ in range(12):
        output, state = model(inp, state)
        idx = output.argmax(1).item()
        out_chars.append(itos[idx])
        inp = torch.tensor([[idx]])
    print('greedy:', repr(''.join(out_chars)))
    probs = F.softmax(output, dim=1)
    sampled = torch.multinomial(probs, num_samples=1)
    print(sampled.shape, sampled.dtype)
