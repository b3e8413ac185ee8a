"""The Spatial Transformer Networks tutorial's model (affine_grid + grid_sample) on
deterministic 1x16x16 images, with the localisation net starting at the identity."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3)
        self.fc = nn.Linear(4 * 7 * 7, 3)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )
        self.fc_loc = nn.Sequential(
            nn.Linear(4 * 6 * 6, 8),
            nn.ReLU(True),
            nn.Linear(8, 3 * 2),
        )
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 4 * 6 * 6)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False), theta

    def forward(self, x):
        x, theta = self.stn(x)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = x.view(-1, 4 * 7 * 7)
        return F.log_softmax(self.fc(x), dim=1), theta


def init_weights(model):
    with torch.no_grad():
        for i, (name, p) in enumerate(model.named_parameters()):
            if name.startswith("fc_loc.2"):
                continue
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)


n = 24
labels = torch.arange(n) % 3
g = torch.arange(16, dtype=torch.float32)
rows, cols = g.view(16, 1), g.view(1, 16)
patterns = torch.stack([torch.sin(rows * 0.9 + 0 * cols), torch.sin(cols * 0.9 + 0 * rows),
                        torch.sin((rows + cols) * 0.6)])
shift = (torch.arange(n, dtype=torch.float32) % 4).view(n, 1, 1) * 0.05
texture = 0.05 * torch.sin(rows * 2.3 + cols * 1.7)  # no exact ties for max pooling
images = (patterns[labels] + shift + texture).unsqueeze(1)

model = Net()
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
for epoch in range(4):
    for i in range(0, n, 8):
        data, target = images[i:i + 8], labels[i:i + 8]
        optimizer.zero_grad()
        output, _ = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
    print("Epoch {} loss {:.4f}".format(epoch + 1, loss.item()))

model.eval()
with torch.no_grad():
    output, theta = model(images)
    print("accuracy", (output.argmax(1) == labels).float().mean().item())
    print("theta[0]", [round(v, 4) for v in theta[0].flatten().tolist()])
    warped, _ = model.stn(images[:2])
    print("warped mean {:.4f} std {:.4f}".format(warped.mean().item(), warped.std().item()))
    print(F.grid_sample(images[:1], F.affine_grid(torch.tensor([[[0.5, 0.0, 0.1],
                                                                  [0.0, 0.5, -0.1]]]),
                                                   (1, 1, 4, 4), align_corners=True),
                        mode="bilinear", padding_mode="border", align_corners=True))
