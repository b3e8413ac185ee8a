"""Cholesky solves, matrix exp, eig, Householder products, tensor solves, Vandermonde.

``linalg.eig`` is forward only: ember has no complex autograd, so its backward raises instead
of returning a wrong gradient. The LU family lives in ``linalg_lu`` (re-exported here).
"""
from __future__ import annotations

import math

from .._dtype import bfloat16, bool_, float16, int64
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.node import Primitive
from .linalg_decomp import (RETURN_TYPES, LinAlgError, _MultiOutput, _out, _tri_solve,
                            check_matrix, check_tensor, inv, solve)
from .linalg_lu import (_eye, _mh, _not_impl, lu, lu_factor, lu_factor_ex,  # noqa: F401
                        lu_solve, lu_unpack)
from .reduce import _return_type

RETURN_TYPES["linalg_eig"] = _return_type("linalg_eig", ("eigenvalues", "eigenvectors"))


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
