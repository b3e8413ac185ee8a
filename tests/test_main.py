"""``ember run`` / ``python -m ember run``: PyTorch scripts unchanged."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def test_run_serves_torch_imports(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.nn.functional
        from torch.autograd import Variable
        x = Variable(torch.ones(2, 2), requires_grad=True)
        ((x + 2) ** 2 * 3).mean().backward()
        print(x.grad.tolist(), sys.argv[1:], __name__)
        assert "ember" in repr(type(x)) or type(x).__module__.startswith("ember")
    """))
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script), "--flag", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[[4.5, 4.5], [4.5, 4.5]] ['--flag', '1'] __main__"


def test_run_reports_missing_script(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(tmp_path / "nope.py")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "No such file" in out.stderr


def test_run_traceback_starts_in_the_script(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("import torch\n\ndef f():\n    return torch.ones(2) @ torch.ones(3)\n\nf()\n")
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert str(script) in lines[1] and "runpy" not in out.stderr
    assert "__main__.py" not in out.stderr.split("boom.py")[0]
    assert lines[-1].startswith("RuntimeError: inconsistent tensor size")
