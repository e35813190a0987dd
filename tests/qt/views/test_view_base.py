"""The one view shape: staged drawing, latest-wins jobs with a stale check, options."""

from __future__ import annotations

import threading

import pytest
from PySide6 import QtWidgets

from gdviz.qt.views import VIEWS, LessonView, ViewSpec, create_view


class Parts(LessonView):
    PARTS = ("a", "b", "c")

    def __init__(self):
        super().__init__()
        self.painted: list[tuple[str, object]] = []
        self.results: list = []

    def draw_part(self, part, value):
        self.painted.append((part, value))

    def result_ready(self, job, value):
        self.results.append(value)

    def render(self, snap):  # pragma: no cover - not used here
        pass


class Snap:
    def __init__(self, run_id):
        self.run_id = run_id


def test_still_draw_paints_every_part_at_once(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    v.draw(1, live=False)
    assert v.painted == [("a", 1), ("b", 1), ("c", 1)]
    v.draw(1, live=False)  # nothing new to paint
    assert len(v.painted) == 3


def test_live_draw_paints_one_part_per_call_in_turn_and_catches_up(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    v.draw(1, live=True)  # the first value of a run: everything
    v.painted.clear()
    v.draw(2, live=True)
    assert v.painted == [("a", 2)]
    v.draw(3, live=True)  # the next part in turn, for the newest value
    assert v.painted == [("a", 2), ("b", 3)]
    v.continue_drawing()  # a render with nothing new: the next pending part
    assert v.painted[-1] == ("c", 3)
    assert v.pending_parts() == ["a"]
    qtbot.waitUntil(lambda: not v.pending_parts(), timeout=2000)  # the catch-up timer
    assert v.painted[-1] == ("a", 3)


def test_shown_view_finishes_pending_parts(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    v.draw(1, live=False)
    v.draw(2, live=True)
    assert v.pending_parts() == ["b", "c"]
    v.show()
    assert v.pending_parts() == []


def test_job_drops_results_of_an_older_run_and_duplicate_requests(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    gate = threading.Event()

    def slow(x):
        gate.wait(5)
        return x * 10

    job = v.background(slow, "test-job")
    v.new_run(Snap(1))
    assert v.submit(job, ("k", 1), 1)
    assert not v.submit(job, ("k", 1), 1)  # same key: nothing changed
    assert v.new_run(Snap(2))  # another run: the pending result is stale
    gate.set()
    qtbot.waitUntil(lambda: not job.busy, timeout=5000)
    v.poll_jobs()
    assert v.results == []
    assert v.submit(job, ("k", 1), 2)  # the same key goes again after invalidation
    qtbot.waitUntil(lambda: v.results == [20], timeout=5000)
    v.shutdown()


def test_job_throttles_by_its_clock(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    now = [0.0]
    job = v.background(lambda x: x, "test-throttle", clock=lambda: now[0])
    assert v.submit(job, 1, 1, min_interval=0.25)
    now[0] = 0.1
    assert not v.submit(job, 2, 2, min_interval=0.25)
    assert v.submit(job, 2, 2, min_interval=0.25, force=True)
    now[0] = 0.5
    assert v.submit(job, 3, 3, min_interval=0.25)
    v.shutdown()


def test_job_passes_its_cancel_check(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    job = v.background(lambda cancelled, x: (cancelled(), x), "test-cancel", pass_cancelled=True)
    v.submit(job, 1, 7)
    qtbot.waitUntil(lambda: v.results == [(False, 7)], timeout=5000)
    v.shutdown()


def test_options_are_declared_and_set_through_their_widgets(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    box, check, spin = QtWidgets.QComboBox(v), QtWidgets.QCheckBox(v), QtWidgets.QSpinBox(v)
    box.addItem("one", "x")
    box.addItem("two", "y")
    v.bind_option("which", box)
    v.bind_option("log", check)
    v.bind_option("n", spin)
    seen = []
    box.currentIndexChanged.connect(seen.append)
    v.set_option("which", "y")
    v.set_option("log", True)
    v.set_option("n", 7)
    assert v.options() == {"which": "y", "log": True, "n": 7}
    assert seen == [1]  # as a person's choice: the widget signals
    assert v.option_choices("which") == ("x", "y")
    with pytest.raises(ValueError, match="choose one of x, y"):
        v.set_option("which", "z")
    with pytest.raises(KeyError, match="no option 'nope'"):
        v.set_option("nope", 1)


def test_registry_is_a_typed_spec_and_every_view_is_a_lesson_view(qtbot):
    for name, spec in VIEWS.items():
        assert isinstance(spec, ViewSpec) and spec.title and spec.description
        view = create_view(name)
        qtbot.addWidget(view)
        assert isinstance(view, LessonView)
        assert (type(view).__module__, type(view).__name__) == (spec.module, spec.cls)
        view.shutdown()


def test_shown_before_any_value_paints_nothing(qtbot):
    v = Parts()
    qtbot.addWidget(v)
    v.show()
    assert v.painted == [] and v.pending_parts() == []


def test_a_part_that_fails_to_draw_is_logged_and_the_others_still_draw(qtbot, caplog):
    class Broken(Parts):
        def draw_part(self, part, value):
            if part == "b":
                raise ValueError("bug in b")
            super().draw_part(part, value)

    v = Broken()
    qtbot.addWidget(v)
    v.draw(1, live=False)
    assert v.painted == [("a", 1), ("c", 1)]
    assert v.pending_parts() == []  # not retried every frame
    assert "drawing 'b' failed" in caplog.text


def test_an_idle_job_holds_neither_its_arguments_nor_a_stale_result(qtbot):
    """A view's job waiting for its next request keeps no snapshot it was given, and a result
    made stale by a new run is freed when the view looks for results (a 784-1024-10
    snapshot is ~10 MB; a hidden view's job may wait for a long time)."""
    import gc
    import weakref

    from gdviz.qt.views.base import ViewJob

    class Payload:
        pass

    arg, made = Payload(), []
    arg_ref = weakref.ref(arg)

    def fn(_a):
        value = Payload()
        made.append(weakref.ref(value))
        return value

    job = ViewJob(fn, "gdviz-test-job")
    try:
        assert job.submit("k", arg)
        del arg
        qtbot.waitUntil(lambda: bool(made) and not job.busy, timeout=10_000)
        job.invalidate()  # another run: the finished result is stale
        assert job.take() is None
        qtbot.waitUntil(lambda: gc.collect() >= 0 and arg_ref() is None and made[0]() is None, timeout=5_000)
    finally:
        job.stop()
