"""Tensor repr/str formatting and print options, checked against PyTorch's exact strings."""
from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest

from ember._printing import get_printoptions, printoptions, set_printoptions, tensor_repr


class FakeDType:
    """Just the dtype attributes the printer reads."""

    def __init__(self, name):
        self.name = name
        self.is_floating_point = name.startswith(("float", "bfloat"))

    def __repr__(self):
        return f"torch.{self.name}"


class FakeDevice:
    """A device with a ``type`` and a ``str()`` like 'cuda:0'."""

    def __init__(self, spec="cpu"):
        self.type = spec.split(":")[0]
        self.spec = spec

    def __str__(self):
        return self.spec


class FakeGradFn:
    """An autograd node whose ``name()`` is e.g. 'MulBackward0'."""

    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeTensor:
    """A minimal tensor built from a NumPy array, independent of the rest of ember."""

    def __init__(self, data, dtype=None, device="cpu", requires_grad=False, grad_fn=None):
        self._data = np.asarray(data)
        self.dtype = FakeDType(dtype or self._data.dtype.name)
        self.device = FakeDevice(device)
        self.grad_fn = FakeGradFn(grad_fn) if grad_fn else None
        self.requires_grad = requires_grad or grad_fn is not None
        self.is_leaf = grad_fn is None

    def detach(self):
        return FakeTensor(self._data, self.dtype.name, str(self.device))

    def cpu(self):
        return FakeTensor(self._data, self.dtype.name)


@pytest.fixture(autouse=True)
def _reset_options():
    """Restore the default print options (ours and torch's) after every test."""
    yield
    set_printoptions(profile="default")
    if "torch" in sys.modules:
        sys.modules["torch"].set_printoptions(profile="default")
        sys.modules["torch"].set_default_dtype(sys.modules["torch"].float32)


@pytest.fixture
def torch():
    """PyTorch, or skip the test."""
    return pytest.importorskip("torch")


def _rng():
    return np.random.default_rng(20240601)


def _arrays():
    """Named arrays covering magnitudes, dtypes, shapes, non-finite values and summarisation."""
    r = _rng()
    n = r.standard_normal
    nan, inf = math.nan, math.inf
    f32 = np.float32
    return {
        "f32_normal": n(7).astype(f32),
        "f32_ints": np.array([1.0, 2.0, -3.0], f32),
        "f32_halves": np.array([0.5, 1.25, -2.0], f32),
        "f32_e3": (n((3, 4)) * 1e3).astype(f32),
        "f32_e5": (n((3, 4)) * 1e5).astype(f32),
        "f32_e-3": (n(6) * 1e-3).astype(f32),
        "f32_e-6": (n(6) * 1e-6).astype(f32),
        "f32_e9_int": np.array([1e9, 2.0, -7.0], f32),
        "f32_ratio": np.array([1.0, 2000.0], f32),
        "f32_above_1e8": np.array([2e8, 3.5e8], f32),
        "f32_below_1e-4": np.array([5e-5, 9.5e-5], f32),
        "f32_ratio_edge": np.array([1.0, 1000.0, 0.5], f32),
        "f32_round_up": np.array([9.99996, 0.12345, 99999.5], f32),
        "f32_uniform_e-5": r.uniform(0, 1e-5, 5).astype(f32),
        "f64": n((2, 3)),
        "f64_e300": np.array([1e300, -1e-300, 3.0]),
        "f64_denorm": np.array([5e-324, 1.0]),
        "f16": n((3, 3)).astype(np.float16),
        "f16_ints": np.array([1, 2, 2048], np.float16),
        "int64": r.integers(-1000, 1000, 9),
        "int64_big": np.array([2**62, -3, 0]),
        "int32": r.integers(-50, 50, (3, 4)).astype(np.int32),
        "int16": np.array([-32768, 5], np.int16),
        "int8": np.array([-128, 127, 0], np.int8),
        "uint8": r.integers(0, 256, (2, 5)).astype(np.uint8),
        "bool": np.array([True, False, True]),
        "bool_2d": r.integers(0, 2, (3, 3)).astype(bool),
        "scalar_f": np.array(3.14159, f32),
        "scalar_int_f": np.array(2.0, f32),
        "scalar_i": np.array(-7),
        "scalar_b": np.array(False),
        "scalar_nan": np.array(nan, f32),
        "scalar_f64": np.array(1e-8),
        "scalar_i32": np.array(5, np.int32),
        "empty_1d": np.zeros(0, f32),
        "empty_0x3": np.zeros((0, 3), f32),
        "empty_int": np.zeros(0, np.int64),
        "empty_2x0_i32": np.zeros((2, 0), np.int32),
        "empty_f64": np.zeros((0, 2, 1)),
        "empty_bool": np.zeros(0, bool),
        "big_1d": np.arange(2000, dtype=f32),
        "big_1d_frac": n(1500).astype(f32),
        "big_2d": n((50, 50)).astype(f32),
        "big_3d": n((20, 10, 10)),
        "big_int": r.integers(-10**6, 10**6, (40, 40)),
        "big_bool": r.integers(0, 2, 1001).astype(bool),
        "d3": n((2, 3, 4)).astype(f32),
        "d4": n((2, 2, 2, 3)).astype(f32),
        "d4_int": np.arange(24).reshape(2, 3, 2, 2),
        "wide_row": n((1, 40)).astype(f32),
        "wide_int": np.arange(100).reshape(4, 25),
        "wide_1d_sci": (n(30) * 1e6).astype(f32),
        "nan_inf": np.array([nan, inf, -inf, 1.5], f32),
        "nonfinite_only": np.array([nan, inf, -inf], f32),
        "inf_int_mode": np.array([inf, 1.0, -2.0], f32),
        "zeros": np.zeros(4, f32),
        "neg_zero": np.array([-0.0, 0.0, 1.0], f32),
        "neg_zero_frac": np.array([-0.0, 0.5, 2.25], f32),
        "neg_zero_sci": np.array([-0.0, 1e-7, 1.0], f32),
        "complex64": (n(4) + 1j * n(4)).astype(np.complex64),
        "complex128_2d": n((2, 2)) * 1e4 + 1j * n((2, 2)),
        "complex_negzero": np.array([1 - 0j, complex(0.5, -0.0), 2j], np.complex64),
    }


ARRAYS = _arrays()
OPTION_SETS = [
    {"precision": 2}, {"precision": 0}, {"precision": 8}, {"sci_mode": False}, {"sci_mode": True},
    {"profile": "full"}, {"profile": "short"}, {"linewidth": 120}, {"linewidth": 30},
    {"threshold": 10, "edgeitems": 2}, {"threshold": 5, "edgeitems": 0},
    {"threshold": 3, "edgeitems": 1}, {"profile": "short", "precision": 6},
]
OPTION_ARRAYS = ["f32_normal", "f32_e5", "f32_e-6", "f32_ints", "f64", "int32", "bool", "d3",
                 "big_2d", "big_1d", "wide_row", "nan_inf", "zeros", "scalar_f", "complex64",
                 "empty_0x3", "f16", "neg_zero_frac"]


def _torch_repr(torch, arr, **kw):
    """PyTorch's repr of the same data (``kw`` forwarded to ``requires_grad_``)."""
    t = torch.from_numpy(np.array(arr, copy=True))
    if kw.get("requires_grad"):
        t.requires_grad_(True)
    return repr(t)


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_matches_torch(torch, name):
    """Default options: same string as PyTorch for every array."""
    arr = ARRAYS[name]
    assert tensor_repr(FakeTensor(arr)) == _torch_repr(torch, arr)


def _opts_id(opts):
    return "-".join(f"{k}={v}" for k, v in opts.items())


@pytest.mark.parametrize("opts", OPTION_SETS, ids=_opts_id)
@pytest.mark.parametrize("name", OPTION_ARRAYS)
def test_matches_torch_with_options(torch, opts, name):
    """Non-default print options change the output exactly as in PyTorch."""
    torch.set_printoptions(**opts)
    set_printoptions(**opts)
    arr = ARRAYS[name]
    assert tensor_repr(FakeTensor(arr)) == _torch_repr(torch, arr)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (), (4, 30)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_requires_grad_suffix(torch, shape, dtype):
    """A leaf requiring grad ends with ``requires_grad=True``."""
    arr = _rng().standard_normal(shape).astype(dtype)
    ours = tensor_repr(FakeTensor(arr, requires_grad=True))
    assert ours == _torch_repr(torch, arr, requires_grad=True)
    assert ours.endswith("requires_grad=True)")


@pytest.mark.parametrize("op", ["mul", "sum", "exp", "matmul"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_fn_suffix(torch, op, dtype):
    """A non-leaf ends with ``grad_fn=<...>``, wrapping to a new line when too long."""
    leaf = torch.from_numpy(_rng().standard_normal((3, 12)).astype(dtype)).requires_grad_()
    out = {"mul": lambda x: x * 2, "sum": lambda x: x.sum(), "exp": lambda x: x.exp(),
           "matmul": lambda x: x @ x.T}[op](leaf)
    fake = FakeTensor(out.detach().numpy(), grad_fn=type(out.grad_fn).__name__)
    assert tensor_repr(fake) == repr(out)


def test_grad_fn_name_namespace_stripped():
    """C++-style node names keep only the part after the last ``::``."""
    fake = FakeTensor(np.array([1.0], np.float32), grad_fn="torch::autograd::CopySlices")
    assert tensor_repr(fake) == "tensor([1.], grad_fn=<CopySlices>)"


@pytest.fixture
def default_f64(monkeypatch, torch):
    """Make float64 the default dtype for both torch and (a stand-in) ember._dtype."""
    fake_mod = types.ModuleType("ember._dtype")
    fake_mod.get_default_dtype = lambda: FakeDType("float64")
    monkeypatch.setitem(sys.modules, "ember._dtype", fake_mod)
    torch.set_default_dtype(torch.float64)
    return torch


@pytest.mark.parametrize("name", ["f64", "f32_normal", "complex64", "complex128_2d", "empty_1d",
                                  "empty_f64", "int32", "empty_int", "scalar_f"])
def test_default_dtype_float64(default_f64, name):
    """With float64 as default, float64/complex128 print no dtype and float32/complex64 do."""
    arr = ARRAYS[name]
    assert tensor_repr(FakeTensor(arr)) == _torch_repr(default_f64, arr)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (), (2000,)])
def test_bfloat16_matches_torch(torch, shape):
    """bfloat16 values (stored widened to float32) print like torch's bfloat16 tensors."""
    t = torch.from_numpy(np.asarray(_rng().standard_normal(shape) * 50)).to(torch.bfloat16)
    fake = FakeTensor(t.float().numpy(), dtype="bfloat16")
    assert tensor_repr(fake) == repr(t)


def test_bfloat16_ml_dtypes_array():
    """An ml_dtypes bfloat16 array is formatted through float32."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    arr = np.array([1.5, -2.0, 3.0], dtype=ml_dtypes.bfloat16)
    assert tensor_repr(FakeTensor(arr, dtype="bfloat16")) == \
        "tensor([ 1.5000, -2.0000,  3.0000], dtype=torch.bfloat16)"


# Hard-coded strings verified against torch 2.13; these run without torch installed.
HARD_CODED = [
    (np.array([1.0, 2.5, -3.0], np.float32), "tensor([ 1.0000,  2.5000, -3.0000])"),
    (np.array([[1, 2], [3, 4]], np.int32), "tensor([[1, 2],\n        [3, 4]], dtype=torch.int32)"),
    (np.array([1e-5, 1.0], np.float32), "tensor([1.0000e-05, 1.0000e+00])"),
    (np.array([math.nan, math.inf, -0.0], np.float32), "tensor([nan, inf, -0.])"),
    (np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), "tensor([], dtype=torch.int64)"),
    (np.array(True), "tensor(True)"),
    (np.ones((2, 2, 2), np.float32),
     "tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])"),
    (np.arange(2000, dtype=np.float32),
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
    (np.arange(30, dtype=np.float32).reshape(1, 30),
     "tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
     "         14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
     "         28., 29.]])"),
]


@pytest.mark.parametrize("arr,expected", HARD_CODED)
def test_hard_coded(arr, expected):
    """Known PyTorch output strings, checked without needing torch."""
    assert tensor_repr(FakeTensor(arr)) == expected


def test_hard_coded_grad_fn():
    """A non-leaf prints its grad_fn name."""
    fake = FakeTensor(np.array([2.0, 4.0], np.float32), grad_fn="MulBackward0")
    assert tensor_repr(fake) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_device_suffix():
    """Non-cpu tensors print their device first, then dtype and grad suffixes."""
    fake = FakeTensor(np.array([1, 2], np.int32), device="cuda:0", requires_grad=True)
    assert tensor_repr(fake) == "tensor([1, 2], device='cuda:0', dtype=torch.int32, " \
                                "requires_grad=True)"
    assert tensor_repr(FakeTensor(np.ones(2, np.float32), device="cuda:1")) == \
        "tensor([1., 1.], device='cuda:1')"


def test_printoptions_defaults_and_profiles():
    """get_printoptions reflects defaults, profiles and explicit overrides."""
    assert get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                  "linewidth": 80, "sci_mode": None}
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf
    set_printoptions(profile="short", linewidth=100)
    opts = get_printoptions()
    assert (opts["precision"], opts["edgeitems"], opts["linewidth"]) == (2, 2, 100)


def test_sci_mode_reset_by_any_call():
    """Like torch, every set_printoptions call overwrites sci_mode (None when omitted)."""
    set_printoptions(sci_mode=True)
    assert get_printoptions()["sci_mode"] is True
    set_printoptions(precision=3)
    assert get_printoptions() == {"precision": 3, "threshold": 1000, "edgeitems": 3,
                                  "linewidth": 80, "sci_mode": None}


def test_printoptions_context_restores():
    """The printoptions context manager applies options and restores the previous ones."""
    arr = FakeTensor(np.array([1.12345], np.float32))
    with printoptions(precision=2):
        assert tensor_repr(arr) == "tensor([1.12])"
    assert tensor_repr(arr) == "tensor([1.1235])"


def test_options_hard_coded():
    """Summarisation, precision and sci_mode strings from the torch docs."""
    set_printoptions(threshold=5)
    assert tensor_repr(FakeTensor(np.arange(10))) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(sci_mode=False)
    assert tensor_repr(FakeTensor(np.array([1e-5, 1.0], np.float32))) == \
        "tensor([0.0000, 1.0000])"
    set_printoptions(edgeitems=0)
    assert tensor_repr(FakeTensor(np.arange(3))) == "tensor([0, 1, 2], size=(3,))"


def test_all_zero_ignores_sci_mode_true():
    """With no nonzero finite values, sci_mode=True still prints integer style."""
    set_printoptions(sci_mode=True)
    assert tensor_repr(FakeTensor(np.zeros(2, np.float32))) == "tensor([0., 0.])"
    assert tensor_repr(FakeTensor(np.array([0.5], np.float32))) == "tensor([5.0000e-01])"
