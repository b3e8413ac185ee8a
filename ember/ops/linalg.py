"""Matrix products: matmul and the functions built on it, einsum."""
from __future__ import annotations

from ..autograd.node import Primitive
from ._util import binary


class Matmul(Primitive, node_name="MmBackward0"):
    """Batched matrix product of operands with at least two dims each."""
    save_inputs = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, self._in_meta[0] is not None)

    def forward(self, a, b):
        return self.xp.matmul(a, b)

    def backward(self, grad):
        a, b = self.inputs
        ga = grad @ b.mT if self._in_meta[0] else None
        gb = a.mT @ grad if self._in_meta[1] else None
        return ga, gb

    def backward_arrays(self, g):
        a, b = self.inputs
        mm = self.xp.matmul
        ga = mm(g, b._data.swapaxes(-1, -2)) if self._in_meta[0] else None
        gb = mm(a._data.swapaxes(-1, -2), g) if self._in_meta[1] else None
        return ga, gb


class Bmm(Matmul, node_name="BmmBackward0"):
    pass


class UnsafeMatmul(Matmul, node_name="UnsafeViewBackward0"):
    pass


def _shape_str(t):
    return "x".join(str(s) for s in t.shape)


def matmul(input, other, *, out=None):
    """Matrix product with NumPy's broadcasting rules for 1-D and batched operands."""
    a, b = binary(input, other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1 and a.shape[0] != b.shape[0]:
        return dot(a, b)  # raises PyTorch's message for vectors
    squeeze_a, squeeze_b = a.ndim == 1, b.ndim == 1
    if squeeze_a:
        a = a.unsqueeze(0)
    if squeeze_b:
        b = b.unsqueeze(1)
    if a.shape[-1] != b.shape[-2]:
        if a.ndim == 2 and b.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a)} and "
                               f"{_shape_str(b)})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{', '.join(map(str, b.shape[:-2]))}, {a.shape[-1]}] but got: "
                           f"[{', '.join(map(str, b.shape[:-2]))}, {b.shape[-2]}].")
    kind = Matmul if a.ndim == 2 and b.ndim == 2 else UnsafeMatmul
    r = kind.apply(a, b)
    if squeeze_a:
        r = r.squeeze(-2)
    if squeeze_b:
        r = r.squeeze(-1)
    if out is not None:
        from .math import _out
        return _out(r, out)
    return r


def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                           f"{mat2.shape[1]}].")
    a, b = binary(input, mat2)
    return Bmm.apply(a, b)


def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({_shape_str(input)}), vec ({vec.shape[0]})")
    return matmul(input, vec, out=out)


def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype._legacy[:-6]} and {other.dtype._legacy[:-6]}")
    return matmul(input, other, out=out)


inner = dot
vdot = dot


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    res = prod + (input if beta == 1 else input * beta)
    if out is not None:
        from .math import _out
        return _out(res, out)
    return res


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return input * beta + mv(mat, vec) * alpha


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return input * beta + bmm(batch1, batch2) * alpha


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return input * beta + bmm(batch1, batch2).sum(0) * alpha


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(d) if not isinstance(d, int) else [d] for d in dims]
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    pa = a.permute(*fa, *da).reshape(-1, _prod([a.shape[i] for i in da]))
    pb = b.permute(*db, *fb).reshape(_prod([b.shape[i] for i in db]), -1)
    return (pa @ pb).reshape(*[a.shape[i] for i in fa], *[b.shape[i] for i in fb])


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


class Einsum(Primitive, node_name="EinsumBackward0"):
    save_inputs = True

    def forward(self, *ops):
        return self.xp.einsum(self.equation, *ops, optimize=len(ops) > 2)

    def backward(self, grad):
        ins, out = self.subs
        ops = self.inputs
        grads = []
        for i, sub in enumerate(ins):
            if self._in_meta[i] is None:
                grads.append(None)
                continue
            others = [o for j, o in enumerate(ops) if j != i]
            other_subs = [s for j, s in enumerate(ins) if j != i]
            g = _einsum_grad(grad, out, others, other_subs, sub, ops[i].shape)
            grads.append(g)
        return tuple(grads)


def _einsum_grad(grad, out, others, other_subs, target, shape):
    from .creation import ones
    letters = set(target)
    present = set(out).union(*other_subs) if other_subs else set(out)
    missing = [c for c in dict.fromkeys(target) if c not in present]
    extra = [ones(shape[target.index(c)], dtype=grad.dtype, device=grad.device)
             for c in missing]
    uniq = "".join(dict.fromkeys(target))
    eq = ",".join([out] + other_subs + missing) + "->" + uniq
    g = einsum(eq, grad, *others, *extra)
    if len(uniq) != len(target):  # repeated index in the target (a diagonal)
        raise NotImplementedError("ember: einsum backward with a repeated index in one operand")
    del letters
    return g


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "..." in eq:
        return _einsum_ellipsis(eq, operands)
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        counts = {}
        for c in lhs.replace(",", ""):
            counts[c] = counts.get(c, 0) + 1
        out = "".join(sorted(c for c, n in counts.items() if n == 1))
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation" if len(operands) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    from .._dtype import result_type
    dt = result_type(*operands)
    ops = [o if o.dtype is dt else o.to(dt) for o in operands]
    return Einsum.apply(*ops, equation=f"{lhs}->{out}", subs=(ins, out))


def _einsum_ellipsis(eq, operands):
    lhs, _, out = eq.partition("->")
    ins = lhs.split(",")
    used = set(eq) - set(",->.")
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    nell = max(o.ndim - (len(s) - 3) for s, o in zip(ins, operands) if "..." in s)
    ell = "".join(free[:nell])
    new_ins = []
    for s, o in zip(ins, operands):
        if "..." in s:
            k = o.ndim - (len(s) - 3)
            s = s.replace("...", ell[nell - k:])
        new_ins.append(s)
    if "->" in eq:
        out = out.replace("...", ell)
    else:
        counts = {}
        for c in "".join(new_ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return einsum(",".join(new_ins) + "->" + out, *operands)
