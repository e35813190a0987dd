"""Download the full MNIST database (four gzip'd IDX files, ~11 MB) with pooch.

Files go to the user cache folder (``pooch.os_cache("gdviz") / "mnist"``),
are checked against pinned MD5 sums, and are fetched from the first mirror
that works. A file already in the cache with the right checksum is reused
without any network access.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pooch

from gdviz.data.idx import DataError

__all__ = ["MIRRORS", "MNIST_FILES", "default_cache_dir", "fetch_mnist", "check_cached"]

#: Tried in this order; each is a folder URL holding the four files.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: File name -> pinned hash ("md5:..." / "sha256:...") of the mirrors' original .gz files.
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
}

#: Seconds to wait for a mirror to answer (connect / between bytes).
TIMEOUT = 30


def default_cache_dir() -> Path:
    """The folder full MNIST is cached in: ``pooch.os_cache("gdviz") / "mnist"``."""
    return Path(pooch.os_cache("gdviz")) / "mnist"


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    progress: bool = True,
    mirrors: Sequence[str] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Make sure the MNIST files are in ``cache_dir`` (downloading if needed); return it.

    ``cache_dir`` is the folder the files themselves go into (default
    :func:`default_cache_dir`). ``mirrors`` (folder URLs, tried in order) and
    ``files`` (file name -> ``"md5:..."``/``"sha256:..."``) default to
    :data:`MIRRORS` and :data:`MNIST_FILES`. ``progress`` shows a tqdm bar
    per file. Raises :class:`DataError` when no mirror can be reached or a
    download does not match its checksum (the bad file is deleted).
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    mirrors = list(MIRRORS if mirrors is None else mirrors)
    files = dict(MNIST_FILES if files is None else files)
    if not mirrors:
        raise DataError("Could not download MNIST: no mirror URL was given")
    with _pooch_log(progress):
        for fname, known_hash in files.items():
            _fetch_one(fname, known_hash, folder, mirrors, progress)
    return folder


def check_cached(cache_dir: str | os.PathLike | None = None, files: Mapping[str, str] | None = None) -> dict[str, str]:
    """Status of each cached file without any network: ``"ok"``, ``"missing"`` or ``"corrupt"``."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    status = {}
    for fname, known_hash in (MNIST_FILES if files is None else files).items():
        path = folder / fname
        if not path.is_file():
            status[fname] = "missing"
        else:
            status[fname] = "ok" if _hash_ok(path, known_hash) else "corrupt"
    return status


def _hash_ok(path: Path, known_hash: str) -> bool:
    alg, _, expected = known_hash.rpartition(":")
    digest = hashlib.new(alg or "sha256", usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == expected.lower()


def _fetch_one(fname: str, known_hash: str, folder: Path, mirrors: list[str], progress: bool) -> None:
    unreachable: list[str] = []
    corrupted: list[str] = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + fname
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT)
        try:
            pooch.retrieve(url, known_hash=known_hash, fname=fname, path=folder, downloader=downloader)
            return
        except ValueError as exc:
            if "hash" not in str(exc).lower():  # e.g. an unsupported URL scheme
                unreachable.append(f"{url} ({exc})")
            else:
                corrupted.append(url)
        except Exception as exc:  # requests' connection/HTTP errors, OSError, ...
            unreachable.append(f"{url} ({_reason(exc)})")
    tried = "; ".join(unreachable)
    if corrupted:
        raise DataError(
            f"Could not download MNIST: the download of {fname} was corrupted "
            f"(its checksum did not match) from {', '.join(corrupted)}, so it was deleted "
            "and nothing was kept"
            + (f"; the other mirrors failed too: {tried}" if tried else "")
            + ". Try again later; the embedded sample still works."
        )
    raise DataError(
        f"Could not download MNIST ({fname}): no mirror could be reached [{tried}]. "
        "Check your internet connection; the embedded sample still works."
    )


def _reason(exc: Exception) -> str:
    """A short, human reason for a failed download."""
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    name = type(exc).__name__
    if "Timeout" in name:
        return "timed out"
    if name in ("ConnectionError", "NewConnectionError", "MaxRetryError"):
        return "could not connect"
    return f"{name}: {exc}"[:200]


@contextlib.contextmanager
def _pooch_log(verbose: bool) -> Iterator[None]:
    """Silence pooch's "Downloading ..." log lines unless ``verbose``."""
    logger = pooch.get_logger()
    old = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(old)
