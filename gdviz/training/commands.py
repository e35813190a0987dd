"""Session commands and the queue that carries them (no Qt here).

A command is a small frozen dataclass saying what the user asked for; a
session applies each type with one handler (``TrainingSession._HANDLERS``).
Values are checked before a command is made (see ``gdviz.training.protocol``),
so a command in a queue is always one the session can apply.

:class:`CommandQueue` takes commands from any thread without ever blocking
and hands them to one consumer (the training loop, or the thread that writes
them to a training process). Commands that wait together are applied
together (the loop drains its queue between mini-batches), so while the
consumer is behind the queue keeps only what changes the outcome. Between two
*barriers* (StepEpoch, Reset, Reseed, SetDataset, LoadTheta, RestoreLastFinite,
Stop, or anything that is not a command):

* the latest value of each setting (:class:`Set`) and of :class:`PinExample`
  wins, in the place of the first one (the latest η wins);
* Run, Pause and Step reduce to at most four commands, in their order, with
  the same effect (running or not, steps still to do);
* a RestoreLastFinite after another one or after a Reset/Reseed/SetDataset/
  LoadTheta, and a Reset() right after a Reset(), change nothing and are dropped.

So a stopped consumer's queue grows only with barriers (a Step click or a
slider drag adds nothing after the first), and the state after it is applied
is the one the same commands give applied one by one. Barriers keep their
order; nothing is moved across one.
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

# Commands that commute with each other while they wait together.
_COMMUTING = (Set, PinExample, Run, Pause, Step)
_MOTION = (Run, Pause, Step)
# After one of these (waiting), a RestoreLastFinite has nothing to restore.
_RESTARTS = (Reset, Reseed, SetDataset, LoadTheta, RestoreLastFinite)


def _latest_wins(item) -> tuple | None:
    if isinstance(item, Set):
        return ("set", item.name)
    if isinstance(item, PinExample):
        return ("pin",)
    return None


class _Motion:
    """Run, Pause and Step commands that wait together, reduced to their effect.

    From (running, pending, message): a Run sets running and clears the
    message; a Pause clears running and pending; a Step clears running and adds
    to pending. Any such sequence equals ``[Run] [Pause] [Step k] [Run]``,
    each part present or not (see :meth:`commands`).
    """

    def __init__(self):
        self.last: type | None = None
        self.any_run = self.any_pause = False
        self.steps = 0  # steps asked for after the last Pause

    def add(self, c) -> None:
        if isinstance(c, Run):
            self.any_run = True
        elif isinstance(c, Pause):
            self.any_pause, self.steps = True, 0
        else:
            self.steps += c.n
        self.last = type(c)

    def commands(self) -> list:
        out = []
        if self.any_run and self.last is not Run:
            out.append(Run())  # (clears the message; running is undone by what follows)
        if self.any_pause:
            out.append(Pause())
        if self.steps or self.last is Step:
            out.append(Step(self.steps))
        if self.last is Run:
            out.append(Run())
        return out


class CommandQueue:
    """Commands from any thread to one consumer; :meth:`put` never blocks.

    ``limit`` bounds the waiting items (after coalescing); one beyond it is
    dropped and counted in ``dropped`` (a :class:`Stop` never is).
    ``taken`` counts the commands handed to the consumer so far.
    """

    def __init__(self, limit: int = MAX_WAITING):
        self.limit = int(limit)
        self.dropped = 0
        self.taken = 0
        # One-element lists, so a waiting value can be replaced in place. A slot
        # holds a command, a _Motion (expanded when taken) or a consumer's item.
        self._items: deque[list] = deque()
        self._keyed: dict[tuple, list] = {}  # since the last barrier: latest-wins key -> its slot
        self._motion: list | None = None  # since the last barrier: the slot of the _Motion
        self._restarts = 0  # restarts (see _RESTARTS) waiting
        self._cond = threading.Condition(threading.Lock())

    def put(self, item) -> bool:
        """Queue ``item`` (coalesced when it can be); False if it was dropped."""
        with self._cond:
            key = _latest_wins(item)
            if isinstance(item, _COMMUTING):
                slot = self._keyed.get(key) if key is not None else self._motion
                if slot is not None:
                    if key is not None:
                        slot[0] = item
                    else:
                        slot[0].add(item)
                    return True
            elif isinstance(item, RestoreLastFinite) and self._restarts:
                return True
            elif isinstance(item, Reset) and item.config is None and self._items \
                    and self._items[-1][0] == item:
                return True
            if len(self._items) >= self.limit and not isinstance(item, Stop):
                self.dropped += 1
                return False
            slot = [item]
            if isinstance(item, _MOTION):
                slot[0] = _Motion()
                slot[0].add(item)
                self._motion = slot
            elif key is not None:
                self._keyed[key] = slot
            else:  # a barrier: nothing is moved across it
                self._keyed.clear()
                self._motion = None
                self._restarts += isinstance(item, _RESTARTS)
            self._items.append(slot)
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
            if isinstance(item, _Motion):
                if self._motion is slot:
                    self._motion = None  # later motion waits after what is taken now
                first, *rest = item.commands()
                self._items.extendleft([c] for c in reversed(rest))
                item = first
            key = _latest_wins(item)
            if key is not None and self._keyed.get(key) is slot:
                del self._keyed[key]
            self._restarts -= isinstance(item, _RESTARTS)
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
