"""Every example in ``examples/`` runs with a tiny setting and writes its PNG."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
HAS_MPL = importlib.util.find_spec("matplotlib") is not None
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
QUICK = ["--epochs", "1", "--limit", "64"]
CASES = [
    ("regression.py", []),
    ("feedforward.py", []),
    ("cnn.py", []),
    ("resnet.py", ["--width", "4"]),
    ("lstm_classifier.py", ["--hidden", "8"]),
    ("lstm_classifier.py", ["--bidirectional", "--hidden", "8"]),
    ("char_lm.py", ["--hidden", "16", "--seq-length", "8"]),
    ("gan.py", []),
    ("gan.py", ["--dcgan"]),
    ("vae.py", []),
    ("transformer.py", ["--d-model", "8", "--heads", "2", "--layers", "1"]),
    ("cifar10_tutorial.py", ["--fake", "--batch-size", "16"]),
]
NEEDS_DIGITS = {"feedforward.py", "cnn.py", "resnet.py", "lstm_classifier.py", "gan.py",
                "vae.py", "transformer.py"}
SLOW = {"cifar10_tutorial.py", "resnet.py", "transformer.py"}


def _run(args, cwd, timeout=180):
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


@pytest.mark.parametrize("name,extra", [
    pytest.param(n, e, id=" ".join([n, *e]),
                 marks=[pytest.mark.slow] if n in SLOW else [])
    for n, e in CASES])
def test_example_runs_and_plots(name, extra, tmp_path):
    if name in NEEDS_DIGITS and not HAS_SKLEARN:
        pytest.skip("scikit-learn is not installed")
    png = tmp_path / "curves.png"
    out = _run([os.path.join(EXAMPLES, name), *QUICK, *extra, "--out", str(png)], tmp_path)
    assert out.returncode == 0, f"{name} failed:\n{out.stderr[-4000:]}"
    if HAS_MPL:
        assert png.exists() and png.stat().st_size > 1000, out.stdout
    else:
        assert "matplotlib is not installed" in out.stdout


@pytest.mark.parametrize("name", sorted({n for n, _ in CASES}))
def test_example_help(name, tmp_path):
    out = _run([os.path.join(EXAMPLES, name), "--help"], tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    for flag in ("--data", "--epochs", "--device", "--limit", "--out"):
        assert flag in out.stdout
