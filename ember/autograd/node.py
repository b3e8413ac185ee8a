"""Graph nodes: ``Node`` (what ``grad_fn`` holds), ``AccumulateGrad`` and ``Primitive``.

A primitive is one class with ``forward`` on backend arrays and ``backward`` written with
ember's differentiable Tensor operations, so every gradient is itself differentiable.
"""
from __future__ import annotations

import itertools
import re
import traceback
import weakref

import numpy as _NUMPY
from numpy import ndarray as _ndarray

from .._dtype import _FROM_NP, from_numpy_dtype
from .grad_mode import STATE

Tensor = None  # ember._tensor sets this once the class exists (it imports this module)

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """A step of the recorded graph; ``next_functions`` points at the inputs' nodes."""

    next_functions: tuple = ()
    _in_meta: tuple = ()
    _hooks = None
    _pre_hooks = None
    _freed = False
    _trace = None
    _tensor_pre_hooks = None
    #: set once any hook above is registered: the engine then takes its general path
    _hooked = False
    #: the order nodes were recorded in; a node's number exceeds its inputs' (the engine
    #: runs nodes in decreasing order)
    _seq = 0
    #: whether ``_release`` has anything to drop (the engine skips the call otherwise)
    _holds = True
    #: optional ``backward_arrays(self, grad_array)``: the same derivative on backend arrays,
    #: used by the engine when no graph of the backward is being built (create_graph=False).
    backward_arrays = None

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node computes its gradients."""
        if self._hooks is None:
            self._hooks = []
            self._hooked = True
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return replacement gradients."""
        if self._pre_hooks is None:
            self._pre_hooks = []
            self._hooked = True
        self._pre_hooks.append(fn)
        return _Handle(self._pre_hooks, fn)

    def _release(self):
        """Drop what backward needed (called unless retain_graph)."""
        self._freed = True

    def metadata(self):
        return {}


class _Handle:
    """What ``register_hook`` returns: ``.remove()`` unregisters."""

    def __init__(self, lst, fn):
        self._ref = (lst, fn)

    def remove(self):
        lst, fn = self._ref
        if fn in lst:
            lst.remove(fn)


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds incoming gradients into ``.grad``.

    The leaf holds its accumulator (``Tensor._grad_acc``) for its whole life, so building a
    graph does not make a new one per leaf and step; the accumulator refers back to the leaf
    weakly, which leaves no reference cycle. What keeps a leaf alive while a graph uses it,
    as in PyTorch, is the consuming node: a leaf's entry in ``Node._in_meta`` holds the
    leaf itself (see ``leaf_meta``).
    """

    def __init__(self, variable):
        self._var = weakref.ref(variable)
        self._in_meta = ()
        self._seq = next_seq()

    @property
    def variable(self):
        """The leaf whose ``.grad`` this node fills (None once that leaf is gone)."""
        return self._var()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def apply_grad(self, grad, create_graph):
        var = self._var()
        if var is None:  # the leaf is gone: no one can read its gradient
            return
        if not hasattr(grad, "_data"):  # a raw array from the engine's array path
            grad = var._from_array(grad)
        if var._hooks:
            for hook in var._hooks:
                out = hook(grad)
                if out is not None:
                    grad = out
        old = var._grad
        if old is None:
            var._grad = grad if create_graph else grad.detach()._owned()
        elif create_graph:
            var._grad = old + grad
        else:
            old._data += grad._data
        if var._post_hooks:
            for hook in var._post_hooks:
                hook(var)


def grad_accumulator(tensor):
    """The AccumulateGrad node of a leaf (made once, then held by the leaf)."""
    acc = tensor._grad_acc
    if acc is None:
        acc = tensor._grad_acc = AccumulateGrad(tensor)
    return acc


def leaf_meta(t):
    """A graph input's ``_in_meta`` entry: shape and dtype, and for a leaf the leaf itself
    (the reference that keeps it alive while the graph lives)."""
    if t.grad_fn is None:
        return (t._data.shape, t.dtype, t)
    return (t._data.shape, t.dtype)


def edge_of(t):
    """The (node, output_nr) edge that gradients for tensor ``t`` flow into."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._rg:
        return (grad_accumulator(t), 0)
    return (None, 0)


class Primitive(Node):
    """Base of ember's differentiable ops.

    Subclasses define ``forward(self, *arrays)`` (arrays in, array out) and
    ``backward(self, grad)`` (Tensors in, a tuple of Tensors or None per input out).
    Parameters given to ``apply`` as keywords become attributes before ``forward`` runs.
    ``save_inputs`` / ``save_output`` keep what backward reads as ``self.inputs`` /
    ``self.output``; the engine un-broadcasts and casts gradients to the inputs' shapes.
    """

    save_inputs = False
    save_output = False
    _saved = None
    differentiable = True
    node_name = None
    #: the array namespace forward/backward use (NumPy unless an input lives elsewhere)
    xp = _NUMPY

    def __init_subclass__(cls, node_name=None, **kw):
        super().__init_subclass__(**kw)
        node_name = node_name or cls.__dict__.get("node_name")
        if node_name:
            cls.node_name = node_name
            cls.__name__ = cls.__qualname__ = node_name
        # a node that saves nothing has nothing to free: PyTorch, too, lets a second
        # backward run through such nodes
        cls._holds = bool(cls.save_inputs or cls.save_output) or \
            cls._release is not Primitive._release

    @classmethod
    def apply(cls, *inputs, **params):
        """Run forward on the inputs' arrays and record the node when grad is needed."""
        node = _new(cls)
        if params:
            node.__dict__.update(params)
        first = inputs[0]
        xp = first._backend.xp
        if xp is not _NUMPY:  # the class default; other backends set it per node
            node.xp = xp
        if len(inputs) == 1:
            out = node.forward(first._data)
            record = first._rg
        elif len(inputs) == 2:
            second = inputs[1]
            try:
                out = node.forward(first._data, second._data)
            except ValueError as e:
                raise _broadcast_error(first, second, e) from None
            record = first._rg or second._rg
        else:
            out = node.forward(*[t._data for t in inputs])
            record = any([t._rg for t in inputs])
        if record and STATE.enabled and cls.differentiable:
            return node._record(inputs, out)
        if type(out) is tuple:
            return tuple([first._from_array(a) for a in out])
        return first._from_array(out)

    @classmethod
    def apply1(cls, x):
        """``apply`` for one Tensor and no parameters (unary ops, ``x.sum()``), without
        packing arguments."""
        node = _new(cls)
        xp = x._backend.xp
        if xp is not _NUMPY:
            node.xp = xp
        out = node.forward(x._data)
        if x._rg and STATE.enabled and cls.differentiable:
            return node._record((x,), out)
        if type(out) is tuple:
            return tuple([x._from_array(a) for a in out])
        return x._from_array(out)

    def _record(self, inputs, out):
        n = len(inputs)
        if n == 2:
            self._link2(inputs)
        elif n == 1:  # unrolled too: ``_link2`` for one input
            x = inputs[0]
            fn = x.grad_fn
            if fn is None:
                fn = x._grad_acc
                self.next_functions = ((fn if fn is not None else grad_accumulator(x), 0),)
                self._in_meta = ((x._data.shape, x.dtype, x),)
            else:
                self.next_functions = ((fn, x._output_nr),)
                self._in_meta = ((x._data.shape, x.dtype),)
            self._seq = next_seq()
            if self.save_inputs:
                self._saved = inputs
                self._saved_versions = (x._version_box[0],)
        else:
            edges, metas = [], []
            for t in inputs:
                if t._rg:
                    fn = t.grad_fn
                    if fn is None:
                        fn = t._grad_acc
                        edges.append((fn if fn is not None else grad_accumulator(t), 0))
                        metas.append((t._data.shape, t.dtype, t))
                    else:
                        edges.append((fn, t._output_nr))
                        metas.append((t._data.shape, t.dtype))
                else:
                    edges.append(_NO_EDGE)
                    metas.append(None)
            self.next_functions = tuple(edges)
            self._in_meta = tuple(metas)
            self._seq = next_seq()
            if self.save_inputs:
                self._saved = inputs
                self._saved_versions = tuple([t._version_box[0] for t in inputs])
        return self._finish(inputs[0], out)

    def _finish(self, first, out):
        """The output Tensor(s) of this recorded node (``first``: its first input)."""
        if STATE.anomaly:
            self._trace = _forward_trace()
        extras = None
        if type(out) is tuple:  # the first output is differentiable, the others are not
            extras = [first._from_array(a) for a in out[1:]]
            out = out[0]
        # the output Tensor, built inline: this runs once per recorded op
        if type(out) is not _ndarray and isinstance(out, _NUMPY.generic):
            out = _NUMPY.asarray(out)  # a reduction's scalar (see ``Tensor._from_array``)
        res = _new(Tensor)
        res._data = out
        res.dtype = _FROM_NP.get(out.dtype) or from_numpy_dtype(out.dtype)
        res.device = first.device
        res._backend = first._backend
        res._rg = True
        res._grad = None
        res.grad_fn = self
        box = res._version_box = [0]
        if self.save_output:
            self._out = (out, box, 0, res.dtype, res.device)
        return res if extras is None else (res, *extras)

    def _link2(self, inputs):
        """``_record``'s edges, metadata and saved inputs, unrolled for two inputs (most
        recorded ops are binary)."""
        x, y = inputs
        if x._rg:
            fn = x.grad_fn
            if fn is None:
                fn = x._grad_acc
                ex = (fn if fn is not None else grad_accumulator(x), 0)
                mx = (x._data.shape, x.dtype, x)
            else:
                ex = (fn, x._output_nr)
                mx = (x._data.shape, x.dtype)
        else:
            ex, mx = _NO_EDGE, None
        if y._rg:
            fn = y.grad_fn
            if fn is None:
                fn = y._grad_acc
                ey = (fn if fn is not None else grad_accumulator(y), 0)
                my = (y._data.shape, y.dtype, y)
            else:
                ey = (fn, y._output_nr)
                my = (y._data.shape, y.dtype)
        else:
            ey, my = _NO_EDGE, None
        self.next_functions = (ex, ey)
        self._in_meta = (mx, my)
        self._seq = next_seq()
        if self.save_inputs:
            self._saved = inputs
            self._saved_versions = (x._version_box[0], y._version_box[0])

    def _needed_inputs(self):
        """Which saved inputs backward reads (others may change in place freely)."""
        return (True,) * len(self._in_meta)

    @property
    def inputs(self):
        """The input Tensors saved for backward (checked against in-place changes).

        Every saved input's version is recorded; ``_needed_inputs`` is asked only when one
        has changed, so the forward pass does not pay for it."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MSG)
        versions = self._saved_versions
        if len(saved) == 2:  # most saving ops are binary: their check unrolled
            if saved[0]._version_box[0] == versions[0] and \
                    saved[1]._version_box[0] == versions[1]:
                return saved
        for t, v, need in zip(saved, versions, self._needed_inputs()):
            if need and t is not None and t._version_box[0] != v:
                _raise_modified(t, v, self)
        return saved

    @property
    def output(self):
        """The forward's output as a Tensor in the graph (differentiable through this node)."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        data, box, v, dtype, device = self._out
        from .._tensor import Tensor
        if box[0] != v:
            t = Tensor._make(data, dtype, device)
            t.grad_fn = self
            _raise_modified(t, v, self, box[0])
        t = Tensor._make(data, dtype, device)
        t._version_box = box
        if STATE.enabled:
            t.grad_fn = self
            t._rg = True
        return t

    @property
    def _saved_tensors(self):
        return self.inputs if self.save_inputs else ()

    def _release(self):
        self._freed = True
        if self.save_inputs:
            self._saved = None
        if self.save_output:
            self._out = None

    def _backward(self, grads):
        out = self.backward(grads[0])
        return out if type(out) is tuple else (out,)

    @property
    def saved_arrays(self):
        """The saved inputs' arrays (version-checked like ``inputs``)."""
        return [t._data if t is not None else None for t in self.inputs]

    @property
    def output_array(self):
        """The saved output's array (version-checked like ``output``)."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        data, box, v = self._out[:3]
        if box[0] != v:
            _ = self.output  # raises the version error with the full message
        return data


def binary_operator(cls, general, skip=None):
    """A Tensor operator for ``cls`` (an op whose ``forward`` is a static function of two
    arrays): two Tensors of one dtype and device (no promotion to do, ``skip`` aside) run
    the op here, with the node made only when it is recorded; anything else goes to
    ``general(self, other)``. One function, no further Python call, for the commonest ops."""
    if not isinstance(cls.__dict__.get("forward"), staticmethod):
        raise TypeError(f"{cls.__name__} needs a static forward to be a binary operator")
    forward = cls.forward

    def op(x, y):
        if type(y) is not Tensor or y.dtype is not x.dtype or y.device is not x.device or \
                x.dtype is skip:
            return general(x, y)
        try:
            out = forward(x._data, y._data)
        except ValueError as e:
            raise _broadcast_error(x, y, e) from None
        if (x._rg or y._rg) and STATE.enabled:
            node = _new(cls)
            xp = x._backend.xp
            if xp is not _NUMPY:
                node.xp = xp
            node._link2((x, y))
            return node._finish(x, out)
        return x._from_array(out)
    op.__name__ = general.__name__
    return op


def _forward_trace():
    """The stack of the op being recorded, without this module's own frames."""
    frames = traceback.extract_stack(limit=16)
    while frames and frames[-1].filename == __file__:
        frames.pop()
    return traceback.format_list(frames[-12:])


def _raise_modified(t, saved_version, node, now=None):
    now = t._version_box[0] if now is None else now
    shape = ", ".join(str(s) for s in t.shape)
    producer = ""
    if t.grad_fn is not None:  # PyTorch names the op without its "BackwardN" suffix
        op = re.sub(r"Backward\d*$", "", t.grad_fn.name())
        producer = f", which is output {t._output_nr} of {op},"
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{t.dtype._legacy} [{shape}]]{producer} is at version {now}; "
        f"expected version {saved_version} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


_new = object.__new__
_NO_EDGE = (None, 0)
#: ``next_seq()`` numbers nodes in recording order (see ``Node._seq``)
next_seq = itertools.count(1).__next__


def _broadcast_error(a, b, err):
    """PyTorch's message for operands whose shapes do not broadcast."""
    if "broadcast" not in str(err):
        return err
    return broadcast_error(a._data.shape, b._data.shape, err)


def broadcast_error(sa, sb, err=None):
    """The RuntimeError PyTorch raises for shapes ``sa`` and ``sb`` that do not broadcast."""
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            dim = max(len(sa), len(sb)) - i
            return RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                                f"({y}) at non-singleton dimension {dim}")
    return err


def _wrap_free(out, like):
    if type(out) is tuple:
        return tuple(like._from_array(a) for a in out)
    return like._from_array(out)
