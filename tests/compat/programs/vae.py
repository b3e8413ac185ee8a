"""A variational auto-encoder (pytorch-tutorial 03-advanced) on deterministic 64-d data."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
image_size, h_dim, z_dim = 64, 32, 4


class VAE(nn.Module):
    def __init__(self, image_size=784, h_dim=400, z_dim=20):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc3 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), self.fc3(h)

    def reparameterize(self, mu, log_var):
        if not self.training:
            return mu
        std = torch.exp(log_var / 2)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h = F.relu(self.fc4(z))
        return torch.sigmoid(self.fc5(h))

    def forward(self, x):
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var)
        x_reconst = self.decode(z)
        return x_reconst, mu, log_var


def loss_function(x_reconst, x, mu, log_var):
    reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction='sum')
    kl_div = - 0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())
    return reconst_loss, kl_div


model = VAE(image_size, h_dim, z_dim)
print(model)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        p.copy_(torch.sin(torch.arange(p.numel()) * 0.7 + i).reshape(p.shape) / fan_in ** 0.5)
x = (torch.sin(torch.arange(40 * image_size, dtype=torch.float32).reshape(40, image_size)
               * 0.11) + 1) / 2

model.eval()
with torch.no_grad():
    x_reconst, mu, log_var = model(x)
    rec, kl = loss_function(x_reconst, x, mu, log_var)
    print('eval: Reconst Loss: {:.3f}, KL Div: {:.4f}'.format(rec.item(), kl.item()))

model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _ in range(30):
    x_reconst, mu, log_var = model(x)
    reconst_loss, kl_div = loss_function(x_reconst, x, mu, log_var)
    loss = reconst_loss + kl_div
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print('loss decreased:', losses[-1] < losses[0])
print(x_reconst.shape, mu.shape, log_var.shape)
with torch.no_grad():
    z = torch.linspace(-1, 1, 2 * z_dim).view(2, z_dim)
    out = model.decode(z)
    print(out.shape, bool(((out > 0) & (out < 1)).all()))
