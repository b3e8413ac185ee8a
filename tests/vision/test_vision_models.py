"""ember.vision.models: torchvision's state-dict layout, parameter counts, init, forward/backward.

torchvision itself is not installable here, so key/shape parity is checked against lists
generated from torchvision's documented architecture rules, against torchvision's published
parameter counts, and (test_vision_models_torch.py) against reference networks written with
torch.nn layers, loaded with ``strict=True``.
"""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.vision import models



def nparams(model) -> int:
    return sum(p.numel() for p in model.parameters())


def layout(model) -> list[tuple[str, tuple[int, ...]]]:
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


def bn_keys(prefix: str, c: int) -> list:
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,)),
            (f"{prefix}.running_mean", (c,)), (f"{prefix}.running_var", (c,)),
            (f"{prefix}.num_batches_tracked", ())]


def expected_resnet(bottleneck: bool, blocks: list, num_classes: int = 1000) -> list:
    """torchvision ResNet state-dict layout from its rules (stem, 4 stages, fc)."""
    exp = 4 if bottleneck else 1
    out = [("conv1.weight", (64, 3, 7, 7)), *bn_keys("bn1", 64)]
    inplanes = 64
    for stage, (planes, n) in enumerate(zip([64, 128, 256, 512], blocks), start=1):
        for b in range(n):
            p = f"layer{stage}.{b}"
            if bottleneck:
                convs = [(inplanes, planes, 1), (planes, planes, 3), (planes, planes * 4, 1)]
            else:
                convs = [(inplanes, planes, 3), (planes, planes, 3)]
            for i, (cin, cout, k) in enumerate(convs, start=1):
                out += [(f"{p}.conv{i}.weight", (cout, cin, k, k)), *bn_keys(f"{p}.bn{i}", cout)]
            stride = 2 if stage > 1 and b == 0 else 1
            if b == 0 and (stride != 1 or inplanes != planes * exp):
                out += [(f"{p}.downsample.0.weight", (planes * exp, inplanes, 1, 1)),
                        *bn_keys(f"{p}.downsample.1", planes * exp)]
            inplanes = planes * exp
    return out + [("fc.weight", (num_classes, 512 * exp)), ("fc.bias", (num_classes,))]


def expected_mobilenet_v2(num_classes: int = 1000) -> list:
    """torchvision MobileNetV2 state-dict layout (width_mult=1) from its rules."""
    out = [("features.0.0.weight", (32, 3, 3, 3)), *bn_keys("features.0.1", 32)]
    cin, idx = 32, 1
    for t, c, n, _ in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                       [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
        for _ in range(n):
            p, hidden, j = f"features.{idx}.conv", cin * t, 0
            if t != 1:
                out += [(f"{p}.0.0.weight", (hidden, cin, 1, 1)), *bn_keys(f"{p}.0.1", hidden)]
                j = 1
            out += [(f"{p}.{j}.0.weight", (hidden, 1, 3, 3)), *bn_keys(f"{p}.{j}.1", hidden),
                    (f"{p}.{j + 1}.weight", (c, hidden, 1, 1)), *bn_keys(f"{p}.{j + 2}", c)]
            cin, idx = c, idx + 1
    out += [(f"features.{idx}.0.weight", (1280, 320, 1, 1)), *bn_keys(f"features.{idx}.1", 1280)]
    return out + [("classifier.1.weight", (num_classes, 1280)), ("classifier.1.bias",
                                                                 (num_classes,))]


# ---------------------------------------------------------------- layouts and counts

def test_resnet18_state_dict_layout():
    m = models.resnet18()
    assert layout(m) == expected_resnet(False, [2, 2, 2, 2])
    assert len(m.state_dict()) == 122  # torchvision's resnet18 state dict has 122 entries


def test_resnet34_50_state_dict_layout():
    assert layout(models.resnet34(num_classes=10)) == expected_resnet(False, [3, 4, 6, 3], 10)
    m = models.resnet50()
    assert layout(m) == expected_resnet(True, [3, 4, 6, 3])
    assert len(m.state_dict()) == 320


def test_mobilenet_v2_state_dict_layout():
    m = models.mobilenet_v2()
    got = dict(layout(m))
    assert layout(m) == expected_mobilenet_v2()
    assert len(got) == 314
    # a few entries as they appear in torchvision's published checkpoint
    assert got["features.1.conv.0.0.weight"] == (32, 1, 3, 3)
    assert got["features.1.conv.1.weight"] == (16, 32, 1, 1)
    assert got["features.2.conv.0.0.weight"] == (96, 16, 1, 1)
    assert got["features.17.conv.2.weight"] == (320, 960, 1, 1)
    assert got["features.18.0.weight"] == (1280, 320, 1, 1)


@pytest.mark.parametrize("name,count", [
    ("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032),
    ("mobilenet_v2", 3_504_872), ("alexnet", 61_100_840), ("resnext50_32x4d", 25_028_904)])
def test_parameter_counts(name, count):
    assert nparams(models.get_model(name)) == count


def test_vgg_layouts_and_counts():
    m = models.vgg16()
    assert nparams(m) == 138_357_544
    convs = [k for k in m.state_dict() if k.startswith("features") and k.endswith("weight")]
    assert convs[0] == "features.0.weight" and convs[-1] == "features.28.weight"
    assert [k for k in m.state_dict() if k.startswith("classifier")] == [
        "classifier.0.weight", "classifier.0.bias", "classifier.3.weight", "classifier.3.bias",
        "classifier.6.weight", "classifier.6.bias"]
    del m
    bn = models.vgg11_bn(num_classes=10)
    assert nparams(bn) == 132_868_840 - 990 * 4097
    sd = bn.state_dict()
    assert tuple(sd["features.1.running_var"].shape) == (64,)
    assert tuple(sd["features.25.weight"].shape) == (512, 512, 3, 3)


def test_alexnet_layout():
    sd = models.alexnet().state_dict()
    assert [(k, tuple(v.shape)) for k, v in sd.items()] == [
        ("features.0.weight", (64, 3, 11, 11)), ("features.0.bias", (64,)),
        ("features.3.weight", (192, 64, 5, 5)), ("features.3.bias", (192,)),
        ("features.6.weight", (384, 192, 3, 3)), ("features.6.bias", (384,)),
        ("features.8.weight", (256, 384, 3, 3)), ("features.8.bias", (256,)),
        ("features.10.weight", (256, 256, 3, 3)), ("features.10.bias", (256,)),
        ("classifier.1.weight", (4096, 9216)), ("classifier.1.bias", (4096,)),
        ("classifier.4.weight", (4096, 4096)), ("classifier.4.bias", (4096,)),
        ("classifier.6.weight", (1000, 4096)), ("classifier.6.bias", (1000,))]


def test_lenet_layout():
    m = models.LeNet()
    assert layout(m) == [
        ("conv1.weight", (6, 3, 5, 5)), ("conv1.bias", (6,)), ("conv2.weight", (16, 6, 5, 5)),
        ("conv2.bias", (16,)), ("fc1.weight", (120, 400)), ("fc1.bias", (120,)),
        ("fc2.weight", (84, 120)), ("fc2.bias", (84,)), ("fc3.weight", (10, 84)),
        ("fc3.bias", (10,))]
    assert tuple(models.LeNet(num_classes=5, in_channels=1).conv1.weight.shape) == (6, 1, 5, 5)


# ---------------------------------------------------------------- initialisation

def test_resnet_init():
    ember.manual_seed(0)
    m = models.resnet50(zero_init_residual=True)
    w = m.conv1.weight.detach().numpy()
    assert abs(w.std() / np.sqrt(2 / (64 * 49)) - 1) < 0.05 and abs(w.mean()) < 2e-3
    assert np.all(m.bn1.weight.detach().numpy() == 1) and np.all(m.bn1.bias.detach().numpy() == 0)
    assert np.all(m.layer1[0].bn3.weight.detach().numpy() == 0)
    assert np.all(m.layer1[0].bn2.weight.detach().numpy() == 1)
    r18 = models.resnet18(zero_init_residual=True)
    assert np.all(r18.layer2[1].bn2.weight.detach().numpy() == 0)
    assert np.all(models.resnet18().layer2[1].bn2.weight.detach().numpy() == 1)
    # fc keeps nn.Linear's default init: U(-1/sqrt(512), 1/sqrt(512))
    fc = r18.fc.weight.detach().numpy()
    assert np.abs(fc).max() <= 1 / np.sqrt(512) and fc.std() > 0.8 / np.sqrt(3 * 512)


@pytest.fixture(scope="module")
def vgg11():
    return models.vgg11()


def test_mobilenet_and_vgg_init(vgg11):
    m = models.mobilenet_v2()
    w = m.features[18][0].weight.detach().numpy()  # fan_out = 1280
    assert abs(w.std() / np.sqrt(2 / 1280) - 1) < 0.05
    lin = m.classifier[1]
    assert abs(lin.weight.detach().numpy().std() / 0.01 - 1) < 0.05
    assert np.all(lin.bias.detach().numpy() == 0)
    v = vgg11
    assert abs(v.classifier[6].weight.detach().numpy().std() / 0.01 - 1) < 0.05
    assert np.all(v.features[0].bias.detach().numpy() == 0)
    w = v.features[0].weight.detach().numpy()
    assert abs(w.std() / np.sqrt(2 / (64 * 9)) - 1) < 0.1


# ---------------------------------------------------------------- forward / backward

@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "mobilenet_v2"])
def test_forward_shapes(name):
    m = models.get_model(name, num_classes=7).eval()
    with ember.no_grad():
        y = m(ember.randn(2, 3, 64, 64))
    assert tuple(y.shape) == (2, 7) and bool(ember.isfinite(y).all())


def test_forward_224_alexnet_vgg11(vgg11):
    x = ember.randn(1, 3, 224, 224)
    for m, classes in ((models.alexnet(num_classes=3), 3), (vgg11, 1000)):
        with ember.no_grad():
            y = m.eval()(x)
        assert tuple(y.shape) == (1, classes) and bool(ember.isfinite(y).all())


def test_forward_variants():
    x = ember.randn(1, 3, 64, 64)
    m = models.resnet50(replace_stride_with_dilation=[False, True, True]).eval()
    with ember.no_grad():
        feats = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))
    assert tuple(feats.shape) == (1, 2048, 8, 8)  # output stride 8 instead of 32
    assert m.layer4[1].conv2.dilation == (4, 4) and m.layer4[0].conv2.dilation == (2, 2)
    half = models.mobilenet_v2(width_mult=0.5, num_classes=4).eval()
    assert half.features[0][0].out_channels == 16 and half.last_channel == 1280
    with ember.no_grad():
        assert tuple(half(x).shape) == (1, 4)
    wide = models.wide_resnet50_2()
    assert tuple(wide.layer1[0].conv2.weight.shape) == (128, 128, 3, 3)
    assert nparams(wide) == 68_883_240


def test_resnet18_backward_reaches_every_parameter():
    m = models.resnet18(num_classes=4)
    loss = ember.nn.functional.cross_entropy(m(ember.randn(2, 3, 32, 32)),
                                             ember.tensor([1, 3]))
    loss.backward()
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        assert p.grad.shape == p.shape and bool(ember.isfinite(p.grad).all()), name
    assert float(m.conv1.weight.grad.abs().sum()) > 0


def test_train_mode_updates_running_stats():
    m = models.mobilenet_v2(num_classes=3)
    m(ember.randn(2, 3, 32, 32))
    assert int(m.features[0][1].num_batches_tracked) == 1
    assert float(m.features[0][1].running_mean.abs().sum()) > 0


# ---------------------------------------------------------------- weights / errors

def test_weights_and_pretrained_arguments():
    with pytest.raises(RuntimeError, match="cannot be downloaded.*load_state_dict"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(RuntimeError, match="pretrained weights"):
        models.vgg16(pretrained=True)
    with pytest.raises(RuntimeError, match="mobilenet_v2"):
        models.mobilenet_v2(weights="DEFAULT")
    with pytest.warns(UserWarning, match="'pretrained' is deprecated") as rec:
        m = models.alexnet(pretrained=False, num_classes=2)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated") as rec2:
        models.resnext50_32x4d(pretrained=False)
    assert rec[0].filename == rec2[0].filename == __file__  # points at the caller
    assert m.classifier[6].out_features == 2
    assert isinstance(models.resnet18(weights=None, progress=False), models.ResNet)


def test_bad_arguments():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.resnet18(groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        models.resnet18(replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="3-element tuple, got \\[True\\]"):
        models.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="'groups' expected value 32 but got 4"):
        models.resnext50_32x4d(groups=4)
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        models.InvertedResidual(8, 8, 3, 6)
    with pytest.raises(ValueError, match="inverted_residual_setting should be non-empty"):
        models.MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model("resnet9")
    assert {"resnet18", "vgg16_bn", "mobilenet_v2", "alexnet"} <= set(models.list_models())
    assert models.list_models(include="vgg1*", exclude="*_bn") == ["vgg11", "vgg13", "vgg16",
                                                                  "vgg19"]
