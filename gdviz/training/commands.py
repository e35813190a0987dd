"""Session commands and the queue that carries them (no Qt here).

A command is a small frozen dataclass saying what the user asked for; a
session applies each type with one handler (``TrainingSession._HANDLERS``).
Values are checked before a command is made (see ``gdviz.training.protocol``),
so a command in a queue is always one the session can apply.

:class:`CommandQueue` takes commands from any thread without ever blocking
and hands them to one consumer (the training loop, or the thread that writes
them to a training process). While the consumer is behind, it coalesces:

* a setting (:class:`Set`) or :class:`PinExample` replaces the waiting one of
  the same name when only settings, pins, Run, Pause and Step wait between
  them (the latest η wins, in place);
* adjacent Steps add up; a Run right after a Run, or a Pause right after a
  Pause, changes nothing and is dropped;
* everything else, and every Run/Pause/Step, keeps its order.

Commands that wait together are applied together (the loop drains its queue
between mini-batches), so coalescing them gives the state the same commands
would give one by one. Anything that is not a command (a consumer's own
messages) is kept in order and never merged.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from gdviz.training.config import TrainConfig

__all__ = [
    "Command", "CommandQueue", "LoadTheta", "MAX_WAITING", "Pause", "PinExample", "Reseed", "Reset",
    "RestoreLastFinite", "Run", "SETTINGS", "Set", "SetDataset", "Step", "StepEpoch", "Stop",
]

#: Commands a queue holds at most (after coalescing); more are dropped and counted.
MAX_WAITING = 10_000

#: The ``TrainConfig`` fields a :class:`Set` may change while training.
SETTINGS = ("lr", "batch_size", "optimizer", "steps_per_second", "eval_every")


@dataclass(frozen=True)
class Run:
    """Train continuously (at ``steps_per_second``, or as fast as possible)."""


@dataclass(frozen=True)
class Pause:
    """Stop training after the current mini-batch; forget steps still to do."""


@dataclass(frozen=True)
class Step:
    """Do ``n`` more updates, then stay paused."""

    n: int


@dataclass(frozen=True)
class StepEpoch:
    """Train to the end of the current epoch."""


@dataclass(frozen=True)
class Set:
    """Change one setting (a name in ``SETTINGS``) from the next mini-batch on."""

    name: str
    value: Any


@dataclass(frozen=True)
class Reset:
    """Back to step 0 with the same initial θ, or with a new ``config``."""

    config: TrainConfig | None = None


@dataclass(frozen=True)
class Reseed:
    """New initial θ and shuffles from ``seed``; back to step 0."""

    seed: int


@dataclass(frozen=True, eq=False)
class SetDataset:
    """Train on ``dataset`` (a ``gdviz.data.Dataset``) from step 0."""

    dataset: Any


@dataclass(frozen=True, eq=False)
class LoadTheta:
    """Start again from step 0 at ``theta`` (``(n_params,)`` float32, checked) with ``config``."""

    theta: np.ndarray = field(repr=False)
    config: TrainConfig


@dataclass(frozen=True)
class PinExample:
    """Show test digit ``index`` as the current example (None: follow training)."""

    index: int | None


@dataclass(frozen=True)
class RestoreLastFinite:
    """After a divergence: put back the last θ whose cost was finite."""


@dataclass(frozen=True)
class Stop:
    """End the loop after the current mini-batch."""


Command = Union[Run, Pause, Step, StepEpoch, Set, Reset, Reseed, SetDataset, LoadTheta, PinExample,
                RestoreLastFinite, Stop]
COMMANDS: tuple[type, ...] = Command.__args__  # type: ignore[attr-defined]

# Commands that commute with a setting while they wait together: a later value
# of the same setting may replace an earlier one across them.
_COMMUTING = (Set, PinExample, Run, Pause, Step)


def _latest_wins(item) -> tuple | None:
    if isinstance(item, Set):
        return ("set", item.name)
    if isinstance(item, PinExample):
        return ("pin",)
    return None


class CommandQueue:
    """Commands from any thread to one consumer; :meth:`put` never blocks.

    ``limit`` bounds the waiting commands (after coalescing); a command beyond
    it is dropped and counted in ``dropped`` (a :class:`Stop` never is).
    ``taken`` counts the commands handed to the consumer so far.
    """

    def __init__(self, limit: int = MAX_WAITING):
        self.limit = int(limit)
        self.dropped = 0
        self.taken = 0
        self._items: deque[list] = deque()  # one-element lists: a coalesced value is replaced in place
        self._keyed: dict[tuple, list] = {}  # latest-wins key -> its waiting slot (since the last barrier)
        self._cond = threading.Condition(threading.Lock())

    def put(self, item) -> bool:
        """Queue ``item`` (coalesced when it can be); False if it was dropped."""
        with self._cond:
            key = _latest_wins(item)
            if key is not None:
                slot = self._keyed.get(key)
                if slot is not None:
                    slot[0] = item
                    return True
            elif not isinstance(item, _COMMUTING):
                self._keyed.clear()  # a barrier: nothing is moved across it
            elif self._items:
                last = self._items[-1]
                if isinstance(item, Step) and isinstance(last[0], Step):
                    last[0] = Step(last[0].n + item.n)
                    return True
                if type(item) in (Run, Pause) and type(last[0]) is type(item):
                    return True
            if len(self._items) >= self.limit and not isinstance(item, Stop):
                self.dropped += 1
                return False
            slot = [item]
            self._items.append(slot)
            if key is not None:
                self._keyed[key] = slot
            self._cond.notify()
            return True

    def get(self, timeout: float | None = 0.0):
        """The oldest waiting item, or None after ``timeout`` s (0: do not wait)."""
        with self._cond:
            if not self._items and timeout != 0.0:
                self._cond.wait_for(lambda: self._items, timeout)
            if not self._items:
                return None
            slot = self._items.popleft()
            item = slot[0]
            key = _latest_wins(item)
            if key is not None and self._keyed.get(key) is slot:
                del self._keyed[key]
            if isinstance(item, COMMANDS):
                self.taken += 1
            return item

    def counts(self) -> tuple[int, int]:
        """``(waiting, taken)`` read together: what is queued and what has left."""
        with self._cond:
            return len(self._items), self.taken

    def empty(self) -> bool:
        return not self._items

    def __len__(self) -> int:
        return len(self._items)
