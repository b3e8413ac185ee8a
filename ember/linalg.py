"""``ember.linalg``: PyTorch's ``torch.linalg`` namespace.

Decompositions and solvers live in ``ember.ops.linalg_decomp`` (primitives with backward
formulas); the norms, ranks and products here are composed of differentiable ops.

>>> A = ember.tensor([[2., 1.], [1., 3.]])
>>> ember.linalg.det(A)
tensor(5.)
"""
from __future__ import annotations

import math
from numbers import Number

import numpy as _np

from ._tensor import Tensor
from .ops.linalg import linalg_cross as cross, matmul
from .ops.linalg_decomp import (LinAlgError, _out, check_float, check_matrix, check_tensor,
                                cholesky, cholesky_ex, det, eigh, eigvalsh, inv, inv_ex,
                                matrix_power, pinv, qr, slogdet, solve, solve_triangular, svd,
                                svdvals)
from .ops.linalg_decomp import RETURN_TYPES as _RT, _return_type
from .ops.shape import diagonal as _diagonal

_RT["linalg_lstsq"] = _return_type("linalg_lstsq",
                                   ("solution", "residuals", "rank", "singular_values"))
_RT["linalg_solve_ex"] = _return_type("linalg_solve_ex", ("result", "info"))
_INF = math.inf


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of a batch of matrices (``torch.linalg.diagonal``)."""
    return _diagonal(A, offset, dim1, dim2)


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """The ``ord``-norm of ``x`` seen as a vector over ``dim`` (all dims by default).

    >>> ember.linalg.vector_norm(ember.tensor([3., 4.]))
    tensor(5.)
    """
    from .ops.reduce import amax, amin, norm, sum
    check_tensor("linalg_vector_norm", x, "input")
    if not isinstance(ord, (Number, _np.number)) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    check_float("linalg.vector_norm", x)
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if ord in (_INF, -_INF):
        if x.numel() == 0:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty "
                               "tensor because the operation does not have an identity")
        red = amax if ord > 0 else amin
        return _out(red(x.abs(), () if dim is None else dim, keepdim), out)
    if dim is not None and len(dim) == 0:
        dim = None
    if ord == 2:
        return _out(norm(x, 2, dim, keepdim), out)
    if ord == 0:
        return _out(sum((x != 0).to(x.abs().dtype), dim, keepdim), out)
    if ord == 1:
        return _out(sum(x.abs(), dim, keepdim), out)
    return _out(sum(x.abs() ** ord, dim, keepdim) ** (1.0 / ord), out)


def _matrix_dims(dim, ndim):
    from .ops._util import wrap_dim
    if isinstance(dim, int) or len(dim) != 2:
        got = dim if isinstance(dim, int) else " ".join(str(d) for d in dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    d0, d1 = wrap_dim(dim[0], ndim), wrap_dim(dim[1], ndim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.

    >>> ember.linalg.matrix_norm(ember.tensor([[1., -2.], [3., 4.]]), 1)
    tensor(6.)
    """
    from .ops.reduce import amax, amin, sum
    check_tensor("linalg_matrix_norm", A, "input")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    check_float("linalg.matrix_norm", A)
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = _matrix_dims(dim, A.ndim)
    if ord == "fro":
        return _out(vector_norm(A, 2, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        res = s.sum(-1) if ord == "nuc" else (amax(s, -1) if ord == 2 else amin(s, -1))
        if keepdim:
            for d in sorted((d0, d1)):
                res = res.unsqueeze(d)
        return _out(res, out)
    if ord not in (1, -1, _INF, -_INF) or isinstance(ord, (str, bool)):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    red = amax if ord > 0 else amin
    res = red(sum(A.abs(), sum_dim, True), red_dim, True)
    if not keepdim:
        res = res.squeeze(max(d0, d1)).squeeze(min(d0, d1))
    return _out(res, out)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None,
         out=None) -> Tensor:
    """``vector_norm`` or ``matrix_norm``, chosen by ``ord`` and ``dim`` as in PyTorch.

    >>> ember.linalg.norm(ember.tensor([[3., 0.], [0., 4.]]))
    tensor(5.)
    """
    check_tensor("linalg_norm", A, "input")
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        dim = tuple(range(A.ndim))
    if isinstance(ord, str) or len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """Condition number ``norm(A, p) * norm(inv(A), p)`` (ratio of singular values for 2)."""
    check_matrix("linalg.cond", A, square=p in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        res = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
        return _out(res, out)
    try:
        res = matrix_norm(A, p) * matrix_norm(inv(A), p)
    except LinAlgError:  # PyTorch: a singular matrix has an infinite condition number
        res = matrix_norm(A, p).detach() * _INF
    return _out(res, out)


def _rank_tol(A, s, atol, rtol):
    smax = s.amax(-1, keepdim=True) if s.shape[-1] else s.new_zeros(s.shape[:-1] + (1,))
    atol = 0.0 if atol is None else atol
    if rtol is None:
        eps = float(_np.finfo(s.dtype.np).eps)
        rtol = eps * max(A.shape[-2], A.shape[-1]) if not (isinstance(atol, Number) and
                                                           atol > 0) else 0.0
    tol = smax * rtol
    if isinstance(atol, Tensor):
        return tol.maximum(atol.unsqueeze(-1))
    return tol.clamp_min(float(atol))


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False,
                out=None) -> Tensor:
    """Number of singular values above ``max(atol, rtol * max(S))`` (int64)."""
    check_matrix("linalg.matrix_rank", A, square=hermitian)
    from .autograd.grad_mode import no_grad
    with no_grad():
        s = eigvalsh(A).abs() if hermitian else svdvals(A)
        tol = _rank_tol(A, s, atol, rtol)
        return _out((s > tol).sum(-1), out)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B``: ``(solution, residuals, rank, singular_values)``.

    ``driver`` picks which extras are filled in as PyTorch's LAPACK drivers do ('gelsy',
    the default, gives the rank; 'gelsd'/'gelss' add singular values and residuals).
    """
    check_matrix("torch.linalg.lstsq", A, square=False)
    check_tensor("linalg_lstsq", B, "b", 2)
    if driver is None:
        driver = "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {A.dtype} and other's dtype {B.dtype}")
    vector = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2). "
                           f"Got {A.shape[-2]} and {b.shape[-2]}")
    m, n = A.shape[-2], A.shape[-1]
    eps = float(_np.finfo(A.dtype.np).eps)
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    x = pinv(A, rtol=rtol) @ b
    from .autograd.grad_mode import no_grad
    with no_grad():
        s = svdvals(A)
        rank = (s > _rank_tol(A, s, 0.0, rtol)).sum(-1)
    empty = A.new_zeros((0,))
    full = bool((rank == min(m, n)).all())
    res = empty
    if m > n and driver != "gelsy" and (driver == "gels" or full):
        res = ((matmul(A, x) - b) ** 2).sum(-2)
    return _RT["linalg_lstsq"](x.squeeze(-1) if vector else x, res,
                               rank if driver != "gels" else rank.new_zeros((0,)),
                               s if driver in ("gelsd", "gelss") else empty)


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a chain of matrices; the first and last may be vectors."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        where = "the first" if i == 0 else "the last" if i == len(ts) - 1 else None
        if where and t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): {where} tensor must be 1D or 2D but got "
                               f"{t.ndim}D")
        if not where and t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        if t.dtype is not ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {_cname(ts[0])} and tensor {i} {_cname(t)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = [ts[0].unsqueeze(0) if first_vec else ts[0], *ts[1:-1],
            ts[-1].unsqueeze(-1) if last_vec else ts[-1]]
    for i in range(len(mats) - 1):
        if mats[i].shape[-1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(ts[i].shape)} and {list(ts[i + 1].shape)} cannot be "
                               "multiplied")
    res = mats[0]
    for mat in mats[1:]:
        res = res @ mat
    if last_vec:
        res = res.squeeze(-1)
    if first_vec:
        res = res.squeeze(0)
    return _out(res, out)


def _cname(t):
    return {"float32": "float", "float64": "double", "int64": "long"}.get(t.dtype.name,
                                                                         t.dtype.name)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Dot products of vectors along ``dim`` (``sum(x.conj() * y, dim)``), broadcasting."""
    check_tensor("linalg_vecdot", x, "x")
    check_tensor("linalg_vecdot", y, "y", 2)
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {x.dtype._legacy[:-6]} and y of type "
                           f"{y.dtype._legacy[:-6]} instead")
    xc = x.conj() if x.dtype.is_complex else x
    return _out((xc * y).sum(dim), out)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """``(result, info)`` of ``linalg.solve``; ``info`` is nonzero for a singular matrix."""
    from .ops.linalg_decomp import lu_info
    from .ops.math import where
    check_matrix("linalg.solve", A)
    info = A._from_array(lu_info(A._backend.xp, A._data))
    if check_errors or not bool((info != 0).any()):
        return _RT["linalg_solve_ex"](solve(A, B, left=left), info)
    bad = (info != 0)[..., None, None]  # solve the others; the singular ones get nan
    x = solve(where(bad, _eye_like(A), A), B, left=left)
    bad = bad if x.ndim == A.ndim else bad[..., 0]
    return _RT["linalg_solve_ex"](where(bad, _np.nan, x), info)


def _eye_like(A):
    from .ops.creation import eye
    return eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape)


__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]

from .ops.linalg_extra import (eig, eigvals, householder_product, linalg_vander as vander,  # noqa
                               lu, lu_factor, lu_factor_ex, lu_solve, matrix_exp, tensorinv,
                               tensorsolve)

__all__ += ["eig", "eigvals", "householder_product", "lu", "lu_factor", "lu_factor_ex",
            "lu_solve", "matrix_exp", "tensorinv", "tensorsolve", "vander"]
