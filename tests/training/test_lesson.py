"""Lesson files: the built-in lesson, round trips, and errors that name the line."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.training.lesson import (
    ACTIVATIONS,
    MAX_BYTES,
    PANELS,
    VIEWS,
    Chapter,
    Lesson,
    LessonError,
    builtin_lesson,
    dumps,
    load_lesson,
    parse_lesson,
)


def test_the_builtin_lesson_follows_the_lessons_order():
    lesson = builtin_lesson()
    assert len(lesson.chapters) == 12
    views = [c.view for c in lesson.chapters]
    # pixels, layers, random start, one cost, average cost, 1-D, η, 2-D, −∇C, learning,
    # generalisation, what the first layer learned
    assert views == ["live", "live", "live", "example-cost", "live", "curve", "curve", "bowl",
                     "gradient", "live", "generalisation", "live"]
    assert lesson.chapters[0].hidden == (16, 16) and lesson.chapters[0].steps == 0
    assert "784" in lesson.chapters[0].text and "13,002" in lesson.chapters[1].text
    assert "\n" not in lesson.chapters[0].text  # hard-wrapped lines join into one paragraph


def test_chapter_keys_override_only_what_they_name():
    lesson = parse_lesson('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\nlr = 2\n')
    ch = lesson.chapters[0]
    assert ch.lr == 2.0 and ch.view is None and ch.running is None and ch.options == {}


def test_pace_max_is_infinite_and_round_trips():
    lesson = parse_lesson('[[chapter]]\ntitle = "a"\ntext = "b"\npace = "max"\n')
    assert math.isinf(lesson.chapters[0].pace)
    assert parse_lesson(dumps(lesson)) == lesson


BAD = [
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\nlr = -1\n', 5, "lr"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\n\n[[chapter]]\ntitle = "c"\n'
     'text = "d"\nview = "nowhere"\n', 9, "unknown view 'nowhere'"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\ncolour = "red"\n', 5, "unknown setting 'colour'"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\n', 2, "has no text"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\nsteps = 1.5\n', 5, "steps"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b\n', 4, "not a valid lesson file"),
    ('title = "t"\nchapters = 3\n', 2, "unknown setting 'chapters'"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\nhidden = [16, 0]\n', 5, "hidden"),
    ('title = "t"\n[[chapter]]\ntitle = "a"\ntext = "b"\n[chapter.options]\nx = [1]\n', 5, "options"),
    ('title = "t"\n', 1, "at least one [[chapter]]"),
    ('title = "t"\nchapter = [1, 2]\n', 2, "[[chapter]] sections"),
]


@pytest.mark.parametrize("text, line, words", BAD)
def test_a_malformed_lesson_names_the_line(text, line, words):
    with pytest.raises(LessonError) as e:
        parse_lesson(text, "my.toml")
    assert str(e.value).startswith(f"my.toml:{line}:"), str(e.value)
    assert words in str(e.value)


def test_files_too_large_or_not_text_are_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(LessonError, match="at most"):
        load_lesson(big)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(LessonError, match="not a text file"):
        load_lesson(binary)
    with pytest.raises(LessonError, match="cannot read it"):
        load_lesson(tmp_path / "missing.toml")


def test_a_file_round_trips(tmp_path):
    path = tmp_path / "lesson.toml"
    path.write_text(dumps(builtin_lesson()), "utf-8")
    assert load_lesson(path) == builtin_lesson()


words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40) \
    .filter(lambda s: s.strip())
chapters = st.builds(
    Chapter,
    title=words.map(lambda s: " ".join(s.split())),
    text=words.map(lambda s: " ".join(s.split())),
    view=st.none() | st.sampled_from(VIEWS),
    panel=st.none() | st.sampled_from(PANELS),
    hidden=st.none() | st.lists(st.integers(1, 512), min_size=1, max_size=3).map(tuple),
    activation=st.none() | st.sampled_from(ACTIVATIONS),
    seed=st.none() | st.integers(0, 2**32 - 1),
    lr=st.none() | st.floats(1e-4, 100.0),
    pace=st.none() | st.floats(0.5, 1000.0) | st.just(math.inf),
    steps=st.none() | st.integers(0, 10_000),
    running=st.none() | st.booleans(),
    options=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True),
                            st.integers(-5, 5) | st.booleans() | words, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.builds(Lesson, title=words.map(lambda s: " ".join(s.split())),
                 chapters=st.lists(chapters, min_size=1, max_size=4).map(tuple)))
def test_any_lesson_round_trips(lesson):
    assert parse_lesson(dumps(lesson)) == lesson


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_gives_a_lesson_error_or_a_lesson(text):
    try:
        parse_lesson(text)
    except LessonError:
        pass
