"""``Parameter`` (a Tensor a Module learns), ``Buffer`` and ``UninitializedParameter``."""
from __future__ import annotations

from collections import OrderedDict

from .._tensor import Tensor, user_state

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


def _leaf_alias(data, cls):
    """A new leaf of class ``cls`` sharing ``data``'s memory and version counter."""
    t = Tensor._make(data._data, data.dtype, data.device, data._backend, cls)
    t._version_box = data._version_box
    return t


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter when assigned as attribute.

    Args:
        data: the tensor to wrap (memory is shared); an empty tensor when ``None``.
        requires_grad: whether the parameter requires gradient (default ``True``).

    >>> ember.nn.Parameter(ember.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        p = _leaf_alias(data, cls)
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, *args, **kwargs):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.clone()
        result.__dict__.update(
            {k: v for k, v in user_state(self).items() if k not in result.__dict__})
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    """Unpickle a Parameter (the same signature PyTorch uses)."""
    return Parameter(data, requires_grad)


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for tensors built by ``Buffer(...)``."""

    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and \
                getattr(instance, "_is_buffer", False) is True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor as a buffer: ``self.running = Buffer(t, persistent=False)`` registers it.

    Returns a plain Tensor that remembers it is a buffer and whether it is persistent.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach()
        t._rg = data.requires_grad
        t._is_buffer = True
        t.persistent = persistent
        return t


_NO_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error "
             "usually happens in `load_state_dict` when trying to load an uninitialized "
             "parameter into an initialized one. Call `forward` to initialize the parameters "
             "before accessing their attributes.")


def _materialize(self, shape, device=None, dtype=None):
    """Allocate the memory with ``shape`` (uninitialised values) and become ``cls_to_become``."""
    from ..ops.creation import empty
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    t = empty(shape, device=device or self.device, dtype=dtype or self.dtype)
    self._data, self.dtype, self.device, self._backend = t._data, t.dtype, t.device, t._backend
    self.__class__ = self.cls_to_become


def _no_shape(self):
    raise RuntimeError(_NO_SHAPE)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not yet known; ``materialize(shape)`` turns it into one.

    Any other use raises, as in PyTorch's lazy modules.
    """

    cls_to_become = Parameter
    shape = property(_no_shape)
    materialize = _materialize

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from ..ops.creation import empty
        p = _leaf_alias(empty(0, device=device, dtype=dtype), cls)
        p._rg = bool(requires_grad)
        return p

    def __repr__(self):
        return "<UninitializedParameter>"

    __str__ = __repr__

    def __getattr__(self, name):
        raise ValueError(
            "Attempted to use an uninitialized parameter in "
            f"{name}. This error happens when you are using a `LazyModule` or explicitly "
            "manipulating `torch.nn.parameter.UninitializedParameter` objects. When using "
            "LazyModules Call `forward` with a dummy batch to initialize the parameters "
            "before calling torch functions")


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not yet known (lazy modules); ``materialize(shape)`` makes it
    an ordinary Tensor."""

    cls_to_become = Tensor
    shape = property(_no_shape)
    materialize = _materialize

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from ..ops.creation import empty
        t = empty(0, device=device, dtype=dtype)
        b = Tensor._make(t._data, t.dtype, t.device, t._backend, cls)
        b._rg = bool(requires_grad)
        return b

    def __repr__(self):
        return "<UninitializedBuffer>"

    __str__ = __repr__
