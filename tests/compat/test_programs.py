"""PyTorch programs run unchanged by ``ember run``; with PyTorch installed, same printed output.

Each program in ``programs/`` is written in PyTorch's dialect and prints only values that do
not depend on random draws (weights and data are built from arange/sin patterns), so ember and
PyTorch must print the same lines: text exactly, numbers within the printed precision.
"""
from __future__ import annotations

import functools
import glob
import importlib.util
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _outputs import compare_outputs, run_program  # noqa: E402

PROGRAMS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(HERE, "programs", "*.py"))
                  if not os.path.basename(p).startswith("_"))
# Relative tolerance where training amplifies float32 rounding differences.
RTOL = {"gan.py": 1e-2, "dcgan.py": 1e-2, "char_lm.py": 5e-3, "transformer.py": 5e-3}


@functools.lru_cache(maxsize=None)
def _run(name: str, framework: str):
    return run_program(os.path.join(HERE, "programs", name), framework)


@functools.lru_cache(maxsize=None)
def _torch_has(module: str) -> bool:
    """Whether ``module`` imports in a fresh interpreter with real PyTorch."""
    if importlib.util.find_spec("torch") is None:
        return False
    out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                         timeout=120)
    return out.returncode == 0


def _source(name: str) -> str:
    with open(os.path.join(HERE, "programs", name)) as f:
        return f.read()


@pytest.mark.parametrize("name", PROGRAMS)
def test_runs_under_ember(name):
    out = _run(name, "ember")
    assert out.returncode == 0, f"{name} failed under ember:\n{out.stderr[-4000:]}"
    assert out.stdout.strip(), f"{name} printed nothing"


@pytest.mark.parametrize("name", PROGRAMS)
def test_matches_torch(name):
    needs = "torchvision" if "torchvision" in _source(name) else "torch"
    if not _torch_has(needs):
        pytest.skip(f"{needs} is not installed")
    want = _run(name, "torch")
    assert want.returncode == 0, f"{name} failed under PyTorch:\n{want.stderr[-4000:]}"
    got = _run(name, "ember")
    assert got.returncode == 0, f"{name} failed under ember:\n{got.stderr[-4000:]}"
    problems = compare_outputs(got.stdout, want.stdout, RTOL.get(name, 1e-3))
    assert not problems, f"{name}: output differs from PyTorch\n" + "\n".join(problems[:10])


def test_compare_outputs_tolerates_precision_only():
    assert compare_outputs("loss 0.1235\ntensor([ 1.0000, -0.0000])",
                           "loss 0.1234\ntensor([1.0000, 0.0000])") == []
    assert compare_outputs("<Net object at 0x7f00>", "<Net object at 0x7fab>") == []
    assert compare_outputs("tensor([1.0e-03])", "tensor([1.1e-03])") == []
    assert compare_outputs("loss 0.1250", "loss 0.1234")
    assert compare_outputs("correct 57", "correct 58")
    assert compare_outputs("Linear(in=3)", "Conv(in=3)")
    assert compare_outputs("a\nb", "a")
