"""Under ``ember run`` a PyTorch feature ember lacks raises NotImplementedError naming it."""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def show(fn):
        try:
            fn()
        except NotImplementedError as e:
            print(type(e).__name__, isinstance(e, AttributeError),
                  isinstance(e, ImportError), e)

    print(hasattr(torch, "no_such_fn"), getattr(nn, "NoSuchLayer", "default"))
    show(lambda: torch.no_such_fn)
    show(lambda: nn.NoSuchLayer)
    show(lambda: F.no_such_fn)
    show(lambda: torch.optim.NoSuchOptimizer)
    show(lambda: __import__("torch.no_such_module"))
    def from_import():
        from torch.nn import NoSuchLayer  # noqa: F401
    show(from_import)
    print(torch.softmax(torch.tensor([0.0, 0.0]), 0))
''')


def test_missing_features_name_the_pytorch_feature(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "False default"
    assert lines[1].startswith("TorchFeatureNotImplemented True False torch.no_such_fn is not "
                               "implemented in ember")
    assert "torch.nn.NoSuchLayer is not implemented" in lines[2]
    assert "torch.nn.functional.no_such_fn is not implemented" in lines[3]
    assert "torch.optim.NoSuchOptimizer is not implemented" in lines[4]
    assert lines[5].startswith("TorchModuleNotImplemented False True No module named "
                               "'torch.no_such_module'")
    assert lines[6] == ("TorchModuleNotImplemented False True cannot import name 'NoSuchLayer' "
                        "from 'torch.nn': torch.nn.NoSuchLayer is not implemented in ember")
    assert lines[7] == "tensor([0.5000, 0.5000])"


def test_plain_ember_keeps_attribute_errors():
    out = subprocess.run([sys.executable, "-c", "import ember\ntry:\n    ember.no_such_fn\n"
                          "except AttributeError as e:\n    print(type(e).__name__, e)"],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "AttributeError module 'ember' has no attribute 'no_such_fn'"
