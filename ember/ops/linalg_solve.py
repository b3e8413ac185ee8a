"""Inverses, determinants and solvers: inv, det, slogdet, solve, cholesky, qr.

Forwards call the backend's ``xp.linalg``; backwards are written with ember's
differentiable ops, so double backward works.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.node import Primitive
from .linalg_decomp import (RETURN_TYPES, LinAlgError, _all_finite, _batch_prefix, _check_rhs,
                            _chol_array, _first_bad, _inv_array, _out, _same_dtype, check_matrix,
                            check_tensor, cholesky_info, lu_info)
from .linalg_spectral import _MultiOutput, svd


class Inv(Primitive, node_name="LinalgInvExBackward0"):
    save_output = True

    def forward(self, a):
        return _inv_array(self.xp, a)

    def backward(self, grad):
        inv_t = self.output.mT
        return -(inv_t @ grad @ inv_t)


class Det(Primitive, node_name="LinalgDetBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, a):
        return self.xp.linalg.det(a)

    def backward(self, grad):
        a = self.inputs[0]
        try:
            return (grad * self.output)[..., None, None] * inv(a).mT
        except LinAlgError:  # singular: the cofactor matrix, from the SVD
            return grad[..., None, None] * _cofactors(a)


def _cofactors(a):
    """d det(A) / dA for any square A: det(U) det(V) U diag(prod_{j != i} s_j) V^T."""
    u, s, vh = svd(a)
    from .reduce import cumprod
    ones = s.new_ones(s.shape[:-1] + (1,))
    left = cumprod(cat_last(ones, s[..., :-1]), -1)
    right = cumprod(cat_last(ones, s.flip(-1)[..., :-1]), -1).flip(-1)
    sign = det(u) * det(vh)
    return sign[..., None, None] * (u * (left * right)[..., None, :]) @ vh


def cat_last(a, b):
    from .shape import cat
    return cat([a, b], -1)


class Slogdet(Primitive, node_name="LinalgSlogdetBackward0"):
    """Outputs (logabsdet, sign): only the first is differentiable for real inputs."""
    save_inputs = True

    def forward(self, a):
        sign, logabs = self.xp.linalg.slogdet(a)
        return logabs, sign

    def backward(self, grad):
        return grad[..., None, None] * inv(self.inputs[0]).mT


class Solve(Primitive, node_name="LinalgSolveExBackward0"):
    save_inputs = True
    save_output = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, False)

    def forward(self, a, b):
        xp = self.xp
        try:
            out = xp.linalg.solve(a, b)
            if _all_finite(xp, out) or not (_all_finite(xp, a) and _all_finite(xp, b)):
                return out
        except xp.linalg.LinAlgError:
            pass
        bad = _first_bad(lu_info(xp, a))
        i = bad[0] if bad is not None else 0
        raise LinAlgError(f"torch.linalg.solve: {_batch_prefix(a, i)}The solver failed because "
                          "the input matrix is singular.")

    def backward(self, grad):
        a = self.inputs[0]
        gb = Solve.apply(a.mT, grad)
        ga = -(gb @ self.output.mT) if self._in_meta[0] is not None else None
        return ga, gb


class SolveTriangular(Primitive, node_name="LinalgSolveTriangularBackward0"):
    save_inputs = True
    save_output = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, False)

    def forward(self, a, b):
        xp = self.xp
        t = xp.triu(a) if self.upper else xp.tril(a)
        if self.unitriangular:
            n = a.shape[-1]
            t = t - t * xp.eye(n, dtype=a.dtype) + xp.eye(n, dtype=a.dtype)
        if not self.left:
            tt, bt = t.swapaxes(-1, -2), b.swapaxes(-1, -2)
            return _tri_solve(xp, tt, bt, self.upper).swapaxes(-1, -2)
        return _tri_solve(xp, t, b, not self.upper)

    def backward(self, grad):
        a = self.inputs[0]
        x = self.output
        gb = SolveTriangular.apply(a.mT, grad, upper=not self.upper, left=self.left,
                                   unitriangular=self.unitriangular)
        if self._in_meta[0] is None:
            return None, gb
        ga = -(gb @ x.mT) if self.left else -(x.mT @ gb)
        k = 1 if self.unitriangular else 0
        return (ga.triu(k) if self.upper else ga.tril(-k)), gb


def _tri_solve(xp, t, b, lower):
    """Solve with a triangular ``t``; a zero diagonal gives inf/nan as LAPACK's trsm does."""
    try:
        return xp.linalg.solve(t, b)
    except xp.linalg.LinAlgError:
        pass
    n = t.shape[-1]
    shape = xp.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = xp.zeros(shape, dtype=b.dtype)
    for i in (range(n) if lower else range(n - 1, -1, -1)):
        acc = (t[..., i, :, None] * x).sum(-2)
        x[..., i, :] = (b[..., i, :] - acc) / t[..., i, i, None]
    return x


class Cholesky(Primitive, node_name="LinalgCholeskyExBackward0"):
    save_output = True

    def forward(self, a):
        if self.upper:  # the factor of the upper triangle, as LAPACK's uplo='U'
            return _chol_array(self.xp, a.swapaxes(-1, -2)).swapaxes(-1, -2)
        return _chol_array(self.xp, a)

    def backward(self, grad):
        low = self.output.mT if self.upper else self.output
        g = grad.mT if self.upper else grad
        ga = (low.mT @ g).tril()
        ga = 0.5 * (ga + ga.tril(-1).mT)
        ga = SolveTriangular.apply(low.mT, ga, upper=True, left=True, unitriangular=False)
        return SolveTriangular.apply(low, ga, upper=False, left=False, unitriangular=False)


class Qr(_MultiOutput, node_name="LinalgQrBackward0"):
    def forward(self, a):
        if self.mode == "r":
            r = self.xp.linalg.qr(a, mode="r")
            return self.xp.zeros((0,), dtype=a.dtype), r
        q, r = self.xp.linalg.qr(a, mode=self.mode)
        return q, r

    def backward(self, gq, gr):
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        q, r = self.saved(0), self.saved(1)
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(gq, gr, q, r)
        from .shape import cat
        r1, r2 = r[..., :m], r[..., m:]
        gr1 = gr[..., :m] if gr is not None else None
        gy = q @ gr[..., m:] if gr is not None else (q @ r2).new_zeros(q.shape[:-2] + (m, n - m))
        if gr is not None:
            extra = (q @ r2) @ gr[..., m:].mT
            gq = extra if gq is None else gq + extra
        return cat([_qr_backward_tall(gq, gr1, q, r1), gy], -1)


def _qr_backward_tall(gq, gr, q, r):
    """Gradient of A = QR (m >= n): (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q."""
    if gr is not None:
        mm = r @ gr.mT
        if gq is not None:
            mm = mm - gq.mT @ q
    else:
        mm = -(gq.mT @ q)
    b = q @ (mm.tril() + mm.tril(-1).mT)
    if gq is not None:
        b = b + gq
    return SolveTriangular.apply(r.mT, b, upper=False, left=False, unitriangular=False)


def inv(A: Tensor, *, out=None) -> Tensor:
    """Inverse of a square matrix (or batch); raises LinAlgError when one is singular.

    >>> ember.linalg.inv(ember.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    check_matrix("linalg.inv", A)
    return _out(Inv.apply(A), out)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)``: ``info`` is 0 per matrix, or the index of a zero pivot."""
    check_matrix("linalg.inv", A)
    xp = A._backend.xp
    info = lu_info(xp, A._data)
    bad = _first_bad(info)
    if bad is None:
        res = Inv.apply(A)
    elif check_errors:
        res = Inv.apply(A)  # raises the error of linalg.inv
    else:  # invert the others; the singular ones get nan
        from .creation import eye
        from .math import where
        bad_t = A._from_array(info != 0)[..., None, None]
        res = Inv.apply(where(bad_t, eye(A.shape[-1], dtype=A.dtype, device=A.device), A))
        res = where(bad_t, float("nan"), res)
    return RETURN_TYPES["linalg_inv_ex"](res, A._from_array(info))


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of a square matrix (or batch).

    >>> ember.linalg.det(ember.tensor([[1., 2.], [3., 4.]]))
    tensor(-2.)
    """
    check_matrix("linalg.det", A)
    return _out(Det.apply(A), out)


def slogdet(A: Tensor, *, out=None):
    """``(sign, logabsdet)`` of the determinant, stable for large or tiny determinants.

    >>> ember.linalg.slogdet(ember.eye(2) * 2)
    torch.return_types.linalg_slogdet(
    sign=tensor(1.),
    logabsdet=tensor(1.3863))
    """
    check_matrix("linalg.slogdet", A)
    logabs, sign = Slogdet.apply(A)
    return RETURN_TYPES["linalg_slogdet"](sign, logabs)


def logdet(input: Tensor) -> Tensor:
    """log(det(A)): nan for a negative determinant, -inf for a zero one."""
    check_matrix("linalg.slogdet", input)
    logabs, sign = Slogdet.apply(input)
    return sign.log() + logabs


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """The solution X of ``A X = B`` (or ``X A = B`` with ``left=False``).

    >>> ember.linalg.solve(ember.tensor([[2., 0.], [0., 4.]]), ember.tensor([2., 4.]))
    tensor([1., 1.])
    """
    check_matrix("linalg.solve", A)
    check_tensor("linalg_solve", B, "B", 2)
    _same_dtype("linalg.solve", A, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    b = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    _check_rhs("linalg.solve", n, b, left)
    x = Solve.apply(A, b) if left else Solve.apply(A.mT, b.mT).mT
    return _out(x.squeeze(-1) if vector else x, out)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out=None) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B``) reading only ``A``'s upper or lower triangle."""
    check_matrix("linalg.solve_triangular", A)
    check_tensor("linalg_solve_triangular", B, "B", 2)
    _same_dtype("linalg.solve_triangular", A, B)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    n = A.shape[-1]
    _check_rhs("linalg.solve_triangular", n, B, left)
    res = SolveTriangular.apply(A, B, upper=bool(upper), left=bool(left),
                                unitriangular=bool(unitriangular))
    return _out(res, out)


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """Cholesky factor L (``A = L L^T``) of a symmetric positive-definite matrix.

    >>> ember.linalg.cholesky(ember.tensor([[4., 2.], [2., 5.]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    check_matrix("linalg.cholesky", A)
    return _out(Cholesky.apply(A, upper=bool(upper)), out)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """``(L, info)``: ``info`` is 0 per matrix, or the order of its first non-PD minor."""
    check_matrix("linalg.cholesky", A)
    xp = A._backend.xp
    a = A._data.swapaxes(-1, -2) if upper else A._data
    info, low = cholesky_info(xp, a)
    if _first_bad(info) is None or check_errors:
        try:
            res = Cholesky.apply(A, upper=bool(upper))
            return RETURN_TYPES["linalg_cholesky_ex"](res, A._from_array(info))
        except LinAlgError:
            if check_errors:
                raise
    # near-singular matrices: LAPACK's blocked factorisation may meet a non-positive pivot
    # where the unblocked one above did not; on this (failing) path ask LAPACK per matrix
    info = _lapack_cholesky_info(xp, a, info)
    res = A._from_array(low.swapaxes(-1, -2) if upper else low)
    return RETURN_TYPES["linalg_cholesky_ex"](res, A._from_array(info))


def _lapack_cholesky_info(xp, a, info):
    """``info`` with the order n for every matrix that the backend's Cholesky rejects."""
    n = a.shape[-1]
    mats, flat = a.reshape((-1, n, n)), info.reshape(-1).copy()
    for i in range(mats.shape[0]):
        try:
            xp.linalg.cholesky(mats[i])
        except xp.linalg.LinAlgError:
            flat[i] = flat[i] or n
    return flat.reshape(info.shape)


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``(Q, R)`` with orthonormal Q and upper-triangular R (mode reduced, complete or r)."""
    check_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    q, r = Qr.apply(A, mode=mode, _device=A.device)
    return RETURN_TYPES["linalg_qr"](q, r)
