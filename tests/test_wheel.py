"""The wheel holds everything gdviz needs, and gdviz runs from it alone.

Builds a wheel from a copy of the source tree, checks its contents, installs
it into a new virtual environment (its dependencies — NumPy, PySide6... — are
borrowed from this environment through a ``.pth`` line, so nothing is
downloaded), then runs ``gdviz train --headless --epochs 1 --json`` from a
folder outside the source tree. Skipped when no wheel can be built offline
(no setuptools ≥ 68 here, and PyPI unreachable for an isolated build).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RESOURCES = ("gdviz.svg", "gdviz.png", "io.github.gdviz.gdviz.desktop",
             "io.github.gdviz.gdviz.metainfo.xml", "__init__.py")
DATA_FILES = (  # desktop integration, installed under <prefix>/share
    "share/applications/io.github.gdviz.gdviz.desktop",
    "share/metainfo/io.github.gdviz.gdviz.metainfo.xml",
    "share/icons/hicolor/scalable/apps/gdviz.svg",
    "share/icons/hicolor/256x256/apps/gdviz.png",
)
NETWORK_TROUBLE = ("Could not find a version that satisfies", "No matching distribution",
                   "Failed to establish a new connection", "Temporary failure in name resolution",
                   "Network is unreachable", "ConnectTimeout", "ReadTimeout", "ProxyError")


def _setuptools_ok() -> bool:
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 70  # builds wheels without the separate `wheel` package


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    env.update(kw.pop("env", {}))
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a clean copy of the source tree (the checkout is not touched)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.py", "setup.cfg", "MANIFEST.in"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    for folder in ("gdviz", "resources"):
        shutil.copytree(REPO / folder, src / folder, ignore=ignore)
    out = tmp_path_factory.mktemp("wheelhouse")
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, src]
    if _setuptools_ok():  # offline and fast: this environment's setuptools
        proc = _run([*base[:5], "--no-build-isolation", *base[5:]], timeout=300)
    else:  # an isolated build fetches setuptools from PyPI (or the pip cache)
        proc = _run([*base[:5], "--retries", "1", "--timeout", "15", *base[5:]], timeout=300)
        if proc.returncode and any(t in proc.stdout + proc.stderr for t in NETWORK_TROUBLE):
            pytest.skip("cannot build the wheel offline: no setuptools >= 70 here and PyPI unreachable")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("gdviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_holds_the_code_the_sample_and_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gdviz/data/sample/mnist_sample.npz" in names
    for res in RESOURCES:
        assert f"gdviz/resources/{res}" in names, res
    # every module of the source tree (an explicit package list must not forget one)
    for py in (REPO / "gdviz").rglob("*.py"):
        rel = py.relative_to(REPO).as_posix()
        assert rel in names, f"{rel} is missing from the wheel"
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert set(DATA_FILES) <= data, sorted(data)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "packaging/", "resources/"))]
    dist_info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "gdviz = gdviz.cli:main" in zipfile.ZipFile(wheel).read(dist_info).decode()


def test_installed_wheel_trains_outside_the_source_tree(wheel, tmp_path):
    venv = tmp_path / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    assert proc.returncode == 0, proc.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     check=True).stdout.strip())
    # Dependencies from this environment; its own gdviz (and any editable-install
    # hook) stays out: a directory named in a .pth file is not scanned for .pth files.
    parents = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_gdviz_test_deps.pth").write_text("\n".join(parents) + "\n")
    proc = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                 "-q", wheel], timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"QT_QPA_PLATFORM": "offscreen"}
    where = _run([python, "-c", "import gdviz, gdviz.resources as r, gdviz.training.recording;"
                  "print(gdviz.__file__); print(r.resource_path(r.ICON_PNG))"],
                 cwd=work, env=env, timeout=120)
    assert where.returncode == 0, where.stderr
    module, icon = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(icon).is_relative_to(site), where.stdout
    assert not Path(module).is_relative_to(REPO)

    gdviz = bindir / ("gdviz.exe" if os.name == "nt" else "gdviz")
    run = _run([gdviz, "train", "--headless", "--epochs", "1", "--json"], cwd=work, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "done", lines
    assert lines[-1]["epochs"] == 1 and lines[-1]["test_accuracy"] > 0.5
