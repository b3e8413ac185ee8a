"""ember.testing (assert_close, make_tensor) and ember.backends. The special functions are
tested in test_special.py, the runtime switches and ember.compile in test_runtime_compile.py."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import _runtime

# ---- assert_close: every message compared with PyTorch's ----


def _build(lib, spec):
    """A nested value from a spec: ("T", data[, dtype name]) makes a tensor of ``lib``."""
    if isinstance(spec, tuple) and spec and spec[0] == "T":
        dtype = getattr(lib, spec[2]) if len(spec) == 3 else None
        return lib.tensor(spec[1], dtype=dtype)
    if isinstance(spec, list):
        return [_build(lib, s) for s in spec]
    if isinstance(spec, dict):
        return {k: _build(lib, s) for k, s in spec.items()}
    return spec


def _outcome(lib, actual, expected, kwargs):
    try:
        lib.testing.assert_close(_build(lib, actual), _build(lib, expected), **kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return type(e).__name__, str(e)
    return None


NAN, INF = float("nan"), float("inf")
CASES = [
    (("T", [1.0, 2, 3, 4]), ("T", [1.0, 2.5, 3, 5]), {}),
    (("T", [[1.0, 2], [3, 4]]), ("T", [[1.0, 2], [3, 5]]), {}),
    (("T", 1.0), ("T", 2.0), {}),
    (("T", [1, 2, 3]), ("T", [1, 2, 4]), {}),
    (("T", [1, 2, 30]), ("T", [1, 2, 40]), {"rtol": 0.1, "atol": 0.0}),
    (("T", [1.0, 2]), ("T", [1, 2]), {}),
    (("T", [1.0, 2]), ("T", [1.0, 2, 3]), {}),
    (("T", [1.0, 2], "float32"), ("T", [1.0, 2.0001], "float64"), {"check_dtype": False}),
    (("T", [1.0, 2], "float16"), ("T", [1.0, 2.01], "float16"), {}),
    (("T", [1.0, 2], "bfloat16"), ("T", [1.0, 2.1], "bfloat16"), {}),
    (("T", [1, 2], "int8"), ("T", [1, 5], "int8"), {}),
    (("T", [1, 2], "uint8"), ("T", [3, 2], "uint8"), {}),
    (("T", [True, False]), ("T", [True, True]), {}),
    (("T", [NAN]), ("T", [NAN]), {}),
    (("T", [NAN, 1.0]), ("T", [NAN, 1.0]), {"equal_nan": True}),
    (("T", [1.0, INF]), ("T", [1.0, -INF]), {}),
    (("T", [1.0, 0.0]), ("T", [1.0, 1e-3]), {}),
    (("T", [0.0, 1.0]), ("T", [1e-3, 1.0]), {"rtol": 0, "atol": 0}),
    (("T", [1e10, 2.0]), ("T", [1.1e10, 2.0]), {}),
    (("T", [[1 + 1j, 2.0]]), ("T", [[1 + 1j, 2 + 1j]]), {}),
    (("T", []), ("T", []), {}),
    (("T", [1.0, 2]), ("T", [1.0, 3]), {"rtol": 0.1}),
    (("T", [1.0, 2]), ("T", [1.0, 3]), {"msg": "custom"}),
    (("T", [1.0, 2]), ("T", [1.0, 3]), {"msg": lambda m: "Header\n" + m}),
    (1.0, 1.1, {}), (1, 2, {}), (1, 1.0, {}), (1, 1.0, {"check_dtype": False}),
    (1 + 1j, 1 + 2j, {}), (np.float32(1.5), np.float32(1.0), {}), (np.float32(1.0), 1.0, {}),
    ([1.0, 2.0], [1.0, 2.1], {}), ([1.0, 2.0], [1.0, 2.0, 3.0], {}),
    ([("T", 1.0), ("T", 2.0)], [("T", 1.0), ("T", 3.0)], {}),
    ([[1.0, ("T", [1.0, 2.0])]], [[1.0, ("T", [1.0, 3.0])]], {}),
    ({"a": ("T", 1.0)}, {"a": ("T", 2.0)}, {}),
    ({"a": ("T", 1.0)}, {"b": ("T", 1.0)}, {}),
    ({"a": [1.0]}, {"a": [2.0]}, {"msg": "custom"}),
    (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}),
    (np.array(["a"]), np.array(["b"]), {}),
    ("a", "b", {}), (None, None, {}), (None, 1, {}), (True, False, {}),
    (True, np.bool_(True), {}),
]


@pytest.mark.parametrize("actual,expected,kwargs", CASES)
def test_assert_close_matches_torch(actual, expected, kwargs):
    torch = pytest.importorskip("torch")
    assert _outcome(ember, actual, expected, kwargs) == _outcome(torch, actual, expected, kwargs)


def test_assert_close_message_text():
    with pytest.raises(AssertionError) as info:
        ember.testing.assert_close(ember.tensor([1.0, 2, 3, 4]), ember.tensor([1.0, 2.5, 3, 5]))
    assert str(info.value) == (
        "Tensor-likes are not close!\n\nMismatched elements: 2 / 4 (50.0%)\n"
        "Greatest absolute difference: 1.0 at index (3,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 "
        "allowed)")


def test_assert_close_type_and_attribute_checks():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"No comparison pair .* <class 'numpy.ndarray'>\.$"):
        ember.testing.assert_close(x, np.array([1.0, 2.0]))
    p = ember.nn.Parameter(x.clone())
    ember.testing.assert_close(p, x)
    with pytest.raises(TypeError, match="No comparison pair"):
        ember.testing.assert_close(p, x, allow_subclasses=False)
    with pytest.raises(AssertionError, match=r"attribute 'stride\(\)' do not match: "
                                             r"\(3, 1\) != \(1, 2\)\."):
        ember.testing.assert_close(ember.ones(2, 3), ember.ones(3, 2).t(), check_stride=True)
    ember.testing.assert_close(ember.ones(2, 3), ember.ones(3, 2).t())
    ember.testing.assert_close(x.requires_grad_(), x.detach() + 1e-7)


def test_assert_allclose_is_deprecated_and_loose():
    torch = pytest.importorskip("torch")
    assert hasattr(torch.testing, "assert_allclose")
    with pytest.warns(FutureWarning, match="assert_allclose\\(\\)` is deprecated"):
        ember.testing.assert_allclose(ember.tensor([1.0, 2.0]), [1.0, 2.0001])
    with pytest.warns(FutureWarning), pytest.raises(AssertionError, match="not close"):
        ember.testing.assert_allclose(ember.tensor([1.0, 2.0]), [1.0, 2.01])


# ---- make_tensor ----

@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -9, 9), ("float64", -9, 9), ("float16", -9, 9), ("int64", -9, 10),
    ("int8", -9, 10), ("uint8", 0, 10), ("bool", 0, 2), ("complex64", -9, 9)])
def test_make_tensor_default_ranges(dtype, low, high):
    ember.manual_seed(0)
    t = ember.testing.make_tensor(40, 50, dtype=getattr(ember, dtype), device="cpu")
    assert t.shape == (40, 50) and t.dtype is getattr(ember, dtype)
    a = t.numpy()
    parts = [a.real, a.imag] if np.iscomplexobj(a) else [a.astype(np.float64)]
    for p in parts:
        assert p.min() >= low and p.max() < high
    if dtype in ("int8", "uint8", "int64", "bool"):
        assert len(np.unique(a)) == high - low  # every value of the range drawn
    else:
        assert all(p.max() - p.min() > (high - low) * 0.9 for p in parts)


def test_make_tensor_options():
    ember.manual_seed(1)
    make = ember.testing.make_tensor
    t = make((3, 4), dtype=ember.float32, device="cpu", low=2, high=3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and 2 <= t.min().item() and t.max().item() < 3
    n = make(3, 4, dtype=ember.float64, device="cpu", noncontiguous=True)
    assert n.shape == (3, 4) and not n.is_contiguous() and n.stride() == (8, 2)
    assert make(1, dtype=ember.float64, device="cpu", noncontiguous=True).is_contiguous()
    z = make(2000, dtype=ember.int64, device="cpu", low=-1, high=2, exclude_zero=True)
    assert set(np.unique(z.numpy())) == {-1, 1}
    f = make(500, dtype=ember.float16, device="cpu", low=0, high=1e-3, exclude_zero=True)
    assert (f.numpy() != 0).all()
    assert make(dtype=ember.float32, device="cpu").shape == ()
    big = make(1000, dtype=ember.float32, device="cpu", low=-1e39, high=1e39)
    assert np.isfinite(big.numpy()).all()


def test_make_tensor_errors_match_torch():
    torch = pytest.importorskip("torch")
    calls = [dict(dtype="int64", requires_grad=True), dict(dtype="float32", low=3, high=2),
             dict(dtype="float32", low=float("nan")), dict(dtype="uint8", low=-5, high=-1),
             dict(dtype="float32", noncontiguous=True, memory_format="x")]
    for kw in calls:
        outcomes = []
        for lib in (ember, torch):
            args = dict(kw, dtype=getattr(lib, kw["dtype"]))
            if "memory_format" in kw:
                args["memory_format"] = lib.contiguous_format if hasattr(
                    lib, "contiguous_format") else "contiguous_format"
            with pytest.raises(ValueError) as info:
                lib.testing.make_tensor(2, device="cpu", **args)
            outcomes.append(str(info.value).split(" and memory_format=")[0])
        assert outcomes[0] == outcomes[1]
    with pytest.warns(FutureWarning, match="Passing `low==high`"):
        t = ember.testing.make_tensor(3, dtype=ember.float32, device="cpu", low=1, high=1)
    assert (t.numpy() == 1).all()
    with pytest.raises(TypeError, match="The requested dtype 'x' is not supported"):
        ember.testing.make_tensor(3, dtype="x", device="cpu")


# ---- backends ----

def test_backend_flags_hold_values_and_report_like_torch_cpu():
    torch = pytest.importorskip("torch")
    b = ember.backends
    assert b.cudnn.is_available() is False and b.cudnn.version() is None
    assert b.mps.is_available() is False and b.mps.is_built() is False
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32", "benchmark_limit"):
        assert getattr(b.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert b.mkldnn.is_available() is False and b.openmp.is_available() is False
    assert isinstance(b.mkl.is_available(), bool)
    assert b.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    try:
        b.cudnn.benchmark = True
        b.cudnn.deterministic = True
        assert b.cudnn.benchmark and b.cudnn.deterministic
        import ember.backends.cudnn as cudnn
        assert cudnn.benchmark is True
    finally:
        b.cudnn.benchmark = b.cudnn.deterministic = False


def test_cudnn_flags_context_restores():
    c = ember.backends.cudnn
    with c.flags(enabled=False, benchmark=True, deterministic=True, allow_tf32=False):
        assert (c.enabled, c.benchmark, c.deterministic, c.allow_tf32) == (False, True, True,
                                                                            False)
    assert (c.enabled, c.benchmark, c.deterministic, c.allow_tf32) == (True, False, False, True)


def test_cuda_matmul_allow_tf32_follows_the_matmul_precision(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setitem(_runtime._STATE, "matmul_precision", "highest")
    m = ember.backends.cuda.matmul
    assert m.allow_tf32 is False is torch.backends.cuda.matmul.allow_tf32
    ember.set_float32_matmul_precision("medium")
    assert m.allow_tf32 is True
    m.allow_tf32 = False
    assert ember.get_float32_matmul_precision() == "highest"
    m.allow_tf32 = True
    assert ember.get_float32_matmul_precision() == "high"
    assert m.allow_fp16_reduced_precision_reduction is True
    with pytest.raises(AttributeError, match="^Unknown attribute foo$"):
        m.foo = 1
    with pytest.raises(AttributeError, match="^Unknown attribute foo$"):
        _ = m.foo
    ember.backends.cuda.enable_flash_sdp(False)
    try:
        assert ember.backends.cuda.flash_sdp_enabled() is False
        assert ember.backends.cuda.math_sdp_enabled() is True
    finally:
        ember.backends.cuda.enable_flash_sdp(True)

