"""The 60-minute blitz, part 3: define a network, compute a loss, backprop, update."""
import torch
from torch.autograd import Variable
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


def init_weights(model):
    """Deterministic weights so that every framework computes the same numbers."""
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            pattern = torch.sin(torch.arange(p.numel()) * 0.7 + i)
            p.copy_(pattern.reshape(p.shape) / fan_in ** 0.5)


torch.manual_seed(0)
net = Net()
print(net)
params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
print([name for name, _ in net.named_parameters()])
init_weights(net)

input = Variable(torch.cos(torch.arange(32 * 32) * 0.1).reshape(1, 1, 32, 32))
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.linspace(-1, 1, 10).view(1, 10))
print(input.grad)
print(net.conv1.bias.grad)

output = net(input)
target = torch.arange(1, 11).float().view(1, -1)  # a dummy target, for example
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)
print(loss.grad_fn)
print(loss.grad_fn.next_functions[0][0])
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])

net.zero_grad()
print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
loss.backward()
print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print(f"{criterion(net(input), target).item():.4f}")

optimizer = optim.SGD(net.parameters(), lr=0.01)
for step in range(3):
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
    print(f"step {step} loss {loss.item():.4f}")
print(net.conv1.bias.data)
