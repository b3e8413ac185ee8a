"""A feed-forward network with one hidden layer (pytorch-tutorial 03), Adam optimiser."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
input_size, hidden_size, num_classes = 16, 32, 4
num_epochs, batch_size, learning_rate = 4, 20, 0.01


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(NeuralNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)


n = 100
y = torch.arange(n) % num_classes
x = torch.cos(torch.arange(n * input_size).reshape(n, input_size) * 0.05)
x = x + 0.5 * torch.nn.functional.one_hot(y, num_classes).repeat(1, 4)
train_loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)

model = NeuralNet(input_size, hidden_size, num_classes)
print(model)
init_weights(model)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

total_step = len(train_loader)
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        outputs = model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (i + 1) % 5 == 0:
            print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                  .format(epoch + 1, num_epochs, i + 1, total_step, loss.item()))

model.eval()
with torch.no_grad():
    outputs = model(x)
    _, predicted = torch.max(outputs.data, 1)
    print('Accuracy: {} %'.format(100 * (predicted == y).sum().item() / n))
    print(predicted[:12])
print(sum(p.numel() for p in model.parameters()))
