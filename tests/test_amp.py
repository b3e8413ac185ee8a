"""ember.autocast: state functions, nesting, decorator form, threads, errors and warnings."""
from __future__ import annotations

import threading

import pytest

import ember
from ember.amp import _policy

NO_CUDA = not ember.cuda.is_available()


@pytest.fixture(autouse=True)
def _clean_state():
    """Every test starts and ends with autocast off and PyTorch's default dtypes."""
    yield
    assert _policy.local.nesting == 0
    for dev in ("cpu", "cuda"):
        ember.set_autocast_enabled(dev, False)
        ember.set_autocast_dtype(dev, _policy.DEFAULT_DTYPES[dev])
    ember.set_autocast_cache_enabled(True)
    assert not _policy.active


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for dev in ("cpu", "cuda"):
        assert repr(ember.get_autocast_dtype(dev)) == repr(torch.get_autocast_dtype(dev))
        assert ember.is_autocast_enabled(dev) is torch.is_autocast_enabled(dev) is False
    assert ember.is_autocast_enabled() is False
    assert ember.is_autocast_cache_enabled() is True
    assert ember.get_autocast_dtype("cuda:0") is ember.float16


def test_region_sets_and_restores_state():
    with ember.autocast("cpu") as ac:
        assert isinstance(ac, ember.autocast)
        assert ember.is_autocast_enabled("cpu")
        assert not ember.is_autocast_enabled()  # no argument: CUDA's state, as in PyTorch
        assert ember.get_autocast_dtype("cpu") is ember.bfloat16
        assert _policy.active
    assert not ember.is_autocast_enabled("cpu")
    assert not _policy.active


def test_nesting_and_disabled_subregion():
    a = ember.randn(2, 2)
    with ember.autocast("cpu", dtype=ember.float16):
        assert (a @ a).dtype is ember.float16
        with ember.autocast("cpu", enabled=False):
            assert not ember.is_autocast_enabled("cpu")
            assert ember.get_autocast_dtype("cpu") is ember.float16
            assert (a @ a).dtype is ember.float32
        with ember.autocast("cpu", dtype=ember.bfloat16):
            assert (a @ a).dtype is ember.bfloat16
        assert ember.get_autocast_dtype("cpu") is ember.float16
        assert (a @ a).dtype is ember.float16
    assert (a @ a).dtype is ember.float32


def test_state_restored_after_exception():
    with pytest.raises(KeyError):
        with ember.autocast("cpu", cache_enabled=False):
            raise KeyError("x")
    assert not ember.is_autocast_enabled("cpu")
    assert ember.is_autocast_cache_enabled()


def test_cache_cleared_on_outermost_exit_only():
    w = ember.randn(3, 3, requires_grad=True)
    x = ember.randn(3, 3)
    with ember.autocast("cpu"):
        with ember.autocast("cpu"):
            x @ w
        assert len(_policy.local.cache) == 1  # kept: still inside an autocast region
    assert not _policy.local.cache


def test_decorator_form():
    calls = []

    @ember.autocast("cpu")
    def forward(a, b):
        """Doc."""
        calls.append(ember.is_autocast_enabled("cpu"))
        return a @ b

    a = ember.randn(2, 3)
    out = forward(a, a.t())
    assert out.dtype is ember.bfloat16 and calls == [True]
    assert forward.__name__ == "forward" and forward.__doc__ == "Doc."
    assert not ember.is_autocast_enabled("cpu")


def test_decorated_method_and_module_forward():
    class Net(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = ember.nn.Linear(3, 2)

        @ember.autocast(device_type="cpu")
        def forward(self, x):
            return self.fc(x)

    assert Net()(ember.randn(4, 3)).dtype is ember.bfloat16


def test_state_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = ember.is_autocast_enabled("cpu")
        a = ember.randn(2, 2)
        seen["dtype"] = (a @ a).dtype

    with ember.autocast("cpu"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"enabled": False, "dtype": ember.float32}


def test_other_thread_region_does_not_change_this_thread():
    entered, release = threading.Event(), threading.Event()

    def worker():
        with ember.autocast("cpu"):
            entered.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    entered.wait(10)
    try:
        assert _policy.active  # some thread is inside a region
        a = ember.randn(2, 2)
        assert (a @ a).dtype is ember.float32
    finally:
        release.set()
        t.join()


def test_set_functions():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        lib.set_autocast_enabled("cpu", True)
        try:
            assert lib.is_autocast_enabled("cpu")
            a = lib.ones(2, 2)
            assert repr((a @ a).dtype) == "torch.bfloat16"
        finally:
            lib.set_autocast_enabled("cpu", False)
        lib.set_autocast_enabled(True)  # one argument: CUDA
        assert lib.is_autocast_enabled() and lib.is_autocast_enabled("cuda")
        lib.set_autocast_enabled(False)
        lib.set_autocast_dtype("cpu", lib.float16)
        assert lib.get_autocast_dtype("cpu") is lib.float16
        lib.set_autocast_dtype("cpu", lib.bfloat16)
        lib.set_autocast_cache_enabled(False)
        assert lib.is_autocast_cache_enabled() is False
        lib.set_autocast_cache_enabled(True)
        assert lib.autocast_increment_nesting() == 1
        assert lib.autocast_decrement_nesting() == 0


def test_float16_on_cpu():
    a = ember.randn(3, 3)
    with ember.autocast("cpu", dtype=ember.float16):
        assert (a @ a).dtype is ember.float16


def _raises_like_torch(fn, exc, match):
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        with pytest.raises(exc, match=match):
            fn(lib)


@pytest.mark.parametrize("fn, exc, match", [
    (lambda lib: lib.autocast(lib.device("cpu")), ValueError,
     "Expected `device_type` of type `str`, got: `<class '"),
    (lambda lib: lib.autocast("foo"), RuntimeError, "device type at start of device string: foo"),
    (lambda lib: lib.autocast("meta"), RuntimeError, "unsupported scalarType"),
    (lambda lib: lib.autocast("cpu")(3), TypeError,
     r"autocast\(\)\(func\) requires a callable, but got int. Did you mean to use autocast as "
     r"a context manager\? For example:\n    with torch.autocast\(device_type=...\):"),
    (lambda lib: lib.amp.is_autocast_available(1), TypeError,
     r"_is_autocast_available\(\): argument 'device_type' \(position 1\) must be str, not int"),
    (lambda lib: lib.is_autocast_enabled(1), TypeError,
     r"is_autocast_enabled\(\): argument 'device_type' \(position 1\) must be str, not int"),
    (lambda lib: lib.is_autocast_enabled("meta"), RuntimeError,
     "unknown device type for autocast in get_autocast_dispatch_key_from_device_type"),
    (lambda lib: lib.get_autocast_dtype(1), TypeError,
     r"get_autocast_dtype\(\): argument 'device_type' \(position 1\) must be str, not int"),
    (lambda lib: lib.set_autocast_enabled("cpu", 1), TypeError,
     r"set_autocast_enabled\(\): argument 'enabled' \(position 2\) must be bool, not int"),
    (lambda lib: lib.set_autocast_enabled("cpu"), TypeError,
     r"set_autocast_enabled\(\): argument 'enabled' \(position 1\) must be bool, not str"),
    (lambda lib: lib.set_autocast_dtype("cpu", "x"), TypeError,
     r"set_autocast_dtype\(\): argument 'dtype' \(position 2\) must be torch.dtype, not str"),
    (lambda lib: lib.set_autocast_cache_enabled(1), TypeError,
     r"enabled must be a bool \(got int\)"),
    (lambda lib: lib.amp.custom_fwd(device_type=lib.device("cpu")), ValueError,
     "Expected `device_type` of type `str`"),
])
def test_errors_like_torch(fn, exc, match):
    _raises_like_torch(fn, exc, match)


def test_bad_input_leaves_no_state():
    ac = ember.autocast("cpu", enabled=1)
    with pytest.raises(TypeError, match="must be bool, not int"):
        ac.__enter__()
    assert not ember.is_autocast_enabled("cpu") and _policy.local.nesting == 0


def test_availability():
    torch = pytest.importorskip("torch")
    for dev in ("cpu", "cuda", "cuda:0", "meta"):
        assert ember.amp.is_autocast_available(dev) is torch.amp.is_autocast_available(dev)
    assert ember.amp.is_autocast_available("mps") is False  # no mps engine in ember
    with pytest.raises(RuntimeError, match="User specified an unsupported autocast device_type "
                                           "'mps'"):
        ember.autocast("mps")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_unsupported_cpu_dtype_warns_and_disables(dtype):
    torch = pytest.importorskip("torch")
    msg = ("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
           "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.")
    for lib in (ember, torch):
        with pytest.warns(UserWarning) as rec:
            ac = lib.autocast("cpu", dtype=getattr(lib, dtype))
        assert str(rec[0].message) == msg
        with ac:
            assert not lib.is_autocast_enabled("cpu")
            assert repr(lib.get_autocast_dtype("cpu")) == f"torch.{dtype}"
            a = lib.ones(2, 2)
            assert (a @ a).dtype is lib.float32
    with pytest.warns(UserWarning):
        ember.autocast("cpu", dtype=ember.float32, enabled=True)
    ember.autocast("cpu", dtype=ember.float32, enabled=False)  # no warning when disabled


@pytest.mark.skipif(not NO_CUDA, reason="checks the behaviour without a GPU")
def test_cuda_region_without_cuda_warns_and_disables():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        for dtype in (None, lib.bfloat16):
            with pytest.warns(UserWarning, match="^CUDA is not available or torch_xla is "
                                                 "imported. Disabling autocast.$"):
                ac = lib.autocast("cuda", dtype=dtype)
            with ac:
                assert not lib.is_autocast_enabled("cuda")


@pytest.mark.parametrize("old, new, args", [
    ("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')", ()),
    ("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')", ()),
    ("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')", ()),
    ("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)", ("bfloat16",)),
    ("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)", ("float16",)),
    ("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)", (False,)),
])
def test_deprecated_state_functions(old, new, args):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ember, torch):
        real = [getattr(lib, a) if isinstance(a, str) else a for a in args]
        with pytest.warns(DeprecationWarning) as rec:
            results.append(repr(getattr(lib, old)(*real)))
        shown = ("(enabled)" if "enabled(" in new else "(dtype)") if args else "()"
        assert str(rec[0].message).startswith(
            f"torch.{old}{shown} is deprecated. Please use torch.{new} instead.")
    assert results[0] == results[1]


def test_deprecated_cpu_autocast():
    with pytest.warns(FutureWarning, match=r"^`torch.cpu.amp.autocast\(args...\)` is deprecated. "
                                           r"Please use `torch.amp.autocast\('cpu', "
                                           r"args...\)` instead.$"):
        ac = ember.cpu.amp.autocast(dtype=ember.float16)
    assert isinstance(ac, ember.autocast)
    with ac:
        assert ember.get_autocast_dtype("cpu") is ember.float16
        assert ember.is_autocast_enabled("cpu")
    from ember.cpu.amp import autocast
    assert autocast is ember.cpu.amp.autocast


@pytest.mark.skipif(not NO_CUDA, reason="checks the behaviour without a GPU")
def test_deprecated_cuda_autocast():
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.autocast\(args...\)` is deprecated. "
                                           r"Please use `torch.amp.autocast\('cuda', "
                                           r"args...\)` instead."):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            ac = ember.cuda.amp.autocast()
    assert ac.fast_dtype is ember.float16 and ac._enabled is False


def test_amp_namespace_like_torch():
    torch = pytest.importorskip("torch")
    for name in torch.amp.__all__:
        assert hasattr(ember.amp, name), name
    for name in ("autocast", "GradScaler"):
        assert hasattr(ember.cpu.amp, name) and hasattr(ember.cuda.amp, name)
    for name in ("custom_fwd", "custom_bwd"):
        assert hasattr(ember.cuda.amp, name)
    assert ember.amp.autocast is ember.autocast
    assert ember.cpu.is_available() and ember.cpu.device_count() == 1


def test_docstring_examples_run():
    import doctest

    from ember.amp import autocast_mode, grad_scaler
    for module in (ember.amp, autocast_mode, grad_scaler):
        result = doctest.testmod(module, extraglobs={"ember": ember})
        assert result.attempted > 0 and result.failed == 0, module.__name__


def _bf16(t):
    return t.to(t.new_tensor(0.0).bfloat16().dtype)


@pytest.mark.parametrize("name, args", [
    ("cross_entropy", lambda lib, x, y: (_bf16(x), lib.tensor(y))),
    ("nll_loss", lambda lib, x, y: (_bf16(x.log_softmax(1)), lib.tensor(y))),
    ("mse_loss", lambda lib, x, y: (_bf16(x), x * 0.5)),
    ("l1_loss", lambda lib, x, y: (_bf16(x), x * 0.5)),
    ("smooth_l1_loss", lambda lib, x, y: (_bf16(x), x * 0.5)),
    ("huber_loss", lambda lib, x, y: (_bf16(x), x * 0.5)),
    ("binary_cross_entropy_with_logits", lambda lib, x, y: (_bf16(x), (x > 0).float())),
    ("binary_cross_entropy", lambda lib, x, y: (_bf16(x.sigmoid()), (x > 0).float())),
    ("kl_div", lambda lib, x, y: (_bf16(x.log_softmax(1)), x.softmax(1), None, None,
                                  "batchmean")),
    # float32 in, float32 out: the matmul inside ember's composite is not lowered
    ("adaptive_avg_pool2d", lambda lib, x, y: (x.reshape(1, 1, 4, 5), (2, 2))),
])
def test_fp32_list_ops_run_in_float32_like_torch(name, args):
    torch = pytest.importorskip("torch")
    import numpy as np
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 5)).astype(np.float32), rng.integers(0, 5, 4)
    out = {}
    for lib in (ember, torch):
        with lib.autocast("cpu", dtype=lib.bfloat16):
            out[lib] = getattr(lib.nn.functional, name)(*args(lib, lib.tensor(x), y))
    assert str(out[ember].dtype) == str(out[torch].dtype)
    np.testing.assert_allclose(out[ember].float().numpy(), out[torch].float().numpy(),
                               rtol=1e-6, atol=1e-7)
