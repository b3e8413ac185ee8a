"""Activation checkpointing: trade compute for memory.

``checkpoint(fn, *args)`` keeps none of ``fn``'s intermediate activations; backward runs
``fn`` again (with the RNG state of the first run, so dropout draws the same masks) and
back-propagates through the recomputed graph. Gradients equal those of ``fn(*args)``.

Two variants, as in PyTorch:

- ``use_reentrant=True`` runs ``fn`` under ``no_grad`` and, in backward, calls
  ``ember.autograd.backward`` on the recomputation: gradients of parameters used inside
  are accumulated into their ``.grad`` by that inner call, and only the tensor arguments
  get gradients through the outer graph.
- ``use_reentrant=False`` (recommended) links the output to every tensor the forward read
  (arguments, parameters and other captured tensors), so ``autograd.grad``, hooks and
  double backward see one graph. The forward records its graph once to find those
  tensors, then drops it (and with it the activations).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Iterable

from .._random import get_rng_state, set_rng_state
from .._tensor import Tensor
from ..autograd import Function, engine
from ..autograd.grad_mode import STATE, enable_grad, no_grad
from ..autograd.node import FREED_MSG, AccumulateGrad, Node, _raise_modified, edge_of, next_seq

__all__ = ["checkpoint", "checkpoint_sequential", "detach_variable", "check_backward_validity",
           "noop_context_fn", "CheckpointFunction"]

_DETERMINISM_CHECKS = ("default", "none")


def noop_context_fn():
    """The default ``context_fn``: no extra context for the forward or the recomputation."""
    return nullcontext(), nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Detached copies of the tensors in ``inputs`` that keep their ``requires_grad``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if isinstance(inp, Tensor):
            x = inp.detach()
            x.requires_grad = inp.requires_grad
            inp = x
        out.append(inp)
    return tuple(out)


def check_backward_validity(inputs: Iterable[Any]) -> None:
    """Warn when no tensor input requires grad (the reentrant variant then gives none)."""
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=3)


@contextmanager
def _rng_restored(state):
    """Run the block from RNG ``state`` (when given), then put the current state back."""
    if state is None:
        yield
        return
    current = get_rng_state()
    set_rng_state(state)
    try:
        yield
    finally:
        set_rng_state(current)


def _capturing() -> bool:
    """Whether the backward pass running now returns gradients (``autograd.grad`` or
    ``backward(inputs=...)``) instead of accumulating them: the reentrant variant's inner
    ``backward`` would then write ``.grad`` behind the caller's back."""
    return STATE.capturing


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward without a graph, backward recomputes."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if _capturing():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() "
                "or passing an `inputs` parameter to .backward(). To resolve this error, you "
                "can either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument.")
        inputs = list(ctx.inputs)
        for i, tensor in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = tensor
        with _rng_restored(ctx.rng_state):
            detached = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        from ..autograd import backward
        backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None
                                    for x in detached)


def checkpoint(function: Callable, *args, use_reentrant: bool | None = None,
               context_fn: Callable = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its activations for backward.

    Args:
        use_reentrant: which variant (see the module docstring). PyTorch warns when it is
            not given and then uses ``True``; so does ember.
        preserve_rng_state: (keyword, default ``True``) replay the forward's random draws
            in the recomputation.
        context_fn: returns two context managers, entered around the forward and around
            the recomputation (non-reentrant only).
        determinism_check, debug, early_stop: accepted for compatibility; ember's
            recomputation always runs the whole function.

    >>> lin = ember.nn.Linear(3, 3)
    >>> x = ember.randn(2, 3, requires_grad=True)
    >>> checkpoint(lin, x, use_reentrant=False).sum().backward()
    >>> lin.weight.grad.shape
    torch.Size([3, 3])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed "
            "explicitly. Starting in PyTorch 2.9, calling checkpoint without use_reentrant "
            "will raise an exception. use_reentrant=False is recommended, but if you need to "
            "preserve the current default behavior, you can pass use_reentrant=True. Refer to "
            "docs for more details on the differences between the two variants.",
            stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    if determinism_check not in _DETERMINISM_CHECKS:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, "
                         f"but got {determinism_check}")
    return _checkpoint_without_reentrant(function, preserve, context_fn, args, kwargs)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None,
                          **kwargs):
    """Run a list of modules (or a ``Sequential``) in ``segments`` checkpointed chunks.

    Every segment but the last is checkpointed; the last runs normally.

    >>> net = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.ReLU(), ember.nn.Linear(3, 1))
    >>> checkpoint_sequential(net, 2, ember.randn(4, 3, requires_grad=True),
    ...                       use_reentrant=False).shape
    torch.Size([4, 1])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from ..nn.modules.container import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)


# ---- the non-reentrant variant ----
def _flatten(obj, out):
    """The tensors of a (nested) tuple/list/dict output, in a fixed order."""
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _flatten(item, out)
    elif isinstance(obj, dict):
        for item in obj.values():
            _flatten(item, out)
    return out


def _replace(obj, new):
    """``obj`` with each tensor replaced by ``new[id(tensor)]`` where present."""
    if isinstance(obj, Tensor):
        return new.get(id(obj), obj)
    if isinstance(obj, (tuple, list)):
        items = [_replace(item, new) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    if isinstance(obj, dict):
        return type(obj)((k, _replace(v, new)) for k, v in obj.items())
    return obj


def _grad_outputs(out):
    return [t for t in _flatten(out, []) if t._rg]


def _is_inner(node, start):
    """Whether ``node`` was recorded by the run that began at sequence number ``start``."""
    return type(node) is not AccumulateGrad and node._seq > start


def _boundary(outputs, start):
    """The edges by which the graph recorded after ``start`` reaches older tensors.

    Returns ``{edge: (shape, dtype)}`` (in discovery order) and the inner nodes whose
    ``next_functions`` hold such edges, with the positions of those edges.
    """
    found, holders, seen = {}, [], set()
    stack = []
    for t in outputs:
        edge = edge_of(t)
        if _is_inner(edge[0], start):
            if edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
        else:
            found.setdefault(edge, (t.shape, t.dtype))
    while stack:
        node = stack.pop()
        positions = []
        for i, (edge, meta) in enumerate(zip(node.next_functions, node._in_meta)):
            nxt = edge[0]
            if nxt is None:
                continue
            if _is_inner(nxt, start):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
            else:
                found.setdefault(edge, meta)
                positions.append(i)
        if positions:
            holders.append((node, positions))
    return found, holders


class _GradSink(Node):
    """Stands in for an outer node while backward runs through a recomputation."""

    def __init__(self, seq):
        self._seq = seq
        self.grad = None

    def _backward(self, grads):
        self.grad = grads[0]
        return ()


class CheckpointBackward(Node):
    """The node of a non-reentrant checkpoint's outputs; its backward recomputes."""

    def __init__(self, fn, args, kwargs, rng_state, context, edges, n_outputs):
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._rng_state, self._context = rng_state, context
        self._tensors = [a for a in args if isinstance(a, Tensor)]
        self._versions = [t._version_box[0] for t in self._tensors]
        self.next_functions = tuple(edges)
        self._in_meta = tuple(edges.values())
        self._in_index = {edge: i for i, edge in enumerate(edges)}
        self._n_outputs = n_outputs
        self._seq = next_seq()

    def _release(self):
        self._freed = True
        self._fn = self._args = self._kwargs = self._tensors = None

    def _backward(self, grads):
        if self._freed:
            raise RuntimeError(FREED_MSG)
        for t, v in zip(self._tensors, self._versions):
            if t._version_box[0] != v:
                _raise_modified(t, v, self)
        create_graph = STATE.enabled  # the engine enables grad mode only for create_graph
        with _rng_restored(self._rng_state), enable_grad(), self._context:
            start = next_seq()
            outputs = _grad_outputs(self._fn(*self._args, **self._kwargs))
        if len(outputs) != self._n_outputs:
            raise RuntimeError("torch.utils.checkpoint: the recomputed forward returned "
                               f"{len(outputs)} tensors that require grad, the original "
                               f"forward returned {self._n_outputs}.")
        found, holders = _boundary(outputs, start)
        # an edge the first run did not have is fine only towards a tensor created during
        # the recomputation (a leaf made inside ``fn``): its gradient is dropped
        if any(e not in self._in_index and e[0]._seq < start for e in found):
            raise RuntimeError("torch.utils.checkpoint: the recomputed forward used tensors "
                               "that the original forward did not use; make the checkpointed "
                               "function deterministic (or pass preserve_rng_state=True).")
        sinks = {edge: _GradSink(-1 - i) for i, edge in enumerate(found)}
        saved = [(node, node.next_functions) for node, _ in holders]
        for node, positions in holders:
            edges = list(node.next_functions)
            for i in positions:
                edges[i] = (sinks[edges[i]], 0)
            node.next_functions = tuple(edges)
        roots, root_grads = [], []
        for nr, g in grads.items():
            edge = edge_of(outputs[nr])
            roots.append((sinks[edge], 0) if edge in sinks else edge)
            root_grads.append(g)
        try:
            engine.execute(roots, root_grads, retain_graph=create_graph,
                           create_graph=create_graph)
        finally:  # a graph of this backward (create_graph) must see the real edges
            for node, edges in saved:
                node.next_functions = edges
        result = [None] * len(self.next_functions)
        for edge, sink in sinks.items():
            if edge in self._in_index:
                result[self._in_index[edge]] = sink.grad
        return tuple(result)


def _checkpoint_without_reentrant(fn, preserve, context_fn, args, kwargs):
    forward_context, recompute_context = context_fn()
    if not STATE.enabled:
        with forward_context:
            return fn(*args, **kwargs)
    rng_state = get_rng_state() if preserve else None
    start = next_seq()
    with forward_context:
        out = fn(*args, **kwargs)
    outputs = _grad_outputs(out)
    if not outputs:
        return out
    edges, _ = _boundary(outputs, start)
    node = CheckpointBackward(fn, args, kwargs, rng_state, recompute_context, edges,
                              len(outputs))
    replaced = {}
    for i, t in enumerate(outputs):
        alias = t.detach()
        alias.grad_fn, alias._rg, alias._output_nr = node, True, i
        replaced[id(t)] = alias
    return _replace(out, replaced)
