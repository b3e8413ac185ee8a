"""The runtime switches of the ember namespace (threads, deterministic algorithms, float32
matmul precision) and ember.compile / ember.compiler, against PyTorch."""
from __future__ import annotations

import copy
import pickle

import pytest

import ember
from ember import _runtime


# ---- runtime switches ----

def _blas_threads():
    """NumPy's OpenBLAS thread count as threadpoolctl reads it (SciPy may load its own)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    pools = [p for p in threadpoolctl.threadpool_info() if p["internal_api"] == "openblas"
             and "numpy" in p["filepath"]]
    if not pools or _runtime._openblas() is None:
        pytest.skip("NumPy does not use a bundled OpenBLAS here")
    return pools[0]["num_threads"]


def test_set_num_threads_limits_openblas():
    before = ember.get_num_threads()
    assert before == _blas_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1 == _blas_threads()
        ember.set_num_threads(2)
        assert ember.get_num_threads() == 2 == _blas_threads()
    finally:
        ember.set_num_threads(before)


def test_set_num_threads_without_openblas_remembers(monkeypatch):
    monkeypatch.setattr(_runtime, "_openblas", lambda: None)
    monkeypatch.setitem(_runtime._STATE, "threads", None)
    assert ember.get_num_threads() == _runtime._cpu_count()
    ember.set_num_threads(3)
    assert ember.get_num_threads() == 3


def test_interop_threads_can_be_set_once(monkeypatch):
    monkeypatch.setitem(_runtime._STATE, "interop", None)
    monkeypatch.setitem(_runtime._STATE, "interop_set", False)
    assert ember.get_num_interop_threads() >= 1
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError, match="^Error: cannot set number of interop threads after "
                                           "parallel work has started or "
                                           "set_num_interop_threads called$"):
        ember.set_num_interop_threads(2)


def test_thread_count_errors_match_torch():
    torch = pytest.importorskip("torch")
    for fn in ("set_num_threads", "set_num_interop_threads"):
        for bad in (0, -1, 1.5, "2", True):
            msgs = []
            for lib in (ember, torch):
                with pytest.raises(RuntimeError) as info:
                    getattr(lib, fn)(bad)
                msgs.append(str(info.value))
            assert msgs[0] == msgs[1]


def test_deterministic_algorithm_switches(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setitem(_runtime._STATE, "deterministic", False)
    monkeypatch.setitem(_runtime._STATE, "warn_only", False)
    assert not ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(True, warn_only=True)
    assert ember.are_deterministic_algorithms_enabled()
    assert ember.is_deterministic_algorithms_warn_only_enabled()
    assert ember.get_deterministic_debug_mode() == 1
    ember.use_deterministic_algorithms(False, warn_only=True)
    assert not ember.is_deterministic_algorithms_warn_only_enabled()
    ember.set_deterministic_debug_mode("error")
    assert ember.are_deterministic_algorithms_enabled()
    assert ember.get_deterministic_debug_mode() == 2
    ember.set_deterministic_debug_mode(0)
    assert not ember.are_deterministic_algorithms_enabled()
    bad = [(lambda lib: lib.use_deterministic_algorithms(1), TypeError),
           (lambda lib: lib.use_deterministic_algorithms(True, warn_only=1), TypeError),
           (lambda lib: lib.set_deterministic_debug_mode("x"), RuntimeError),
           (lambda lib: lib.set_deterministic_debug_mode(5), RuntimeError),
           (lambda lib: lib.set_deterministic_debug_mode(1.0), TypeError)]
    for call, kind in bad:
        msgs = []
        for lib in (ember, torch):
            with pytest.raises(kind) as info:
                call(lib)
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]


def test_float32_matmul_precision(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setitem(_runtime._STATE, "matmul_precision", "highest")
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    ember.set_float32_matmul_precision("medium")
    assert ember.get_float32_matmul_precision() == "medium"
    with pytest.warns(UserWarning, match="^fast is not one of 'highest', 'high', or 'medium'; "
                                         "the currentsetFloat32MatmulPrecision call has no "
                                         "effect.$"):
        ember.set_float32_matmul_precision("fast")
    assert ember.get_float32_matmul_precision() == "medium"
    with pytest.raises(RuntimeError, match="^set_float32_matmul_precision expects a str, but got "
                                           "int$"):
        ember.set_float32_matmul_precision(3)


# ---- compile ----

class _Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ember.nn.Linear(3, 2)
        self.scale = 2.0

    def forward(self, x):
        return self.lin(x) * self.scale


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised by torch.compile's imports
def test_compile_module_wraps_it_like_torch():
    torch = pytest.importorskip("torch")
    net = _Net()
    c = ember.compile(net)
    assert type(c).__name__ == "OptimizedModule" and c._orig_mod is net
    assert list(c.state_dict()) == ["_orig_mod.lin.weight", "_orig_mod.lin.bias"]
    t = torch.compile(torch.nn.Linear(3, 2))
    assert [k.replace("lin.", "") for k in c.state_dict()] == list(t.state_dict())
    x = ember.randn(4, 3)
    assert ember.equal(c(x), net(x))
    assert repr(c).startswith("OptimizedModule(\n  (_orig_mod): _Net(")
    assert c.scale == 2.0 and c.lin is net.lin
    c.scale = 3.0  # attribute writes reach the module
    assert net.scale == 3.0 and "scale" not in c.__dict__
    c.eval()
    assert not net.training and not c.training
    c.train()
    assert net.training
    c.load_state_dict({"_orig_mod." + k: v * 0 for k, v in net.state_dict().items()})
    assert net.lin.weight.abs().sum().item() == 0
    assert [p is q for p, q in zip(c.parameters(), net.parameters())] == [True, True]
    assert type(pickle.loads(pickle.dumps(c))._orig_mod).__name__ == "_Net"
    assert copy.deepcopy(c).scale == 3.0
    with pytest.raises(TypeError, match="^_Net does not support len\\(\\)$"):
        len(c)
    assert len(ember.compile(ember.nn.Sequential(ember.nn.ReLU()))) == 1


def test_compile_function_and_decorator():
    def f(x, k=1):
        return x + k
    cf = ember.compile(f, fullgraph=True, dynamic=False, backend="eager")
    assert cf(1, k=2) == 3 and cf.__name__ == "f" and cf.__wrapped__ is f

    @ember.compile(mode="max-autotune")
    def g(x):
        return x * 2
    assert g(ember.tensor(2.0)).item() == 4.0
    net = _Net()
    assert ember.compile(net, disable=True) is net
    assert ember.compiler.is_compiling() is False
    assert ember.compiler.disable(f) is f
    assert "inductor" in ember.compiler.list_backends()
    assert "eager" not in ember.compiler.list_backends()
    assert "eager" in ember.compiler.list_backends(exclude_tags=())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_compile_errors_match_torch():
    torch = pytest.importorskip("torch")

    def f(x):
        return x
    calls = [lambda lib: lib.compile(f, mode="fast"),
             lambda lib: lib.compile(f, mode="default", options={}),
             lambda lib: lib.compile(f, backend="nope"),
             lambda lib: lib.compile(f, mode=3),
             lambda lib: lib.compile()(None),
             lambda lib: lib.compile(3)]
    for call in calls:
        outcomes = []
        for lib in (ember, torch):
            with pytest.raises(Exception) as info:
                call(lib)
            outcomes.append((type(info.value).__name__, str(info.value)))
        assert outcomes[0] == outcomes[1]
    assert ember.compile(f, backend="eager", mode="fast")(1) == 1  # mode is inductor's
