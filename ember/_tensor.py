"""``class Tensor``: one backend array plus the autograd fields.

Math methods are attached by ``_tensor_methods``; this file holds the core: creation,
metadata, the NumPy bridge, conversion between devices and dtypes, and backward.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import _backend
from ._device import CPU, device as _device_cls, to_device
from ._dtype import _FROM_NP, dtype as _dtype_cls, from_numpy_dtype, get_default_dtype, to_dtype
from ._size import Size
from .autograd.grad_mode import STATE

_NP_BACKEND = _backend.numpy_backend
_new = object.__new__
_ndarray = np.ndarray


class Tensor:
    """A multi-dimensional array with autograd; ``Tensor(2, 3)`` builds an uninitialised one.

    >>> ember.Tensor([[1, 2], [3, 4]])
    tensor([[1., 2.],
            [3., 4.]])
    """

    __slots__ = ("_data", "dtype", "device", "_backend", "_rg", "_grad", "grad_fn",
                 "_version_box", "__weakref__", "__dict__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor, as in PyTorch
    # rarely set fields live in the instance dict, with these class-level defaults
    _output_nr = 0
    _base = None
    _grad_acc = None
    _hooks = None
    _retains_grad = False
    _post_hooks = None

    def __new__(cls, *args, device=None, dtype=None):
        from .ops.creation import legacy_new
        return legacy_new(cls, args, device=device, dtype=dtype)

    def __init__(self, *args, **kwargs):
        pass

    # ---- construction (internal) ----
    @staticmethod
    def _make(arr, dt, dev, backend=None, cls=None):
        if type(arr) is not _ndarray and isinstance(arr, np.generic):
            arr = np.asarray(arr)  # see ``_from_array``
        t = _new(cls or Tensor)
        t._data = arr
        t.dtype = dt
        t.device = dev
        t._backend = backend or _backend.get(dev)
        t._rg = False
        t._grad = None
        t.grad_fn = None
        t._version_box = [0]
        return t

    def _from_array(self, arr):
        """Wrap a new array of this tensor's device (no grad)."""
        if type(arr) is not _ndarray and isinstance(arr, np.generic):
            # NumPy reductions return scalars: a tensor always holds an array, so in-place
            # updates and views of a 0-dim tensor work as for any other
            arr = np.asarray(arr)
        t = _new(Tensor)
        t._data = arr
        t.dtype = _FROM_NP.get(arr.dtype) or from_numpy_dtype(arr.dtype)
        t.device = self.device
        t._backend = self._backend
        t._rg = False
        t._grad = None
        t.grad_fn = None
        t._version_box = [0]
        return t

    def _owned(self):
        """A copy when the array may be shared (grads stored in ``.grad``)."""
        return self._from_array(self._data.copy())

    # ---- metadata ----
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape as ``ember.Size``, or one dimension's length."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim=None):
        """Strides in elements, as PyTorch reports them."""
        item = self._data.itemsize
        st = tuple(s // item for s in self._data.strides)
        if self._data.size <= 1 or 0 in self._data.shape:
            st = _contiguous_strides(self._data.shape)
        return st if dim is None else st[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        root = self._data
        while isinstance(root.base, type(self._data)):
            root = root.base
        return (self.data_ptr() - _ptr(root)) // self._data.itemsize

    def data_ptr(self) -> int:
        return _ptr(self._data)

    def untyped_storage(self):
        from ._storage import storage_of
        return storage_of(self)

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    is_sparse = False
    is_quantized = False
    is_meta = False

    @property
    def layout(self):
        return "torch.strided"

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def get_device(self) -> int:
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    @property
    def _version(self) -> int:
        return self._version_box[0]

    def _bump(self):
        self._version_box[0] += 1

    def _wrap_dim(self, dim):
        from .ops._util import wrap_dim
        return wrap_dim(dim, self._data.ndim)

    # ---- autograd fields ----
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True):
        """Set ``requires_grad`` on a leaf in place; returns self."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def grad(self):
        """The gradient accumulated by backward (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def data(self):
        """The same memory without autograd history (a fresh version counter)."""
        t = Tensor._make(self._data, self.dtype, self.device, self._backend, type(self) if
                         type(self) is Tensor else Tensor)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self.dtype = value.dtype
        self.device = value.device
        self._backend = value._backend

    def detach(self):
        """A view of the same memory, cut from the graph (shares the version counter)."""
        t = Tensor._make(self._data, self.dtype, self.device, self._backend)
        t._version_box = self._version_box
        return t

    def detach_(self):
        """Cut this tensor from the graph in place."""
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are "
                               "using DistributedDataParallel (DDP) for training, ...")
        self.grad_fn = None
        self._rg = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def _keep(grad):
            t = ref()
            if t is not None:
                if t.grad is None:
                    t.grad = grad.detach()._owned() if not STATE.enabled else grad
                else:
                    t.grad = t.grad + grad
        _keep._is_retain = True
        self._node_hooks().append(_keep)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def _node_hooks(self):
        node = self.grad_fn
        hooks = getattr(node, "_tensor_pre_hooks", None)
        if hooks is None:
            hooks = node._tensor_pre_hooks = {}
            node._hooked = True
        return hooks.setdefault(self._output_nr, [])

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a new one.

        Returns a handle with ``.remove()``.
        """
        from .autograd.node import _Handle
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            lst = self._node_hooks()
            # retain_grad's hook always runs last, after user hooks (PyTorch's order)
            pos = next((i for i, h in enumerate(lst) if getattr(h, "_is_retain", False)), len(lst))
            lst.insert(pos, hook)
            return _Handle(lst, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after a leaf's ``.grad`` has been accumulated."""
        from .autograd.node import _Handle
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return _Handle(self._post_hooks, hook)

    def _tensor_hooks(self):
        return self._hooks or ()

    def _post_acc_hooks(self):
        return self._post_hooks or ()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' ``.grad``.

        >>> x = ember.ones(2, 2, requires_grad=True)
        >>> ((x + 2) ** 2 * 3).mean().backward()
        >>> x.grad
        tensor([[4.5000, 4.5000],
                [4.5000, 4.5000]])
        """
        node = self.grad_fn
        if gradient is None and inputs is None and not create_graph and node is not None \
                and self._data.size == 1 and self.dtype.is_floating_point:
            # the common `loss.backward()`: skip the general argument handling
            seed = self._data.copy()
            seed.fill(1)
            _engine.backward_scalar(node, self._output_nr, seed, bool(retain_graph), self)
            return
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- NumPy bridge and Python protocol ----
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array sharing this tensor's memory (CPU tensors)."""
        if force:
            return np.array(self.detach().cpu()._data)
        if self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu()._data
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return np.array(arr) if copy else arr

    def tolist(self):
        return self._host().tolist()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._host().reshape(()).item()

    def _host(self):
        return self._backend.to_host(self._data)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                               if self._data.size else
                               "Boolean value of Tensor with no values is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    __hash__ = object.__hash__

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and not self._rg:
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __reduce_ex__(self, proto):
        from ._storage import reduce_tensor
        return reduce_tensor(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        t = Tensor._make(self._data.copy(), self.dtype, self.device, self._backend,
                         type(self) if type(self) is not Tensor else None)
        t._rg = self._rg
        if type(self) is not Tensor:
            t.__dict__.update(user_state(self))
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    # ---- devices and dtypes ----
    def to(self, *args, **kwargs):
        """Move and/or cast: ``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``."""
        dev, dt, copy = _parse_to(self, args, kwargs)
        if (dev is None or dev == self.device) and (dt is None or dt is self.dtype):
            return self.clone() if copy else self
        from .ops.elementwise import convert
        return convert(self, dt or self.dtype, dev or self.device)

    def cpu(self, memory_format=None):
        return self if self.device.type == "cpu" else self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        dev = _device_cls("cuda", device) if isinstance(device, int) or device is None \
            else to_device(device)
        if dev.index is None:
            dev = _device_cls("cuda", 0)
        return self.to(dev)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """Without an argument, the legacy type name (``'torch.FloatTensor'``); else a cast."""
        if dtype is None:
            prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
            return prefix + self.dtype._legacy
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            from ._dtype import ALL
            match = [d for d in ALL if d._legacy == name]
            if not match:
                raise ValueError(f"invalid type: '{dtype}'")
            dev = "cuda" if ".cuda." in dtype else self.device
            return self.to(dev, match[0])
        if not isinstance(dtype, (_dtype_cls, type)):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(to_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .ops.creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from .ops.creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                     requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .ops.creation import check_size, zeros
        from .ops._util import shape_arg
        return zeros(*check_size(shape_arg(size)), dtype=dtype or self.dtype,
                     device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .ops.creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .ops.creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)


#: instance attributes that tie a tensor to its place in autograd (its accumulator node,
#: hooks, view base): a copy or an unpickled tensor starts without them, as in PyTorch
_AUTOGRAD_ATTRS = frozenset(("_grad_acc", "_hooks", "_post_hooks", "_retains_grad", "_base",
                             "_output_nr"))


def user_state(t) -> dict:
    """The attributes a copy of ``t`` keeps: its instance dict without autograd's."""
    return {k: v for k, v in t.__dict__.items() if k not in _AUTOGRAD_ATTRS}


def clear_grads(params, set_to_none: bool = True) -> None:
    """Reset ``.grad`` of each tensor: to None, or to zeros cut from any graph."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()


def _ptr(arr) -> int:
    return arr.__array_interface__["data"][0] if isinstance(arr, np.ndarray) else arr.data.ptr


def _contiguous_strides(shape):
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


def _parse_to(t, args, kwargs):
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, _dtype_cls) or a in (float, int, bool):
            dt = a
        elif isinstance(a, (str, _device_cls, int)) and not isinstance(a, bool):
            if isinstance(a, str) and a.replace("torch.", "") in ("float32", "float64", "int64"):
                dt = a
            else:
                dev = a
        elif isinstance(a, bool):
            copy = a if dt is not None or dev is not None else copy
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    return (to_device(dev) if dev is not None else None,
            to_dtype(dt) if dt is not None else None, copy)


def wrap(arr, device=CPU):
    """Wrap a backend array as a Tensor (internal)."""
    return Tensor._make(arr, from_numpy_dtype(arr.dtype), device)


def default_float():
    return get_default_dtype()


from .autograd import engine as _engine, node as _node  # noqa: E402

_engine.Tensor = _node.Tensor = Tensor


_GRAD_CNAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int"}


def _check_grad(t, g):
    """PyTorch's checks on assigning ``t.grad``: a Tensor of t's shape and dtype."""
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__name__}")
    if g.shape != t.shape:
        gs, ts = ", ".join(map(str, g.shape)), ", ".join(map(str, t.shape))
        raise RuntimeError(f"attempting to assign a gradient of size '[{gs}]' to a tensor of size "
                           f"'[{ts}]'. Please ensure that the gradient and the tensor are the same "
                           "size")
    if g.dtype is not t.dtype:
        raise RuntimeError(f"attempting to assign a gradient with dtype "
                           f"'{_GRAD_CNAMES.get(g.dtype.name, g.dtype.name)}' to a tensor with "
                           f"grad_dtype '{t.dtype._legacy[:-6]}'. The gradient must match the "
                           "tensor's grad_dtype (defaults to the tensor's dtype).")
