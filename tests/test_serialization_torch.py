"""Interop with PyTorch: torch.save -> ember.load (torch not imported) and back."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember

pytest.importorskip("torch")

TORCH_WRITER = r"""
import json, sys, numpy as np, torch
out = sys.argv[1]
torch.manual_seed(0)
dtypes = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
          torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128]
tensors = {}
for dt in dtypes:
    x = torch.randn(3, 4, dtype=torch.float64) * 50
    if dt.is_complex:
        x = x + 1j * x.flip(0)
    x = (x > 0) if dt == torch.bool else x.to(dt)
    tensors[str(dt)] = x
base = torch.arange(24.).view(4, 6)
views = {"base": base, "t": base.t(), "step": base[::2, 1::2], "row": base[2],
         "scalar": base[1, 1], "empty": torch.zeros(0, 3), "zero_dim": torch.tensor(2.5)}
torch.save({"dtypes": tensors, "views": views, "p": torch.nn.Parameter(torch.ones(2)),
            "meta": {"epoch": 3, "name": "run", "lrs": [0.1, 0.01], "none": None}},
           out + "/tensors.pt")
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                            torch.nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
sched = torch.optim.lr_scheduler.StepLR(opt, 2)
model(torch.randn(4, 1, 4, 4)).sum().backward(); opt.step(); sched.step()
torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
            "dtype": torch.float32, "device": torch.device("cpu"), "size": torch.Size([2, 3])},
           out + "/model.pt")
flat = {}
def walk(prefix, obj):
    if isinstance(obj, torch.Tensor):
        flat[prefix] = obj.detach().numpy().copy()
    elif isinstance(obj, dict):
        for k, v in obj.items():
            walk(f"{prefix}/{k}", v)
walk("tensors", torch.load(out + "/tensors.pt"))
walk("model", torch.load(out + "/model.pt"))
np.savez(out + "/expected.npz", **flat)
"""

EMBER_READER = r"""
import sys, numpy as np
import ember
out = sys.argv[1]
exp = np.load(out + "/expected.npz")
got = {}
def walk(prefix, obj):
    if isinstance(obj, ember.Tensor):
        got[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            walk(f"{prefix}/{k}", v)
t = ember.load(out + "/tensors.pt")
m = ember.load(out + "/model.pt")
walk("tensors", t)
walk("model", m)
assert set(got) == set(exp.files), set(got) ^ set(exp.files)
for k in exp.files:
    a = got[k].detach().numpy()
    assert a.dtype == exp[k].dtype and a.shape == exp[k].shape, k
    np.testing.assert_array_equal(a, exp[k])
v = t["views"]
ptr = v["base"].untyped_storage().data_ptr()
assert all(v[k].untyped_storage().data_ptr() == ptr for k in ("t", "step", "row", "scalar"))
assert v["t"].stride() == (1, 6) and v["step"].stride() == (12, 2)
assert v["row"].storage_offset() == 12
assert isinstance(t["p"], ember.nn.Parameter) and t["p"].requires_grad
assert t["meta"] == {"epoch": 3, "name": "run", "lrs": [0.1, 0.01], "none": None}
assert list(m["model"]) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                            "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"]
assert m["model"]._metadata["1"] == {"version": 2}
group = m["opt"]["param_groups"][0]
assert group["lr"] == 0.01 and group["params"] == [0, 1, 2, 3, 4, 5]
assert m["sched"]["step_size"] == 2 and m["sched"]["last_epoch"] == 1
assert m["dtype"] is ember.float32 and m["device"] == ember.device("cpu") and m["size"] == (2, 3)
assert "torch" not in sys.modules, "ember imported torch"
print("EMBER-OK")
"""


def _run(script, *args):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def torch_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("torch_files")
    res = _run(TORCH_WRITER, str(d))
    assert res.returncode == 0, res.stderr
    return d


def test_torch_files_load_without_torch(torch_dir):
    res = _run(EMBER_READER, str(torch_dir))
    assert res.returncode == 0, res.stderr
    assert "EMBER-OK" in res.stdout


def test_torch_model_state_dict_loads_into_values(torch_dir):
    sd = ember.load(torch_dir / "model.pt")["model"]
    assert sd["0.weight"].shape == (2, 1, 3, 3) and sd["0.weight"].dtype == ember.float32
    assert sd["1.num_batches_tracked"].dtype == ember.int64
    assert sd["1.num_batches_tracked"].item() == 1


def test_ember_files_load_in_torch(tmp_path):
    import torch
    base = ember.arange(24.).view(4, 6)
    tensors = {name: ember.from_numpy((np.arange(12).reshape(3, 4) % 3).astype(name))
               for name in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16",
                            "float32", "float64", "complex64", "complex128")}
    obj = {"dtypes": tensors, "base": base, "t": base.t(), "step": base[::2, 1::2],
           "scalar": base[1, 1], "empty": ember.zeros(0, 3), "p": ember.nn.Parameter(
               ember.ones(2)), "g": ember.ones(3, requires_grad=True),
           "meta": {"epoch": 3, "lrs": (0.1, 0.2)}, "dtype": ember.float16,
           "device": ember.device("cpu"), "size": ember.Size([1, 2])}
    path = tmp_path / "e.pt"
    ember.save(obj, path)
    out = torch.load(path, weights_only=True)
    for name, t in tensors.items():
        assert str(out["dtypes"][name].dtype) == f"torch.{name}"
        np.testing.assert_array_equal(out["dtypes"][name].numpy(), t.numpy())
    for k in ("base", "t", "step", "scalar", "empty"):
        np.testing.assert_array_equal(out[k].numpy(), obj[k].numpy())
        assert out[k].stride() == obj[k].stride()
    ptr = out["base"].untyped_storage().data_ptr()
    assert out["t"].untyped_storage().data_ptr() == ptr
    assert isinstance(out["p"], torch.nn.Parameter) and out["g"].requires_grad
    assert out["meta"] == {"epoch": 3, "lrs": (0.1, 0.2)}
    assert out["dtype"] is torch.float16 and out["size"] == torch.Size([1, 2])


def test_ember_state_dict_loads_into_torch_module(tmp_path):
    import torch
    sd = {"weight": ember.randn(3, 4), "bias": ember.randn(3)}
    ember.save(sd, tmp_path / "lin.pt")
    lin = torch.nn.Linear(4, 3)
    lin.load_state_dict(torch.load(tmp_path / "lin.pt", weights_only=True))
    np.testing.assert_array_equal(lin.weight.detach().numpy(), sd["weight"].numpy())


def test_safetensors_interop(tmp_path):
    pytest.importorskip("safetensors")
    import torch
    from safetensors.torch import load_file as torch_load_file, save_file as torch_save_file
    torch_save_file({"a": torch.arange(6.).view(2, 3), "b": torch.ones(2, dtype=torch.int64)},
                    str(tmp_path / "t.safetensors"))
    out = ember.load_file(tmp_path / "t.safetensors")
    assert out["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert out["b"].dtype == ember.int64
    ember.save_file({"w": ember.randn(2, 2)}, tmp_path / "e.safetensors")
    back = torch_load_file(str(tmp_path / "e.safetensors"))
    assert back["w"].shape == (2, 2) and back["w"].dtype == torch.float32


def test_json_metadata_roundtrip_through_torch(tmp_path):
    import torch
    meta = {"a": [1, 2, {"b": None}], "s": "x" * 300}
    ember.save(meta, tmp_path / "m.pt")
    assert json.dumps(torch.load(tmp_path / "m.pt")) == json.dumps(meta)


def test_torch_checkpoint_into_ember_module_and_optimizer(tmp_path):
    script = """
import sys, torch
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 3))
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
m(torch.randn(2, 1, 4, 4)).sum().backward(); opt.step()
torch.save({"m": m.state_dict(), "o": opt.state_dict()}, sys.argv[1])
"""
    res = _run(script, str(tmp_path / "m.pt"))
    assert res.returncode == 0, res.stderr
    import torch
    ck = ember.load(tmp_path / "m.pt")
    m = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 3), ember.nn.Flatten(), ember.nn.Linear(8, 3))
    m.load_state_dict(ck["m"])
    opt = ember.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    opt.load_state_dict(ck["o"])
    ref = torch.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(m[2].weight.detach().numpy(), ref["m"]["2.weight"].numpy())
    np.testing.assert_array_equal(opt.state_dict()["state"][0]["momentum_buffer"].numpy(),
                                  ref["o"]["state"][0]["momentum_buffer"].numpy())


def test_resume_is_bit_exact(tmp_path):
    sched_mod = pytest.importorskip("ember.optim.lr_scheduler")

    def make():
        ember.manual_seed(0)
        model = ember.nn.Linear(4, 2)
        opt = ember.optim.Adam(model.parameters(), lr=0.01)
        return model, opt, sched_mod.StepLR(opt, 2, gamma=0.5)

    def step(model, opt, sched):
        x = ember.randn(8, 4)
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
        sched.step()

    model, opt, sched = make()
    for _ in range(6):
        step(model, opt, sched)
    straight = model.weight.detach().numpy().copy()

    model, opt, sched = make()
    for _ in range(3):
        step(model, opt, sched)
    ember.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "sched": sched.state_dict(), "rng": ember.get_rng_state()}, tmp_path / "r.pt")
    model, opt, sched = make()
    ck = ember.load(tmp_path / "r.pt")
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["opt"])
    sched.load_state_dict(ck["sched"])
    ember.set_rng_state(ck["rng"])
    for _ in range(3):
        step(model, opt, sched)
    np.testing.assert_array_equal(model.weight.detach().numpy(), straight)
