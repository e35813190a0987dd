"""Teaching views in the smaller tab (1030×650): each fits and draws."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from qt_helpers import assert_drawn, trained  # noqa: E402


@pytest.mark.parametrize("name", ["example-cost", "gradient", "sgd-vs-gd"])
def test_small_window(qtbot, show_view, tiny, name):
    s, snap = trained(tiny, steps=10)
    v = show_view(name, (1030, 650))
    v.set_context(s, tiny)

    def drawn():
        v.render(snap)
        return not v.jobs_pending() and not v.pending_parts()

    qtbot.waitUntil(drawn, timeout=10_000)
    qtbot.wait(20)
    assert v.width() <= 1030 and v.height() <= 650
    assert_drawn(v)
