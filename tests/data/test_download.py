"""fetch_mnist against a local HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import functools
import hashlib
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pooch
import pytest

import gdviz.data.download as download
from gdviz.data import MIRRORS, MNIST_FILES, DataError, default_cache_dir, fetch_mnist, load_idx_dir, write_idx

NAMES = {
    "train-images-idx3-ubyte.gz": np.arange(6 * 28 * 28).reshape(6, 28, 28) % 256,
    "train-labels-idx1-ubyte.gz": np.arange(6) % 10,
    "t10k-images-idx3-ubyte.gz": np.arange(3 * 28 * 28).reshape(3, 28, 28) % 7,
    "t10k-labels-idx1-ubyte.gz": np.arange(3),
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server:
    """Serves a folder on 127.0.0.1 in a thread; ``url`` ends with '/'."""

    def __init__(self, folder: Path):
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.running = True

    def stop(self):
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
            self.running = False


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """requests must talk to 127.0.0.1 directly, whatever proxy the machine sets."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    for name, array in NAMES.items():
        write_idx(folder / name, array.astype(np.uint8))
    server = Server(folder)
    hashes = {name: "md5:" + hashlib.md5((folder / name).read_bytes()).hexdigest() for name in NAMES}
    yield server, hashes
    server.stop()


@pytest.fixture
def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"  # nothing listens here: connection refused


@pytest.mark.parametrize("first", ["404", "refused"])
def test_falls_back_to_the_next_mirror(tmp_path, served, closed_port_url, first):
    server, hashes = served
    bad = server.url + "no-such-folder/" if first == "404" else closed_port_url
    cache = tmp_path / "cache"
    folder = fetch_mnist(cache, progress=False, mirrors=[bad, server.url], files=hashes)
    assert folder == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)  # no temporary files left
    ds = load_idx_dir(folder)
    assert ds.train_images.shape == (6, 784) and ds.test_labels.tolist() == [0, 1, 2]


def test_progress_bar_and_sha256(tmp_path, served, capsys):
    server, _ = served
    name = "t10k-labels-idx1-ubyte.gz"
    sha = hashlib.sha256(write_idx(tmp_path / name, NAMES[name].astype(np.uint8)).read_bytes()).hexdigest()
    fetch_mnist(tmp_path / "cache", progress=True, mirrors=[server.url], files={name: f"sha256:{sha}"})
    assert (tmp_path / "cache" / name).is_file()
    assert "B/s" in capsys.readouterr().err  # tqdm drew a bar


def test_wrong_hash_keeps_nothing(tmp_path, served, closed_port_url):
    server, hashes = served
    name = "train-images-idx3-ubyte.gz"
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as info:
        fetch_mnist(cache, progress=False, mirrors=[server.url, closed_port_url], files={name: "md5:" + "0" * 32})
    message = str(info.value)
    assert name in message and "corrupted" in message and "nothing was kept" in message
    assert "embedded sample still works" in message
    assert list(cache.iterdir()) == []


def test_wrong_hash_on_one_mirror_uses_the_next(tmp_path, served):
    server, hashes = served
    other = tmp_path / "other"
    other.mkdir()
    for name in NAMES:  # a mirror serving different (so wrongly hashed) files
        write_idx(other / name, np.zeros(4, np.uint8))
    corrupt = Server(other)
    try:
        fetch_mnist(tmp_path / "cache", progress=False, mirrors=[corrupt.url, server.url], files=hashes)
    finally:
        corrupt.stop()
    assert load_idx_dir(tmp_path / "cache").train_images.shape == (6, 784)


def test_all_mirrors_unreachable_is_an_offline_error(tmp_path, closed_port_url):
    with pytest.raises(DataError) as info:
        fetch_mnist(tmp_path / "cache", progress=False, mirrors=[closed_port_url, closed_port_url.replace("mnist", "x")])
    message = str(info.value)
    assert message.startswith("Could not download MNIST")
    assert "check your internet connection" in message.lower()
    assert "the embedded sample still works" in message
    assert "could not connect" in message
    assert "Traceback" not in message


def test_second_call_uses_the_cache(tmp_path, served):
    server, hashes = served
    cache = tmp_path / "cache"
    fetch_mnist(cache, progress=False, mirrors=[server.url], files=hashes)
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    server.stop()
    assert fetch_mnist(cache, progress=False, mirrors=[server.url], files=hashes) == cache
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == stamps
    assert load_idx_dir(cache).n_train == 6


def test_damaged_cached_file_is_downloaded_again(tmp_path, served):
    server, hashes = served
    cache = tmp_path / "cache"
    fetch_mnist(cache, progress=False, mirrors=[server.url], files=hashes)
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    fetch_mnist(cache, progress=False, mirrors=[server.url], files=hashes)
    assert load_idx_dir(cache).train_labels.tolist() == [0, 1, 2, 3, 4, 5]


def test_defaults_try_the_pinned_files_on_each_mirror_in_order(tmp_path, monkeypatch):
    """Without network: record what pooch is asked for, and refuse every request."""
    import requests

    asked = []

    def fake_retrieve(url, known_hash=None, fname=None, path=None, **kwargs):
        asked.append((url, known_hash, fname, Path(path)))
        raise requests.exceptions.ConnectionError("offline")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(DataError, match="Could not download MNIST"):
        fetch_mnist(tmp_path, progress=False)
    first = "train-images-idx3-ubyte.gz"
    assert asked == [(m + first, MNIST_FILES[first], first, tmp_path) for m in MIRRORS]


def test_pinned_constants():
    assert MIRRORS == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert MNIST_FILES == {
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    }
    assert default_cache_dir() == Path(pooch.os_cache("gdviz")) / "mnist"
    assert download.check_cached(Path("/nonexistent")) == dict.fromkeys(MNIST_FILES, "missing")
