"""LU factorisation family: lu_factor(_ex), lu, lu_unpack, lu_solve.

Partial pivoting written against the array namespace (no SciPy), one vectorised elimination
step per column for the whole batch, with LAPACK ``getrf``'s conventions (packed ``LU``,
1-based int32 ``pivots``, ``info``).
"""
from __future__ import annotations

import math

from .._dtype import bfloat16, float16
from .._tensor import Tensor
from ..autograd.node import Primitive
from .linalg_decomp import (RETURN_TYPES, _first_bad, _out, check_matrix, check_tensor,
                            solve_triangular)
from .reduce import _return_type

for _name, _fields in (("linalg_lu_factor", ("LU", "pivots")),
                       ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
                       ("linalg_lu", ("P", "L", "U")), ("lu_unpack", ("P", "L", "U"))):
    RETURN_TYPES[_name] = _return_type(_name, _fields)


def _mh(t):
    return t.mT.conj() if t.dtype.is_complex else t.mT


def _eye(n, m, like):
    from .creation import eye
    return eye(n, m, dtype=like.dtype, device=like.device)


def _not_impl(kernel, A):
    if not (A.dtype.is_floating_point or A.dtype.is_complex) or A.dtype in (float16, bfloat16):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{A.dtype._legacy[:-6]}'")


# ---- LU kernels (backend arrays) ----

def lu_arrays(xp, a, pivot=True):
    """LAPACK getrf on a batch: packed LU, 1-based int32 pivots and info (first zero pivot)."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((math.prod(batch), m, n)).copy()
    rows = xp.arange(lu.shape[0])
    piv = xp.zeros((lu.shape[0], k), dtype=xp.int32)
    info = xp.zeros(lu.shape[0], dtype=xp.int32)
    for j in range(k):
        p = xp.abs(lu[:, j:, j]).argmax(axis=1) + j if pivot else xp.full(rows.shape, j)
        piv[:, j] = p + 1
        row = lu[rows, p].copy()
        lu[rows, p] = lu[:, j]
        lu[:, j] = row
        d = lu[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info)
        lu[:, j + 1:, j] /= xp.where(zero, 1, d)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, None, j, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def permutation_arrays(xp, piv, m, dtype):
    """The matrix P of ``A = P L U`` from LAPACK pivots (rows of A in LU's order)."""
    flat = piv.reshape((math.prod(piv.shape[:-1]), piv.shape[-1])).astype(xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (flat.shape[0], m)).copy()
    rows = xp.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        row = perm[rows, p].copy()
        perm[rows, p] = perm[:, j]
        perm[:, j] = row
    perm = perm.reshape(piv.shape[:-1] + (m,))
    return (perm[..., None, :] == xp.arange(m)[:, None]).astype(dtype)


def _perm_matrix(LU, pivots, fn):
    xp, m = LU._backend.xp, LU.shape[-2]
    p = pivots._data
    if p.size and bool(((p < 1) | (p > m)).any()):
        raise RuntimeError(f"pivots passed to {fn} must be between 1 and LU.size(-2) inclusive."
                           "Did you properly pass the result of lu_factor?")
    return LU._from_array(permutation_arrays(xp, p, m, LU.dtype.np))


def lu_backward(gl, gu, P, L, U):
    """PyTorch's ``linalg_lu_backward`` (A = P L U, L unit lower m x k, U upper k x n)."""
    from .shape import cat
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        ga = (_mh(L) @ gl).tril(-1) + (gu @ _mh(U)).triu()
        ga = solve_triangular(_mh(U), ga, upper=False, left=False)
        ga = solve_triangular(_mh(L), ga, upper=True, unitriangular=True)
    elif m < n:
        u1, gu1, gu2 = U[..., :k], gu[..., :k], gu[..., k:]
        ga = (_mh(L) @ gl - gu.triu() @ _mh(U)).tril(-1)
        ga = solve_triangular(_mh(u1), ga, upper=False, left=False)
        ga = cat([ga + gu1.triu(), gu2], -1)
        ga = solve_triangular(_mh(L), ga, upper=True, unitriangular=True)
    else:
        l1, gl1, gl2 = L[..., :k, :], gl[..., :k, :], gl[..., k:, :]
        ga = (gu @ _mh(U) - _mh(L) @ gl.tril(-1)).triu()
        ga = solve_triangular(_mh(l1), ga, upper=True, unitriangular=True)
        ga = cat([ga + gl1.tril(-1), gl2], -2)
        ga = solve_triangular(_mh(U), ga, upper=False, left=False)
    return ga if P is None else P @ ga


def _unpack(lu):
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    return lu[..., :k].tril(-1) + _eye(m, k, lu), lu[..., :k, :].triu()


class LuFactor(Primitive, node_name="LinalgLuFactorExBackward0"):
    """Outputs (LU, pivots, info); only the packed LU is differentiable."""
    save_output = True

    def forward(self, a):
        lu, piv, info = lu_arrays(self.xp, a, self.pivot)
        self.piv = piv
        return lu, piv, info

    def backward(self, grad):
        lu = self.output
        m, n = lu.shape[-2], lu.shape[-1]
        k = min(m, n)
        low, up = _unpack(lu)
        P = None
        if self.pivot:
            P = lu._from_array(permutation_arrays(self.xp, self.piv, m, lu.dtype.np))
        return lu_backward(grad[..., :k].tril(-1), grad[..., :k, :].triu(), P, low, up)


def _lu_checks(fn, A, pivot, short):
    check_tensor(f"linalg_{short}", A)
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    _not_impl("lu_cpu", A)
    if not pivot and A.device.type == "cpu":
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """``(LU, pivots, info)``: the packed LU factorization with partial pivoting.

    ``info`` is 0 per matrix, or the 1-based index of the first zero on U's diagonal.
    """
    _lu_checks("torch.lu_factor", A, pivot, "lu_factor_ex")
    lu, piv, info = LuFactor.apply(A, pivot=bool(pivot))
    if check_errors:
        _raise_singular("torch.linalg.lu_factor_ex", info._data)
    return RETURN_TYPES["linalg_lu_factor_ex"](lu, piv, info)


def _raise_singular(fn, info):
    bad = _first_bad(info)
    if bad is not None:
        i, k = bad
        prefix = f"(Batch element {i}): " if info.ndim else ""
        raise RuntimeError(f"{fn}: {prefix}U[{k},{k}] is zero and using it on lu_solve would "
                           "result in a division by zero. If you still want to perform the "
                           "factorization, consider calling linalg.lu(A, pivot) or "
                           "linalg.lu_factor_ex(A, pivot)")


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """``(LU, pivots)`` with ``A = P L U``; raises when U has a zero on its diagonal.

    >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[1., 2.], [3., 4.]]))
    >>> pivots
    tensor([2, 2], dtype=torch.int32)
    """
    _lu_checks("torch.lu_factor", A, pivot, "lu_factor")
    lu, piv, info = LuFactor.apply(A, pivot=bool(pivot))
    _raise_singular("torch.linalg.lu_factor", info._data)
    return RETURN_TYPES["linalg_lu_factor"](lu, piv)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """``(P, L, U)`` with ``A = P L U`` (differentiable in L and U; singular A allowed)."""
    _lu_checks("linalg.lu", A, pivot, "lu")
    lu_, piv, _ = LuFactor.apply(A, pivot=bool(pivot))
    P, low, up = lu_unpack(lu_, piv, unpack_pivots=bool(pivot))
    return RETURN_TYPES["linalg_lu"](P, low, up)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True, *, out=None):
    """``(P, L, U)`` from the output of ``linalg.lu_factor``; skipped parts are empty."""
    check_tensor("lu_unpack", LU_data, "LU_data")
    check_tensor("lu_unpack", LU_pivots, "LU_pivots", 2)
    if LU_data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    if LU_pivots.dtype.name != "int32":
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")
    k = min(LU_data.shape[-2:])
    if tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise RuntimeError(f"torch.lu_unpack: Expected LU_pivots of shape "
                           f"{list(LU_data.shape[:-2]) + [k]}, but got {list(LU_pivots.shape)}")
    empty = LU_data.new_zeros((0,))
    low, up = _unpack(LU_data) if unpack_data else (empty, empty)
    P = _perm_matrix(LU_data, LU_pivots, "lu_unpack") if unpack_pivots else empty
    return RETURN_TYPES["lu_unpack"](P, low, up)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out=None) -> Tensor:
    """The solution X of ``A X = B`` from ``(LU, pivots) = lu_factor(A)`` (``left``/``adjoint``
    pick ``X A = B`` and ``A^H``), differentiable in ``LU`` and ``B``."""
    check_tensor("linalg_lu_solve", LU, "LU")
    check_tensor("linalg_lu_solve", pivots, "pivots", 2)
    check_tensor("linalg_lu_solve", B, "B", 3)
    if LU.ndim < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    check_matrix("torch.linalg.lu_solve", LU)
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    if LU.dtype is not B.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {LU.dtype._legacy[:-6]} and B of type "
                           f"{B.dtype._legacy[:-6]} instead")
    if pivots.dtype.name != "int32":
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    n = LU.shape[-1]
    if pivots.shape[-1] != n:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(f"linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the "
                           f"same, but got pivots with shape {list(pivots.shape)} instead")
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and {B.shape[-2]}x"
                           f"{B.shape[-1]})")
    P = _perm_matrix(LU, pivots, "lu_solve")
    return _out(_lu_solve(LU, P, B, left, adjoint), out)


def _lu_solve(LU, P, B, left, adjoint):
    def tri(a, b, upper, unit=False):
        return solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    if not adjoint:
        if left:  # X = U^-1 L^-1 P^T B
            return tri(LU, tri(LU, P.mT @ B, False, True), True)
        return tri(LU, tri(LU, B, True), False, True) @ P.mT  # X = B U^-1 L^-1 P^T
    LH = _mh(LU)
    if left:  # A^H = U^H L^H P^T: X = P L^-H U^-H B
        return P @ tri(LH, tri(LH, B, False), True, True)
    return tri(LH, tri(LH, B @ P, True, True), False)  # X = B P L^-H U^-H
