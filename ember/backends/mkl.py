"""``ember.backends.mkl``: whether ember's CPU engine (NumPy) is linked with Intel MKL."""
from __future__ import annotations


def is_available() -> bool:
    import numpy
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # NumPy older than 1.26 has no dict form
        return False
    return "mkl" in str(blas.get("name", "")).lower()
