"""What autocast does to one op: the per-device op lists and the cast at an op's entry.

An op that autocast may change begins with one test of the module flag ``active``::

    if _amp.active and (r := _amp.run("mm", mm, input, mat2)) is not None:
        return r

``active`` is False unless some thread has autocast enabled, so the disabled path costs
that one global read. ``run`` applies the policy of the op's name on the device of its first
tensor argument and calls the op again with autocast held off for the call (``busy``), so
ops it calls internally are not cast a second time. Names are PyTorch's op names; an op not
on the device's lists runs as it is (still with ``busy`` set, as PyTorch's kernels run below
autocast).

Lower precision is emulated as PyTorch's CPU bfloat16/float16 kernels compute: the inputs
are rounded to the autocast dtype, the op runs in float32 (float32 accumulation) and its
result is rounded once to the autocast dtype. The graph records these casts, so gradients
are rounded to the autocast dtype where PyTorch's are.
"""
from __future__ import annotations

import functools
import threading

from .._dtype import bfloat16, float16, float32, float64, promote_types
from .._tensor import Tensor
from ..autograd.grad_mode import STATE as _GRAD_MODE

active = False  # True while any thread has autocast enabled for some device type

# The default autocast dtype of the device types ember knows.
DEFAULT_DTYPES = {"cpu": bfloat16, "cuda": float16, "mps": float16}

_CONV = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
         "conv_transpose3d", "conv_tbc", "prelu")
_GEMM = ("matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm", "linear", "einsum",
         "linalg_vecdot", "linalg_multi_dot", "chain_matmul", "scaled_dot_product_attention")
_LOSSES = ("binary_cross_entropy_with_logits", "cosine_embedding_loss", "cross_entropy",
           "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "margin_ranking_loss",
           "mse_loss", "multi_margin_loss", "multilabel_margin_loss", "nll_loss",
           "poisson_nll_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss")

# Ops that run in the autocast dtype.
LOWER = {
    "cpu": frozenset(_CONV + _GEMM),
    "cuda": frozenset(_CONV + _GEMM + ("mv", "addmv", "addr", "lstm_cell", "gru_cell",
                                       "rnn_tanh_cell", "rnn_relu_cell")),
}
# Ops that run in float32 whatever their floating inputs are.
FP32 = {
    "cpu": frozenset(_LOSSES + (
        "adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "binary_cross_entropy",
        "cdist", "cholesky", "cholesky_inverse", "cholesky_solve", "ctc_loss",
        "fractional_max_pool2d", "fractional_max_pool3d", "grid_sample", "inverse",
        "lu_solve", "max_pool3d", "max_unpool2d", "max_unpool3d", "nanquantile", "pinverse",
        "prod", "quantile", "reflection_pad", "replication_pad", "trace")),
    "cuda": frozenset(_LOSSES + (
        "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
        "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm", "group_norm",
        "norm", "cosine_similarity", "dist", "pdist", "cdist", "renorm", "logsumexp", "prod",
        "softmax", "log_softmax", "cumprod", "cumsum", "sum", "normalize")),
}
# Ops whose floating inputs are first cast to the widest floating dtype among them.
PROMOTE = {
    "cpu": frozenset(("cat", "stack", "index_copy")),
    "cuda": frozenset(("addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "grid_sample",
                       "index_put", "scatter_add", "tensordot", "cat", "stack", "index_copy")),
}


class _Local(threading.local):
    """One thread's autocast state (PyTorch keeps it thread-local too)."""

    def __init__(self):
        self.enabled: dict = {}
        self.dtype = dict(DEFAULT_DTYPES)
        self.cache_enabled = True
        self.nesting = 0
        self.cache: dict = {}  # id(fp32 leaf) -> (leaf, its cast), kept until the outermost exit
        self.busy = False  # True while a policy runs an op: its inner ops are not cast again


local = _Local()


def run(name: str, fn, *args, **kwargs):
    """Run ``fn`` under the autocast policy of op ``name``; None when autocast does not apply."""
    st = local
    if st.busy:
        return None
    dev = _device_type(args, kwargs)
    if dev is None or not st.enabled.get(dev, False):
        return None
    st.busy = True
    try:
        if name in LOWER.get(dev, ()):
            return _lower(fn, args, kwargs, dev, st.dtype[dev], st)
        if name in FP32.get(dev, ()):
            return _call_cast(fn, args, kwargs, lambda t: _cast(t, dev, float32))
        if name in PROMOTE.get(dev, ()):
            return _promote(fn, args, kwargs, dev)
        return fn(*args, **kwargs)
    finally:
        st.busy = False


def op(name: str):
    """Decorator form of the entry test, for functions off the hot path (losses, resampling):
    ``fn`` runs under op ``name``'s policy while autocast is on. A name on no list still marks
    the call ``busy``, so the matmuls inside a composite stay in its dtype, as PyTorch's fused
    kernels do."""
    def wrap(fn):
        @functools.wraps(fn)
        def entry(*args, **kwargs):
            if active and (r := run(name, fn, *args, **kwargs)) is not None:
                return r
            return fn(*args, **kwargs)
        return entry
    return wrap


def _device_type(args, kwargs):
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            return a.device.type
        if isinstance(a, (list, tuple)):
            for t in a:
                if isinstance(t, Tensor):
                    return t.device.type
    return None


def _eligible(t, dev) -> bool:
    return t.dtype.is_floating_point and t.dtype is not float64 and t.device.type == dev


def _cast(t, dev, dtype):
    return t.to(dtype) if _eligible(t, dev) and t.dtype is not dtype else t


def _map(value, fn):
    """``fn`` applied to the tensors of an argument (a tensor, or a list/tuple of them)."""
    if isinstance(value, Tensor):
        return fn(value)
    if isinstance(value, (list, tuple)) and any(isinstance(t, Tensor) for t in value):
        return type(value)(fn(t) if isinstance(t, Tensor) else t for t in value)
    return value


def _call_cast(fn, args, kwargs, cast):
    return fn(*[_map(a, cast) for a in args], **{k: _map(v, cast) for k, v in kwargs.items()})


def _tensors(args, kwargs):
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (t for t in a if isinstance(t, Tensor))


def _lower(fn, args, kwargs, dev, dtype, st):
    """The op in ``dtype``: half types are emulated with float32 arithmetic, rounded once."""
    def low(t):
        return _cached_cast(t, dtype, st) if _eligible(t, dev) else t

    if dtype is not bfloat16 and dtype is not float16:
        return _call_cast(fn, args, kwargs, low)
    args = [_map(a, low) for a in args]
    kwargs = {k: _map(v, low) for k, v in kwargs.items()}
    tensors = list(_tensors(args, kwargs))
    if not tensors or any(t.dtype is not dtype for t in tensors):
        return fn(*args, **kwargs)  # nothing to emulate, or PyTorch's own dtype errors
    out = _call_cast(fn, args, kwargs, Tensor.float)
    return out.to(dtype)


def _cached_cast(t, dtype, st):
    """``t.to(dtype)``; a float32 leaf that requires grad (a weight) is cast once per region."""
    if t.dtype is dtype:
        return t
    if not (st.cache_enabled and t.dtype is float32 and t.requires_grad and t.is_leaf
            and t._base is None and _GRAD_MODE.enabled and dtype is st.dtype[t.device.type]):
        return t.to(dtype)
    hit = st.cache.get(id(t))
    if hit is not None and hit[0] is t:
        return hit[1]
    low = t.to(dtype)
    st.cache[id(t)] = (t, low)
    return low


def _promote(fn, args, kwargs, dev):
    widest = None
    for t in _tensors(args, kwargs):
        if t.dtype.is_floating_point and t.device.type == dev:
            widest = t.dtype if widest is None else promote_types(widest, t.dtype)
    if widest is None:
        return fn(*args, **kwargs)
    return _call_cast(fn, args, kwargs,
                      lambda t: t.to(widest) if t.dtype.is_floating_point and
                      t.device.type == dev else t)
