"""A two-layer CNN with batch norm (pytorch-tutorial 04) on deterministic 1x16x16 images."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
num_classes = 3


class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ConvNet, self).__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(4, 8, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc = nn.Linear(4 * 4 * 8, num_classes)

    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.reshape(out.size(0), -1)
        out = self.fc(out)
        return out


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)


n = 48
labels = torch.arange(n) % num_classes
grid = torch.arange(16, dtype=torch.float32)
rows, cols = grid.view(16, 1), grid.view(1, 16)
# class 0: horizontal stripes, 1: vertical stripes, 2: diagonal stripes
patterns = torch.stack([torch.sin(rows * 1.1 + 0 * cols), torch.sin(cols * 1.1 + 0 * rows),
                        torch.sin((rows + cols) * 0.8)])
phase = torch.arange(n, dtype=torch.float32).view(n, 1, 1) * 0.01
images = (patterns[labels] + phase).unsqueeze(1)
loader = DataLoader(TensorDataset(images, labels), batch_size=12)

model = ConvNet(num_classes)
print(model)
init_weights(model)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(3):
    for x, y in loader:
        outputs = model(x)
        loss = criterion(outputs, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print('Epoch [{}/3], Loss: {:.4f}'.format(epoch + 1, loss.item()))

print(model.layer1[1].running_mean)
print(model.layer1[1].num_batches_tracked)
model.eval()
with torch.no_grad():
    outputs = model(images)
    predicted = outputs.argmax(1)
    print('Test Accuracy: {} / {}'.format((predicted == labels).sum().item(), n))
    print(outputs[:3])
