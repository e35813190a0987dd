"""How often the worker loop evaluates θ on its grid: a bounded share of the
training time, whatever the pace (no Qt here).

The session's grid is every ``eval_every`` steps (a quarter epoch in the
window). At the classroom pace (10 steps/s, a grid point every 20 s) every
point is evaluated; at full speed (~18,000 steps/s on the sample: a grid point
every 11 ms, 70 evaluations a second) they took a quarter of the time, so a
point is now skipped while the last evaluation is too recent. Evaluations that
are always made (step 0, each epoch's end, the step training stops at) count
towards the budget but are never skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["MAX_SHARE", "MIN_GAP_S", "EvalCadence"]

#: Evaluations on the grid take at most this share of the loop's wall-clock time.
MAX_SHARE = 0.05
#: Nor more than one every this many seconds (a curve point a quarter second is plenty to watch).
MIN_GAP_S = 0.25

T = TypeVar("T")


class EvalCadence:
    """Decides whether a grid point's evaluation is worth its time.

    A grid point (``step`` a multiple of ``every``) is kept when, since the
    last evaluation began, at least ``max(min_gap_s, duration / max_share)``
    seconds have passed (``duration``: that evaluation's, in seconds); so
    evaluations take at most ``max_share`` of the time, and each kept point
    still names its own step. ``clock``: seconds, monotonic (a fake in tests).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter, *,
                 max_share: float = MAX_SHARE, min_gap_s: float = MIN_GAP_S):
        if not 0 < max_share <= 1 or min_gap_s < 0:
            raise ValueError("max_share must be in (0, 1] and min_gap_s ≥ 0")
        self.clock = clock
        self.max_share = float(max_share)
        self.min_gap_s = float(min_gap_s)
        self._last_start: float | None = None
        self._last_duration = 0.0

    @property
    def wait_s(self) -> float:
        """Seconds that must pass from the start of one evaluation to the next grid point's."""
        return max(self.min_gap_s, self._last_duration / self.max_share)

    def due(self, step: int, every: int) -> bool:
        """True when ``step`` is on the grid and evaluating it keeps within the budget."""
        if every <= 0 or step % every:
            return False
        return self._last_start is None or self.clock() - self._last_start >= self.wait_s

    def timed(self, evaluate: Callable[[], T]) -> T:
        """Call ``evaluate()`` (any evaluation, skippable or not), note when and how long; return its result."""
        t0 = self.clock()
        result = evaluate()
        self._last_start, self._last_duration = t0, max(0.0, self.clock() - t0)
        return result
