"""Matrix products: matmul and the functions built on it, einsum."""
from __future__ import annotations

from .._tensor import Tensor
from ..amp import _policy as _amp
from ..autograd.node import Primitive, broadcast_error
from ._util import check_device

_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half",
          "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
          "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _tname(t):
    return t.dtype._legacy[:-6]


def _dtype_error(a, b):
    """PyTorch's message for matmul operands of different dtypes (it never promotes)."""
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                            f"{_tname(a)} and {_tname(b)}")
    if a.ndim == 2 and b.ndim == 1:
        return RuntimeError(f"addmv input tensors must have the same dtype, but got "
                            f"{_tname(b)}, {_tname(a)}, and {_tname(b)}")
    if a.ndim <= 2 and b.ndim <= 2:
        return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                            f"{_CNAME.get(a.dtype.name, a.dtype.name)} != "
                            f"{_CNAME.get(b.dtype.name, b.dtype.name)}")
    return RuntimeError(f"expected scalar type {_tname(a)} but found {_tname(b)}")


def _check_tensors(fn, **args):
    for i, (name, x) in enumerate(args.items()):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' (position {i + 1}) must be Tensor, not "
                            f"{type(x).__name__}")


def as_dtype_of(r, a, dt=None):
    """``r`` in ``a``'s dtype (or ``dt``): NumPy's bfloat16 (ml_dtypes) matmul returns float32,
    PyTorch's bfloat16 GEMMs round their float32 accumulation back to bfloat16."""
    dt = a.dtype if dt is None else dt
    return r if r.dtype == dt else r.astype(dt)


class Matmul(Primitive, node_name="MmBackward0"):
    """Batched matrix product of operands with at least two dims each."""
    save_inputs = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, self._in_meta[0] is not None)

    def forward(self, a, b):
        return as_dtype_of(self.xp.matmul(a, b), a)

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
    if _amp.active and out is None and \
            (r := _amp.run("matmul", matmul, input, other)) is not None:
        return r
    if type(input) is not Tensor or type(other) is not Tensor or \
            input.dtype is not other.dtype or input.device is not other.device:
        _check_tensors("matmul", input=input, other=other)
        check_device(input, other)
        if input.dtype is not other.dtype and input.ndim and other.ndim:
            raise _dtype_error(input, other)
    a, b = input, other
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
    if a.ndim == 2 and b.ndim == 2:
        r = Matmul.apply(a, b)
    else:
        try:
            r = UnsafeMatmul.apply(a, b)
        except RuntimeError as e:  # name the batch dims as PyTorch does
            raise broadcast_error(a.shape[:-2], b.shape[:-2], e) from e
    if squeeze_a:
        r = r.squeeze(-2)
    if squeeze_b:
        r = r.squeeze(-1)
    if out is not None:
        from .math import _out
        return _out(r, out)
    return r


def mm(input, mat2, *, out=None):
    _check_tensors("mm", input=input, mat2=mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if _amp.active and (r := _amp.run("bmm", bmm, input, mat2)) is not None:
        return r
    _check_tensors("bmm", input=input, mat2=mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                           f"{mat2.shape[1]}].")
    if input.dtype is not mat2.dtype:
        raise _dtype_error(input, mat2)
    return Bmm.apply(input, mat2)


def mv(input, vec, *, out=None):
    if _amp.active and out is None and (r := _amp.run("mv", mv, input, vec)) is not None:
        return r
    _check_tensors("mv", input=input, vec=vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({_shape_str(input)}), vec ({vec.shape[0]})")
    return matmul(input, vec, out=out)


def dot(input, other, *, out=None):
    if _amp.active and out is None and (r := _amp.run("dot", dot, input, other)) is not None:
        return r
    _check_tensors("dot", input=input, other=other)
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
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    if _amp.active and out is None and (r := _amp.run(
            "addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha)) is not None:
        return r
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if input.dtype is not mat1.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_tname(input)} "
                           f"and {_tname(mat1)}")
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    try:
        res = prod + (input if beta == 1 else input * beta)
    except RuntimeError:
        input.expand(prod.shape)  # raises PyTorch's message for a bias that does not fit
        raise
    if out is not None:
        from .math import _out
        return _out(res, out)
    return res


def addmv(input, mat, vec, *, beta=1, alpha=1):
    if _amp.active and (r := _amp.run(
            "addmv", addmv, input, mat, vec, beta=beta, alpha=alpha)) is not None:
        return r
    return input * beta + mv(mat, vec) * alpha


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _amp.active and (r := _amp.run(
            "baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha)) is not None:
        return r
    return input * beta + bmm(batch1, batch2) * alpha


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _amp.active and (r := _amp.run(
            "addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha)) is not None:
        return r
    return input * beta + bmm(batch1, batch2).sum(0) * alpha


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = [list(d) if not isinstance(d, int) else [d] for d in dims]
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in "
                               f"dim {j}")
    da, db = [d % a.ndim for d in da], [d % b.ndim for d in db]
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    # PyTorch's is one mm (lowered by autocast) unless everything is contracted
    if _amp.active and (r := _amp.run("mm" if fa or fb else "tensordot", tensordot, a, b,
                                      dims)) is not None:
        return r
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
        dt = ops[0].dtype
        if dt.name == "bfloat16":  # NumPy's einsum has no bfloat16 loop
            ops = [o.astype(self.xp.float32) for o in ops]
        return as_dtype_of(self.xp.einsum(self.equation, *ops, optimize=len(ops) > 2),
                           ops[0], dt)

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
    assert len(uniq) == len(target), "einsum() takes diagonals before recording"
    del letters
    return einsum(eq, grad, *others, *extra)


def _einsum_diagonals(ins, ops):
    """Replace each operand with a repeated subscript ('ii', 'bii') by its diagonal view, so
    that every recorded operand has distinct subscripts (and a plain einsum gradient)."""
    from .shape import diagonal
    ins, ops = list(ins), list(ops)
    for k, sub in enumerate(ins):
        while len(set(sub)) != len(sub):
            c = next(c for c in sub if sub.count(c) > 1)
            p = sub.index(c)
            q = sub.index(c, p + 1)
            ops[k] = diagonal(ops[k], 0, p, q)
            sub = sub[:p] + sub[p + 1:q] + sub[q + 1:] + c
        ins[k] = sub
    return ins, ops


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
    _einsum_check(equation, ins, out, operands)
    if _amp.active and (r := _amp.run(
            _einsum_op(ins, out), einsum, equation, *operands)) is not None:
        return r
    from .._dtype import result_type
    dt = result_type(*operands)
    ops = [o if o.dtype is dt else o.to(dt) for o in operands]
    if any(len(set(sub)) != len(sub) for sub in ins):
        ins, ops = _einsum_diagonals(ins, ops)
        lhs = ",".join(ins)
    return Einsum.apply(*ops, equation=f"{lhs}->{out}", subs=(ins, out))


def _einsum_op(ins, out):
    """Autocast's name for this einsum: PyTorch's runs in lower precision when it contracts
    a subscript shared by two operands (a batched GEMM), else as the elementwise product."""
    shared = {c for i, a in enumerate(ins) for b in ins[i + 1:] for c in set(a) & set(b)}
    return "einsum" if shared - set(out) else "mul"


def _einsum_check(equation, ins, out, operands):
    """PyTorch's errors for an equation that does not fit its operands."""
    for i, c in enumerate(equation):
        if not (c.isascii() and c.isalpha()) and c not in " ,->.":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
    sizes = {}
    for k, (sub, op) in enumerate(zip(ins, operands)):
        if len(sub) != op.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) "
                               f"does not match the number of dimensions ({op.ndim}) for operand "
                               f"{k} and no ellipsis was given")
        seen = {}
        for c, n in zip(sub, op.shape):
            if c in seen and seen[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {seen[c]} != {n}")
            seen[c] = n
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    for c in out:
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation "
                               "for any input operand")
        if out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                               "output")


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


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product: blocks ``input[i, j] * other`` laid out as ``input``'s grid.

    >>> ember.kron(ember.eye(2), ember.ones(1, 2))
    tensor([[1., 1., 0., 0.],
            [0., 0., 1., 1.]])
    """
    _check_tensors("kron", input=input, other=other)
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    sa = [v for n in a.shape for v in (n, 1)]
    sb = [v for n in b.shape for v in (1, n)]
    res = (a.reshape(sa) * b.reshape(sb)).reshape([m * n for m, n in zip(a.shape, b.shape)])
    if out is not None:
        from .math import _out
        return _out(res, out)
    return res


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3, deprecated)."""
    _check_tensors("cross", input=input, other=other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """``torch.linalg.cross``: cross product along ``dim``, broadcasting the other dims."""
    from ._util import wrap_dim
    from .index import index_select
    from .creation import tensor
    _check_tensors("linalg_cross", input=input, other=other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_tname(input)} but found {_tname(other)}")
    check_device(input, other)
    i1 = tensor([1, 2, 0], device=input.device)
    i2 = tensor([2, 0, 1], device=input.device)
    a1, a2 = index_select(input, d, i1), index_select(input, d, i2)
    b1, b2 = index_select(other, d, i1), index_select(other, d, i2)
    try:
        res = a1 * b2 - a2 * b1
    except RuntimeError as e:
        raise broadcast_error(tuple(input.shape), tuple(other.shape), e) from e
    if out is not None:
        from .math import _out
        return _out(res, out)
    return res
