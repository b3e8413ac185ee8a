"""Serve ``import torch`` / ``import torchvision`` (and their submodules) from ember.

``install()`` puts a finder on ``sys.meta_path`` that maps ``torch.X.Y`` to ``ember.X.Y`` and
``torchvision.X`` to ``ember.vision.X``; the ember module object itself is registered under the
torch name, so ``torch.nn is ember.nn``.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

_PREFIXES = {"torch": "ember", "torchvision": "ember.vision"}
# torch submodules that live under another name in ember
_RENAMES = {"torch.autograd.variable": "ember.autograd.variable",
            "torch.utils.data.dataloader": "ember.utils.data.dataloader",
            "torch.nn.modules.module": "ember.nn.modules.module",
            "torch.nn.parameter": "ember.nn.parameter"}


def target_name(fullname: str):
    """The ember module name serving a torch/torchvision module name, or None."""
    if fullname in _RENAMES:
        return _RENAMES[fullname]
    head, _, rest = fullname.partition(".")
    base = _PREFIXES.get(head)
    if base is None:
        return None
    return base + ("." + rest if rest else "")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds torch.* and torchvision.* modules by importing their ember counterparts."""

    def find_spec(self, fullname, path=None, target=None):
        tgt = target_name(fullname)
        if tgt is None:
            return None
        try:
            found = importlib.util.find_spec(tgt)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(tgt),
                                               is_package=found.submodule_search_locations
                                               is not None)


def install():
    """Make ``import torch`` resolve to ember in this interpreter (idempotent)."""
    for name in list(sys.modules):
        if name.split(".")[0] in _PREFIXES and not isinstance(sys.modules[name], type(sys)):
            del sys.modules[name]
    if not any(isinstance(f, TorchAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchAliasFinder())
