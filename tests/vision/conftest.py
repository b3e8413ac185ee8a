"""Shared fixtures for the vision tests: real data from ../shared/data, a local HTTP server."""
from __future__ import annotations

import http.server
import pickle
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from vision_helpers import cifar_batch_dict

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MNIST_DIR = DATA / "mnist-t10k"
CIFAR_JPG = DATA / "cifar10-jpg.tar.gz"
PER_CLASS = 30


def need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (needs ../shared/data)")


@pytest.fixture(scope="session")
def cifar_jpg_root(tmp_path_factory) -> Path:
    """The first PER_CLASS test JPEGs of each CIFAR-10 class, as root/<class>/NNNN.jpg."""
    need(CIFAR_JPG)
    root = tmp_path_factory.mktemp("cifar-jpg")
    counts: dict = {}
    with tarfile.open(CIFAR_JPG) as tar:
        for m in tar:
            parts = m.name.split("/")
            if parts[0] == "train":
                break
            if not m.isfile() or len(parts) != 3 or parts[0] != "test":
                continue
            if counts.get(parts[1], 0) >= PER_CLASS:
                continue
            counts[parts[1]] = counts.get(parts[1], 0) + 1
            dest = root / parts[1] / parts[2]
            dest.parent.mkdir(exist_ok=True)
            dest.write_bytes(tar.extractfile(m).read())
    return root


@pytest.fixture(scope="session")
def cifar_batches(cifar_jpg_root, tmp_path_factory):
    """root holding cifar-10-batches-py/{test_batch,batches.meta} built from the JPEGs."""
    from PIL import Image
    classes = sorted(p.name for p in cifar_jpg_root.iterdir())
    images, labels = [], []
    for idx, c in enumerate(classes):
        for f in sorted((cifar_jpg_root / c).iterdir()):
            images.append(np.asarray(Image.open(f).convert("RGB")))
            labels.append(idx)
    images = np.stack(images)
    root = tmp_path_factory.mktemp("cifar-batches")
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump(cifar_batch_dict(images, labels), f, protocol=2)
    meta = {b"num_cases_per_batch": len(images), b"label_names": [c.encode() for c in classes],
            b"num_vis": 3072}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=2)
    return root, images, labels, classes


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        kind, payload = route
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", payload)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)


@pytest.fixture
def http_server():
    """A threaded HTTP server on 127.0.0.1 (random port); set ``server.routes[path]``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes = {}
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()
