"""A generative adversarial network on 2-D points (pytorch-tutorial 10), fixed noise."""
import torch
import torch.nn as nn

torch.manual_seed(0)
latent_size, hidden_size, data_size, batch_size = 4, 16, 2, 32

D = nn.Sequential(
    nn.Linear(data_size, hidden_size),
    nn.LeakyReLU(0.2),
    nn.Linear(hidden_size, hidden_size),
    nn.LeakyReLU(0.2),
    nn.Linear(hidden_size, 1),
    nn.Sigmoid())
G = nn.Sequential(
    nn.Linear(latent_size, hidden_size),
    nn.ReLU(),
    nn.Linear(hidden_size, hidden_size),
    nn.ReLU(),
    nn.Linear(hidden_size, data_size),
    nn.Tanh())
print(D)
print(G)
for k, net in enumerate((D, G)):
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(torch.sin(torch.arange(p.numel()) * 0.9 + i + k).reshape(p.shape)
                    / fan_in ** 0.5)

criterion = nn.BCELoss()
d_optimizer = torch.optim.Adam(D.parameters(), lr=0.002, betas=(0.5, 0.999))
g_optimizer = torch.optim.Adam(G.parameters(), lr=0.002, betas=(0.5, 0.999))

# "real" data: points on a circle; "noise": a fixed quasi-random pattern (same in every run)
angle = torch.arange(batch_size, dtype=torch.float32) * 0.7
real = torch.stack([torch.cos(angle), torch.sin(angle)], 1) * 0.8
real_labels = torch.ones(batch_size, 1)
fake_labels = torch.zeros(batch_size, 1)
first = None
for step in range(20):
    z = torch.sin(torch.arange(batch_size * latent_size, dtype=torch.float32).reshape(
        batch_size, latent_size) * 1.7 + step)
    outputs = D(real)
    d_loss_real = criterion(outputs, real_labels)
    real_score = outputs
    fake_images = G(z)
    outputs = D(fake_images)
    d_loss_fake = criterion(outputs, fake_labels)
    fake_score = outputs
    d_loss = d_loss_real + d_loss_fake
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()

    fake_images = G(z)
    outputs = D(fake_images)
    g_loss = criterion(outputs, real_labels)
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    if step % 5 == 4:
        print('Step [{}/20], d_loss: {:.3f}, g_loss: {:.3f}, D(x): {:.2f}, D(G(z)): {:.2f}'
              .format(step + 1, d_loss.item(), g_loss.item(), real_score.mean().item(),
                      fake_score.mean().item()))

with torch.no_grad():
    samples = G(torch.linspace(-1, 1, 3 * latent_size).reshape(3, latent_size))
print(samples.shape, samples.dtype, samples.requires_grad)
print(bool(samples.abs().max() <= 1))
print(samples)
