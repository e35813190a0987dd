"""The limits every loaded setting must keep, spelled out for the settings tests (not re-derived
from the schema they check)."""

from __future__ import annotations

from gdviz.training import settings_schema as sc
from gdviz.training.config import LR_MAX, LR_MIN


def assert_within_limits(values: dict) -> None:
    """Each value against the limits stated in the schema's docstring (spelled out, not re-derived)."""
    assert set(values) == set(sc.SCHEMA)
    lr = values["training/lr"]
    assert type(lr) is float and LR_MIN <= lr <= LR_MAX
    b = values["training/batch_size"]
    assert type(b) is int and 1 <= b <= 1_000_000
    sp = values["training/speed"]
    assert type(sp) is float and 0 <= sp <= 10_000
    pace = values["training/pace"]
    assert pace == "max" or (type(pace) is float and 0.1 <= pace <= 10_000)
    fps = values["view/fps"]
    assert type(fps) is int and 1 <= fps <= 60
    assert values["view/theme"] in ("light", "dark")
    assert values["data/choice"] in ("sample", "mnist", "idx")
    d = values["data/idx_dir"]
    assert type(d) is str and "\0" not in d and len(d) <= 4096
    for key in ("view/log_cost", "files/autosave"):
        assert type(values[key]) is bool
    recent = values["files/recent_checkpoints"]
    assert type(recent) is tuple and len(recent) <= 8 and len(set(recent)) == len(recent)
    assert all(type(p) is str and p.strip() and "\0" not in p and len(p) <= 4096 for p in recent)
    for key, hi in (("window/geometry", 64 << 10), ("window/state", 256 << 10)):
        g = values[key]
        assert g is None or (type(g) is bytes and 0 < len(g) <= hi)
