"""Closing the window tells every background job to stop before it waits for any, and
waits for all of them against one deadline (not one timeout per job)."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gdviz.qt.background import LatestJob
from gdviz.qt.views import VIEWS


def _until_cancelled(other: list, seconds: float) -> bool:
    """Wait (up to ``seconds``) until the job in ``other[0]`` is cancelled; True if it was."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if other[0].cancelled():
            return True
        time.sleep(0.005)
    return False


def test_jobs_told_to_stop_first_finish_together():
    a_ref, b_ref = [], []
    a = LatestJob(lambda: _until_cancelled(b_ref, 3.0), name="gdviz-test-a")
    b = LatestJob(lambda: _until_cancelled(a_ref, 3.0), name="gdviz-test-b")
    a_ref.append(a)
    b_ref.append(b)
    a.submit()
    b.submit()
    while not (a.busy and b.busy):  # both calls running
        time.sleep(0.001)
    a.request_stop()
    b.request_stop()
    deadline = time.monotonic() + 30.0
    a.stop(deadline=deadline)
    b.stop(deadline=deadline)
    # each call saw the *other* job cancelled: neither waited for the other's stop
    assert a.result() == (1, True) and b.result() == (1, True)


def test_a_passed_deadline_does_not_wait_for_a_running_call():
    release = threading.Event()
    job = LatestJob(lambda: release.wait(30.0), name="gdviz-test-slow")
    job.submit()
    while not job.busy:
        time.sleep(0.001)
    time.sleep(0.05)
    job.stop(deadline=time.monotonic() - 1.0)
    assert job._thread.is_alive()  # still in its call: the close did not wait for it
    release.set()
    job._thread.join(10.0)
    assert not job._thread.is_alive()


def test_closing_the_window_tells_every_job_before_waiting_for_any(make_window, monkeypatch):
    win = make_window()
    for i in range(1, min(len(VIEWS), 9) + 1):  # the teaching views opened once (Alt+1...), as a person would
        QTest.keyClick(win, Qt.Key.Key_0 + i, Qt.KeyboardModifier.AltModifier)
    jobs = [vj._job for view in win.tabs.views.values() for vj in view._jobs] + [win.stability._job._job]
    assert len(jobs) >= 5
    seen: list[list[bool]] = []
    original = LatestJob.stop

    def recording_stop(self, *args, **kw):
        if not seen:
            seen.append([job.cancelled() for job in jobs])
        return original(self, *args, **kw)

    monkeypatch.setattr(LatestJob, "stop", recording_stop)
    win.close()
    assert seen and all(seen[0]), seen
    assert all(not job._thread.is_alive() for job in jobs)
