"""The settings schema (no Qt): every value a settings file can hold is turned into one within
its stated limits, with a warning in words, and never an exception."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.training import settings_schema as sc
from settings_limits import assert_within_limits


def test_defaults_and_no_warnings_for_an_empty_store():
    v = sc.validate({})
    assert v.warnings == () and v.present == 0 and v.changed == ()
    assert_within_limits(v.values)
    assert v.values["training/pace"] == 10.0 and v.values["training/batch_size"] == 10


def test_the_batch_size_that_bricked_the_app_is_clamped_with_a_warning():
    for raw in ("3000000000", "1e308", 3_000_000_000, 1e308, " 3_000_000_000 "):
        v = sc.validate({"training/batch_size": raw})
        assert v.values["training/batch_size"] == 1_000_000, raw
        (w,) = v.warnings
        assert w.startswith("The batch size ") and "above 1,000,000, the largest gdviz allows; using 1,000,000" in w
        assert v.changed == ("training/batch_size",) and v.usable == 1


def test_values_that_make_no_sense_are_dropped():
    cases = {"training/batch_size": ["-3", "0", "abc", "2.5", "inf", "nan", ["1", "2"], b"\xff", None, True],
             "training/lr": ["1e9", "0", "-1", "nan", "inf", "abc", 1e-9],
             "view/fps": ["0", "-5", "fast"], "training/pace": ["-1", "0", "fast", "nan"]}
    for key, raws in cases.items():
        for raw in raws:
            v = sc.validate({key: raw})
            assert v.values[key] == sc.SCHEMA[key].default, (key, raw)
            assert len(v.warnings) == 1 and v.warnings[0].endswith("instead."), (key, raw)
            assert v.usable == 0 and v.present == 1


def test_good_values_are_kept_as_written():
    raw = {"training/lr": "0.5", "training/batch_size": "32", "training/speed": "100", "training/pace": "MAX",
           "view/fps": "15", "view/log_cost": "true", "view/theme": "Dark", "data/choice": "idx",
           "data/idx_dir": "/data/mnist", "files/recent_checkpoints": '["/a.npz", "/b.npz"]',
           "files/autosave": "1", "window/geometry": b"\x01\xd9geom"}
    v = sc.validate(raw)
    assert v.warnings == () and v.present == v.usable == len(raw)
    assert v.values["training/lr"] == 0.5 and v.values["training/batch_size"] == 32
    assert v.values["training/pace"] == "max" and v.values["view/theme"] == "dark"
    assert v.values["files/recent_checkpoints"] == ("/a.npz", "/b.npz") and v.values["files/autosave"] is True
    assert sc.validate({"training/pace": "2.5"}).values["training/pace"] == 2.5


def test_warnings_are_one_short_plain_sentence():
    v = sc.validate({"view/theme": "x" * 10_000, "data/idx_dir": "a\0b", "training/lr": "\x1b[31m"})
    assert len(v.warnings) == 3
    for w in v.warnings:
        assert len(w) < 160 and w.endswith(".") and w[0].isupper() and "\n" not in w and "\x1b" not in w


def test_unusable_files():
    assert sc.unusable(b"\x00\xff\xfe garbage") == "it is not a text file"
    assert sc.unusable(None) == "it is larger than 1 MiB"
    assert sc.unusable(b"[training\nlr=3\n", format_error=True) == "it is not in the settings format"
    bad = sc.validate({"training/lr": "abc", "view/fps": "fast"})
    assert sc.unusable(b"[training]\nlr=abc\n", bad) == "none of its values could be used"
    mixed = sc.validate({"training/lr": "abc", "view/fps": "15"})
    assert sc.unusable(b"[training]\nlr=abc\n", mixed) is None
    assert sc.unusable(b"[future]\nthing=1\n", sc.validate({})) is None  # nothing known: nothing wrong
    assert sc.unusable("[files]\nx=/home/zoë\n".encode()) is None


# ====================================================================== fuzz
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60), st.binary(max_size=300),
    st.from_regex(r"\s*-?[0-9_]{0,30}(\.[0-9]*)?([eE][+-]?[0-9]{1,4})?\s*", fullmatch=True),
    st.sampled_from(["max", "MAX", "nan", "inf", "-inf", "true", "off", "light", "dark", "idx", "1e308",
                     "3000000000", "[]", '["a", 1, null]', "[" * 500]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=12), st.builds(object))
stores = st.dictionaries(st.one_of(st.sampled_from(sorted(sc.SCHEMA)), st.text(max_size=20)), values,
                         max_size=20)


@settings(max_examples=400, deadline=None)
@given(stores)
def test_fuzz_validate_never_raises_and_keeps_every_limit(raw):
    v = sc.validate(raw)
    assert_within_limits(v.values)
    present = sum(k in raw for k in sc.SCHEMA)
    assert v.present == present and 0 <= v.usable <= present
    assert len(v.warnings) == len(v.changed) <= present
    for w in v.warnings:
        assert isinstance(w, str) and len(w) < 200 and "\n" not in w


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_unusable_never_raises(data):
    why = sc.unusable(data, sc.validate({}))
    assert why is None or isinstance(why, str)
    if b"\0" in data:
        assert why == "it is not a text file"


def test_float_limits_are_finite():
    for e in sc.SCHEMA.values():
        for x in (e.lo, e.hi):
            assert x is None or math.isfinite(x)
