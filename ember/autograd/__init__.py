"""Tape-based automatic differentiation: ``backward``, ``grad``, ``Function``, grad modes."""
from __future__ import annotations

from . import engine
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .node import Node
from .variable import Variable


def _as_list(x):
    if x is None:
        return None
    from .._tensor import Tensor
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the graph's leaves (or ``inputs``)."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    edges, root_grads = engine.root_edges_and_grads(tensors, grads, create_graph=create_graph)
    if inputs is None:
        engine.execute(edges, root_grads, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    targets = {_capture_edge(t, i): t for i, t in enumerate(inputs)}
    got = engine.execute(edges, root_grads, retain_graph=retain_graph,
                         create_graph=create_graph, capture=targets)
    for e, t in targets.items():
        g = got.get(e)
        if g is not None:
            t.grad = (g if create_graph else g.detach()._owned()) if t.grad is None else \
                t.grad + g


def _capture_edge(t, i):
    if not t._rg:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    return engine.edge_of(t)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated).

    >>> x = ember.tensor(3.0, requires_grad=True)
    >>> (g,) = ember.autograd.grad(x ** 3, x, create_graph=True)
    >>> ember.autograd.grad(g, x)[0]
    tensor(18.)
    """
    outputs = _as_list(outputs)
    inputs_l = _check_inputs(_as_list(inputs))
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    edges, root_grads = engine.root_edges_and_grads(outputs, _as_list(grad_outputs),
                                                    create_graph=create_graph)
    targets = [_capture_edge(t, i) for i, t in enumerate(inputs_l)]
    got = engine.execute(edges, root_grads, retain_graph=retain_graph,
                         create_graph=create_graph, capture=set(targets))
    result = []
    for i, (e, t) in enumerate(zip(targets, inputs_l)):
        g = got.get(e)
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def _check_inputs(inputs):
    from .._tensor import Tensor
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for t in inputs:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got "
                               f"{type(t).__name__}")
    return inputs


def __getattr__(name):
    if name == "graph":
        import importlib
        return importlib.import_module(".graph", __name__)
    if name == "functional":
        import importlib
        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")


__all__ = ["backward", "grad", "Function", "FunctionCtx", "Variable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "once_differentiable", "Node",
           "is_inference_mode_enabled", "gradcheck", "gradgradcheck"]
