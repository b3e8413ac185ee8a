"""Serve ``import torch`` / ``import torchvision`` (and their submodules) from ember.

``install()`` puts a finder on ``sys.meta_path`` that maps ``torch.X.Y`` to ``ember.X.Y`` and
``torchvision.X`` to ``ember.vision.X``; the ember module object itself is registered under the
torch name, so ``torch.nn is ember.nn``.

Once installed, a PyTorch feature ember lacks fails with a ``NotImplementedError`` naming it:
``torch.nn.Foo`` raises :class:`TorchFeatureNotImplemented` (also an ``AttributeError``, so
``hasattr``/``getattr(..., default)`` keep working) and ``import torch.foo`` raises
:class:`TorchModuleNotImplemented` (also a ``ModuleNotFoundError``).
"""
from __future__ import annotations

import dis
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
_installed = False


class TorchFeatureNotImplemented(NotImplementedError, AttributeError):
    """A PyTorch attribute (function, class, constant) that ember does not implement."""


class TorchModuleNotImplemented(ModuleNotFoundError, NotImplementedError):
    """A PyTorch/torchvision module that ember does not implement."""


def target_name(fullname: str):
    """The ember module name serving a torch/torchvision module name, or None."""
    if fullname in _RENAMES:
        return _RENAMES[fullname]
    head, _, rest = fullname.partition(".")
    base = _PREFIXES.get(head)
    if base is None:
        return None
    return base + ("." + rest if rest else "")


def torch_name(module_name: str):
    """The torch/torchvision name an ember module stands for, or None for internal modules."""
    parts = module_name.split(".")
    if parts[0] != "ember" or any(p.startswith("_") for p in parts):
        return None
    if parts[1:2] == ["vision"]:
        return ".".join(["torchvision", *parts[2:]])
    return ".".join(["torch", *parts[1:]])


def _called_by_import_from() -> bool:
    """Whether the attribute lookup comes from a ``from M import name`` statement."""
    try:
        frame = sys._getframe(2)
        return frame.f_code.co_code[frame.f_lasti] == dis.opmap["IMPORT_FROM"]
    except (ValueError, IndexError, AttributeError, KeyError):
        return False


def _missing_getattr(module, original):
    """A module ``__getattr__`` that names the missing PyTorch feature."""
    def __getattr__(name):
        if original is not None:
            try:
                value = original(name)
            except AttributeError:
                pass
            else:
                patch_loaded()   # the lookup may have imported new ember submodules
                return value
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        feature = f"{module.__torch_name__}.{name}"
        if _called_by_import_from():   # the import statement would hide an AttributeError
            raise TorchModuleNotImplemented(f"cannot import name {name!r} from "
                                            f"{module.__torch_name__!r}: {feature} is not "
                                            "implemented in ember")
        raise TorchFeatureNotImplemented(f"{feature} is not implemented in ember (module "
                                         f"{module.__name__!r} has no attribute {name!r})")
    __getattr__.__ember_compat__ = True
    return __getattr__


def patch_module(module) -> None:
    """Give ``module`` a ``__getattr__`` raising TorchFeatureNotImplemented (idempotent)."""
    name = torch_name(getattr(module, "__name__", ""))
    if name is None:
        return
    original = module.__dict__.get("__getattr__")
    if getattr(original, "__ember_compat__", False):
        return
    module.__torch_name__ = name
    module.__getattr__ = _missing_getattr(module, original)


def patch_loaded() -> None:
    """Patch every public ember module imported so far."""
    for name, module in list(sys.modules.items()):
        if name.startswith("ember") and isinstance(module, type(sys)):
            patch_module(module)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        patch_loaded()
        return module

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
            # name=None: ``from torch import foo`` re-raises this message, not a bare ImportError
            raise TorchModuleNotImplemented(
                f"No module named {fullname!r}: {fullname} is not implemented in ember")
        return importlib.util.spec_from_loader(fullname, _AliasLoader(tgt),
                                               is_package=found.submodule_search_locations
                                               is not None)


def install():
    """Make ``import torch`` resolve to ember in this interpreter (idempotent)."""
    global _installed
    for name in list(sys.modules):
        if name.split(".")[0] in _PREFIXES and not isinstance(sys.modules[name], type(sys)):
            del sys.modules[name]
    if not any(isinstance(f, TorchAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchAliasFinder())
    _installed = True
    patch_loaded()
