"""ember.vision.models blocks vs the same blocks built from torch.nn layers (copied weights).

``load_state_dict(strict=True)`` on the torch side fails on any key or shape mismatch, so these
tests also check the state-dict layout of each block against torchvision's.
"""
from __future__ import annotations

import io

import numpy as np
import pytest

import ember
from ember.vision import models

torch = pytest.importorskip("torch")
tnn = torch.nn



def copy_into_torch(ember_module, torch_module):
    sd = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in
          ember_module.state_dict().items()}
    torch_module.load_state_dict(sd, strict=True)  # fails on any key/shape mismatch
    return torch_module


class TorchNet(tnn.Module):  # the seed tutorial's Net
    def __init__(self):
        super().__init__()
        self.conv1, self.pool, self.conv2 = tnn.Conv2d(3, 6, 5), tnn.MaxPool2d(2, 2), \
            tnn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = tnn.Linear(400, 120), tnn.Linear(120, 84), \
            tnn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.relu(self.fc1(x.view(-1, 400)))
        return self.fc3(torch.relu(self.fc2(x)))


class TorchBasicBlock(tnn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(cout)
        self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = tnn.Sequential(tnn.Conv2d(cin, cout, 1, stride, bias=False),
                                             tnn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + idt)


class TorchBottleneck(tnn.Module):
    def __init__(self, cin, planes, stride, groups, width_per_group):
        super().__init__()
        w = int(planes * width_per_group / 64) * groups
        self.conv1, self.bn1 = tnn.Conv2d(cin, w, 1, bias=False), tnn.BatchNorm2d(w)
        self.conv2 = tnn.Conv2d(w, w, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = tnn.BatchNorm2d(w)
        self.conv3 = tnn.Conv2d(w, planes * 4, 1, bias=False)
        self.bn3 = tnn.BatchNorm2d(planes * 4)
        self.downsample = tnn.Sequential(tnn.Conv2d(cin, planes * 4, 1, stride, bias=False),
                                         tnn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        return torch.relu(self.bn3(self.conv3(out)) + self.downsample(x))


def compare(em, tm, x_np, train):
    em.train(train)
    tm.train(train)
    xe = ember.tensor(x_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    ye, yt = em(xe), tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    tparams = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-3,
                                   atol=1e-4, err_msg=name)
    if train:
        for name, b in em.named_buffers():
            np.testing.assert_allclose(b.numpy(), dict(tm.named_buffers())[name].numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=name)


def test_lenet_matches_torch():
    em = models.LeNet()
    tm = copy_into_torch(em, TorchNet())
    x = np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32)
    compare(em, tm, x, train=True)


@pytest.mark.parametrize("train", [True, False])
def test_basic_block_matches_torch(train):
    down = ember.nn.Sequential(ember.nn.Conv2d(4, 8, 1, 2, bias=False), ember.nn.BatchNorm2d(8))
    em = models.BasicBlock(4, 8, stride=2, downsample=down)
    tm = copy_into_torch(em, TorchBasicBlock(4, 8, 2))
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 9)).astype(np.float32)
    compare(em, tm, x, train)


def test_bottleneck_block_matches_torch():
    down = ember.nn.Sequential(ember.nn.Conv2d(8, 16, 1, 2, bias=False),
                               ember.nn.BatchNorm2d(16))
    em = models.Bottleneck(8, 4, stride=2, downsample=down, groups=2, base_width=32)
    tm = copy_into_torch(em, TorchBottleneck(8, 4, 2, groups=2, width_per_group=32))
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 8)).astype(np.float32)
    compare(em, tm, x, train=True)


class TorchResNet18(tnn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        cin = 64
        for i, c in enumerate([64, 128, 256, 512], start=1):
            s = 1 if i == 1 else 2
            setattr(self, f"layer{i}", tnn.Sequential(TorchBasicBlock(cin, c, s),
                                                      TorchBasicBlock(c, c, 1)))
            cin = c
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean((2, 3)))


def test_resnet18_loads_torch_checkpoint_and_matches():
    torch.manual_seed(0)
    tm = TorchResNet18(10)
    tm.train()
    tm(torch.randn(4, 3, 32, 32))  # non-trivial running statistics
    buf = io.BytesIO()
    torch.save(tm.state_dict(), buf)
    buf.seek(0)
    em = models.resnet18(num_classes=10)
    em.load_state_dict(ember.load(buf))
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    compare(em, tm, x, train=False)


def torch_conv_bn_relu6(cin, cout, k, stride=1, groups=1):
    return tnn.Sequential(tnn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups,
                                     bias=False), tnn.BatchNorm2d(cout), tnn.ReLU6())


class TorchInvertedResidual(tnn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = [torch_conv_bn_relu6(cin, hidden, 1)] if t != 1 else []
        layers += [torch_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   tnn.Conv2d(hidden, cout, 1, bias=False), tnn.BatchNorm2d(cout)]
        self.conv = tnn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


@pytest.mark.parametrize("cin,cout,stride,t", [(4, 4, 1, 6), (4, 6, 2, 1)])
def test_inverted_residual_matches_torch(cin, cout, stride, t):
    em = models.InvertedResidual(cin, cout, stride, t)
    assert em.use_res_connect == (stride == 1 and cin == cout)
    tm = copy_into_torch(em, TorchInvertedResidual(cin, cout, stride, t))
    x = np.random.default_rng(0).standard_normal((2, cin, 7, 7)).astype(np.float32)
    compare(em, tm, x, train=True)
