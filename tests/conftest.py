"""Test configuration: Qt renders offscreen, settings live in a temporary folder, and the
shared MNIST is optional."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the developer's real settings: QSettings and the app read a fresh, empty folder.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gdviz-test-config-")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402
from repo_paths import REPO  # noqa: E402


def shared_mnist_dir() -> Path | None:
    """``$GDVIZ_MNIST_DIR`` or ``../shared/data/mnist`` when it holds the four files."""
    for cand in (os.environ.get("GDVIZ_MNIST_DIR"), REPO.parent / "shared" / "data" / "mnist"):
        if cand and (Path(cand) / "train-images-idx3-ubyte.gz").exists():
            return Path(cand)
    return None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    d = shared_mnist_dir()
    if d is None:
        pytest.skip("the full MNIST (../shared/data/mnist) is not on this machine")
    return d


@pytest.fixture(scope="session")
def sample():
    """The embedded MNIST sample (8,000 train / 2,000 test digits)."""
    from gdviz.data import load_sample

    return load_sample()


@pytest.fixture(scope="session")
def tiny(sample):
    """A small slice of the sample (600 train / 200 test) for quick sessions."""
    from gdviz.data import Dataset

    return Dataset(
        name="tiny",
        train_images=sample.train_images[:600],
        train_labels=sample.train_labels[:600],
        test_images=sample.test_images[:200],
        test_labels=sample.test_labels[:200],
        description="600 training / 200 test digits of the embedded sample",
    )


# ---------------------------------------------------------------- a hard exit after the report
# PySide6 (< 6.12 on CPython 3.11) can crash while the interpreter tears down Qt objects
# and daemon threads after the last test: a segfault after "N passed" turned a green run
# red (exit 139). The results are final by then, so the process leaves with pytest's own
# exit status and skips that teardown. GDVIZ_SOFT_EXIT=1 keeps the normal teardown (to
# look for the crash itself).
_EXIT_STATUS: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if "status" in _EXIT_STATUS and os.environ.get("GDVIZ_SOFT_EXIT") != "1":
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS["status"])
