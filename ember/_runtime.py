"""Process-wide switches of the ``ember`` namespace: thread counts, deterministic algorithms and
the float32 matmul precision."""
from __future__ import annotations

import ctypes
import functools
import glob
import os
import warnings
from numbers import Integral

_STATE = {"threads": None, "interop": None, "interop_set": False, "deterministic": False,
          "warn_only": False, "matmul_precision": "highest"}
_PRECISIONS = ("highest", "high", "medium")


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _library_paths():
    """Candidate files of the OpenBLAS NumPy is linked with: its wheel's bundled copy, or a
    loaded library whose name says openblas."""
    import numpy
    root = os.path.dirname(numpy.__file__)
    found = glob.glob(os.path.join(root, os.pardir, "numpy.libs", "*openblas*"))
    found += glob.glob(os.path.join(root, ".dylibs", "*openblas*"))
    try:
        with open("/proc/self/maps") as maps:
            found += sorted({line.split()[-1] for line in maps if "openblas" in line})
    except OSError:
        pass
    return found


@functools.lru_cache(maxsize=None)
def _openblas():
    """(set_num_threads, get_num_threads) of NumPy's OpenBLAS through ctypes, or None."""
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", "_64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    return setter, getter
    return None


def _check_count(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return int(n)


def set_num_threads(n: int) -> None:
    """Set the number of threads of the CPU math library (NumPy's OpenBLAS).

    ember's CPU parallelism is the BLAS library's, so this calls OpenBLAS's own
    ``set_num_threads`` (found through ctypes in NumPy's bundled libraries). When NumPy does
    not use OpenBLAS the value is only remembered and returned by :func:`get_num_threads`.

    >>> n = ember.get_num_threads()
    >>> ember.set_num_threads(1)
    >>> ember.get_num_threads()
    1
    >>> ember.set_num_threads(n)
    """
    n = _check_count("set_num_threads", n)
    blas = _openblas()
    if blas is not None:
        blas[0](n)
    else:
        _STATE["threads"] = n


def get_num_threads() -> int:
    """The number of threads of the CPU math library (see :func:`set_num_threads`)."""
    blas = _openblas()
    if blas is not None:
        return blas[1]()
    return _STATE["threads"] or _cpu_count()


def set_num_interop_threads(n: int) -> None:
    """Set the inter-op thread count (once per process, as in PyTorch).

    ember runs operators one after another, so the value is only remembered.
    """
    n = _check_count("set_num_interop_threads", n)
    if _STATE["interop_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _STATE["interop"], _STATE["interop_set"] = n, True


def get_num_interop_threads() -> int:
    """The inter-op thread count (the number of usable CPUs unless set)."""
    return _STATE["interop"] or _cpu_count()


def _check_bool(arg: str, value, pos: str = "") -> None:
    if not isinstance(value, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument '{arg}'{pos} must be bool, "
                        f"not {type(value).__name__}")


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms. ember's kernels are deterministic already; the flags
    are kept for programs that read them back."""
    _check_bool("mode", mode, " (position 1)")
    _check_bool("warn_only", warn_only)
    _STATE["deterministic"], _STATE["warn_only"] = mode, mode and warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _STATE["warn_only"]


def set_deterministic_debug_mode(debug_mode) -> None:
    """0 / "default", 1 / "warn" or 2 / "error": the same switches as
    :func:`use_deterministic_algorithms`."""
    if not isinstance(debug_mode, (int, str)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if isinstance(debug_mode, str):
        names = {"default": 0, "warn": 1, "error": 2}
        if debug_mode not in names:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = names[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """"highest", "high" or "medium". ember's float32 matmuls always run at full precision
    (NumPy has no TF32 or bfloat16 fast path); the setting is kept and read back, and
    ``ember.backends.cuda.matmul.allow_tf32`` follows it as in PyTorch."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _STATE["matmul_precision"]
