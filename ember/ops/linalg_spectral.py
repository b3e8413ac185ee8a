"""Spectral decompositions: eigh, eigvalsh, svd, svdvals, and pinv (built on them).

Forwards call the backend's ``xp.linalg``; backwards are written with ember's
differentiable ops, so double backward works.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.node import Primitive
from .linalg_decomp import RETURN_TYPES, _out, check_matrix, check_tensor


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
