"""ember.autocast on the CPU: per-op dtype policy, values and gradients against PyTorch."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import ember
from ember.amp import _policy

RNG = np.random.default_rng(7)


def _arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _np(t):
    return t.detach().float().numpy() if t.dtype is not ember.float64 else t.detach().numpy()


def _torch_np(t):
    return t.detach().float().numpy() if str(t.dtype) != "torch.float64" else t.detach().numpy()


def _lib_tensors(lib, arrays, cast=None, requires_grad=False):
    out = []
    for a in arrays:
        t = lib.tensor(a) if a.dtype.kind == "f" else lib.tensor(a)
        if cast is not None and t.is_floating_point():
            t = t.to(getattr(lib, cast))
        out.append(t.requires_grad_(requires_grad) if t.is_floating_point() else t)
    return out


def _f(lib):
    return lib.nn.functional


# name, input shapes, op(lib, *tensors); the first group runs lowered (autocast's list)
LOWERED = [
    ("matmul", [(4, 5), (5, 3)], lambda lib, a, b: lib.matmul(a, b)),
    ("matmul 1-D", [(5,), (5,)], lambda lib, a, b: lib.matmul(a, b)),
    ("batched @", [(2, 4, 5), (5, 3)], lambda lib, a, b: a @ b),
    ("Tensor.matmul", [(4, 5), (5, 3)], lambda lib, a, b: a.matmul(b)),
    ("mm", [(4, 5), (5, 3)], lambda lib, a, b: lib.mm(a, b)),
    ("Tensor.mm", [(4, 5), (5, 3)], lambda lib, a, b: a.mm(b)),
    ("bmm", [(2, 4, 5), (2, 5, 3)], lambda lib, a, b: lib.bmm(a, b)),
    ("addmm", [(4, 3), (4, 5), (5, 3)], lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5,
                                                                       alpha=2.0)),
    ("baddbmm", [(2, 4, 3), (2, 4, 5), (2, 5, 3)],
     lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5, alpha=2.0)),
    ("addbmm", [(4, 3), (2, 4, 5), (2, 5, 3)], lambda lib, c, a, b: lib.addbmm(c, a, b)),
    ("linear", [(6, 5), (3, 5), (3,)], lambda lib, x, w, b: _f(lib).linear(x, w, b)),
    ("linear 3-D no bias", [(2, 6, 5), (3, 5)], lambda lib, x, w: _f(lib).linear(x, w)),
    ("conv1d", [(2, 3, 9), (4, 3, 3), (4,)],
     lambda lib, x, w, b: _f(lib).conv1d(x, w, b, padding=1)),
    ("conv2d", [(2, 3, 7, 7), (4, 3, 3, 3), (4,)],
     lambda lib, x, w, b: _f(lib).conv2d(x, w, b, stride=2, padding=1)),
    ("conv3d", [(1, 2, 5, 5, 5), (3, 2, 2, 2, 2), (3,)],
     lambda lib, x, w, b: _f(lib).conv3d(x, w, b)),
    ("conv_transpose1d", [(2, 3, 6), (3, 2, 3)],
     lambda lib, x, w: _f(lib).conv_transpose1d(x, w, stride=2)),
    ("conv_transpose2d", [(2, 3, 5, 5), (3, 2, 3, 3), (2,)],
     lambda lib, x, w, b: _f(lib).conv_transpose2d(x, w, b, stride=2, padding=1)),
    ("conv_transpose3d", [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)],
     lambda lib, x, w: _f(lib).conv_transpose3d(x, w, stride=2)),
    ("einsum contraction", [(4, 5), (5, 3)], lambda lib, a, b: lib.einsum("ij,jk->ik", a, b)),
    ("einsum dot", [(5,), (5,)], lambda lib, a, b: lib.einsum("i,i->", a, b)),
    ("einsum batched sum", [(3, 5), (3, 5)], lambda lib, a, b: lib.einsum("ij,ij->i", a, b)),
    ("einsum three", [(3, 4), (4, 5), (5, 2)],
     lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c)),
    ("tensordot", [(3, 4, 5), (4, 5, 2)], lambda lib, a, b: lib.tensordot(a, b)),
    ("tensordot outer", [(2, 3), (4,)], lambda lib, a, b: lib.tensordot(a, b, dims=0)),
    # PyTorch's bilinear is two lowered contractions whose result returns to float32
    ("bilinear", [(4, 3), (4, 2), (5, 3, 2), (5,)],
     lambda lib, a, b, w, c: _f(lib).bilinear(a, b, w, c)),
]
PASSTHROUGH = [
    ("einsum outer", [(4,), (3,)], lambda lib, a, b: lib.einsum("i,j->ij", a, b)),
    ("einsum product", [(4,), (4,)], lambda lib, a, b: lib.einsum("i,i->i", a, b)),
    ("einsum one operand", [(3, 3)], lambda lib, a: lib.einsum("ii->i", a)),
    ("tensordot full", [(4, 4), (4, 4)], lambda lib, a, b: lib.tensordot(a, b)),
    ("mv", [(4, 5), (5,)], lambda lib, a, b: lib.mv(a, b)),
    ("addmv", [(4,), (4, 5), (5,)], lambda lib, c, a, b: lib.addmv(c, a, b)),
    ("dot", [(5,), (5,)], lambda lib, a, b: lib.dot(a, b)),
    ("outer", [(4,), (3,)], lambda lib, a, b: lib.outer(a, b)),
    ("kron", [(2, 2), (2, 3)], lambda lib, a, b: lib.kron(a, b)),
    ("add", [(4, 5), (4, 5)], lambda lib, a, b: a + b),
    ("relu", [(4, 5)], lambda lib, a: _f(lib).relu(a)),
    ("softmax", [(4, 5)], lambda lib, a: _f(lib).softmax(a, -1)),
    ("sum", [(4, 5)], lambda lib, a: a.sum()),
    ("cat", [(2, 3), (2, 3)], lambda lib, a, b: lib.cat([a, b])),
]
OPS = LOWERED + PASSTHROUGH
# PyTorch rounds intermediate results of these (per batch, per pairwise product; float16
# col2im sums), ember rounds once: equal within the tolerance, not bit for bit.
ROUNDS_MORE = {"addbmm", "einsum three", "conv_transpose1d float16", "conv_transpose2d float16",
               "conv_transpose3d float16"}
def _run(lib, op, arrays, dtype, cast=None, requires_grad=False):
    ts = _lib_tensors(lib, arrays, cast, requires_grad)
    with lib.autocast("cpu", dtype=getattr(lib, dtype)):
        out = op(lib, *ts)
    return out, ts


def _cases():
    for name, shapes, op in OPS:
        for cast in (None, "bfloat16", "float64"):
            yield pytest.param(name, shapes, op, cast, id=f"{name}-{cast or 'float32'}")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name, shapes, op, cast", list(_cases()))
def test_dtype_policy_and_values_match_torch(name, shapes, op, cast, dtype):
    """Output dtype as PyTorch's; values equal to PyTorch's up to one rounding of the dtype,
    and bit-equal for nearly every element of a lowered op."""
    torch = pytest.importorskip("torch")
    if name == "cat" and cast == "bfloat16" and dtype == "float16":
        pytest.skip("PyTorch raises 'Unexpected floating ScalarType in "
                    "at::autocast::prioritize' here")
    arrays = [_arr(*s) for s in shapes]
    e, _ = _run(ember, op, arrays, dtype, cast)
    t, _ = _run(torch, op, arrays, dtype, cast)
    assert repr(e.dtype) == repr(t.dtype)
    ulp = {"torch.bfloat16": 2.0 ** -8, "torch.float16": 2.0 ** -11}.get(repr(e.dtype), 1e-6)
    en, tn = _np(e), _torch_np(t)
    np.testing.assert_allclose(en, tn, rtol=2 * ulp, atol=2 * ulp * float(np.abs(tn).max()))
    lowered = any(name == n for n, _, _ in LOWERED) and cast != "float64"
    if lowered and name not in ROUNDS_MORE and f"{name} {dtype}" not in ROUNDS_MORE:
        assert np.mean(en != tn) <= 0.1


_GRAD_OPS = ("matmul", "bmm", "addmm", "baddbmm", "addbmm", "linear", "linear 3-D no bias",
             "conv1d", "conv2d", "conv_transpose2d", "einsum contraction", "tensordot", "mv",
             "bilinear")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name, shapes, op", [o for o in OPS if o[0] in _GRAD_OPS],
                         ids=[o[0] for o in OPS if o[0] in _GRAD_OPS])
def test_gradients_match_torch(name, shapes, op, dtype):
    """Gradients of float32 leaves come back float32 and equal PyTorch's (lower-precision
    gradients rounded once, then widened)."""
    torch = pytest.importorskip("torch")
    arrays = [_arr(*s) for s in shapes]
    results = []
    for lib in (ember, torch):
        out, ts = _run(lib, op, arrays, dtype, requires_grad=True)
        g = lib.tensor(RNG.standard_normal(tuple(out.shape)).astype(np.float32)) \
            if lib is ember else lib.tensor(results[0][0])
        out.backward(g.to(out.dtype))
        results.append((g.numpy(), [t.grad for t in ts]))
    ulp = {"bfloat16": 2.0 ** -8, "float16": 2.0 ** -11}[dtype]
    lowered = any(name == n for n, _, _ in LOWERED) and name not in ROUNDS_MORE
    # PyTorch's float16 CPU convolutions accumulate their backward in float16; its bilinear
    # is one autograd node whose backward runs in float32
    exact = lowered and name != "bilinear" and not (name.startswith("conv") and
                                                    dtype == "float16")
    for ge, gt in zip(results[0][1], results[1][1]):
        assert ge.dtype is ember.float32
        en, tn = ge.numpy(), gt.numpy()
        np.testing.assert_allclose(en, tn, rtol=2 * ulp, atol=2 * ulp * float(np.abs(tn).max()))
        assert not exact or np.mean(en != tn) <= 0.1


def _models(lib, conv):
    nn = lib.nn
    if conv:
        return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32, 16),
                             nn.ReLU(), nn.Linear(16, 5))
    # (ReLU: its backward is exact in any dtype, so the comparison is autocast's alone)
    return nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                         nn.Linear(32, 5))


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("conv", [False, True], ids=["mlp", "cnn"])
def test_training_step_matches_torch(conv, dtype):
    """A forward under autocast and a backward outside it: outputs, loss and gradients."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)  # the weights, like the data, must not depend on earlier tests
    tm = _models(torch, conv)
    em = _models(ember, conv)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3, 8, 8) if conv else (4, 12)).astype(np.float32)
    y = np.array([0, 1, 2, 4])
    res = {}
    for lib, m in ((ember, em), (torch, tm)):
        with lib.autocast("cpu", dtype=getattr(lib, dtype)):
            out = m(lib.tensor(x))
            loss = lib.nn.functional.cross_entropy(out.float(), lib.tensor(y))
        loss.backward()
        res[lib.__name__] = (out, loss, {k: p.grad for k, p in m.named_parameters()})
    (eo, el, eg), (to, tl, tg) = res["ember"], res["torch"]
    assert repr(eo.dtype) == repr(to.dtype) == f"torch.{dtype}"
    ulp = {"bfloat16": 2.0 ** -8, "float16": 2.0 ** -11}[dtype]
    eo, to = eo.float().detach().numpy(), to.float().detach().numpy()
    if conv:  # float32 sums in another order (BLAS against oneDNN) can land a value a
        # rounding step away once it is stored in half precision (2 of 30 seeds' weights)
        np.testing.assert_allclose(eo, to, rtol=0, atol=2 * ulp * float(np.abs(to).max()))
    else:
        np.testing.assert_array_equal(eo, to)
    np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-6 if not conv else 4 * ulp)
    for k, ge in eg.items():
        tn = tg[k].numpy()
        assert ge.dtype is ember.float32
        np.testing.assert_allclose(ge.numpy(), tn, rtol=2 * ulp,
                                   atol=2 * ulp * float(np.abs(tn).max()), err_msg=k)
        if not (conv and dtype == "float16"):  # see test_gradients_match_torch
            # bit-equal but for a few summation-order roundings (one allowed in a short bias)
            assert np.sum(ge.numpy() != tn) <= max(1, 0.1 * tn.size), k


def test_lowered_values_are_rounded_once():
    """matmul under bfloat16 autocast: inputs rounded to bfloat16, float32 products and sums,
    one rounding of the result (a NumPy reference with ml_dtypes)."""
    a, b = _arr(16, 64), _arr(64, 8)
    with ember.autocast("cpu"):
        out = ember.tensor(a) @ ember.tensor(b)
    bf = ml_dtypes.bfloat16
    ref = (a.astype(bf).astype(np.float64) @ b.astype(bf).astype(np.float64)).astype(bf)
    assert out.dtype is ember.bfloat16
    assert np.mean(out.numpy() != ref) <= 0.02  # ties of the float32 sum order aside
    twice = ((a.astype(bf).astype(np.float32) @ b.astype(bf).astype(np.float32)).astype(bf)
             .astype(np.float32) + 0).astype(bf)
    np.testing.assert_array_equal(out.numpy().astype(np.float32), twice.astype(np.float32))


def test_bias_added_before_the_rounding():
    """PyTorch's lowered addmm rounds bias + product once (not the product, then the sum)."""
    torch = pytest.importorskip("torch")
    x, w, b = _arr(64, 40), _arr(30, 40), 100 * _arr(30)
    with ember.autocast("cpu"):
        e = ember.nn.functional.linear(ember.tensor(x), ember.tensor(w), ember.tensor(b))
    with torch.autocast("cpu"):
        t = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    assert np.mean(e.float().numpy() != t.float().numpy()) < 0.01


def test_out_argument_is_not_autocast():
    a = ember.randn(3, 3)
    out = ember.empty(3, 3)
    with ember.autocast("cpu"):
        r = ember.matmul(a, a, out=out)
        assert ember.mm(a, a, out=out).dtype is ember.float32
    assert r is out and r.dtype is ember.float32


def test_float64_runs_unchanged_and_gradcheck():
    """Float64 inputs are not eligible: the op and its gradients are the float64 ones."""
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, 4, dtype=ember.float64, requires_grad=True)
    b = ember.randn(2, dtype=ember.float64, requires_grad=True)
    with ember.autocast("cpu"):
        assert ember.nn.functional.linear(x, w, b).dtype is ember.float64
        assert ember.autograd.gradcheck(ember.nn.functional.linear, (x, w, b))
        assert ember.autograd.gradgradcheck(lambda a, c: ember.mm(a, c.t()), (x, w))


@pytest.mark.parametrize("fn, match", [
    (lambda a, d: ember.mm(a, d), "expected m1 and m2 to have the same dtype, but got: "
                                  "c10::BFloat16 != double"),
    (lambda a, d: d @ a, "expected m1 and m2 to have the same dtype, but got: double != "
                         "c10::BFloat16"),
    (lambda a, d: ember.mm(a.long(), a), "expected m1 and m2 to have the same dtype, but got: "
                                         "long int != c10::BFloat16"),
    (lambda a, d: ember.addmm(d, a, a), "self and mat2 must have the same dtype, but got "
                                        "Double and BFloat16"),
    (lambda a, d: ember.mv(a, a[0].bfloat16()), "addmv input tensors must have the same dtype, "
                                                "but got BFloat16, Float, and BFloat16"),
])
def test_mixed_dtype_errors_like_torch(fn, match):
    a, d = ember.randn(3, 3), ember.randn(3, 3, dtype=ember.float64)
    with ember.autocast("cpu"):
        with pytest.raises(RuntimeError, match=match):
            fn(a, d)


def test_integer_inputs_are_not_cast():
    i = ember.ones(2, 2, dtype=ember.int64)
    with ember.autocast("cpu"):
        assert ember.mm(i, i).dtype is ember.int64


def test_weight_cast_cache_like_torch():
    """A weight used twice in a region is cast once (its gradients meet in bfloat16), unless
    cache_enabled=False; casts made under no_grad are not cached."""
    torch = pytest.importorskip("torch")
    w0, a0, b0 = _arr(8, 8), _arr(8, 8), _arr(8, 8)
    for cache in (True, False):
        grads = []
        for lib in (ember, torch):
            w = lib.tensor(w0, requires_grad=True)
            a, b = lib.tensor(a0), lib.tensor(b0)
            with lib.autocast("cpu", cache_enabled=cache):
                with lib.no_grad():
                    a @ w
                y = (a @ w).float().sum() * 1.37 + (b @ w).float().sum() * 0.71
            y.backward()
            grads.append(w.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])
    ml = ember.nn.Linear(3, 3)
    with ember.autocast("cpu"):
        with ember.no_grad():
            ml(ember.randn(2, 3))
        assert not _policy.local.cache
        assert ml(ember.randn(2, 3)).requires_grad


def test_backward_inside_region_with_create_graph():
    """PyTorch lowers the backward's products too when backward runs inside a region; the
    gradients reaching float32 leaves are float32."""
    torch = pytest.importorskip("torch")
    a0, b0 = _arr(3, 3), _arr(3, 3)
    res = []
    for lib in (ember, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        y = (a @ b).sum()
        with lib.autocast("cpu"):
            (g,) = lib.autograd.grad(y, a, create_graph=True)
        res.append(g)
    assert res[0].dtype is ember.float32
    np.testing.assert_array_equal(res[0].detach().numpy(), res[1].detach().numpy())


def test_policy_lists_fp32_and_promote():
    """The float32 and promote policies (for the ops that register them)."""
    a = ember.randn(3, 3).bfloat16()
    f = ember.randn(3, 3)
    with ember.autocast("cpu"):
        out = _policy.run("mse_loss", ember.nn.functional.mse_loss, a, a)
        assert out.dtype is ember.float32
        assert _policy.run("cat", ember.cat, [a, f.double()]).dtype is ember.float64
        assert _policy.run("relu", ember.relu, a).dtype is ember.bfloat16
    assert _policy.run("mse_loss", ember.nn.functional.mse_loss, a, a) is None


class _Scale(ember.autograd.Function):
    @staticmethod
    @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        ctx.seen = (x.dtype, w.dtype, ember.is_autocast_enabled("cpu"))
        return x @ w

    @staticmethod
    @ember.amp.custom_bwd(device_type="cpu")
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        ctx.seen_bwd = ember.is_autocast_enabled("cpu")
        return g @ w.t(), x.t() @ g


class _Plain(ember.autograd.Function):
    @staticmethod
    @ember.amp.custom_fwd(device_type="cpu")
    def forward(ctx, x):
        ctx.seen = ember.is_autocast_enabled("cpu")
        return x @ x

    @staticmethod
    @ember.amp.custom_bwd(device_type="cpu")
    def backward(ctx, g):
        ctx.seen_bwd = (ember.is_autocast_enabled("cpu"), ember.get_autocast_dtype("cpu"))
        return g.float()


def test_custom_fwd_bwd():
    x = ember.randn(2, 3, requires_grad=True)
    w = ember.randn(3, 4).bfloat16().requires_grad_()
    with ember.autocast("cpu"):
        out = _Scale.apply(x, w)
    node = out.grad_fn
    assert out.dtype is ember.float32
    assert node.seen == (ember.float32, ember.float32, False)
    out.sum().backward()
    assert node.seen_bwd is False  # cast_inputs: forward ran with autocast off
    assert x.grad.dtype is ember.float32 and w.grad.dtype is ember.bfloat16

    y = ember.randn(2, 2, requires_grad=True)
    with ember.autocast("cpu", dtype=ember.float16):
        out = _Plain.apply(y)
    node = out.grad_fn
    assert out.dtype is ember.float16 and node.seen is True
    out.float().sum().backward()  # outside the region: custom_bwd restores forward's state
    assert node.seen_bwd == (True, ember.float16)
    assert not ember.is_autocast_enabled("cpu")
    out = _Plain.apply(ember.randn(2, 2, requires_grad=True))  # outside any region: no-op
    assert out.dtype is ember.float32 and out.grad_fn.seen is False


def test_cast_helper_walks_containers():
    from ember.amp.autocast_mode import _cast
    a, d, i = ember.randn(2), ember.randn(2, dtype=ember.float64), ember.ones(2, dtype=ember.int64)
    arr = np.ones(2)
    out = _cast({"a": [a, (d, i)], "s": "x", "n": arr}, "cpu", ember.float16)
    assert out["a"][0].dtype is ember.float16 and out["a"][1][0] is d and out["a"][1][1] is i
    assert out["s"] == "x" and out["n"] is arr
