"""The 2017 ``Variable`` API: now just a tensor (``Variable(t, requires_grad=True)``)."""
from __future__ import annotations


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        from .._tensor import Tensor
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)`` returns the tensor itself (a thin alias)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from .._tensor import Tensor
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        if requires_grad:
            if data.grad_fn is not None:
                raise RuntimeError("Variable(requires_grad=True) expects a leaf tensor")
            data.requires_grad_(True)
        return data
