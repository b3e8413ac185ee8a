"""``ember.compiler``: PyTorch's ``torch.compiler`` namespace. ember always runs eagerly, so
nothing is ever being compiled or exported."""
from __future__ import annotations

from typing import Any

from ._compile import BACKENDS, compile
from .nn.modules.module import Module

__all__ = ["OptimizedModule", "compile", "disable", "is_compiling", "is_dynamo_compiling",
           "is_exporting", "list_backends", "reset"]


def is_compiling() -> bool:
    return False


def is_dynamo_compiling() -> bool:
    return False


def is_exporting() -> bool:
    return False


def reset() -> None:
    """Clear compilation caches (ember keeps none)."""


def disable(fn=None, recursive: bool = True, *, reason: str | None = None):
    """Exclude ``fn`` from compilation: ember runs it as it is (also as a decorator)."""
    if fn is None:
        return lambda f: f
    return fn


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The ``backend=`` names ``compile`` accepts, without those tagged ``exclude_tags``."""
    excluded = set(exclude_tags or ())
    return sorted(name for name, tags in BACKENDS.items() if not excluded & set(tags))


class OptimizedModule(Module):
    """What ``ember.compile(module)`` returns: ``module`` as the child ``_orig_mod``.

    Calling it calls the module; attributes are read from and written to the module, and its
    state-dict keys gain the ``_orig_mod.`` prefix, as in PyTorch.
    """

    def __init__(self, mod: Module) -> None:
        super().__init__()
        Module.__setattr__(self, "_orig_mod", mod)

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    @property
    def training(self) -> bool:  # the module's flag, not a copy
        return self._wrapped().training

    @training.setter
    def training(self, value: bool) -> None:
        mod = self.__dict__.get("_modules", {}).get("_orig_mod")
        if mod is not None:  # Module.__init__ sets it before the module is attached
            mod.training = value

    def _wrapped(self) -> Module:
        return self.__dict__["_modules"]["_orig_mod"]

    def __getattr__(self, name: str) -> Any:
        modules = self.__dict__.get("_modules")
        if not modules or "_orig_mod" not in modules:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        mod = modules["_orig_mod"]
        return mod if name == "_orig_mod" else getattr(mod, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_orig_mod" or hasattr(type(self), name):
            Module.__setattr__(self, name, value)
        else:
            setattr(self._wrapped(), name, value)

    def __delattr__(self, name: str) -> None:
        if name == "_orig_mod" or hasattr(type(self), name):
            Module.__delattr__(self, name)
        else:
            delattr(self._wrapped(), name)

    def __len__(self) -> int:
        mod = self._wrapped()
        if not hasattr(type(mod), "__len__"):
            raise TypeError(f"{type(mod).__name__} does not support len()")
        return len(mod)

    def __dir__(self):
        own = super().__dir__()
        return sorted(set(dir(self._wrapped())) | set(own))
