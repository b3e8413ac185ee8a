"""Run a program under ember or PyTorch and compare printed outputs line by line."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:inf|nan)\b")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_program(path: str, framework: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``path`` with ``framework`` ("ember" via ``ember run``, or "torch") in a subprocess."""
    workdir = tempfile.mkdtemp(prefix="ember_compat_")
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    if framework == "ember":
        cmd = [sys.executable, "-m", "ember", "run", path, workdir]
    else:
        cmd = [sys.executable, path, workdir]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=workdir)


def _split(line: str):
    """(text with numbers replaced and whitespace removed, list of number strings)."""
    line = ADDRESS.sub("0x?", line)
    numbers = NUMBER.findall(line)
    text = re.sub(r"\s+", "", NUMBER.sub("#", line))
    return text, numbers


def _close(a: str, b: str, rtol: float) -> bool:
    if not any(c in a + b for c in ".eEn"):      # integers must match exactly
        return int(a) == int(b)
    x, y = float(a), float(b)
    if x != x or y != y:
        return x != x and y != y
    if x == y:
        return True
    mantissa = a.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** -decimals
    if "e" in a.lower():                          # scientific: the last digit is relative
        unit *= 10.0 ** int(a.lower().split("e")[1])
    return abs(x - y) <= max(rtol * max(abs(x), abs(y)), 2.0 * unit)


def compare_outputs(got: str, want: str, rtol: float = 1e-3) -> list:
    """Mismatching lines between ember's output ``got`` and torch's ``want`` (empty: same)."""
    got_lines, want_lines = got.rstrip("\n").split("\n"), want.rstrip("\n").split("\n")
    problems = []
    if len(got_lines) != len(want_lines):
        problems.append(f"{len(got_lines)} lines printed, torch printed {len(want_lines)}")
    for i, (g, w) in enumerate(zip(got_lines, want_lines), 1):
        (gt, gn), (wt, wn) = _split(g), _split(w)
        if gt != wt or len(gn) != len(wn) or not all(_close(a, b, rtol)
                                                      for a, b in zip(gn, wn)):
            problems.append(f"line {i}:\n  ember: {g}\n  torch: {w}")
    return problems
