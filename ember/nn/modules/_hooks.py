"""Hook handles and the module-level backward hook machinery."""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict

from ..._tensor import Tensor

_NEXT_ID = itertools.count()


class RemovableHandle:
    """What ``register_*_hook`` returns: ``.remove()`` unregisters (also a context manager)."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_NEXT_ID)
        extras = extra_dict if isinstance(extra_dict, (list, tuple)) else \
            ([extra_dict] if extra_dict is not None else [])
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()


def add_hook(hooks: OrderedDict, hook, prepend: bool, extra_dict=None) -> RemovableHandle:
    """Store ``hook`` in ``hooks`` under a fresh handle id (first when ``prepend``)."""
    handle = RemovableHandle(hooks, extra_dict=extra_dict)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class BackwardHook:
    """Runs a module's full backward (pre-)hooks around identity nodes on inputs and outputs."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_mask = ()

    def setup_input_hook(self, args):
        """Route the tensor inputs through one node whose backward calls the user hooks."""
        self.n_inputs = len(args)
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.input_mask = idx
        if not idx or not self.user_hooks:
            return args
        outs = _Identity.apply(self._on_input_grads, *[args[i] for i in idx])
        outs = outs if isinstance(outs, tuple) else (outs,)
        args = list(args)
        for i, o in zip(idx, outs):
            args[i] = o
        return tuple(args)

    def setup_output_hook(self, result):
        """Route the tensor outputs through one node that records grad_output."""
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple):
            return result
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return result
        self.n_outputs = len(outs)
        self.output_idx = idx
        new = _Identity.apply(self._on_output_grads, *[outs[i] for i in idx])
        new = new if isinstance(new, tuple) else (new,)
        outs = list(outs)
        for i, o in zip(idx, new):
            outs[i] = o
        return outs[0] if single else tuple(outs)

    def _on_output_grads(self, grads):
        positions = self.output_idx
        full = [None] * self.n_outputs
        for i, g in zip(positions, grads):
            full[i] = g
        full = tuple(full)
        for hook in self.user_pre_hooks.values():
            res = hook(self.module, full)
            if res is not None:
                full = tuple(res)
        self.grad_outputs = full
        if not self.input_mask and self.user_hooks:
            for hook in self.user_hooks.values():
                hook(self.module, (None,) * max(self.n_inputs, 1), full)
        return tuple(full[i] for i in positions)

    def _on_input_grads(self, grads):
        full = [None] * self.n_inputs
        for i, g in zip(self.input_mask, grads):
            full[i] = g
        full = tuple(full)
        for hook in self.user_hooks.values():
            res = hook(self.module, full, self.grad_outputs)
            if res is not None:
                full = tuple(res)
        return tuple(full[i] for i in self.input_mask)


def _make_identity():
    from ...autograd.function import Function

    class BackwardHookFunction(Function):
        @staticmethod
        def forward(ctx, callback, *tensors):
            ctx.callback = callback
            ctx.mark_non_differentiable()
            return tuple(t.view_as(t) for t in tensors) if len(tensors) > 1 else \
                tensors[0].view_as(tensors[0])

        @staticmethod
        def backward(ctx, *grads):
            res = ctx.callback(grads)
            return (None, *res)

    return BackwardHookFunction


class _IdentityLazy:
    _cls = None

    def apply(self, callback, *tensors):
        if _IdentityLazy._cls is None:
            _IdentityLazy._cls = _make_identity()
        return _IdentityLazy._cls.apply(callback, *tensors)


_Identity = _IdentityLazy()
