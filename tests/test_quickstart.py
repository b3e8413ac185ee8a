"""The README's main job: examples/quickstart.py trains to >95% and round-trips a checkpoint."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("quickstart", ROOT / "examples" /
                                                  "quickstart.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quickstart_trains_saves_reloads_and_plots(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="the quickstart's default data is scikit-learn's "
                                          "bundled digits")
    mod = _load()
    png, ckpt = tmp_path / "q.png", tmp_path / "q.pt"
    acc = mod.main(["--out", str(png), "--checkpoint", str(ckpt)])
    out = capsys.readouterr().out
    assert acc > 0.95, out
    assert "predictions match" in out
    assert ckpt.stat().st_size > 10_000
    if importlib.util.find_spec("matplotlib") is not None:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quickstart_runs_on_mnist_folder(tmp_path, capsys):
    """``--dataset mnist --data DIR`` reads torchvision's MNIST layout (no network needed)."""
    pytest.importorskip("PIL", reason="ember.vision's MNIST images need Pillow")
    shared = ROOT.parent / "shared" / "data" / "mnist-t10k"
    if not (shared / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST not available: {shared} is absent (needs ../shared/data)")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for kind in ("images-idx3", "labels-idx1"):
        data = (shared / f"t10k-{kind}-ubyte.gz").read_bytes()
        (raw / f"t10k-{kind}-ubyte.gz").write_bytes(data)
        (raw / f"train-{kind}-ubyte.gz").write_bytes(data)  # the shared copy has one split
    acc = _load().main(["--dataset", "mnist", "--data", str(tmp_path), "--epochs", "1",
                        "--out", str(tmp_path / "q.png"), "--checkpoint",
                        str(tmp_path / "q.pt")])
    out = capsys.readouterr().out
    assert "mnist: 10000 training and 10000 test images" in out
    assert acc > 0.9 and "predictions match" in out
