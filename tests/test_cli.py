"""The ``gdviz`` command end to end: headless training on the embedded sample,
its outputs, every kind of bad input, and the window commands (with a stand-in
for the Qt module, so these tests need no display)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from gdviz import cli
from gdviz.cli import PRESET_NAMES, main
from gdviz.training.config import LESSON, PRESETS
from gdviz.training.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[1]


def _json_lines(text: str) -> list[dict]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]  # every stdout line is one JSON object


@pytest.fixture
def tiny_dir(tmp_path, tiny):
    """The ``tiny`` dataset (600/200 digits) as a folder of IDX files."""
    from gdviz.data import write_idx

    folder = tmp_path / "tiny-idx"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", tiny.train_images.reshape(-1, 28, 28))
    write_idx(folder / "train-labels-idx1-ubyte", tiny.train_labels)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", tiny.test_images.reshape(-1, 28, 28))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", tiny.test_labels)
    return folder


# ====================================================================== headless training
def test_train_json_learns_and_writes_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--headless", "--epochs", "2", "--json", "--out", str(out), "--seed", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    events = _json_lines(captured.out)
    kinds = [e["event"] for e in events]
    assert kinds == ["start", "epoch", "epoch", "done"]
    start, e1, e2, done = events
    assert start["parameters"] == 13_002 and start["sizes"] == [784, 16, 16, 10]
    assert (start["activation"], start["cost"], start["lr"], start["batch_size"]) == ("sigmoid", "mse", LESSON.lr, 10)
    for e in (e1, e2):
        assert set(e) >= {"event", "epoch", "step", "train_cost", "test_cost", "test_accuracy",
                          "samples_per_s", "elapsed_s"}
    assert (e1["epoch"], e1["step"], e2["epoch"], e2["step"]) == (1, 800, 2, 1600)
    assert e1["test_cost"] < start["test_cost"]  # the cost fell...
    assert e2["test_cost"] < start["test_cost"] / 5
    assert e2["test_accuracy"] > 0.6 > 0.1 * 3  # ...and accuracy rose far above chance
    assert e1["samples_per_s"] > 0 and e2["elapsed_s"] > e1["elapsed_s"] > 0
    assert done["epochs"] == 2 and done["steps"] == 1600 and done["parameters"] == 13_002
    assert done["test_accuracy"] == e2["test_accuracy"] and done["diverged"] is False
    assert done["checkpoint"] == str(out / "checkpoint.npz")

    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert len(rows) == 2
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert float(rows[1]["test_accuracy"]) == pytest.approx(e2["test_accuracy"], rel=1e-5)

    ck = load_checkpoint(out / "checkpoint.npz")
    assert ck.sizes == (784, 16, 16, 10) and ck.step == 1600 and ck.epoch == 2
    assert ck.config.seed == 1 and ck.config.lr == LESSON.lr
    assert ck.extra["dataset"] == "sample"


def test_train_is_deterministic(capsys):
    runs = []
    for _ in range(2):
        assert main(["train", "--headless", "--epochs", "1", "--json", "--seed", "5"]) == 0
        done = _json_lines(capsys.readouterr().out)[-1]
        runs.append((done["test_cost"], done["test_accuracy"]))
    assert runs[0] == runs[1]


def test_train_human_mode_prints_parameter_count_and_epoch_lines(capsys):
    assert main(["train", "--headless", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "784-16-16-10 network: 13,002 weights and biases"
    epoch_lines = [ln for ln in lines if ln.startswith("epoch 1/1")]
    assert len(epoch_lines) == 1
    line = epoch_lines[0]
    for piece in ("train cost 0.", "test cost 0.", "test accuracy ", " %", "samples/s"):
        assert piece in line
    assert "done: 1 epoch, 800 steps" in out
    assert "{" not in out  # not JSON


def test_train_on_a_data_folder_with_other_settings(tmp_path, tiny_dir, capsys):
    code = main(["train", "--headless", "--data-dir", str(tiny_dir), "--hidden", "30",
                 "--activation", "relu", "--cost", "ce", "--optimizer", "momentum", "--lr", "0.05",
                 "--batch", "20", "--epochs", "3", "--json", "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    start, *epochs, done = _json_lines(captured.out)
    assert start["sizes"] == [784, 30, 10] and start["parameters"] == 784 * 30 + 30 + 30 * 10 + 10
    assert start["n_train"] == 600 and start["n_test"] == 200
    assert [e["step"] for e in epochs] == [30, 60, 90]
    assert epochs[-1]["test_accuracy"] > 0.5
    ck = load_checkpoint(done["checkpoint"])
    assert (ck.activation, ck.cost, ck.config.optimizer, ck.config.batch_size) == ("relu", "ce", "momentum", 20)


def test_full_gradient_descent_one_step_per_epoch(tiny_dir, capsys):
    assert main(["train", "--headless", "--data-dir", str(tiny_dir), "--optimizer", "gd",
                 "--epochs", "3", "--json"]) == 0
    events = _json_lines(capsys.readouterr().out)
    assert [e["step"] for e in events if e["event"] == "epoch"] == [1, 2, 3]


def test_presets_and_overrides(capsys):
    assert set(PRESETS) == set(PRESET_NAMES) == {"lesson", "best"}
    assert main(["train", "--headless", "--epochs", "1", "--json", "--preset", "best"]) == 0
    start = _json_lines(capsys.readouterr().out)[0]
    best = PRESETS["best"]
    assert start["activation"] == best.activation and start["cost"] == best.cost
    assert start["optimizer"] == best.optimizer and start["lr"] == best.lr
    assert main(["train", "--headless", "--epochs", "1", "--json", "--preset", "best", "--lr", "0.01"]) == 0
    start = _json_lines(capsys.readouterr().out)[0]
    assert start["lr"] == 0.01 and start["activation"] == best.activation


def test_divergence_exits_3_with_words_and_keeps_last_finite_theta(tmp_path, capsys, monkeypatch):
    """The costs are bounded, so force a blow-up: from the 850th update (epoch 2) the batch cost is not a number."""
    from gdviz.core import network

    real = network.Network.gradient
    calls = {"n": 0}

    def flaky(self, X, Y, grad=None, theta=None):
        calls["n"] += 1
        cost, g = real(self, X, Y, grad, theta)
        return (float("nan") if calls["n"] >= 850 else cost), g

    monkeypatch.setattr(network.Network, "gradient", flaky)
    out = tmp_path / "d"
    code = main(["train", "--headless", "--epochs", "3", "--json", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 3
    events = _json_lines(captured.out)
    assert [e["event"] for e in events] == ["start", "epoch", "done"]
    done = events[-1]
    assert done["diverged"] is True and done["epochs"] == 1 and done["steps"] == 849
    assert done["test_accuracy"] == events[1]["test_accuracy"]  # the last good epoch's
    assert "learning rate" in captured.err and "too large" in captured.err
    assert "Traceback" not in captured.err
    ck = load_checkpoint(out / "checkpoint.npz")
    assert np.all(np.isfinite(ck.theta)) and ck.step == 848
    assert len(list(csv.DictReader((out / "metrics.csv").open()))) == 1


# ====================================================================== bad input
def _bad_data_dir(tmp_path) -> Path:
    folder = tmp_path / "corrupt"
    folder.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05")  # header cut short
    return folder


def _truncated_gz_dir(tmp_path, tiny_dir) -> Path:
    folder = tmp_path / "truncated"
    folder.mkdir()
    for f in tiny_dir.iterdir():
        data = f.read_bytes()
        (folder / f.name).write_bytes(data[: len(data) // 2] if f.suffix == ".gz" else data)
    return folder


BAD_TRAIN = {
    "lr zero": ["--lr", "0"],
    "lr negative": ["--lr", "-3"],
    "lr not a number": ["--lr", "fast"],
    "lr nan": ["--lr", "nan"],
    "lr too large": ["--lr", "1e6"],
    "batch zero": ["--batch", "0"],
    "batch fraction": ["--batch", "2.5"],
    "empty layer": ["--hidden", "16,0"],
    "layer not a number": ["--hidden", "16,x"],
    "epochs zero": ["--epochs", "0"],
    "unknown activation": ["--activation", "swish"],
    "unknown cost": ["--cost", "hinge"],
    "unknown preset": ["--preset", "fastest"],
    "unknown option": ["--turbo"],
    "seed not a number": ["--seed", "abc"],
    "unknown dataset": ["--data", "cifar"],
}


@pytest.mark.parametrize("extra", list(BAD_TRAIN.values()), ids=list(BAD_TRAIN))
def test_bad_training_input_is_one_line_exit_2(extra, capsys):
    code = main(["train", "--headless", "--epochs", "1", *extra])
    _assert_one_line_error(code, capsys)


@pytest.mark.parametrize("kind", ["missing", "a file", "corrupt", "truncated gz", "empty folder"])
def test_bad_data_folder_is_one_line_exit_2(kind, tmp_path, tiny_dir, capsys):
    if kind == "missing":
        folder = tmp_path / "nowhere"
    elif kind == "a file":
        folder = tmp_path / "file.txt"
        folder.write_text("x")
    elif kind == "corrupt":
        folder = _bad_data_dir(tmp_path)
    elif kind == "truncated gz":
        folder = _truncated_gz_dir(tmp_path, tiny_dir)
    else:
        folder = tmp_path / "empty"
        folder.mkdir()
    code = main(["train", "--headless", "--epochs", "1", "--data-dir", str(folder)])
    err = _assert_one_line_error(code, capsys)
    assert folder.name in err


@pytest.mark.parametrize("argv", [
    ["bogus"],
    ["data"],
    ["data", "fetch"],
    ["data", "fetch", "cifar"],
    ["train", "--epochs", "3"],  # headless-only option without --headless
    ["train", "--json"],
    ["screenshot"],  # --out is required
    ["screenshot", "--out", "shot.png", "--size", "big"],
    ["screenshot", "--out", "shot.png", "--steps", "-1"],
    ["screenshot", "--out", "shot.jpg"],
    ["screenshot", "--out", "/no/such/folder/shot.png"],
    ["--data-dir", "/no/such/folder"],
])
def test_bad_commands_are_one_line_exit_2(argv, capsys, fake_qt):
    _assert_one_line_error(main(argv), capsys)
    assert fake_qt.calls == []  # nothing was opened


def test_unwritable_out_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["train", "--headless", "--epochs", "1", "--out", str(blocker / "sub")])
    assert "output folder" in _assert_one_line_error(code, capsys)


def _assert_one_line_error(code, capsys) -> str:
    captured = capsys.readouterr()
    assert code == 2, (captured.out, captured.err)
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("gdviz: error: ")
    assert len(lines[0]) > len("gdviz: error: ") + 5
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert "train" in capsys.readouterr().out
    assert main(["train", "--help"]) == 0
    assert "--headless" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "gdviz" in capsys.readouterr().out


# ====================================================================== data commands
def test_data_info(capsys):
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sample: ") and "mnist" in out


def test_data_fetch_prints_folder_or_one_line_error(tmp_path, capsys, monkeypatch):
    import gdviz.data
    from gdviz.data import DataError

    seen = {}

    def fake_fetch(cache_dir=None, *, progress=True):
        seen["args"] = (cache_dir, progress)
        return Path(cache_dir)

    monkeypatch.setattr(gdviz.data, "fetch_mnist", fake_fetch)
    assert main(["data", "fetch", "mnist", "--cache-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert seen["args"] == (str(tmp_path), True)

    def offline(cache_dir=None, *, progress=True):
        raise DataError("Could not download MNIST (x.gz): no mirror could be reached [a; b].\n"
                        "Check your internet connection.")

    monkeypatch.setattr(gdviz.data, "fetch_mnist", offline)
    err = _assert_one_line_error(main(["data", "fetch", "mnist"]), capsys)
    assert "Could not download MNIST" in err


# ====================================================================== window commands
class _FakeQt:
    def __init__(self):
        self.calls = []
        self.module = types.ModuleType("gdviz.qt.app")
        self.module.run_app = self.run_app
        self.module.screenshot = self.screenshot

    def run_app(self, data="sample", data_dir=None, config=None, pace=None):
        self.calls.append(("run_app", dict(data=data, data_dir=data_dir, config=config)
                           | ({} if pace is None else {"pace": pace})))
        return 0

    def screenshot(self, out, steps=300, size=(1600, 1000), data="sample", data_dir=None, view=None, *,
                   presenter=False):
        if view == "nonsense":
            raise ValueError("unknown view 'nonsense'; choose network, weights")
        self.calls.append(("screenshot", dict(out=out, steps=steps, size=size, data=data,
                                              data_dir=data_dir, view=view, presenter=presenter)))
        return Path(out)


@pytest.fixture
def fake_qt(monkeypatch):
    """Stand in for ``gdviz.qt.app`` (the real one needs a display and is tested elsewhere)."""
    fake = _FakeQt()
    monkeypatch.setitem(sys.modules, "gdviz.qt.app", fake.module)
    return fake


def test_no_arguments_opens_the_window(fake_qt):
    assert main([]) == 0
    assert fake_qt.calls == [("run_app", dict(data="sample", data_dir=None, config=None))]


def test_window_on_mnist_or_a_folder(fake_qt, tiny_dir):
    assert main(["--data", "mnist"]) == 0
    assert main(["--data-dir", str(tiny_dir)]) == 0
    assert [c[1]["data"] for c in fake_qt.calls] == ["mnist", "sample"]
    assert fake_qt.calls[1][1]["data_dir"] == str(tiny_dir)


def test_train_without_headless_opens_the_window_with_settings(fake_qt):
    assert main(["train", "--preset", "lesson", "--lr", "0.5", "--batch", "32", "--activation", "tanh"]) == 0
    (name, kwargs), = fake_qt.calls
    assert name == "run_app"
    cfg = kwargs["config"]
    assert (cfg.lr, cfg.batch_size, cfg.activation, cfg.cost, cfg.hidden) == (0.5, 32, "tanh", "mse", (16, 16))


def test_train_pace_opens_the_window_at_that_pace(fake_qt, capsys):
    assert main(["train", "--pace", "4"]) == 0
    assert main(["train", "--pace", "max"]) == 0
    assert [c[1]["pace"] for c in fake_qt.calls] == [4.0, 0.0]
    for bad in ("fast-ish", "0", "0.05", "-2", "nan"):
        err = _assert_one_line_error(main(["train", "--pace", bad]), capsys)
        assert "pace" in err
    err = _assert_one_line_error(main(["train", "--headless", "--pace", "3"]), capsys)
    assert "only applies to the window" in err
    assert len(fake_qt.calls) == 2


def test_screenshot_passes_its_options(fake_qt, tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert main(["screenshot", "--steps", "50", "--out", str(out), "--size", "800x600",
                 "--data", "mnist", "--view", "weights"]) == 0
    (name, kwargs), = fake_qt.calls
    assert name == "screenshot"
    assert kwargs == dict(out=out, steps=50, size=(800, 600), data="mnist", data_dir=None, view="weights",
                          presenter=False)
    assert capsys.readouterr().out.strip() == str(out)


def test_screenshot_of_a_view_in_presenter_mode_keeps_the_view(fake_qt, tmp_path):
    assert main(["screenshot", "--out", str(tmp_path / "s.png"), "--view", "gradient", "--presenter"]) == 0
    (_name, kwargs), = fake_qt.calls
    assert (kwargs["view"], kwargs["presenter"]) == ("gradient", True)


def test_screenshot_unknown_view_is_one_line(fake_qt, tmp_path, capsys):
    _assert_one_line_error(main(["screenshot", "--out", str(tmp_path / "s.png"), "--view", "nonsense"]), capsys)


def test_window_without_qt_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gdviz.qt.app", None)  # import fails with ImportError
    err = _assert_one_line_error(main([]), capsys)
    assert "--headless" in err


# ====================================================================== no Qt when headless
def test_headless_training_never_imports_qt():
    """In a fresh interpreter: ``-X importtime`` lists every module imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gdviz", "train", "--headless", "--epochs", "1", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if ln.startswith("import time:")]
    assert "numpy" in imported and "gdviz.training.session" in imported  # the listing works
    qt = [m for m in imported if m.startswith(("PySide6", "shiboken6", "pyqtgraph", "gdviz.qt", "PyQt"))]
    assert qt == []
    assert json.loads(proc.stdout.splitlines()[-1])["event"] == "done"


def test_cli_module_imports_no_heavy_modules_at_import():
    """``import gdviz.cli`` alone (e.g. for --help) pulls in neither Qt nor NumPy's users."""
    code = ("import sys, gdviz.cli; "
            "bad=[m for m in sys.modules if m.startswith(('PySide6','gdviz.qt','pyqtgraph','gdviz.training'))]; "
            "print(bad)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_module_entry_point_matches_main():
    assert cli.main is main


def test_window_without_a_display_is_one_clear_error(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gdviz: error: no display") and "--headless" in err
    assert "Traceback" not in err
