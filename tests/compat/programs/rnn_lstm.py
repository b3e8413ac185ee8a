"""Sequence classification with nn.RNN and nn.LSTM (pytorch-tutorial 06), batch_first."""
import torch
import torch.nn as nn

torch.manual_seed(0)
sequence_length, input_size, hidden_size, num_layers, num_classes = 7, 5, 12, 2, 3


class RNN(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = cell(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        if isinstance(self.rnn, nn.LSTM):
            c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
            out, _ = self.rnn(x, (h0, c0))
        else:
            out, _ = self.rnn(x, h0)
        out = self.fc(out[:, -1, :])
        return out


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) * 0.3)


n = 24
labels = torch.arange(n) % num_classes
t = torch.arange(sequence_length * input_size, dtype=torch.float32).reshape(sequence_length,
                                                                           input_size)
x = torch.stack([torch.sin(t * (0.2 + 0.3 * int(c)) + 0.05 * i) for i, c in enumerate(labels)])

for cell in (nn.RNN, nn.LSTM, nn.GRU):
    model = RNN(cell, input_size, hidden_size, num_layers, num_classes)
    print(model.rnn)
    print([tuple(p.shape) for p in model.rnn.parameters()][:4])
    init_weights(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(8):
        outputs = model(x)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (epoch + 1) % 4 == 0:
            print('{} epoch {} loss {:.4f}'.format(cell.__name__, epoch + 1, loss.item()))
    with torch.no_grad():
        print(model(x[:6]).argmax(1))

lstm = nn.LSTM(3, 4)
init_weights(lstm)
seq = torch.cos(torch.arange(18, dtype=torch.float32) * 0.3).reshape(6, 1, 3)
output, (hn, cn) = lstm(seq)
print(output.shape, hn.shape, cn.shape)
print(hn.detach())
cell = nn.LSTMCell(3, 4)
init_weights(cell)
h, c = cell(seq[0])
print(h.detach())
