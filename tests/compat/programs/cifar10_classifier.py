"""The 60-minute blitz, part 4: the CIFAR-10 classifier, shortened, on torchvision's FakeData."""
import numpy as np
import torch
import torchvision
import torchvision.transforms as transforms
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from PIL import Image

torch.manual_seed(0)
# The output of torchvision datasets are PILImage images of range [0, 1].
# We transform them to Tensors of normalized range [-1, 1]
transform = transforms.Compose(
    [transforms.ToTensor(),
     transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

# the transform pipeline on a deterministic image prints the same values everywhere
pixels = (np.arange(4 * 4 * 3).reshape(4, 4, 3) * 5 % 256).astype(np.uint8)
image = Image.fromarray(pixels)
t = transform(image)
print(t.shape, t.dtype)
print(t[0])

trainset = torchvision.datasets.FakeData(size=40, image_size=(3, 32, 32), num_classes=10,
                                         transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=0)
testset = torchvision.datasets.FakeData(size=12, image_size=(3, 32, 32), num_classes=10,
                                        transform=transform, random_offset=1000)
testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False, num_workers=0)
classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
print(len(trainset), len(trainloader), len(testloader))


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

first_loss = last_loss = None
for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):  # noqa: B007  (the tutorial's idiom)
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        first_loss = loss.item() if first_loss is None else first_loss
        last_loss = loss.item()
    print(epoch + 1, 'finite loss:', bool(np.isfinite(running_loss)))
print('Finished Training')

dataiter = iter(testloader)
images, labels = next(dataiter)
grid = torchvision.utils.make_grid(images)
print(images.shape, labels.shape, labels.dtype, grid.shape)
outputs = net(images)
_, predicted = torch.max(outputs, 1)
print(len(['%5s' % classes[predicted[j]] for j in range(4)]))

correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print('total', total, 'accuracy in range:', 0 <= 100 * correct // total <= 100)
