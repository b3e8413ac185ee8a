"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, eigh, svd, qr ...

This module holds the shared pieces (return types, LinAlgError, argument checks, error
diagnosis), trace and the classic top-level functions; the decompositions live in
``linalg_solve.py`` (inv, det, solve, cholesky, qr) and ``linalg_spectral.py`` (eigh, svd,
pinv), re-exported here. Forwards call the backend's ``xp.linalg`` (NumPy or CuPy);
backwards are written with ember's differentiable ops, so double backward works.
"""
from __future__ import annotations

from .._dtype import bfloat16, bool_, float16
from .._tensor import Tensor
from ..autograd.node import Primitive
from ._util import check_device
from .reduce import _return_type

RETURN_TYPES = {
    "linalg_slogdet": _return_type("linalg_slogdet", ("sign", "logabsdet")),
    "slogdet": _return_type("slogdet", ("sign", "logabsdet")),
    "linalg_eigh": _return_type("linalg_eigh", ("eigenvalues", "eigenvectors")),
    "linalg_svd": _return_type("linalg_svd", ("U", "S", "Vh")),
    "svd": _return_type("svd", ("U", "S", "V")),
    "linalg_qr": _return_type("linalg_qr", ("Q", "R")),
    "qr": _return_type("qr", ("Q", "R")),
    "linalg_inv_ex": _return_type("linalg_inv_ex", ("inverse", "info")),
    "linalg_cholesky_ex": _return_type("linalg_cholesky_ex", ("L", "info")),
    "triangular_solve": _return_type("triangular_solve", ("solution", "cloned_coefficient")),
}


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (``torch.linalg.LinAlgError``)."""


LinAlgError.__module__ = "ember.linalg"


# ---- argument checks ----

def check_tensor(fn, x, name="A", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def check_float(fn, A):
    dt = A.dtype
    if dt is float16 or dt is bfloat16:
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got {dt._legacy[:-6]}")
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{dt._legacy[:-6]}")


def check_matrix(fn, A, square=True):
    """PyTorch's checks on a (batch of) matrix argument of ``linalg.<fn>``."""
    check_tensor(fn.replace(".", "_"), A)
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    check_float(fn, A)


def _same_dtype(fn, A, B):
    check_device(A, B)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{fn}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype._legacy[:-6]} and B of type {B.dtype._legacy[:-6]} instead")


def _check_rhs(fn, n, b, left):
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and {b.shape[-2]}x"
                           f"{b.shape[-1]})")


def _batch_prefix(a, i):
    return f"(Batch element {i}): " if a.ndim > 2 else ""


# ---- error diagnosis (runs only after the backend reported a failure) ----

def lu_info(xp, a):
    """LAPACK getrf's ``info`` per matrix: 1-based index of the first zero pivot, or 0."""
    batch, n = a.shape[:-2], a.shape[-1]
    a = a.reshape((-1, n, n)).copy()
    rows = xp.arange(a.shape[0])
    info = xp.zeros(a.shape[0], dtype=xp.int32)
    for k in range(n):
        p = xp.abs(a[:, k:, k]).argmax(axis=1) + k
        row_k = a[:, k].copy()
        a[:, k] = a[rows, p]
        a[rows, p] = row_k
        piv = a[:, k, k]
        zero = piv == 0
        info = xp.where((info == 0) & zero, k + 1, info)
        f = a[:, k + 1:, k] / xp.where(zero, 1, piv)[:, None]
        a[:, k + 1:, k:] -= f[:, :, None] * a[:, None, k, k:]
    return info.reshape(batch)


def cholesky_info(xp, a):
    """LAPACK potrf's ``info`` per matrix and its partial factor (tril of the work array)."""
    batch, n = a.shape[:-2], a.shape[-1]
    a = xp.tril(a.reshape((-1, n, n)))
    low = a.copy()
    info = xp.zeros(a.shape[0], dtype=xp.int32)
    for j in range(n):
        live = info == 0
        d = a[:, j, j] - (low[:, j, :j] ** 2).sum(-1)
        bad = live & ~(d > 0)
        info = xp.where(bad, j + 1, info)
        low[:, j, j] = xp.where(live, xp.sqrt(xp.where(bad, 1, d)), low[:, j, j])
        low[:, j, j] = xp.where(bad, d, low[:, j, j])
        ok = (info == 0)[:, None]
        col = (a[:, j + 1:, j] - (low[:, j + 1:, :j] * low[:, None, j, :j]).sum(-1))
        low[:, j + 1:, j] = xp.where(ok, col / low[:, j, j][:, None], low[:, j + 1:, j])
    return info.reshape(batch), low.reshape(batch + (n, n))


def _first_bad(info):
    flat = info.reshape(-1)
    for i in range(flat.shape[0]):
        if int(flat[i]):
            return i, int(flat[i])
    return None


def _all_finite(xp, arr):
    return bool(xp.isfinite(arr).all())


def _inv_array(xp, a, fn="linalg.inv"):
    try:
        out = xp.linalg.inv(a)
        if _all_finite(xp, out) or not _all_finite(xp, a):
            return out
    except xp.linalg.LinAlgError:
        pass
    bad = _first_bad(lu_info(xp, a))
    if bad is None:  # the backend failed where partial pivoting does not: report it
        raise LinAlgError(f"{fn}: The inversion could not be completed because the input matrix "
                          "is singular.")
    i, k = bad
    raise LinAlgError(f"{fn}: {_batch_prefix(a, i)}The diagonal element {k} is zero, the "
                      "inversion could not be completed because the input matrix is singular.")


def _chol_array(xp, a, fn="linalg.cholesky"):
    try:
        out = xp.linalg.cholesky(a)
        if _all_finite(xp, out) or not _all_finite(xp, a):
            return out
    except xp.linalg.LinAlgError:
        pass
    bad = _first_bad(cholesky_info(xp, a)[0])
    i, k = bad if bad is not None else (0, a.shape[-1])
    raise LinAlgError(f"{fn}: {_batch_prefix(a, i)}The factorization could not be completed "
                      "because the input is not positive-definite (the leading minor of order "
                      f"{k} is not positive-definite).")


# ---- trace ----

class Trace(Primitive, node_name="TraceBackward0"):
    def forward(self, a):
        out = self.xp.trace(a)
        return out.astype(a.dtype) if a.dtype.kind in "fc" else out.astype(self.xp.int64)

    def backward(self, grad):
        from .creation import eye
        return eye(*self.shape, dtype=grad.dtype, device=grad.device) * grad


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor.

    >>> ember.trace(ember.eye(3))
    tensor(3.)
    """
    check_tensor("trace", input, "input")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype.name == "bool":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input, shape=tuple(input.shape))


def _out(res, out):
    if out is None:
        return res
    from .math import _out as math_out
    return math_out(res, out)


# ---- the classic top-level functions (torch.inverse, torch.svd, torch.qr ...) ----

def inverse(input: Tensor, *, out=None) -> Tensor:
    """``torch.inverse``: the same as ``linalg.inv``."""
    return inv(input, out=out)


def slogdet_legacy(input: Tensor, *, out=None):
    """``torch.slogdet``: ``(sign, logabsdet)`` named ``torch.return_types.slogdet``."""
    return RETURN_TYPES["slogdet"](*slogdet(input))


def cholesky_legacy(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """``torch.cholesky(A, upper=False)`` (deprecated in PyTorch for linalg.cholesky)."""
    return cholesky(input, upper=upper, out=out)


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: ``(U, S, V)`` with V (not Vh); ``some`` gives the reduced factors."""
    if not compute_uv:
        s = svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        u = input.new_zeros(tuple(input.shape[:-2]) + (m, m))
        v = input.new_zeros(tuple(input.shape[:-2]) + (n, n))
        return RETURN_TYPES["svd"](u, s, v)
    u, s, vh = svd(input, full_matrices=not some)
    return RETURN_TYPES["svd"](u, s, vh.mT)


def qr_legacy(input: Tensor, some: bool = True, *, out=None):
    """``torch.qr(A, some=True)``: reduced (or complete with ``some=False``) ``(Q, R)``."""
    return RETURN_TYPES["qr"](*qr(input, "reduced" if some else "complete"))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse).

    >>> ember.linalg.matrix_power(ember.tensor([[1., 1.], [0., 1.]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    check_tensor("linalg_matrix_power", A)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:
        from .creation import eye
        from .math import where
        ident = eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape)
        keep = ident.new_ones((), dtype=bool_)
        return _out(where(keep, ident, A) if A.requires_grad else ident.clone(), out)
    base = inv(A) if n < 0 else A
    n = abs(n)
    res = None
    while n:
        if n & 1:
            res = base if res is None else res @ base
        n >>= 1
        if n:
            base = base @ base
    return _out(res, out)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """``torch.triangular_solve``: ``(solution, cloned_coefficient)`` of ``op(A) X = b``."""
    check_tensor("triangular_solve", b, "input")
    check_tensor("triangular_solve", A, "A", 2)
    a = A.mT if transpose else A
    x = solve_triangular(a, b, upper=bool(upper) != bool(transpose),
                         unitriangular=unitriangular)
    from .shape import broadcast_shapes
    batch = broadcast_shapes(tuple(b.shape[:-2]), tuple(A.shape[:-2]))
    return RETURN_TYPES["triangular_solve"](x, A.expand(*batch, *A.shape[-2:]).clone())


# Re-exported so that every name stays importable from here (imported last: those
# modules import from this one).
from .linalg_spectral import (  # noqa: E402,F401
    Eigh, Pinv, Svd, _MultiOutput, eigh, eigvalsh, pinv, svd, svd_backward, svdvals)
from .linalg_solve import (  # noqa: E402,F401
    Cholesky, Det, Inv, Qr, Slogdet, Solve, SolveTriangular, _cofactors, _qr_backward_tall,
    _tri_solve, cat_last, cholesky, cholesky_ex, det, inv, inv_ex, logdet, qr, slogdet, solve,
    solve_triangular)

__all__ = ["LinAlgError", "trace", "inv", "inv_ex", "det", "slogdet", "logdet", "solve",
           "solve_triangular", "cholesky", "cholesky_ex", "eigh", "eigvalsh", "svd", "svdvals",
           "qr", "pinv", "inverse", "slogdet_legacy", "cholesky_legacy", "svd_legacy",
           "qr_legacy", "pinverse", "matrix_power", "triangular_solve"]
