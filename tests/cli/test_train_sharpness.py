"""``gdviz train --headless --json --sharpness``: λ_max of the Hessian of the average cost
over the first 1,000 training digits, on every epoch's line."""

from __future__ import annotations

import json
import math

import pytest

from gdviz.cli import main
from gdviz.training.checkpoint import load_checkpoint
from gdviz.training.sharpness import sharpness


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_each_epoch_line_carries_the_sharpness_of_its_theta(tmp_path, capsys, sample):
    out = tmp_path / "run"
    code = main(["train", "--headless", "--json", "--sharpness", "--epochs", "1", "--seed", "3",
                 "--out", str(out)])
    assert code == 0
    events = _events(capsys.readouterr().out)
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == 1
    lam = epochs[0]["sharpness"]
    assert isinstance(lam, float) and math.isfinite(lam) and lam > 0
    # the checkpoint holds the θ of that epoch's end: measure it directly, independently
    ckpt = load_checkpoint(out / "checkpoint.npz")
    assert ckpt.step == epochs[0]["step"] == 800
    ref = sharpness(ckpt.sizes, ckpt.activation, ckpt.cost, ckpt.theta, sample.train_images,
                    sample.train_labels, n=1000, tol=1e-5)
    assert ref.converged
    assert lam == pytest.approx(ref.lam, rel=1e-2)
    # ... and not of other digits: the first 1,000 in file order, not some others
    other = sharpness(ckpt.sizes, ckpt.activation, ckpt.cost, ckpt.theta, sample.train_images[4000:],
                      sample.train_labels[4000:], n=1000)
    assert abs(other.lam - ref.lam) > 1e-3 * ref.lam


def test_without_the_option_there_is_no_sharpness(capsys):
    assert main(["train", "--headless", "--json", "--epochs", "1"]) == 0
    epoch = [e for e in _events(capsys.readouterr().out) if e["event"] == "epoch"][0]
    assert "sharpness" not in epoch


def test_the_text_output_says_eta_times_lambda(capsys):
    assert main(["train", "--headless", "--sharpness", "--epochs", "1"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch 1/1")][0]
    assert "λ_max" in line and "η·λ_max" in line


def test_sharpness_without_headless_is_one_line(capsys):
    code = main(["train", "--sharpness"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "--sharpness" in lines[0] and "--headless" in lines[0]
