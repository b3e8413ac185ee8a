"""``ember.backends.cuda``: cuBLAS and attention switches (kept; ember's GPU engine is CuPy)."""
from __future__ import annotations

import importlib.util

from .. import _runtime


class _MatmulFlags:
    """``ember.backends.cuda.matmul``: ``allow_tf32`` mirrors the float32 matmul precision
    (``ember.set_float32_matmul_precision``) as in PyTorch."""

    _names = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        for name in self._names:
            object.__setattr__(self, name, True)

    @property
    def allow_tf32(self) -> bool:
        return _runtime.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _runtime.set_float32_matmul_precision("high" if value else "highest")

    def __setattr__(self, name, value):
        if name != "allow_tf32" and name not in self._names:
            raise AttributeError("Unknown attribute " + name)
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        raise AttributeError("Unknown attribute " + name)


matmul = _MatmulFlags()
_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """Whether ember can run on CUDA at all: CuPy is installed (a GPU may still be missing)."""
    return importlib.util.find_spec("cupy") is not None


def enable_flash_sdp(enabled: bool) -> None:
    _SDP["flash"] = enabled


def flash_sdp_enabled() -> bool:
    return _SDP["flash"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _SDP["mem_efficient"] = enabled


def mem_efficient_sdp_enabled() -> bool:
    return _SDP["mem_efficient"]


def enable_math_sdp(enabled: bool) -> None:
    _SDP["math"] = enabled


def math_sdp_enabled() -> bool:
    return _SDP["math"]


def enable_cudnn_sdp(enabled: bool) -> None:
    _SDP["cudnn"] = enabled


def cudnn_sdp_enabled() -> bool:
    return _SDP["cudnn"]
