"""Every differentiable op through the one-line harness (NumPy ref, gradchecks, torch parity)."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import check_op, rand_array as R

P = dict(positive=True)
UNARY = {
    "neg": (lambda t, x: -x, np.negative, {}),
    "exp": (lambda t, x: t.exp(x), np.exp, {}),
    "log": (lambda t, x: t.log(x), np.log, P),
    "log2": (lambda t, x: x.log2(), np.log2, P),
    "log10": (lambda t, x: x.log10(), np.log10, P),
    "log1p": (lambda t, x: t.log1p(x), np.log1p, P),
    "expm1": (lambda t, x: t.expm1(x), np.expm1, {}),
    "sqrt": (lambda t, x: t.sqrt(x), np.sqrt, P),
    "rsqrt": (lambda t, x: t.rsqrt(x), lambda a: 1 / np.sqrt(a), P),
    "sin": (lambda t, x: t.sin(x), np.sin, {}),
    "cos": (lambda t, x: t.cos(x), np.cos, {}),
    "tan": (lambda t, x: t.tan(x * 0.5), lambda a: np.tan(a * 0.5), {}),
    "tanh": (lambda t, x: t.tanh(x), np.tanh, {}),
    "sinh": (lambda t, x: x.sinh(), np.sinh, {}),
    "cosh": (lambda t, x: x.cosh(), np.cosh, {}),
    "asin": (lambda t, x: (x * 0.4).asin(), lambda a: np.arcsin(a * 0.4), {}),
    "acos": (lambda t, x: (x * 0.4).acos(), lambda a: np.arccos(a * 0.4), {}),
    "atan": (lambda t, x: x.atan(), np.arctan, {}),
    "sigmoid": (lambda t, x: t.sigmoid(x), lambda a: 1 / (1 + np.exp(-a)), {}),
    "relu": (lambda t, x: t.relu(x), lambda a: np.maximum(a, 0), {}),
    "erf": (lambda t, x: t.erf(x), None, {}),
    "abs": (lambda t, x: t.abs(x), np.abs, {}),
    "reciprocal": (lambda t, x: t.reciprocal(x), np.reciprocal, P),
    "square": (lambda t, x: t.square(x), np.square, {}),
    "pow_scalar": (lambda t, x: x ** 3, lambda a: a ** 3, {}),
    "pow_frac": (lambda t, x: x ** 0.5, np.sqrt, P),
    "rpow": (lambda t, x: 2 ** x, lambda a: 2 ** a, {}),
    "clamp": (lambda t, x: x.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), {}),
    "clamp_min": (lambda t, x: x.clamp(min=0.1), lambda a: np.maximum(a, 0.1), {}),
    "sum": (lambda t, x: x.sum(), np.sum, {}),
    "sum_dim": (lambda t, x: x.sum(-1, keepdim=True), lambda a: a.sum(-1, keepdims=True), {}),
    "mean": (lambda t, x: x.mean(), np.mean, {}),
    "mean_dim": (lambda t, x: x.mean(0), lambda a: a.mean(0), {}),
    "prod": (lambda t, x: x.prod(-1), lambda a: a.prod(-1), {}),
    "var": (lambda t, x: x.var(), lambda a: a.var(ddof=1), {}),
    "std_dim": (lambda t, x: x.std(0, unbiased=False), lambda a: a.std(0), {}),
    "norm": (lambda t, x: x.norm(), np.linalg.norm, {}),
    "norm_p1": (lambda t, x: x.norm(p=1, dim=-1), lambda a: np.abs(a).sum(-1), {}),
    "max_all": (lambda t, x: x.max(), np.max, {}),
    "max_dim": (lambda t, x: x.max(-1).values, lambda a: a.max(-1), {}),
    "min_dim": (lambda t, x: x.min(0, keepdim=True)[0], lambda a: a.min(0, keepdims=True), {}),
    "amax": (lambda t, x: x.amax(-1), lambda a: a.max(-1), {}),
    "logsumexp": (lambda t, x: t.logsumexp(x, -1), None, {}),
    "cumsum": (lambda t, x: x.cumsum(-1), lambda a: a.cumsum(-1), {}),
    "cumprod": (lambda t, x: x.cumprod(-1), lambda a: a.cumprod(-1), P),
    "softplus_composite": (lambda t, x: (1 + x.exp()).log(), lambda a: np.log1p(np.exp(a)), {}),
    "transpose": (lambda t, x: x.transpose(0, -1), lambda a: np.swapaxes(a, 0, -1), {}),
    "flip": (lambda t, x: x.flip(0), lambda a: np.flip(a, 0), {}),
    "reshape": (lambda t, x: x.reshape(-1), lambda a: a.reshape(-1), {}),
    "unsqueeze": (lambda t, x: x.unsqueeze(0), lambda a: a[None], {}),
    "repeat": (lambda t, x: x.repeat(2, 1, 1), None, {}),
    "sort": (lambda t, x: x.sort(-1).values, lambda a: np.sort(a, -1), {}),
    "sort_desc": (lambda t, x: x.sort(0, descending=True)[0], lambda a: -np.sort(-a, 0), {}),
    "clone": (lambda t, x: x.clone(), np.copy, {}),
    "contiguous_T": (lambda t, x: x.mT.contiguous(), lambda a: np.swapaxes(a, -1, -2), {}),
    "getitem_basic": (lambda t, x: x[1:, ..., ::2], lambda a: a[1:, ..., ::2], {}),
    "getitem_int": (lambda t, x: x[-1], lambda a: a[-1], {}),
    "getitem_adv": (lambda t, x: x[[0, 1, 0]], lambda a: a[[0, 1, 0]], {}),
    "getitem_mask": (lambda t, x: x[x > 0], lambda a: a[a > 0], {}),
    "getitem_none": (lambda t, x: x[None, :, 1], lambda a: a[None, :, 1], {}),
    "masked_fill": (lambda t, x: x.masked_fill(x > 0.5, 2.0), None, {}),
    "tril": (lambda t, x: x.tril(), None, {}),
    "triu": (lambda t, x: x.triu(1), None, {}),
    "roll": (lambda t, x: x.roll(1, 0), lambda a: np.roll(a, 1, 0), {}),
    "unbind": (lambda t, x: x.unbind(0)[1], lambda a: a[1], {}),
    "chunk": (lambda t, x: x.chunk(2, -1)[0], None, {}),
    "narrow": (lambda t, x: x.narrow(0, 1, 1), lambda a: a[1:2], {}),
    "topk": (lambda t, x: x.topk(2, -1)[0], lambda a: -np.sort(-a, -1)[..., :2], {}),
    "expand": (lambda t, x: x[:1].expand(4, -1, -1), None, {}),
    "squeeze": (lambda t, x: x[:1].squeeze(0), lambda a: a[0], {}),
    "flatten": (lambda t, x: x.flatten(1), lambda a: a.reshape(a.shape[0], -1), {}),
    "permute": (lambda t, x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), {}),
    "unfold": (lambda t, x: x.unfold(2, 2, 1), None, {}),
    "unfold_step": (lambda t, x: x.unfold(1, 2, 2) * 1.5, None, {}),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    fn, ref, kw = UNARY[name]
    check_op(fn, R((2, 3, 4), **kw), ref=ref)


BINARY = {
    "add": (lambda t, x, y: x + y, np.add, {}),
    "add_alpha": (lambda t, x, y: t.add(x, y, alpha=2), lambda a, b: a + 2 * b, {}),
    "sub": (lambda t, x, y: x - y, np.subtract, {}),
    "mul": (lambda t, x, y: x * y, np.multiply, {}),
    "div": (lambda t, x, y: x / y, np.divide, P),
    "pow": (lambda t, x, y: x ** y, np.power, P),
    "maximum": (lambda t, x, y: t.maximum(x, y), np.maximum, {}),
    "minimum": (lambda t, x, y: t.minimum(x, y), np.minimum, {}),
    "where": (lambda t, x, y: t.where(x > y, x, y), lambda a, b: np.where(a > b, a, b), {}),
    "lerp": (lambda t, x, y: t.lerp(x, y, 0.3), lambda a, b: a + 0.3 * (b - a), {}),
    "atan2": (lambda t, x, y: t.atan2(x, y), np.arctan2, {}),
    "hypot": (lambda t, x, y: t.hypot(x, y), np.hypot, {}),
}
SHAPES = {
    "same": ((3, 4), (3, 4)),
    "broadcast": ((3, 1), (1, 4)),
    "rank": ((2, 3, 4), (4,)),
    "zero_dim": ((), (3,)),
    "empty": ((0, 3), (3,)),
}


@pytest.mark.parametrize("shapes", sorted(SHAPES))
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, shapes):
    fn, ref, kw = BINARY[name]
    sa, sb = SHAPES[shapes]
    check_op(fn, R(sa, **kw), R(sb, **kw), ref=ref)


def test_matmul_family():
    check_op(lambda t, a, b: a @ b, R((3, 4)), R((4, 2)), ref=np.matmul)
    check_op(lambda t, a, b: a @ b, R((2, 3, 4)), R((4, 2)), ref=np.matmul)
    check_op(lambda t, a, b: a @ b, R((4,)), R((2, 4, 3)), ref=np.matmul)
    check_op(lambda t, a, b: t.mv(a, b), R((3, 4)), R((4,)), ref=np.matmul)
    check_op(lambda t, a, b: t.dot(a, b), R((4,)), R((4,)), ref=np.dot)
    check_op(lambda t, a, b: t.outer(a, b), R((3,)), R((4,)), ref=np.outer)
    check_op(lambda t, a, b: t.bmm(a, b), R((2, 3, 4)), R((2, 4, 2)), ref=np.matmul)
    check_op(lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2), R((3, 2)), R((3, 4)),
             R((4, 2)), ref=lambda c, a, b: 0.5 * c + 2 * a @ b)
    check_op(lambda t, a, b: t.einsum("bij,jk->bik", a, b), R((2, 3, 4)), R((4, 2)),
             ref=lambda a, b: np.einsum("bij,jk->bik", a, b))
    check_op(lambda t, a: t.einsum("ij->", a), R((3, 4)), ref=np.sum)
    check_op(lambda t, a, b: t.einsum("...ij,...jk", a, b), R((2, 3, 4)), R((2, 4, 2)),
             ref=np.matmul)


def test_join_and_index_ops():
    check_op(lambda t, a, b: t.cat([a, b], 1), R((3, 4)), R((3, 2)),
             ref=lambda a, b: np.concatenate([a, b], 1))
    check_op(lambda t, a, b: t.stack([a, b], -1), R((3, 4)), R((3, 4)),
             ref=lambda a, b: np.stack([a, b], -1))
    idx = np.array([[0, 1], [2, 2], [3, 0]])
    check_op(lambda t, a: a.gather(1, t.from_numpy(idx)), R((3, 4)),
             ref=lambda a: np.take_along_axis(a, idx, 1))
    check_op(lambda t, a, b: a.scatter_add(1, t.from_numpy(idx), b), R((3, 4)), R((3, 2)))
    check_op(lambda t, a, b: a.scatter(1, t.from_numpy(idx[:, :1]), b), R((3, 4)), R((3, 1)))
    check_op(lambda t, a: a.index_select(0, t.tensor([2, 0, 2])), R((3, 4)),
             ref=lambda a: a[[2, 0, 2]])
    check_op(lambda t, a: a.take(t.tensor([0, 5, 11])), R((3, 4)),
             ref=lambda a: a.reshape(-1)[[0, 5, 11]])
    check_op(lambda t, a: a.masked_select(a > 0), R((3, 4)), ref=lambda a: a[a > 0])
    check_op(lambda t, a: t.diag(a), R((3,)), ref=np.diag)
    check_op(lambda t, a: t.diag(a, 1), R((3, 3)), ref=lambda a: np.diag(a, 1))
