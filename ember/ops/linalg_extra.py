"""LU, Cholesky solves, matrix exp, eig, Householder products, tensor solves, Vandermonde.

LU is partial pivoting written against the array namespace (no SciPy), one vectorised
elimination step per column for the whole batch, with LAPACK ``getrf``'s conventions
(packed ``LU``, 1-based int32 ``pivots``, ``info``). ``linalg.eig`` is forward only: ember
has no complex autograd, so its backward raises instead of returning a wrong gradient.
"""
from __future__ import annotations

import math

from .._dtype import bfloat16, bool_, float16, int64
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.node import Primitive
from .linalg_decomp import (RETURN_TYPES, LinAlgError, _MultiOutput, _first_bad, _out, _tri_solve,
                            check_matrix, check_tensor, inv, solve, solve_triangular)
from .reduce import _return_type

for _name, _fields in (("linalg_lu_factor", ("LU", "pivots")),
                       ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
                       ("linalg_lu", ("P", "L", "U")), ("lu_unpack", ("P", "L", "U")),
                       ("linalg_eig", ("eigenvalues", "eigenvectors"))):
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


# ---- Cholesky solves ----

class CholeskySolve(Primitive, node_name="CholeskySolveBackward0"):
    """X = (L L^H)^-1 B (or (U^H U)^-1 B) reading one triangle; the gradient of the factor
    is PyTorch's (that of a full L in ``A = L L^H``)."""
    save_inputs = True
    save_output = True

    def _needed_inputs(self):
        return (False, True)

    def forward(self, b, f):
        xp = self.xp
        t = xp.triu(f) if self.upper else xp.tril(f)
        th = xp.conj(t).swapaxes(-1, -2)
        if self.upper:
            return _tri_solve(xp, t, _tri_solve(xp, th, b, True), False)
        return _tri_solve(xp, th, _tri_solve(xp, t, b, True), False)

    def backward(self, grad):
        f = self.inputs[1]
        gb = CholeskySolve.apply(grad, f, upper=self.upper)
        if self._in_meta[1] is None:
            return gb, None
        common = gb @ _mh(self.output)
        common = common + _mh(common)
        return gb, -(f @ common) if self.upper else -(common @ f)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The solution X of ``A X = B`` given B (``input``) and A's Cholesky factor (``input2``).

    >>> L = ember.tensor([[2., 0.], [1., 1.]])
    >>> ember.cholesky_solve(ember.tensor([[6.], [4.]]), L)
    tensor([[1.],
            [1.]])
    """
    check_tensor("cholesky_solve", input, "input")
    check_tensor("cholesky_solve", input2, "input2", 2)
    if input.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {input.ndim} "
                           "dimensions instead")
    if input2.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {input2.ndim} "
                           "dimensions instead")
    if input.dtype is not input2.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{input.dtype._legacy[:-6]} and A of type "
                           f"{input2.dtype._legacy[:-6]} instead.")
    m, n = input2.shape[-2:]
    if m != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are {m} by {n} "
                           "matrices")
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} "
                           f"by {n} but each b matrix is {input.shape[-2]} by {input.shape[-1]}")
    _not_impl("cholesky_solve_cpu", input)
    return _out(CholeskySolve.apply(input, input2, upper=bool(upper)), out)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of ``A = L L^H`` (or ``U^H U``) from its Cholesky factor.

    >>> ember.cholesky_inverse(ember.tensor([[2., 0.], [0., 1.]]))
    tensor([[0.2500, 0.0000],
            [0.0000, 1.0000]])
    """
    check_tensor("cholesky_inverse", input, "input")
    if input.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 "
                           "dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {input.shape[-2]} by {input.shape[-1]} matrices")
    _not_impl("cholesky_inverse_out_cpu", input)
    n = input.shape[-1]
    ident = _eye(n, n, input).expand(tuple(input.shape))
    return _out(CholeskySolve.apply(ident, input, upper=bool(upper)), out)


# ---- matrix exponential ----

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_array(xp, a):
    """Higham's scaling and squaring with the [13/13] Pade approximant, per matrix."""
    if a.size == 0:
        return a.copy()
    norm = xp.abs(a).sum(-2).max(-1)
    norm = xp.where(xp.isfinite(norm), norm, 1.0)
    s = xp.ceil(xp.log2(xp.maximum(norm / _THETA13, 1.0))).astype(xp.int64)
    a = a / (2.0 ** s).astype(a.dtype)[..., None, None]
    b = _PADE13
    ident = xp.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * ident
    r = xp.linalg.solve(v - u, v + u)
    for i in range(int(s.max())):
        r = xp.where((s > i)[..., None, None], r @ r, r)
    return r


class MatrixExp(Primitive, node_name="LinalgMatrixExpBackward0"):
    save_inputs = True

    def forward(self, a):
        return expm_array(self.xp, a)

    def backward(self, grad):
        # d exp(A)^T[G] is the top-right block of exp([[A^H, G], [0, A^H]])
        from .shape import cat
        ah = _mh(self.inputs[0])
        n = ah.shape[-1]
        big = cat([cat([ah, grad], -1), cat([ah.new_zeros(ah.shape), ah], -1)], -2)
        return MatrixExp.apply(big)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of a square matrix (or batch).

    >>> ember.linalg.matrix_exp(ember.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    check_tensor("linalg_matrix_exp", A)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")
    if A.dtype in (float16, bfloat16):  # computed in float32, as a round trip
        return MatrixExp.apply(A.float()).to(A.dtype)
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype._legacy[:-6]}")
    return MatrixExp.apply(A)


# ---- eig ----

class Eig(_MultiOutput, node_name="LinalgEigBackward0"):
    def forward(self, a):
        w, v = self.xp.linalg.eig(a)
        return w.astype(self.cdtype), v.astype(self.cdtype)

    def backward(self, gw, gv):
        raise RuntimeError("linalg.eig: ember does not implement the derivative of eig or "
                           "eigvals (complex autograd is not supported); use linalg.eigh for "
                           "symmetric matrices")


def _eig_prep(fn, A):
    check_matrix(fn, A)
    if A.dtype in (float16, bfloat16):
        raise NotImplementedError(f"\"linalg_eig_out_cpu\" not implemented for "
                                  f"'{A.dtype._legacy[:-6]}'")
    xp = A._backend.xp
    if not bool(xp.isfinite(A._data).all()):
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    cdtype = A._data.dtype if A.dtype.is_complex else xp.result_type(A._data.dtype, 1j)
    # a backend without a general eigensolver (CuPy) computes it on the CPU, as PyTorch does
    work = A if hasattr(xp.linalg, "eig") else A.cpu()
    return work, cdtype


def eig(A: Tensor, *, out=None):
    """``(eigenvalues, eigenvectors)`` of a square matrix, always complex (forward only).

    >>> ember.linalg.eig(ember.tensor([[2., 0.], [0., 3.]])).eigenvalues
    tensor([2.+0.j, 3.+0.j])
    """
    work, cdtype = _eig_prep("linalg.eig", A)
    w, v = Eig.apply(work, cdtype=cdtype, _device=work.device)
    if work is not A:
        w, v = w.to(A.device), v.to(A.device)
    return RETURN_TYPES["linalg_eig"](w, v)


def eigvals(A: Tensor, *, out=None) -> Tensor:
    """The eigenvalues of a square matrix, always complex (forward only)."""
    work, cdtype = _eig_prep("linalg.eigvals", A)
    if work.requires_grad and STATE.enabled:
        w = Eig.apply(work, cdtype=cdtype, _device=work.device)[0]
    else:
        w = work._from_array(work._backend.xp.linalg.eigvals(work._data).astype(cdtype))
    return _out(w.to(A.device), out)


# ---- Householder products, tensor inverse / solve, Vandermonde ----

def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H`` (LAPACK orgqr),
    with ``v_i`` below the diagonal of ``A``'s column i; differentiable.

    >>> ember.linalg.householder_product(ember.zeros(2, 1), ember.tensor([2.]))
    tensor([[-1.],
            [ 0.]])
    """
    fn = "torch.linalg.householder_product"
    check_tensor("linalg_householder_product", A, "input")
    check_tensor("linalg_householder_product", tau, "tau", 2)
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if n < tau.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{fn}: Expected tau to have one dimension less than input, but got "
                           f"tau.ndim equal to {tau.ndim} and input.ndim is equal to {A.ndim}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if tau.dtype is not A.dtype:
        raise RuntimeError(f"{fn}: tau dtype {tau.dtype._legacy[:-6]} does not match input "
                           f"dtype {A.dtype._legacy[:-6]}")
    _not_impl("orgqr_cpu", A)
    V = A.tril(-1) + _eye(m, n, A)
    Q = _eye(m, n, A).expand(tuple(A.shape))
    for i in reversed(range(tau.shape[-1])):
        v = V[..., i:i + 1]
        Q = Q - (tau[..., i, None, None] * v) @ (_mh(v) @ Q)
    return _out(Q, out)


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """The inverse of ``A`` seen as a map from ``A.shape[ind:]`` to ``A.shape[:ind]``."""
    check_tensor("linalg_tensorinv", A, "input")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    try:
        res = inv(A.reshape(rows, cols))
    except LinAlgError as e:  # PyTorch names the op "inv" here
        raise LinAlgError(str(e).replace("linalg.inv: ", "inv: ", 1)) from None
    return _out(res.reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind])), out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """The X with ``tensordot(A, X, X.ndim) == B``; ``dims`` of A are first moved to the end."""
    check_tensor("linalg_tensorsolve", A, "input")
    check_tensor("linalg_tensorsolve", B, "other", 2)
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        A = A.movedim(dims, tuple(range(A.ndim - len(dims), A.ndim)))
    shape = tuple(A.shape[B.ndim:])
    size, rows = math.prod(shape), B.numel()
    if size != rows:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]"
                           f") == prod(self.shape[:other.ndim]), but got {size} != {rows}")
    return _out(solve(A.reshape(rows, size), B.reshape(rows)).reshape(shape), out)


def _powers(x, N):
    """``[x^0, x^1, ..., x^(N-1)]`` along a new last dim (cumprod, so x = 0 is fine)."""
    from .shape import cat
    if x.dtype is bool_ or not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(int64)
    ones = x.new_ones(tuple(x.shape) + (1,))
    if N == 1:
        return ones
    return cat([ones, x.unsqueeze(-1).expand(*x.shape, N - 1)], -1).cumprod(-1)


def linalg_vander(x: Tensor, *, N=None) -> Tensor:
    """``linalg.vander``: powers ``x^0 ... x^(N-1)`` of each element, along a new last dim.

    >>> ember.linalg.vander(ember.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [1, 2, 4],
            [1, 3, 9]])
    """
    check_tensor("linalg_vander", x, "x")
    if x.dtype is bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, "
                           "but got Bool")
    if N is None:
        N = x.shape[-1] if x.ndim else 1
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _powers(x, N)


def vander(x: Tensor, N=None, increasing: bool = False) -> Tensor:
    """``torch.vander``: columns are powers of the 1-D ``x``, decreasing unless ``increasing``.

    >>> ember.vander(ember.tensor([1, 2, 3]), N=2)
    tensor([[1, 1],
            [2, 1],
            [3, 1]])
    """
    check_tensor("vander", x, "x")
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        dt = x.dtype if x.dtype.is_floating_point or x.dtype.is_complex else int64
        return x.new_zeros((x.shape[0], 0), dtype=dt)
    res = _powers(x, N)
    return res if increasing else res.flip(-1)


__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve", "cholesky_solve",
           "cholesky_inverse", "matrix_exp", "eig", "eigvals", "householder_product",
           "tensorinv", "tensorsolve", "linalg_vander", "vander"]
