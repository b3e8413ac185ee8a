"""Backend seam: array engines per device, malloc tuning."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import _backend


def test_cpu_backend_serves_numpy():
    t = ember.ones(2)
    assert t._backend is _backend.get(ember.device("cpu")) and t._backend.xp is np
    assert _backend.for_array(np.zeros(1)) is _backend.numpy_backend


def test_unknown_device_type_has_no_backend():
    with pytest.raises(RuntimeError, match="no backend for device type 'meta'"):
        _backend.get(ember.device("meta"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_malloc_tuning_applies_and_can_be_disabled():
    code = "import ember._backend._malloc as m; print(m.tune())"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"EMBER_NO_MALLOC_TUNING": "1", "PATH": ""})
    import platform
    expect_on = "True" if platform.libc_ver()[0] == "glibc" else "False"
    assert on.stdout.strip() == expect_on
    assert off.stdout.strip() == "False"
