"""Saving and reloading with torch.save / torch.load: state_dict, optimizer, checkpoints."""
import os
import sys

import torch
import torch.nn as nn
import torch.optim as optim

workdir = sys.argv[1] if len(sys.argv) > 1 else '.'
torch.manual_seed(0)


class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
        self.conv1 = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc1 = nn.Linear(3 * 2 * 2, 4)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv1(x)))
        return self.fc1(x.flatten(1))


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) * 0.3)


model = TheModelClass()
init_weights(model)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.cos(torch.arange(5 * 2 * 4 * 4, dtype=torch.float32)).reshape(5, 2, 4, 4)
for _ in range(2):
    optimizer.zero_grad()
    model(x).pow(2).mean().backward()
    optimizer.step()

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())
print("Optimizer's state_dict:")
opt_state = optimizer.state_dict()
print(sorted(opt_state), sorted(opt_state['state']), sorted(opt_state['state'][0]))
print(opt_state['param_groups'][0]['params'], opt_state['param_groups'][0]['lr'])

PATH = os.path.join(workdir, 'model.pt')
torch.save(model.state_dict(), PATH)
model2 = TheModelClass()
print(model2.load_state_dict(torch.load(PATH)))
model2.eval()
model.eval()
print(torch.equal(model(x), model2(x)))
print(model2.bn.running_mean)

CKPT = os.path.join(workdir, 'checkpoint.tar')
torch.save({'epoch': 2, 'model_state_dict': model.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(), 'loss': 0.25}, CKPT)
checkpoint = torch.load(CKPT, map_location='cpu')
optimizer2 = optim.SGD(model2.parameters(), lr=0.5)
optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
print(checkpoint['epoch'], checkpoint['loss'], optimizer2.param_groups[0]['lr'])
print(sorted(checkpoint.keys()))
buf = optimizer2.state_dict()['state'][0]['momentum_buffer']
print(buf.shape, torch.equal(buf, optimizer.state_dict()['state'][0]['momentum_buffer']))

tensors = {'a': torch.arange(6).reshape(2, 3), 'b': [torch.ones(2, dtype=torch.float64)]}
torch.save(tensors, os.path.join(workdir, 'tensors.pt'))
back = torch.load(os.path.join(workdir, 'tensors.pt'))
print(back['a'], back['b'][0])
view = torch.arange(10.0)[2:5]
torch.save(view, os.path.join(workdir, 'view.pt'))
print(torch.load(os.path.join(workdir, 'view.pt')))
