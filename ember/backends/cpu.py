"""``ember.backends.cpu``: the vector instruction set of the CPU, as NumPy detected it."""
from __future__ import annotations


def get_cpu_capability() -> str:
    """"AVX512", "AVX2" or "DEFAULT" on x86 (PyTorch's names), "DEFAULT" elsewhere."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if all(features.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    return "DEFAULT"
