"""ember: the PyTorch system re-built in Python on NumPy (CPU) and CuPy (GPU).

>>> import ember as torch
>>> x = torch.ones(2, 2, requires_grad=True)
>>> ((x + 2) ** 2 * 3).mean().backward()
>>> x.grad
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
"""
from __future__ import annotations

__version__ = "0.1.0"

import numpy as _np

# PyTorch computes inf/nan silently; NumPy would warn on every such element-wise op.
_np.seterr(all="ignore")

from ._backend import _malloc  # noqa: E402

_malloc.tune()

from . import _dtype  # noqa: E402
from ._device import device
from ._dtype import (bool_ as bool, complex64, complex128, dtype, float16, float32, float64,
                     get_default_dtype, int8, int16, int32, int64, promote_types,
                     set_default_dtype, uint8)
from ._size import Size
from ._tensor import Tensor
from . import _tensor_methods  # noqa: F401  (attaches methods to Tensor)
from ._random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                      seed, set_rng_state)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .ops.creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                           HalfTensor, IntTensor, LongTensor, ShortTensor, arange, as_tensor,
                           asarray, empty, empty_like, eye, from_numpy, full, full_like,
                           linspace, logspace, ones, ones_like, scalar_tensor, tensor, zeros,
                           zeros_like)
from .ops.creation import range_ as range
from .ops.index import (argwhere, gather, index_select, masked_fill, masked_select, nonzero,
                        scatter, scatter_add, take, take_along_dim)
from .ops.linalg import (addbmm, addmm, addmv, baddbmm, bmm, dot, einsum, ger, inner, matmul,
                         mm, mv, outer, tensordot, vdot)
from .ops.math import (abs, absolute, acos, add, addcdiv, addcmul, allclose, arccos, arcsin,
                       arctan, arctan2, asin, atan, atan2, bitwise_and, bitwise_not,
                       bitwise_or, bitwise_xor, ceil, clamp, clamp_max, clamp_min, clip, clone,
                       cos, cosh, div, divide, eq, equal, erf, exp, exp2, expm1, fix,
                       floor, floor_divide, fmax, fmin, fmod, frac, ge, greater, greater_equal,
                       gt, hypot, isclose, isfinite, isinf, isnan, isneginf, isposinf, le,
                       lerp, less, less_equal, log, log1p, log2, log10, logical_and,
                       logical_not, logical_or, logical_xor, lt, maximum, minimum, mul,
                       multiply, nan_to_num, ne, neg, negative, not_equal, pow, reciprocal,
                       relu, remainder, round, rsqrt, rsub, sgn, sigmoid, sign, signbit, sin,
                       sinh, sqrt, square, sub, subtract, tan, tanh, true_divide, trunc, where,
                       xlogy)
from .ops.random import (bernoulli, binomial, multinomial, normal, poisson, rand, rand_like,
                         randint, randint_like, randn, randn_like, randperm)
from .ops.index import index_add, index_copy, index_fill, index_put, scatter_reduce
from .ops.math import bitwise_left_shift, bitwise_right_shift
from .ops.reduce import cummax, cummin, histc, mode, nanquantile, quantile
from .ops.reduce import (all, amax, amin, aminmax, any, argmax, argmin, argsort, bincount,
                         count_nonzero, cumprod, cumsum, kthvalue, logsumexp, max, mean, median,
                         min, msort, nanmean, nansum, norm, prod, sort, std, std_mean, sum,
                         topk, unique, var, var_mean)
from .ops.shape import (broadcast_to, cat, chunk, concat, concatenate, diag, expand, flatten,
                        flip, fliplr, flipud, hstack, movedim, moveaxis, narrow, permute,
                        repeat, reshape, roll, split, squeeze, stack, swapaxes, swapdims, t,
                        tensor_split, tile, transpose, tril, triu, unbind, unflatten,
                        unsqueeze, vstack)
from .ops.shape import broadcast_shapes, broadcast_tensors, diag_embed, diagonal, diff
from .ops.linalg import cross, kron
from .ops.creation import tril_indices, triu_indices
from ._dtype_info import finfo, iinfo  # noqa: E402
from .ops.nan_ops import nanmedian  # noqa: E402
from .ops.rearrange import diagonal_scatter, select, select_scatter, slice_scatter  # noqa: E402
from .ops.grids import block_diag, cartesian_prod, combinations, meshgrid, rot90  # noqa: E402
from .ops.combine import (atleast_1d, atleast_2d, atleast_3d, column_stack,  # noqa: E402
                          dsplit, dstack, hsplit, masked_scatter, ravel, row_stack, vsplit)
from .ops.strided import as_strided  # noqa: E402
from .ops.bucket import (bucketize, histogram, isin, searchsorted,  # noqa: E402
                         unique_consecutive)
from .ops.math_extra import (angle, copysign, deg2rad, float_power, frexp, gcd,  # noqa: E402
                             heaviside, lcm, ldexp, logaddexp, logaddexp2, nextafter, positive,
                             rad2deg, sinc)
from .ops.distance import cdist  # noqa: E402
from .ops.stats_extra import (corrcoef, cov, cumulative_trapezoid, logcumsumexp,  # noqa: E402
                              renorm, trapezoid, trapz)
from ._runtime import (are_deterministic_algorithms_enabled,  # noqa: E402
                       get_deterministic_debug_mode, get_float32_matmul_precision,
                       get_num_interop_threads, get_num_threads,
                       is_deterministic_algorithms_warn_only_enabled,
                       set_deterministic_debug_mode, set_float32_matmul_precision,
                       set_num_interop_threads, set_num_threads,
                       use_deterministic_algorithms)
from ._compile import compile  # noqa: E402
from .special._ops import (digamma, erfc, erfinv, i0, lgamma, logit,  # noqa: E402
                           mvlgamma, polygamma)
from .amp import (autocast, autocast_decrement_nesting, autocast_increment_nesting,  # noqa: E402
                  clear_autocast_cache, get_autocast_cpu_dtype, get_autocast_dtype,
                  get_autocast_gpu_dtype, is_autocast_cache_enabled, is_autocast_cpu_enabled,
                  is_autocast_enabled, set_autocast_cache_enabled, set_autocast_cpu_dtype,
                  set_autocast_cpu_enabled, set_autocast_dtype, set_autocast_enabled,
                  set_autocast_gpu_dtype)
from . import autograd, cuda  # noqa: E402
from . import linalg  # noqa: E402
from . import random  # noqa: E402,F401  (torch.random)
from .ops.linalg_extra import (cholesky_inverse, cholesky_solve, lu_unpack,  # noqa: E402
                               matrix_exp, vander)
from .ops.linalg_decomp import (cholesky_legacy as cholesky, det, inverse, logdet,  # noqa: E402
                                matrix_power, pinverse, qr_legacy as qr,
                                slogdet_legacy as slogdet, svd_legacy as svd, trace,
                                triangular_solve)

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128
try:
    from ._dtype import bfloat16  # noqa: F401
except ImportError:  # ml_dtypes not installed
    pass
strided = "torch.strided"
inf = __import__("math").inf
nan = __import__("math").nan
pi = __import__("math").pi
e = __import__("math").e


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def is_floating_point(input) -> bool:
    return input.dtype.is_floating_point


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    return _dtype.can_cast(from_, to)


# torch.X functions that ember keeps in nn.functional (same arguments)
_FUNCTIONAL_ALIASES = frozenset((
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "alpha_dropout", "avg_pool1d", "batch_norm",
    "bilinear", "binary_cross_entropy_with_logits", "celu", "celu_", "conv1d", "conv2d",
    "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "cosine_embedding_loss", "cosine_similarity", "dropout", "embedding",
    "feature_alpha_dropout", "group_norm", "hardshrink", "hinge_embedding_loss",
    "instance_norm", "kl_div", "layer_norm", "log_softmax", "margin_ranking_loss",
    "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "pairwise_distance",
    "pdist", "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu", "relu_",
    "rms_norm", "rrelu", "selu", "selu_", "softmax", "threshold", "threshold_",
    "triplet_margin_loss"))


def __getattr__(name):
    import importlib
    if name in _FUNCTIONAL_ALIASES:
        functional = importlib.import_module(".nn.functional", __name__)
        if hasattr(functional, name):
            return getattr(functional, name)
    if name in ("nn", "optim", "utils", "vision", "serialization", "testing", "distributions",
                "amp", "cpu", "backends", "special", "compiler"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("set_printoptions", "get_printoptions"):
        return getattr(importlib.import_module("._printing", __name__), name)
    if name in ("save", "load", "save_file", "load_file"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
