"""Tensor creation, dtypes and promotion, shape/memory, indexing, the NumPy bridge."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_seed_tutorial_basics():
    x = ember.Tensor(5, 3)
    assert x.size() == ember.Size([5, 3]) and x.dtype is ember.float32
    assert isinstance(x.size(), tuple) and x.size()[0] == 5
    y = ember.rand(5, 3)
    result = ember.Tensor(5, 3)
    ember.add(x, y, out=result)
    np.testing.assert_allclose(result.numpy(), (x + y).numpy())
    a = ember.ones(3)
    b = a.numpy()
    a.add_(1)
    assert b.tolist() == [2.0, 2.0, 2.0]
    n = np.ones(5)
    t = ember.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5 and t.dtype is ember.float64
    assert ember.Tensor(n).dtype is ember.float32  # the legacy constructor copies
    assert ember.FloatTensor(2, 2).dtype is ember.float32
    assert ember.LongTensor([1, 2]).dtype is ember.int64
    assert ember.Tensor([2, 3]).tolist() == [2.0, 3.0]
    assert isinstance(ember.zeros(2), ember.FloatTensor)
    assert not isinstance(ember.zeros(2), ember.LongTensor)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor. Use `tensor.item"):
        ember.tensor(1.5)[0]  # the 2017 tutorials' loss.data[0]


def test_factories():
    assert ember.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert ember.ones((2,), dtype=ember.int32).dtype is ember.int32
    assert ember.full((2, 2), 7).dtype is ember.int64
    assert ember.full((2,), 1.5).tolist() == [1.5, 1.5]
    assert ember.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert ember.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert ember.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert ember.arange(0, 1, 0.1).shape == (10,)
    np.testing.assert_allclose(ember.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    np.testing.assert_allclose(ember.logspace(0, 2, 3).numpy(), [1, 10, 100])
    assert ember.zeros_like(ember.ones(2, dtype=ember.int8)).dtype is ember.int8
    assert ember.empty(0, 3).shape == (0, 3)
    assert ember.tensor([[1, 2], [3, 4]]).dtype is ember.int64
    assert ember.tensor([1, 2.0]).dtype is ember.float32
    assert ember.tensor(True).dtype is ember.bool
    assert ember.tensor(3.5).ndim == 0
    with pytest.raises(RuntimeError, match="zeros: Dimension size must be non-negative."):
        ember.zeros(-1)
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[2, -1\]"):
        ember.ones(2, -1)
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1"):
        ember.tensor([[1, 2], [3]])


@requires_torch()
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promotion_matches_torch(a, b):
    ea, eb = ember.ones(2, dtype=getattr(ember, a)), ember.ones(2, dtype=getattr(ember, b))
    ta, tb = torch.ones(2, dtype=getattr(torch, a)), torch.ones(2, dtype=getattr(torch, b))
    assert (ea * eb).dtype.name == str((ta * tb).dtype)[6:]
    assert (ea * ember.tensor(1.5, dtype=eb.dtype)).dtype.name == \
        str((ta * torch.tensor(1.5, dtype=tb.dtype)).dtype)[6:]
    for scalar in (2, 2.5, True):
        if a == "bool" and scalar is True:
            continue
        assert (ea + scalar).dtype.name == str((ta + scalar).dtype)[6:], scalar


def test_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert (ember.arange(3) * 0.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_conversions():
    x = ember.tensor([1.7, -2.2])
    assert x.long().tolist() == [1, -2] and x.int().dtype is ember.int32
    assert x.double().dtype is ember.float64 and x.half().dtype is ember.float16
    assert x.bool().tolist() == [True, True]
    assert x.type() == "torch.FloatTensor"
    assert x.type(ember.float64).dtype is ember.float64
    assert x.type("torch.LongTensor").dtype is ember.int64
    assert x.to(ember.int64).dtype is ember.int64
    assert x.to("cpu") is x
    assert x.to(ember.ones(1, dtype=ember.float64)).dtype is ember.float64


def test_shape_and_memory():
    x = ember.arange(12.0).reshape(3, 4)
    assert x.stride() == (4, 1) and x.is_contiguous() and x.storage_offset() == 0
    t = x.t()
    assert t.stride() == (1, 4) and not t.is_contiguous() and t.data_ptr() == x.data_ptr()
    assert x[1].storage_offset() == 4 and x[1:, 2:].storage_offset() == 6
    v = x.view(4, 3)
    v[0, 0] = 100
    assert x[0, 0].item() == 100
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(12)
    assert t.reshape(12).shape == (12,)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        x.view(5, -1)
    assert x.element_size() == 4 and x.numel() == 12 and x.dim() == 2
    assert x.unflatten(1, (2, 2)).shape == (3, 2, 2)
    assert x.expand(2, 3, 4).stride() == (0, 4, 1)
    assert [c.shape[1] for c in x.chunk(3, 1)] == [2, 2]
    assert [s.shape[0] for s in x.split([1, 2])] == [1, 2]
    assert x.T.shape == (4, 3) and x.mT.shape == (4, 3)
    assert len(x.unbind(1)) == 4


def test_indexing_and_setitem():
    x = ember.arange(12).reshape(3, 4)
    assert x[1, 2].item() == 6 and x[-1].tolist() == [8, 9, 10, 11]
    assert x[:, 1].tolist() == [1, 5, 9]
    assert x[[0, 2], [1, 3]].tolist() == [1, 11]
    assert x[x > 9].tolist() == [10, 11]
    assert x[..., None].shape == (3, 4, 1)
    assert x[ember.tensor([2, 0])].shape == (2, 4)
    x[0] = 7
    x[x > 10] = -1
    x[:, 0] += 5
    assert x.tolist() == [[12, 7, 7, 7], [9, 5, 6, 7], [13, 9, 10, -1]]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    assert x.nonzero().shape[1] == 2
    assert ember.where(ember.tensor([1.0, -1.0]) > 0, 1.0, 0.0).tolist() == [1.0, 0.0]


def test_numpy_bridge_and_python_protocols():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy().shape == (2, 2)
    assert np.asarray(x).sum() == 10
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert float(x[0, 1]) == 2.0 and int(ember.tensor(7)) == 7
    assert [0, 1, 2][ember.tensor(1)] == 1
    assert bool(ember.tensor([True]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value"):
        bool(x)
    with pytest.raises(RuntimeError, match="a Tensor with 4 elements cannot be converted"):
        x.item()
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_reductions_and_sorting():
    x = ember.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    vals, idx = x.max(1)
    assert vals.tolist() == [3.0, 5.0] and idx.tolist() == [0, 1]
    assert x.max(dim=1).indices.tolist() == [0, 1]
    assert x.argmax().item() == 4 and x.argmin(1).tolist() == [1, 0]
    assert x.sum(dtype=ember.float64).dtype is ember.float64
    assert ember.tensor([True, True]).sum().dtype is ember.int64
    assert x.sort(1).indices.tolist() == [[1, 2, 0], [0, 1, 2]]
    assert x.topk(1, 1).values.tolist() == [[3.0], [5.0]]
    assert ember.unique(ember.tensor([3, 1, 3])).tolist() == [1, 3]
    u, inv, cnt = ember.unique(ember.tensor([3, 1, 3]), return_inverse=True, return_counts=True)
    assert inv.tolist() == [1, 0, 1] and cnt.tolist() == [1, 2]
    assert x.all().item() is False and x.any(1).tolist() == [True, True]
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        ember.tensor([1, 2]).mean()


def test_device_api():
    d = ember.device("cpu")
    assert repr(d) == "device(type='cpu')" and str(ember.device("cuda:1")) == "cuda:1"
    assert ember.device("cuda", 0).index == 0
    assert ember.ones(1).device == "cpu" and ember.ones(1).device.type == "cpu"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        ember.device("gpu")
    assert isinstance(ember.cuda.is_available(), bool)
    if not ember.cuda.is_available():
        assert ember.cuda.device_count() == 0
        with pytest.raises(AssertionError, match="CUDA"):
            ember.ones(2).cuda()


def test_random_reproducible():
    ember.manual_seed(3)
    a = ember.rand(4)
    b = ember.randn(2, 2)
    ember.manual_seed(3)
    assert ember.equal(a, ember.rand(4)) and ember.equal(b, ember.randn(2, 2))
    g = ember.Generator().manual_seed(9)
    state = g.get_state()
    x = ember.randint(0, 10, (5,), generator=g)
    g.set_state(state)
    assert ember.equal(x, ember.randint(0, 10, (5,), generator=g))
    assert sorted(ember.randperm(6).tolist()) == list(range(6))
    s = ember.get_rng_state()
    u = ember.rand(3)
    ember.set_rng_state(s)
    assert ember.equal(u, ember.rand(3))
    assert ember.initial_seed() == 3
    n = ember.normal(2.0, 0.5, size=(20000,))
    assert abs(n.mean().item() - 2.0) < 0.02 and abs(n.std().item() - 0.5) < 0.02
    assert ember.empty(3).uniform_(1, 2).min().item() >= 1


def test_in_place_and_out():
    x = ember.ones(3)
    y = x.add_(2).mul_(3)
    assert y is x and x.tolist() == [9.0] * 3
    x.zero_()
    assert x.sum().item() == 0
    x.fill_(2).clamp_(max=1.5)
    assert x.tolist() == [1.5] * 3
    out = ember.empty(3)
    ember.mul(ember.ones(3), 4, out=out)
    assert out.tolist() == [4.0] * 3
    i = ember.ones(3, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        i.add_(1.5)
    z = ember.zeros(2, 3)
    z.copy_(ember.tensor([1, 2, 3]))
    assert z.tolist() == [[1.0, 2.0, 3.0]] * 2


def test_return_types_print_like_torch():
    x = ember.tensor([[1.0, 3.0], [2.0, 0.0]])
    assert repr(x.max(1)) == ("torch.return_types.max(\nvalues=tensor([3., 2.]),\n"
                              "indices=tensor([1, 0]))")
    assert str(x.sort(1)).startswith("torch.return_types.sort(\nvalues=tensor([[1., 3.],")
    values, indices = x.topk(1)
    assert values.shape == (2, 1) and x.min(0).indices.tolist() == [0, 1]


def test_bfloat16_through_ml_dtypes():
    pytest.importorskip("ml_dtypes", reason="bfloat16 needs the optional ml_dtypes package")
    x = ember.tensor([1.5, 2.25, 1e-3], dtype=ember.bfloat16)
    assert x.dtype is ember.bfloat16 and x.element_size() == 2
    assert (x * 2).dtype is ember.bfloat16
    assert (x + ember.ones(3)).dtype is ember.float32       # bfloat16 + float32 -> float32
    assert ember.promote_types(ember.bfloat16, ember.float16) is ember.float32
    y = ember.ones(2, dtype=ember.bfloat16, requires_grad=True)
    (y * 3).sum().backward()
    assert y.grad.dtype is ember.bfloat16 and y.grad.tolist() == [3.0, 3.0]
