"""A tiny deep residual network (pytorch-tutorial 05) on deterministic 3x8x8 images."""
import torch
import torch.nn as nn

torch.manual_seed(0)


def conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1,
                     bias=False)


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super(ResidualBlock, self).__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10):
        super(ResNet, self).__init__()
        self.in_channels = 4
        self.conv = conv3x3(3, 4)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self.make_layer(block, 4, layers[0])
        self.layer2 = self.make_layer(block, 8, layers[1], 2)
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, num_classes)

    def make_layer(self, block, out_channels, blocks, stride=1):
        downsample = None
        if (stride != 1) or (self.in_channels != out_channels):
            downsample = nn.Sequential(
                conv3x3(self.in_channels, out_channels, stride=stride),
                nn.BatchNorm2d(out_channels))
        layers = [block(self.in_channels, out_channels, stride, downsample)]
        self.in_channels = out_channels
        for _ in range(1, blocks):
            layers.append(block(out_channels, out_channels))
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv(x)
        out = self.bn(out)
        out = self.relu(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.avg_pool(out)
        out = out.view(out.size(0), -1)
        out = self.fc(out)
        return out


def init_weights(model):
    with torch.no_grad():
        for i, (name, p) in enumerate(model.named_parameters()):
            if "bn" in name or name.startswith("downsample.1"):
                continue  # keep batch norm's ones and zeros
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)


model = ResNet(ResidualBlock, [2, 1], num_classes=4)
print(model.layer2)
print(sum(p.numel() for p in model.parameters()), len(list(model.buffers())))
init_weights(model)

n = 16
labels = torch.arange(n) % 4
t = torch.arange(3 * 8 * 8, dtype=torch.float32).reshape(3, 8, 8)
images = torch.stack([torch.sin(t * (0.05 + 0.04 * int(c)) + 0.1 * i) for i, c in
                      enumerate(labels)])
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

model.train()
for step in range(6):
    outputs = model(images)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print('Step [{}/6] Loss: {:.4f}'.format(step + 1, loss.item()))

model.eval()
with torch.no_grad():
    outputs = model(images)
    print(outputs.argmax(1))
    print('Accuracy: {:.1f} %'.format(100 * (outputs.argmax(1) == labels).float().mean().item()))
print(model.bn.running_var)
