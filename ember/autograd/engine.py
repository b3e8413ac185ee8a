"""The backward engine: walks the recorded graph once, in dependency order."""
from __future__ import annotations

from heapq import heapify, heappop, heappush

from .grad_mode import STATE

Tensor = None  # ember._tensor sets this once the class exists (it imports this module)
from .node import AccumulateGrad, edge_of  # noqa: E402 (after the Tensor placeholder)


def sum_to(grad, shape):
    """Sum a broadcast gradient back to ``shape`` (the one place that un-broadcasts)."""
    gshape = grad._data.shape
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if dims:
        grad = grad.sum(dims, keepdim=True)
    if lead or grad._data.shape != tuple(shape):
        grad = grad.reshape(shape)
    return grad


def _needed(nodes, targets):
    """Nodes from which some target node is reachable (the rest need not run)."""
    memo = {}
    for start in nodes:
        if start in memo:
            continue
        stack = [(start, iter(start.next_functions))]
        memo[start] = start in targets
        while stack:
            node, it = stack[-1]
            for nxt, _ in it:
                if nxt is None:
                    continue
                if nxt not in memo:
                    memo[nxt] = nxt in targets
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
                if memo[nxt]:
                    memo[node] = True
            else:
                stack.pop()
                if stack and memo[node]:
                    memo[stack[-1][0]] = True
    return {n for n, v in memo.items() if v}


def execute(root_edges, root_grads, *, retain_graph, create_graph, capture=None,
            accumulate=True, like=None):
    """Run backward from root edges; return captured gradients for ``capture`` edges.

    ``root_grads`` may be Tensors or raw arrays (then ``like`` is a Tensor on their device).
    Nodes run in decreasing sequence number (``Node._seq``, given when a node's edges are
    recorded, so every node's number exceeds its inputs'): when a node runs, every node
    that can send it a gradient has run, without a dependency-counting pass over the graph.
    A node joins the queue when its first gradient arrives.
    """
    buffers = {}
    heap = []
    for (node, nr), g in zip(root_edges, root_grads):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buffers[node] = {nr: g}
            heap.append((-node._seq, node))
        elif nr in buf:
            buf[nr] = buf[nr] + g
        else:
            buf[nr] = g
    if len(heap) > 1:
        heapify(heap)
    if like is None:
        like = next((g for g in root_grads if g is not None), None)
    needed = _needed(list(buffers), {e[0] for e in capture}) if capture is not None else None
    general = capture is not None or create_graph or not accumulate or STATE.anomaly \
        or not ARRAY_PATH[0]
    captured = {}
    _run(heap, buffers, like, retain_graph, general, create_graph, capture, captured, needed,
         accumulate)
    return captured


def backward_scalar(node, nr, seed, retain_graph, like):
    """``execute`` for the common ``loss.backward()``: one root, its gradient a raw array."""
    _run([(-node._seq, node)], {node: {nr: seed}}, like, retain_graph,
         STATE.anomaly or not ARRAY_PATH[0], False, None, None, None, True)


def _run(heap, buffers, like, retain_graph, general, create_graph, capture, captured, needed,
         accumulate):
    """The engine's loop. Unless ``general``, nodes without hooks take the fast path (the
    common loss.backward(): arrays where nodes have them); anything else, and any node or
    leaf with hooks, goes through ``_run_node``."""
    prev, prev_capturing = STATE.enabled, STATE.capturing
    STATE.enabled = bool(create_graph)
    STATE.capturing = capture is not None
    take = buffers.pop
    get = buffers.get
    try:
        while heap:
            node = heappop(heap)[1]
            grads = take(node)
            if general or node._hooked:
                if needed is not None and node not in needed:
                    continue
                outs = _run_node(node, _as_tensors(grads, like), capture, captured,
                                 accumulate, create_graph)
            elif type(node) is AccumulateGrad:
                var = node._var()
                g = grads[0]
                if var is None:  # the leaf is gone: no one can read its gradient
                    continue
                if var._hooks is None and var._post_hooks is None and type(g) is not Tensor:
                    old = var._grad
                    if old is None:  # a copy: the array may be shared with others
                        var._grad = var._from_array(g.copy())
                    else:
                        old._data += g
                else:
                    node.apply_grad(g, False)
                continue
            else:
                arrays = node.backward_arrays
                if arrays is not None:
                    g = grads[0]
                    outs = arrays(g._data if type(g) is Tensor else g)
                else:
                    outs = node._backward(_as_tensors(grads, like))
            if not retain_graph and node._holds:
                node._release()
            if outs is None:
                continue
            for (nxt, nr), g, meta in zip(node.next_functions, outs, node._in_meta):
                if g is None or nxt is None:
                    continue
                if meta is not None:
                    if type(g) is Tensor:
                        if g._data.shape != meta[0]:
                            g = sum_to(g, meta[0])
                        if g.dtype is not meta[1]:
                            g = g.to(meta[1])
                    else:
                        if g.shape != meta[0]:
                            g = sum_to_array(g, meta[0])
                        npd = meta[1].np
                        if g.dtype is not npd and g.dtype != npd:
                            g = g.astype(npd)
                buf = get(nxt)
                if buf is None:
                    buffers[nxt] = {nr: g}
                    heappush(heap, (-nxt._seq, nxt))
                elif nr in buf:
                    buf[nr] = _plus(buf[nr], g, like)
                else:
                    buf[nr] = g
    finally:
        STATE.enabled, STATE.capturing = prev, prev_capturing


#: the array fast path (``Primitive.backward_arrays``) may be switched off for testing
ARRAY_PATH = [True]


def sum_to_array(arr, shape):
    """``sum_to`` on a backend array."""
    lead = arr.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and arr.shape[i + lead] != 1)
    if dims:
        arr = arr.sum(axis=dims, keepdims=True)
    return arr.reshape(shape)


def _wrap(arr, like):
    """A raw gradient array as a Tensor on the device that owns the array."""
    if type(arr) is type(like._data):
        return like._from_array(arr)
    from .. import _backend
    from .._device import device
    from .._dtype import from_numpy_dtype
    be = _backend.for_array(arr)
    dev = device("cpu") if be is _backend.numpy_backend else device("cuda", arr.device.id)
    return Tensor._make(arr, from_numpy_dtype(arr.dtype), dev, be)


def _tensor(g, like):
    return g if isinstance(g, Tensor) else _wrap(g, like)


def _as_tensors(grads, like):
    """Buffers may hold raw arrays from the array path: wrap them for Tensor-level code."""
    for k, g in grads.items():
        if not isinstance(g, Tensor):
            grads[k] = _wrap(g, like)
    return grads


def _plus(a, b, like):
    if type(a) is Tensor or type(b) is Tensor:
        return _tensor(a, like) + _tensor(b, like)
    return a + b


def _add(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buffers[node] = {nr: g}
    elif nr in buf:
        buf[nr] = buf[nr] + g
    else:
        buf[nr] = g


def _run_node(node, grads, capture, captured, accumulate, create_graph):
    hooks = node._tensor_pre_hooks
    if hooks:
        for nr, fns in hooks.items():
            if nr in grads:
                for fn in list(fns):
                    out = fn(grads[nr])
                    if out is not None:
                        grads[nr] = out
    if type(node) is AccumulateGrad:
        g = grads[0]
        if capture is not None:
            var = node.variable
            for hook in var._tensor_hooks() if var is not None else ():
                out = hook(g)
                if out is not None:
                    g = out
            if (node, 0) in capture:
                captured[(node, 0)] = g
            return None
        if accumulate:
            node.apply_grad(g, create_graph)
        return None
    if capture is not None:
        for nr, g in grads.items():
            if (node, nr) in capture:
                captured[(node, nr)] = g
    if node._pre_hooks:
        for fn in node._pre_hooks:
            out = fn(tuple(grads.get(i) for i in range(max(grads) + 1)))
            if out is not None:
                grads = dict(enumerate(out))
    outs = node._backward(grads)
    if node._hooks:
        for fn in node._hooks:
            fn(outs, tuple(grads.values()))
    if STATE.anomaly and STATE.anomaly_check_nan:
        _check_nan(node, outs)
    return outs


def _check_nan(node, outs):
    for i, g in enumerate(outs):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
            trace = "".join(node._trace or ["(forward trace unavailable: enable anomaly "
                                            "detection before the forward pass)\n"])
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"Traceback of forward call that caused the error:\n{trace}")


def root_edges_and_grads(tensors, grad_tensors, *, create_graph):
    """Validate backward's roots and build implicit gradients for scalars."""
    from .._tensor import Tensor
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"Mismatch in number of gradients: expected {len(tensors)}, "
                           f"got {len(grad_tensors)}")
    edges, grads = [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t.dtype.is_floating_point and not t.dtype.is_complex:
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {t.dtype!r}")
            g = t._from_array(t._backend.xp.ones(t.shape, dtype=t._data.dtype))
        elif not isinstance(g, Tensor):
            g = t._from_array(t._backend.xp.asarray(g, dtype=t._data.dtype))
        elif g.shape != t.shape:
            if g.numel() != t.numel():
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"torch.Size({list(g.shape)}) and output[{i}] has a shape of "
                                   f"torch.Size({list(t.shape)}).")
            g = g.reshape(t.shape)
        if not create_graph:
            g = g.detach()
        edges.append(edge_of(t))
        grads.append(g)
    return edges, grads
