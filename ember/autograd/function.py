"""``ember.autograd.Function``: user-defined ops with PyTorch's static-method API."""
from __future__ import annotations

from .grad_mode import STATE
from .node import FREED_MSG, Node, _raise_modified, edge_of, leaf_meta, next_seq


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool):
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of a custom Function; also its ``ctx``."""

    _materialize = True
    _to_save = ()
    _saved = ()
    _dirty = ()
    _non_diff = ()

    def name(self):
        return self._fn_cls.__name__ + "Backward"

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MSG)
        for t, v in zip(self._saved, self._versions):
            if t is not None and t._version_box[0] != v:
                _raise_modified(t, v, self)
        return self._saved

    @property
    def needs_input_grad(self):
        return self._needs

    def _release(self):
        self._freed = True
        self._saved = ()

    def _backward(self, grads):
        n = len(self._out_meta)
        full = []
        for i in range(n):
            g = grads.get(i)
            if g is None and self._materialize and self._out_meta[i] is not None:
                from ..ops.creation import zeros
                shape, dtype, device = self._out_meta[i]
                g = zeros(shape, dtype=dtype, device=device)
            full.append(g)
        res = self._fn_cls.backward(self, *full)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) < len(self._arg_is_tensor):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {len(self._arg_is_tensor)}, got {len(res)})")
        out = [g for g, is_t in zip(res, self._arg_is_tensor) if is_t]
        return tuple(out)


class FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_fn_cls": cls})


class Function(metaclass=FunctionMeta):
    """Base class for custom differentiable operations.

    >>> class Exp(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (y,) = ctx.saved_tensors
    ...         return grad * y
    >>> Exp.apply(ember.zeros(1, requires_grad=True))
    tensor([1.], grad_fn=<ExpBackward>)
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        node = cls._backward_cls()
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        node._arg_is_tensor = [isinstance(a, Tensor) for a in args]
        node._needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        record = STATE.enabled and any(t._rg for t in tensor_args)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outs = cls.forward(node, *args, **kwargs)
        finally:
            STATE.enabled = prev
        if not record:
            return outs
        single = not isinstance(outs, tuple)
        outs_t = (outs,) if single else outs
        node.next_functions = tuple(edge_of(t) for t in tensor_args)
        node._seq = next_seq()
        node._in_meta = tuple(leaf_meta(t) if t._rg else None for t in tensor_args)
        non_diff = {id(t) for t in node._non_diff}
        result, meta = [], []
        for i, o in enumerate(outs_t):
            if isinstance(o, Tensor) and id(o) not in non_diff:
                if any(o is t for t in tensor_args) and not any(o is d for d in node._dirty):
                    o = o.detach()  # an input returned unchanged becomes a new view
                o.grad_fn, o._rg, o._output_nr = node, True, i
                meta.append((o.shape, o.dtype, o.device))
            else:
                meta.append(None)
            result.append(o)
        node._out_meta = meta
        node._saved = tuple(node._to_save)
        node._versions = tuple(t._version_box[0] if t is not None else None
                               for t in node._saved)
        return result[0] if single else tuple(result)


class NestedIOFunction(Function):
    pass


def once_differentiable(fn):
    """Decorator kept for API compatibility: backward runs without building a graph."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad
        with no_grad():
            return fn(ctx, *args)
    return wrapper
