"""ember.save / ember.load round trips, file kinds, atomic saves, pickling and safetensors."""
import io
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import ember

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
          "float64", "complex64", "complex128"]


def _sample(name, shape=(3, 4)):
    rng = np.random.default_rng(0)
    vals = rng.standard_normal(shape) * 50
    if name == "bool":
        arr = vals > 0
    elif name.startswith("complex"):
        arr = (vals + 1j * vals[::-1]).astype(name)
    else:
        arr = vals.astype(name)
    return ember.from_numpy(np.ascontiguousarray(arr))


def roundtrip(obj, tmp_path, **kw):
    path = tmp_path / "ckpt.pt"
    ember.save(obj, path)
    return ember.load(path, **kw)


def _same(a, b):
    assert type(a) is type(b)
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", DTYPES)
def test_roundtrip_every_dtype(name, tmp_path):
    t = _sample(name)
    out = roundtrip({"t": t, "scalar": t[1, 2], "col": t[:, 1]}, tmp_path)
    _same(out["t"], t)
    _same(out["scalar"], t[1, 2])
    _same(out["col"], t[:, 1])
    assert out["col"].stride() == (4,) and out["col"].storage_offset() == 1


def test_zero_dim_and_empty(tmp_path):
    objs = [ember.tensor(3.5), ember.tensor(7), ember.zeros(0), ember.zeros(2, 0, 3),
            ember.ones(4)[4:]]
    out = roundtrip(objs, tmp_path)
    for a, b in zip(objs, out):
        _same(a, b)
    assert out[0].dim() == 0


def test_noncontiguous_and_sharing(tmp_path):
    base = ember.arange(24.).view(4, 6)
    obj = {"base": base, "t": base.t(), "step": base[::2, 1::2], "row": base[2],
           "exp": base[0].expand(3, 6)}
    out = roundtrip(obj, tmp_path)
    for k in obj:
        _same(out[k], obj[k])
        assert out[k].stride() == obj[k].stride(), k
        assert out[k].storage_offset() == obj[k].storage_offset(), k
    ptr = out["base"].untyped_storage().data_ptr()
    assert all(out[k].untyped_storage().data_ptr() == ptr for k in obj)
    out["base"][2, 0] = 100.0          # memory is shared after loading
    assert out["row"][0].item() == 100.0 and out["t"][0, 2].item() == 100.0


def test_shared_storage_written_once(tmp_path):
    big = ember.zeros(1000)
    path = tmp_path / "s.pt"
    ember.save([big, big[10:20], big[500:]], path)
    names = [n for n in zipfile.ZipFile(path).namelist() if "/data/" in n]
    assert len(names) == 1


def test_same_tensor_twice_is_same_object(tmp_path):
    t = ember.ones(3)
    out = roundtrip([t, t], tmp_path)
    assert out[0] is out[1]


def test_requires_grad_and_parameter(tmp_path):
    w = ember.nn.Parameter(ember.randn(2, 3))
    frozen = ember.nn.Parameter(ember.randn(2), requires_grad=False)
    x = ember.randn(3, requires_grad=True)
    out = roundtrip({"w": w, "frozen": frozen, "x": x, "y": ember.ones(2)}, tmp_path)
    assert isinstance(out["w"], ember.nn.Parameter) and out["w"].requires_grad
    assert isinstance(out["frozen"], ember.nn.Parameter) and not out["frozen"].requires_grad
    assert out["x"].requires_grad and out["x"].is_leaf and not out["y"].requires_grad
    np.testing.assert_array_equal(out["w"].detach().numpy(), w.detach().numpy())


def test_nested_containers_and_plain_values(tmp_path):
    od = OrderedDict([("b", ember.ones(1)), ("a", 2)])
    od._metadata = {"": {"version": 1}}
    obj = {"od": od, "list": [1, 2.5, "s", None, True, (3, ember.zeros(2))], "n": -7,
           "big": 2 ** 80, "c": 1 + 2j, "bytes": b"\x00\xff", "dtype": ember.float16,
           "dev": ember.device("cpu"), "size": ember.Size([2, 3]), "set": {1, 2}}
    out = roundtrip(obj, tmp_path)
    assert list(out["od"]) == ["b", "a"] and out["od"]._metadata == {"": {"version": 1}}
    assert out["list"][:5] == [1, 2.5, "s", None, True] and isinstance(out["list"][5], tuple)
    for k in ("n", "big", "c", "bytes", "set"):
        assert out[k] == obj[k]
    assert out["dtype"] is ember.float16 and out["dev"] == ember.device("cpu")
    assert isinstance(out["size"], ember.Size) and out["size"] == (2, 3)


def test_file_kinds(tmp_path):
    t = ember.arange(5)
    ember.save(t, str(tmp_path / "a.pt"))
    _same(ember.load(str(tmp_path / "a.pt")), t)
    ember.save(t, pathlib.Path(tmp_path / "b.pt"))
    _same(ember.load(pathlib.Path(tmp_path / "b.pt")), t)
    buf = io.BytesIO()
    ember.save(t, buf)
    buf.seek(0)
    _same(ember.load(buf), t)
    with open(tmp_path / "c.pt", "wb") as fh:
        ember.save(t, fh)
    with open(tmp_path / "c.pt", "rb") as fh:
        _same(ember.load(fh), t)


class _WriteOnly:
    def __init__(self):
        self.buf = io.BytesIO()

    def write(self, data):
        return self.buf.write(data)


class _ReadOnly:
    def __init__(self, data):
        self.buf = io.BytesIO(data)

    def read(self, n=-1):
        return self.buf.read(n)


def test_unseekable_streams():
    t = ember.arange(6.).view(2, 3).t()
    w = _WriteOnly()
    ember.save({"t": t}, w)
    out = ember.load(_ReadOnly(w.buf.getvalue()))
    _same(out["t"], t)


def test_archive_layout(tmp_path):
    path = tmp_path / "model.pt"
    ember.save({"a": ember.ones(3), "b": ember.zeros(2, dtype=ember.int64)}, path)
    zf = zipfile.ZipFile(path)
    names = zf.namelist()
    assert names[0] == "model/data.pkl"
    for rec in ("byteorder", "version", "data/0", "data/1", ".data/serialization_id"):
        assert f"model/{rec}" in names
    assert zf.read("model/byteorder") == b"little" and zf.read("model/version").strip() == b"3"
    raw = path.read_bytes()
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
            int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        assert (info.header_offset + 30 + n + e) % 64 == 0, info.filename
    assert np.frombuffer(zf.read("model/data/0"), np.float32).tolist() == [1.0, 1.0, 1.0]


def test_atomic_save_on_error_keeps_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": 1}, path)

    class Boom:
        def __reduce__(self):
            raise ValueError("cannot pickle")

    with pytest.raises(ValueError, match="cannot pickle"):
        ember.save({"v": 2, "x": Boom()}, path)
    assert ember.load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_save_keeps_mode(tmp_path):
    path = tmp_path / "m.pt"
    ember.save(1, path)
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask


def test_mmap_and_map_location(tmp_path):
    path = tmp_path / "m.pt"
    t = ember.arange(10.)
    ember.save({"t": t, "v": t[3:]}, path)
    out = ember.load(path, mmap=True, map_location="cpu")
    _same(out["t"], t)
    out["t"][3] = -1.0
    assert out["v"][0].item() == -1.0
    assert ember.load(path)["t"][3].item() == 3.0      # copy-on-write: the file is unchanged
    for ml in (ember.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage,
               lambda storage, loc: None):
        _same(ember.load(path, map_location=ml)["t"], t)
    with pytest.raises(ValueError, match="file path"):
        ember.load(io.BytesIO(path.read_bytes()), mmap=True)


@pytest.mark.skipif(ember.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_location_without_gpu(tmp_path):
    path = tmp_path / "c.pt"
    ember.save(ember.ones(2), path)
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        ember.load(path, map_location="cuda")
    with pytest.raises(RuntimeError, match="CUDA device"):
        ember.load(path, map_location={"cpu": "cuda:0"})


def test_explicit_pickle_module_needs_weights_only_false(tmp_path):
    path = tmp_path / "p.pt"
    ember.save([1], path)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        ember.load(path, pickle_module=pickle)
    assert ember.load(path, pickle_module=pickle, weights_only=False) == [1]


class Custom:
    def __init__(self, v):
        self.v = v


def test_weights_only_false_loads_custom_objects(tmp_path):
    path = tmp_path / "o.pt"
    ember.save({"obj": Custom(ember.ones(2))}, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        ember.load(path)
    out = ember.load(path, weights_only=False)
    assert isinstance(out["obj"], Custom)
    _same(out["obj"].v, ember.ones(2))


def test_pickle_and_deepcopy_of_tensors():
    import copy
    t = ember.arange(6.).view(2, 3).t().requires_grad_()
    p = ember.nn.Parameter(ember.ones(2))
    for obj in (t, p, ember.tensor(3.0), ember.arange(4)[2]):
        back = pickle.loads(pickle.dumps(obj))
        assert back.shape == obj.shape
        assert type(back) is type(obj) and back.requires_grad == obj.requires_grad
        np.testing.assert_array_equal(back.detach().numpy(), obj.detach().numpy())
    assert copy.deepcopy(p).requires_grad


def test_untyped_storage():
    base = ember.arange(6, dtype=ember.int32)
    s = base.untyped_storage()
    assert s.nbytes() == 24 and len(s) == 24
    assert base[2:].untyped_storage().data_ptr() == s.data_ptr()
    assert base.clone().untyped_storage().data_ptr() != s.data_ptr()


def test_safetensors_roundtrip(tmp_path):
    pytest.importorskip("safetensors")
    tensors = {"w": ember.randn(3, 4), "i": ember.arange(5), "b": ember.ones(2) > 0,
               "h": ember.ones(2, dtype=ember.float16), "nc": ember.randn(4, 3).t()}
    path = tmp_path / "m.safetensors"
    ember.save_file(tensors, path, metadata={"format": "pt"})
    out = ember.load_file(path)
    assert set(out) == set(tensors)
    for k in tensors:
        _same(out[k], tensors[k].contiguous())
    out["w"].add_(1.0)       # loaded tensors are writable
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        ember.save_file({"x": 1}, tmp_path / "bad.safetensors")


def test_safetensors_missing_message(monkeypatch, tmp_path):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("safetensors"):
            raise ImportError("no")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="pip install safetensors"):
        ember.save_file({"x": ember.ones(1)}, tmp_path / "x.safetensors")


def test_deflated_archives_load(tmp_path):
    buf = io.BytesIO()
    t = ember.arange(6.).view(2, 3)
    ember.save({"t": t, "v": t[1]}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    path = tmp_path / "deflated.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    for mmap in (False, True):
        out = ember.load(path, mmap=mmap)
        _same(out["t"], t)
        assert out["v"].untyped_storage().data_ptr() == out["t"].untyped_storage().data_ptr()


def test_storage_bytes_corruption_is_detected(tmp_path):
    path = tmp_path / "c.pt"
    ember.save(ember.arange(100.), path)
    raw = bytearray(path.read_bytes())
    idx = raw.find(np.arange(100.0, dtype=np.float32)[50:52].tobytes())
    raw[idx] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="CRC"):
        ember.load(path)
