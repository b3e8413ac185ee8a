"""Logistic regression: softmax classifier on a deterministic 3-class data set."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# three classes of points on interleaved sine curves, 8 features each
n = 96
t = torch.arange(n, dtype=torch.float32)
labels = (torch.arange(n) % 3)
features = torch.stack([torch.sin(t * 0.3 + k) + labels * (k % 3 - 1) for k in range(8)], 1)

dataset = TensorDataset(features, labels)
train_loader = DataLoader(dataset=dataset, batch_size=16, shuffle=False)

model = nn.Linear(8, 3)
with torch.no_grad():
    model.weight.copy_(torch.linspace(-0.2, 0.2, 24).reshape(3, 8))
    model.bias.zero_()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(5):
    for i, (images, target) in enumerate(train_loader):
        outputs = model(images)
        loss = criterion(outputs, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (i + 1) % 3 == 0:
            print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                  .format(epoch + 1, 5, i + 1, len(train_loader), loss.item()))

with torch.no_grad():
    correct = 0
    total = 0
    for images, target in train_loader:
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += target.size(0)
        correct += (predicted == target).sum().item()
    print('Accuracy of the model: {} / {}'.format(correct, total))
    probs = torch.softmax(model(features[:4]), dim=1)
    print(probs)
    print(nn.functional.log_softmax(model(features[:2]), dim=1))
