"""``ember.vision.models``: torchvision's classification models, state-dict compatible.

Pretrained weights are not downloaded: build with ``weights=None`` and load a torchvision
state dict with ``model.load_state_dict(ember.load(path))``.
"""
from __future__ import annotations

import fnmatch
from typing import Any, Callable

from ... import nn
from .alexnet import AlexNet, alexnet
from .lenet import LeNet, lenet
from .mobilenetv2 import InvertedResidual, MobileNetV2, mobilenet_v2
from .resnet import (BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101,
                     resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
                     wide_resnet50_2, wide_resnet101_2)
from .vgg import (VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19,
                  vgg19_bn)

_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    f.__name__: f for f in (
        alexnet, lenet, mobilenet_v2, resnet18, resnet34, resnet50, resnet101, resnet152,
        resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, wide_resnet50_2,
        wide_resnet101_2, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn)}


def list_models(module: Any = None, include: str | list[str] | None = None,
                exclude: str | list[str] | None = None) -> list[str]:
    """Sorted names of the registered builders, filtered by fnmatch ``include``/``exclude``."""
    names = set(_BUILDERS)
    if include is not None:
        pats = [include] if isinstance(include, str) else include
        names = {n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)}
    if exclude is not None:
        pats = [exclude] if isinstance(exclude, str) else exclude
        names = {n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)}
    return sorted(names)


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    """The builder function registered under ``name``."""
    name = name.lower()
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any) -> nn.Module:
    """Build the model registered under ``name`` with ``config`` (e.g. ``num_classes=10``)."""
    return get_model_builder(name)(**config)


__all__ = ["AlexNet", "BasicBlock", "Bottleneck", "InvertedResidual", "LeNet", "MobileNetV2",
           "ResNet", "VGG", "get_model", "get_model_builder", "list_models",
           *sorted(_BUILDERS)]
