"""finfo / iinfo limits and reprs, and ``Tensor.where``'s argument order, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import ember

FLOATS = ["float16", "float32", "float64", "bfloat16", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    if not hasattr(ember, name):
        pytest.skip(f"ember.{name} needs ml_dtypes")
    mine, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(mine, attr) == getattr(theirs, attr), attr
        assert type(getattr(mine, attr)) is type(getattr(theirs, attr)), attr
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    mine, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (mine.bits, mine.min, mine.max) == (theirs.bits, theirs.min, theirs.max)
    assert type(mine.max) is int and repr(mine) == repr(theirs)


def test_finfo_defaults_and_equality():
    assert ember.finfo() == ember.finfo(ember.float32)
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.finfo().eps == np.finfo(np.float64).eps
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.finfo(ember.float16) != ember.finfo(ember.float32)
    assert ember.iinfo(ember.int8) == ember.iinfo(ember.int8)


@pytest.mark.parametrize("call, msg", [
    (lambda: ember.finfo(ember.int32), "torch.finfo() requires a floating point input type. "
                                       "Use torch.iinfo to handle 'torch.finfo'"),
    (lambda: ember.iinfo(ember.float32), "torch.iinfo() requires an integer input type. Use "
                                         "torch.finfo to handle 'torch.iinfo'"),
    (lambda: ember.iinfo(ember.bool), "torch.bool is not supported by torch.iinfo"),
    (lambda: ember.finfo("float32"), "finfo(): argument 'type' (position 1) must be "
                                     "torch.dtype, not str"),
])
def test_info_errors(call, msg):
    with pytest.raises(TypeError) as e:
        call()
    assert str(e.value) == msg


def test_tensor_where_takes_condition_then_other():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = ember.tensor([True, False, True])
    y = x.where(mask, ember.tensor(0.0))
    assert y.tolist() == [1.0, 0.0, 3.0]
    assert x.where(mask, 5.0).tolist() == [1.0, 5.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
