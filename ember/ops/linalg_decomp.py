"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, eigh, svd, qr ...

Forwards call the backend's ``xp.linalg`` (NumPy or CuPy); backwards are written with
ember's differentiable ops, so double backward works.
"""
from __future__ import annotations

from .._dtype import bfloat16, bool_, float16
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
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


# ---- primitives ----

class Trace(Primitive, node_name="TraceBackward0"):
    def forward(self, a):
        out = self.xp.trace(a)
        return out.astype(a.dtype) if a.dtype.kind in "fc" else out.astype(self.xp.int64)

    def backward(self, grad):
        from .creation import eye
        return eye(*self.shape, dtype=grad.dtype, device=grad.device) * grad


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


class _MultiOutput(Primitive):
    """A primitive whose forward returns several differentiable arrays (eigh, svd, qr)."""

    def _record(self, inputs, out):
        res = super()._record(inputs, out)
        for i, t in enumerate(res[1:], 1):
            t.grad_fn, t._rg, t._output_nr = self, True, i
        self._outs = [(t._data, t._version_box, t._version_box[0], t.dtype) for t in res]
        self._n_out = len(res)
        return res

    def saved(self, i):
        """Output ``i`` as a Tensor in the graph (for differentiable backward formulas)."""
        from ..autograd.node import FREED_MSG
        if self._freed:
            raise RuntimeError(FREED_MSG)
        data, box, v, dtype = self._outs[i]
        t = Tensor._make(data, dtype, self._device)
        t._version_box = box
        if STATE.enabled:
            t.grad_fn, t._rg, t._output_nr = self, True, i
        return t

    def _release(self):
        super()._release()
        self._outs = None

    def _backward(self, grads):
        if self._freed:
            from ..autograd.node import FREED_MSG
            raise RuntimeError(FREED_MSG)
        out = self.backward(*[grads.get(i) for i in range(self._n_out)])
        return out if type(out) is tuple else (out,)


class Eigh(_MultiOutput, node_name="LinalgEighBackward0"):
    def forward(self, a):
        w, v = self.xp.linalg.eigh(a, UPLO=self.uplo)
        return w, v

    def backward(self, gl, gv):
        lam, v = self.saved(0), self.saved(1)
        if gv is None:
            return v @ (gl[..., None] * v.mT)
        vgv = v.mT @ gv
        vgv = 0.5 * (vgv - vgv.mT)
        from .creation import eye
        e = lam.unsqueeze(-2) - lam.unsqueeze(-1) + eye(lam.shape[-1], dtype=lam.dtype,
                                                          device=lam.device)
        inner = vgv / e
        if gl is not None:
            from .shape import diag_embed
            inner = inner + diag_embed(gl)
        return v @ inner @ v.mT


class Svd(_MultiOutput, node_name="LinalgSvdBackward0"):
    def forward(self, a):
        u, s, vh = self.xp.linalg.svd(a, full_matrices=self.full_matrices)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = self.saved(0), self.saved(1), self.saved(2)
        k = s.shape[-1]
        if self.full_matrices:
            u, vh = u[..., :k], vh[..., :k, :]
            gu = gu[..., :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        return svd_backward(gu, gs, gvh, u, s, vh)


def svd_backward(gu, gs, gvh, u, s, vh):
    """PyTorch's ``svd_backward`` for real matrices (reduced U, S, Vh)."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        if gs is None:
            return None
        return u @ (gs[..., None] * vh) if m >= n else (u * gs[..., None, :]) @ vh
    from .creation import eye
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye(s.shape[-1], dtype=s.dtype, device=s.device)
    uhgu = u.mT @ gu if gu is not None else None
    vhgv = vh @ gvh.mT if gvh is not None else None
    uhgu = uhgu - uhgu.mT if uhgu is not None else None
    vhgv = vhgv - vhgv.mT if vhgv is not None else None
    if uhgu is not None and vhgv is not None:
        ga = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / e
    elif vhgv is None:
        ga = (uhgu / e) * s.unsqueeze(-2)
    else:
        ga = s.unsqueeze(-1) * (vhgv / e)
    if gs is not None:
        from .shape import diag_embed
        ga = ga + diag_embed(gs)
    if m > n and gu is not None:
        gusinv = gu / s.unsqueeze(-2)
        ga = u @ ga + gusinv - u @ (u.mT @ gusinv)
        return ga @ vh
    if m < n and gvh is not None:
        sinvgvh = gvh / s.unsqueeze(-1)
        ga = ga @ vh + sinvgvh - (sinvgvh @ vh.mT) @ vh
        return u @ ga
    return u @ (ga @ vh)


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


class Pinv(Primitive, node_name="LinalgPinvBackward0"):
    save_inputs = True
    save_output = True

    def forward(self, a):
        xp = self.xp
        if self.hermitian:
            w, v = xp.linalg.eigh(a)
            s, u, vh = xp.abs(w), v * xp.sign(w)[..., None, :], v.swapaxes(-1, -2)
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
        if s.shape[-1] == 0:
            return xp.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), dtype=a.dtype)
        tol = xp.maximum(self.atol, self.rtol * s.max(-1, keepdims=True))
        big = s > tol
        sinv = xp.where(big, 1 / xp.where(big, s, 1), 0).astype(a.dtype)
        return (vh.swapaxes(-1, -2) * sinv[..., None, :]) @ u.swapaxes(-1, -2)

    def backward(self, grad):
        a, p = self.inputs[0], self.output
        m, n = a.shape[-2], a.shape[-1]
        ph, gh = p.mT, grad.mT
        if m <= n:
            k = gh @ p
            kph = k @ ph
            return -(p @ k).mT + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
        k = p @ gh
        phk = ph @ k
        return -(k @ p).mT + ((gh - a @ k) @ p) @ ph + phk - (phk @ p) @ a


# ---- functions ----

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
        res = Cholesky.apply(A, upper=bool(upper))
    else:
        res = A._from_array(low.swapaxes(-1, -2) if upper else low)
    return RETURN_TYPES["linalg_cholesky_ex"](res, A._from_array(info))


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, from one triangle."""
    check_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = Eigh.apply(A, uplo=UPLO, _device=A.device)
    return RETURN_TYPES["linalg_eigh"](w, v)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues (ascending) of a symmetric matrix."""
    check_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if A.requires_grad and STATE.enabled:
        return _out(Eigh.apply(A, uplo=UPLO, _device=A.device)[0], out)
    return _out(A._from_array(A._backend.xp.linalg.eigvalsh(A._data, UPLO=UPLO)), out)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values descending."""
    check_matrix("linalg.svd", A, square=False)
    u, s, vh = Svd.apply(A, full_matrices=bool(full_matrices), _device=A.device)
    return RETURN_TYPES["linalg_svd"](u, s, vh)


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """Singular values, descending."""
    check_matrix("linalg.svd", A, square=False)
    if A.requires_grad and STATE.enabled:
        return _out(Svd.apply(A, full_matrices=False, _device=A.device)[1], out)
    return _out(A._from_array(A._backend.xp.linalg.svd(A._data, compute_uv=False)), out)


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``(Q, R)`` with orthonormal Q and upper-triangular R (mode reduced, complete or r)."""
    check_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    q, r = Qr.apply(A, mode=mode, _device=A.device)
    return RETURN_TYPES["linalg_qr"](q, r)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * max(S)) drop."""
    check_tensor("linalg_pinv", A, "input")
    if A.ndim < 2 or not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.pinv({A.dtype._legacy[:-6]}{{{list(A.shape)}}}): expected "
                           "a tensor with 2 or more dimensions of float, double, cfloat or "
                           "cdouble types")
    atol_v = 0.0 if atol is None else float(atol)
    if rtol is None:
        import numpy as np
        eps = float(np.finfo(A.dtype.np).eps)
        rtol = eps * max(A.shape[-2], A.shape[-1]) if atol is None or atol_v <= 0 else 0.0
    return _out(Pinv.apply(A, atol=atol_v, rtol=float(rtol), hermitian=bool(hermitian)), out)


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


__all__ = ["LinAlgError", "trace", "inv", "inv_ex", "det", "slogdet", "logdet", "solve",
           "solve_triangular", "cholesky", "cholesky_ex", "eigh", "eigvalsh", "svd", "svdvals",
           "qr", "pinv", "inverse", "slogdet_legacy", "cholesky_legacy", "svd_legacy",
           "qr_legacy", "pinverse", "matrix_power", "triangular_solve"]
