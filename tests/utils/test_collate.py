"""default_collate / default_convert against torch's on every kind of sample."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import ember
from ember.utils.data import default_collate, default_convert

torch = pytest.importorskip("torch")
from torch.utils.data import default_collate as t_collate  # noqa: E402
from torch.utils.data import default_convert as t_convert  # noqa: E402

Point = namedtuple("Point", "x y")


def describe(obj):
    """A comparable description of a (nested) batch: types, dtypes, shapes, values."""
    if isinstance(obj, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(obj.dtype).replace("torch.", ""), tuple(obj.shape),
                obj.detach().numpy().tolist() if obj.dtype != torch.bfloat16 else None)
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: describe(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [describe(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [describe(v) for v in obj])
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.tolist())
    return (type(obj).__name__, obj)


def to_torch(obj):
    """The same samples with ember tensors replaced by torch tensors."""
    if isinstance(obj, ember.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, dict):
        return type(obj)((k, to_torch(v)) for k, v in obj.items())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    return obj


BATCHES = {
    "tensors_f32": lambda: [ember.ones(2, 3), ember.zeros(2, 3)],
    "tensors_i64": lambda: [ember.arange(3), ember.arange(3) + 5],
    "tensors_0d": lambda: [ember.tensor(1.5), ember.tensor(2.5)],
    "ndarray_f32": lambda: [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "ndarray_u8": lambda: [np.full((3,), 7, np.uint8), np.arange(3, dtype=np.uint8)],
    "ndarray_0d": lambda: [np.array(1.0), np.array(2.0)],
    "numpy_scalar_f32": lambda: [np.float32(1), np.float32(2)],
    "numpy_scalar_i32": lambda: [np.int32(3), np.int32(4)],
    "numpy_bool": lambda: [np.bool_(True), np.bool_(False)],
    "floats": lambda: [1.5, 2.5],
    "ints": lambda: [1, 2, 3],
    "bools": lambda: [True, False],
    "ints_then_float": lambda: [1, 2.5],
    "bool_then_int": lambda: [True, 3],
    "strings": lambda: ["a", "bc"],
    "bytes": lambda: [b"a", b"b"],
    "tuples": lambda: [(1, "a", 2.0), (2, "b", 3.0)],
    "lists": lambda: [[1, 2], [3, 4]],
    "dicts": lambda: [{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 2}],
    "ordered_dicts": lambda: [OrderedDict(a=1, b=2.0), OrderedDict(a=3, b=4.0)],
    "namedtuples": lambda: [Point(1, 2.0), Point(3, 4.0)],
    "nested": lambda: [{"img": ember.ones(2), "meta": [(1, "u"), {"k": 0.5}]},
                       {"img": ember.zeros(2), "meta": [(2, "v"), {"k": 1.5}]}],
    "image_label": lambda: [(ember.rand(3, 4, 4), 3), (ember.rand(3, 4, 4), 7)],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_collate_matches_torch(name):
    batch = BATCHES[name]()
    assert describe(default_collate(batch)) == describe(t_collate(to_torch(batch)))


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_convert_matches_torch(name):
    sample = BATCHES[name]()[0]
    assert describe(default_convert(sample)) == describe(t_convert(to_torch(sample)))


def test_convert_tuple_and_string_array():
    data = (np.array([1, 2]), "s", np.array(["a"]))
    assert describe(default_convert(data)) == describe(t_convert(data))


def test_collate_ndarray_shares_no_memory_with_samples():
    samples = [np.zeros(3, np.float32), np.zeros(3, np.float32)]
    out = default_collate(samples)
    out.add_(1)
    assert samples[0].sum() == 0


def collate_error(fn, batch):
    with pytest.raises(Exception) as info:
        fn(batch)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("batch", [
    [object(), object()],
    [np.array(["a"]), np.array(["b"])],
    [np.array([None], dtype=object)] * 2,
    [[1, 2], [1]],
    [ember.zeros(2), ember.zeros(3)],
], ids=["object", "str_array", "object_array", "ragged_lists", "ragged_tensors"])
def test_collate_errors_match_torch(batch):
    ours = collate_error(default_collate, batch)
    theirs = collate_error(t_collate, to_torch(batch))
    assert ours == theirs


def test_collate_object_error_names_the_type():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class 'object'>"):
        default_collate([object()])
