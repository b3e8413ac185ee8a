"""``ember.random`` (``torch.random``): the default generator's functions and ``fork_rng``."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ember


def test_module_exposes_torch_random_names():
    for name in ("Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
                 "manual_seed", "seed", "set_rng_state"):
        assert hasattr(ember.random, name), name
    assert ember.random.default_generator is ember.default_generator
    ember.random.manual_seed(7)
    assert ember.random.initial_seed() == 7


def test_fork_rng_restores_the_stream():
    ember.manual_seed(0)
    expected = ember.rand(4).numpy()
    ember.manual_seed(0)
    with ember.random.fork_rng():
        inside = ember.rand(4).numpy()
        ember.randn(100)
    np.testing.assert_array_equal(inside, expected)
    np.testing.assert_array_equal(ember.rand(4).numpy(), expected)
    with pytest.raises(ValueError):  # restored on the way out of an error too
        with ember.random.fork_rng(devices=[]):
            ember.rand(3)
            raise ValueError
    ember.manual_seed(0)
    ember.rand(4)
    after = ember.rand(2).numpy()
    ember.manual_seed(0)
    with ember.random.fork_rng(enabled=False):
        ember.rand(4)
    np.testing.assert_array_equal(ember.rand(2).numpy(), after)  # not forked: it moved on


def test_torch_random_served_by_ember(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import torch\nimport torch.random\n"
                      "torch.random.manual_seed(0)\n"
                      "with torch.random.fork_rng():\n    torch.rand(5)\n"
                      "print(torch.random.__name__, round(torch.rand(1).item(), 4))\n")
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ember.random", "0.4963"]
