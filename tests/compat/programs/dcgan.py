"""A tiny deep convolutional GAN (pytorch-tutorial 11) on 1x8x8 images, fixed noise."""
import torch
import torch.nn as nn

torch.manual_seed(0)
nz, ngf, ndf, batch_size = 8, 8, 8, 8


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
            nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),
            nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        with torch.no_grad():
            w = m.weight
            w.copy_(torch.sin(torch.arange(w.numel()) * 0.9).reshape(w.shape) * 0.2)
    elif classname.find('BatchNorm') != -1:
        nn.init.constant_(m.weight, 1.0)
        nn.init.constant_(m.bias, 0)


netG, netD = Generator(), Discriminator()
netG.apply(weights_init)
netD.apply(weights_init)
print(netG)
print(netD)

criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=0.002, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=0.002, betas=(0.5, 0.999))
grid = torch.arange(8, dtype=torch.float32)
real = torch.stack([torch.sin(grid.view(8, 1) * 0.5 + grid * 0.3 + i) for i in range(batch_size)])
real = real.unsqueeze(1)
label_real = torch.full((batch_size,), 1.0)
label_fake = torch.full((batch_size,), 0.0)
for step in range(8):
    noise = torch.cos(torch.arange(batch_size * nz, dtype=torch.float32) * 1.3 + step)
    noise = noise.view(batch_size, nz, 1, 1)
    netD.zero_grad()
    errD_real = criterion(netD(real), label_real)
    errD_real.backward()
    fake = netG(noise)
    output = netD(fake.detach())
    errD_fake = criterion(output, label_fake)
    errD_fake.backward()
    optimizerD.step()
    netG.zero_grad()
    output = netD(fake)
    errG = criterion(output, label_real)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    if step % 2 == 1:
        print('[{}/8] Loss_D: {:.3f} Loss_G: {:.3f} D(G(z)): {:.3f}'.format(
            step + 1, (errD_real + errD_fake).item(), errG.item(), D_G_z2))
print(fake.shape, fake.dtype)
print(netG.main[1].num_batches_tracked)
