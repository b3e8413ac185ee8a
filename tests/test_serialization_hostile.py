"""Hostile and corrupt checkpoints: ember.load raises UnpicklingError or RuntimeError, runs
nothing, and never crashes; an interrupted save leaves the previous file loadable."""
import io
import os
import pickle
import random
import signal
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import ember

ERRORS = (pickle.UnpicklingError, RuntimeError)


def S(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def Int(n):
    return b"J" + struct.pack("<i", n)


def T(*items):
    return b"(" + b"".join(items) + b"t"


def G(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def tensor_pkl(numel, offset, size, stride, key="0", storage="FloatStorage"):
    pid = T(S("storage"), G("torch", storage), S(key), S("cpu"), Int(numel)) + b"Q"
    hooks = G("collections", "OrderedDict") + b")R"
    args = T(pid, Int(offset), T(*map(Int, size)), T(*map(Int, stride)), b"\x89", hooks)
    return b"\x80\x02" + G("torch._utils", "_rebuild_tensor_v2") + args + b"R."


def make_zip(pkl, records=None, prefix="archive", extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", pkl)
        zf.writestr(f"{prefix}/byteorder", "little")
        for key, data in (records or {}).items():
            zf.writestr(f"{prefix}/data/{key}", data)
        zf.writestr(f"{prefix}/version", "3\n")
        for name, data in extra:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def sentinel(tmp_path):
    path = tmp_path / "PWNED"
    yield str(path)
    assert not path.exists(), "a hostile checkpoint ran code"


def _payloads(sentinel):
    cmd = f"touch {sentinel}"
    code = f"open({sentinel!r}, 'w').close()"
    return {
        "os.system": G("os", "system") + b"(" + S(cmd) + b"tR.",
        "posix.system": G("posix", "system") + b"(" + S(cmd) + b"tR.",
        "eval": G("builtins", "eval") + b"(" + S(code) + b"tR.",
        "py2 eval": G("__builtin__", "eval") + b"(" + S(code) + b"tR.",
        "stack_global exec": b"\x80\x04" + S("builtins").replace(b"X", b"X", 1) + S("exec")
        + b"\x93(" + S(code) + b"tR.",
        "INST": b"(" + S(cmd) + b"ios\nsystem\n.",
        "OBJ": b"(" + G("os", "system") + S(cmd) + b"o.",
        "NEWOBJ": G("os", "system") + b")\x81.",
        "getattr chain": G("builtins", "getattr") + b"(" + G("os", "path") + S("x") + b"tR.",
        "torch.load": G("torch", "load") + b"(" + S(sentinel) + b"tR.",
        "subprocess": G("subprocess", "Popen") + b"((" + S("touch") + S(sentinel) + b"ltR.",
        "reduce on dtype": G("torch", "float32") + b")R.",
        "reduce on storage type": G("torch", "FloatStorage") + b")R.",
        "BUILD on dict": b"}" + b"}" + S("__class__") + Int(1) + b"sb.",
        "BUILD on list": b"]}b.",
        "SETITEM on list": b"]" + Int(0) + Int(1) + b"s.",
        "SETITEMS on list": b"](" + Int(0) + Int(1) + b"u.",
        "APPEND on dict": b"}" + Int(1) + b"a.",
        "EXT1": b"\x82\x01.",
        "OrderedDict with items":
            G("collections", "OrderedDict") + b"(](" + Int(1) + Int(2) + b"tatR.",
        "PERSID text": b"P0\n.",
    }


def _load_bytes(data):
    return ember.load(io.BytesIO(data))


@pytest.mark.parametrize("name", list(_payloads("x")))
def test_malicious_pickles_are_refused(name, sentinel):
    pkl = _payloads(sentinel)[name]
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        _load_bytes(make_zip(pkl))


def test_disallowed_global_message(sentinel):
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL os.system was not an allowed"):
        _load_bytes(make_zip(_payloads(sentinel)["os.system"]))


@pytest.mark.parametrize("numel,records,offset,size,stride,match", [
    (4, {"0": b"\0" * 8}, 0, (4,), (1,), "holds 8 bytes but the pickle claims 16"),
    (4, {"0": b"\0" * 16}, 0, (10,), (1,), "out of bounds"),
    (4, {"0": b"\0" * 16}, 3, (2,), (1,), "out of bounds"),
    (4, {"0": b"\0" * 16}, 0, (2, 2), (3, 1), "out of bounds"),
    (4, {}, 0, (4,), (1,), "no record 'data/0'"),
])
def test_storage_and_view_checks(numel, records, offset, size, stride, match):
    with pytest.raises(RuntimeError, match=match):
        _load_bytes(make_zip(tensor_pkl(numel, offset, size, stride), records))


def test_negative_sizes_are_refused():
    with pytest.raises(pickle.UnpicklingError):
        _load_bytes(make_zip(tensor_pkl(4, 0, (-1,), (1,)), {"0": b"\0" * 16}))
    with pytest.raises(pickle.UnpicklingError):
        _load_bytes(make_zip(tensor_pkl(4, -1, (2,), (1,)), {"0": b"\0" * 16}))


def test_valid_handmade_tensor_loads():
    data = np.arange(4, dtype=np.float32).tobytes()
    out = _load_bytes(make_zip(tensor_pkl(4, 1, (2,), (2,)), {"0": data}))
    assert out.tolist() == [1.0, 3.0]


@pytest.mark.parametrize("extra,match", [
    ([("archive/../evil", b"x")], "unsafe member name"),
    ([("/abs/evil", b"x")], "unsafe member name|one top-level"),
    ([("archive/data/../../x", b"x")], "unsafe member name"),
    ([("other/data.pkl", b"x")], "one top-level folder"),
])
def test_zip_path_tricks(extra, match):
    with pytest.raises(RuntimeError, match=match):
        _load_bytes(make_zip(b"\x80\x02K\x01.", extra=extra))


def test_duplicate_members():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02K\x01.")
        zf.writestr("archive/version", "3\n")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("archive/data.pkl", b"\x80\x02K\x02.")
    with pytest.raises(RuntimeError, match="duplicate"):
        _load_bytes(buf.getvalue())


def _valid_file():
    base = ember.arange(12.).view(3, 4)
    od = OrderedDict([("w", base), ("wt", base.t()), ("i", ember.arange(3))])
    od._metadata = {"": {"version": 1}}
    buf = io.BytesIO()
    ember.save({"sd": od, "p": ember.nn.Parameter(ember.ones(2)), "n": [1, 2.5, "s", None],
                "dt": ember.float16}, buf)
    return buf.getvalue()


def test_truncated_and_garbage_files(tmp_path):
    good = _valid_file()
    for cut in (0, 10, len(good) // 2, len(good) - 10):
        with pytest.raises(RuntimeError):
            _load_bytes(good[:cut])
    with pytest.raises(RuntimeError, match="not a zip archive"):
        _load_bytes(b"hello world" * 10)
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(RuntimeError):
        ember.load(tmp_path / "empty.pt")


def test_legacy_format_is_refused():
    legacy = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2)
    with pytest.raises(RuntimeError, match="legacy .*torch.save"):
        _load_bytes(legacy + b"\0" * 100)


def test_bad_version_and_byteorder():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02K\x01.")
        zf.writestr("archive/version", "99\n")
    with pytest.raises(RuntimeError, match="version 99"):
        _load_bytes(buf.getvalue())
    with pytest.raises(RuntimeError, match="byteorder"):
        _load_bytes(make_zip(b"\x80\x02K\x01.", extra=[("archive/byteorder2", b"")])
                    .replace(b"little", b"middle"))


def _walk_ok(obj, depth=0):
    """Touch every tensor of a loaded object (bounded work on huge broadcast views)."""
    if isinstance(obj, ember.Tensor):
        arr = obj.detach().numpy()
        if arr.size < 10 ** 6:
            arr.sum()
    elif isinstance(obj, dict) and depth < 50:
        for v in obj.values():
            _walk_ok(v, depth + 1)
    elif isinstance(obj, (list, tuple)) and depth < 50:
        for v in obj:
            _walk_ok(v, depth + 1)


def _mutate(rng, data):
    data = bytearray(data)
    kind = rng.random()
    if kind < 0.6:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind < 0.8:
        pos = rng.randrange(len(data))
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    else:
        pos = rng.randrange(len(data))
        del data[pos:pos + rng.randint(1, 8)]
    return bytes(data)


def _check_one(data):
    try:
        out = _load_bytes(data)
    except ERRORS:
        return "error"
    _walk_ok(out)
    return "ok"


def test_random_mutations_of_valid_and_hostile_files(sentinel):
    rng = random.Random(1234)
    good = _valid_file()
    zf = zipfile.ZipFile(io.BytesIO(good))
    pkl = zf.read("archive/data.pkl")
    records = {n.split("/data/")[1]: zf.read(n) for n in zf.namelist() if "/data/" in n}
    hostile = list(_payloads(sentinel).values())
    counts = {"ok": 0, "error": 0}
    for i in range(3000):
        if i % 3 == 0:                   # raw bytes of the archive (CRC, headers, layout)
            data = _mutate(rng, good)
        elif i % 3 == 1:                 # the pickle itself, re-zipped with valid CRCs
            data = make_zip(_mutate(rng, pkl), records)
        else:
            data = make_zip(_mutate(rng, rng.choice(hostile)), records)
        counts[_check_one(data)] += 1
    assert counts["ok"] > 100 and counts["error"] > 1000, counts


def test_interrupted_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"epoch": 1, "w": ember.ones(3)}, path)
    child = textwrap.dedent(f"""
        import sys, time
        import ember
        import ember._serialization.writer as w
        w._CHUNK = 1 << 16
        orig = w._chunks
        class Slow(list):
            passes = 0
            def __iter__(self):
                Slow.passes += 1
                for i, c in enumerate(list.__iter__(self)):
                    if Slow.passes == 2 and i == 3:
                        print("STARTED", flush=True)
                        time.sleep(60)
                    yield c
        w._chunks = lambda ref: Slow(orig(ref))
        ember.save({{"epoch": 2, "w": ember.zeros(1 << 20)}}, {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
    try:
        line = proc.stdout.readline()
        assert line.strip() == b"STARTED"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
    temps = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert len(temps) == 1 and os.path.getsize(tmp_path / temps[0]) > 3 * (1 << 16)
    out = ember.load(path)
    assert out["epoch"] == 1 and out["w"].tolist() == [1.0, 1.0, 1.0]
