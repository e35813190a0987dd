"""The one protocol of a training session, in this process or in a child
process (no Qt here).

:class:`Session` is what the window, its views, the CLI and the checkpoint
code may use. :class:`~gdviz.training.session.TrainingSession` and
:class:`~gdviz.training.remote.RemoteSession` both subclass it explicitly and
implement :meth:`Session.send`; the command methods here check their values in
the caller's thread (a bad one raises ``SettingError`` at once and nothing is
sent), build a :mod:`~gdviz.training.commands` command and send it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from gdviz.training import commands as cmd
from gdviz.training.config import SettingError, TrainConfig, check_batch_size, check_lr
from gdviz.training.snapshot import Mailbox, frozen

__all__ = ["Session", "SessionStatus", "checked_theta"]


@dataclass(frozen=True)
class SessionStatus:
    """A session's counters and settings at one moment (sent with each snapshot
    of a training process). ``pending``: steps still to do; ``idle``: no command waiting."""

    step: int
    epoch: int
    examples_seen: int
    running: bool
    pending: int
    idle: bool
    diverged: bool
    config: TrainConfig


def checked_theta(theta, dataset, config: TrainConfig) -> np.ndarray:
    """``theta`` as a read-only float32 ``(n_params,)`` copy for a ``config`` network on
    ``dataset``; SettingError when its length does not fit or it is not finite."""
    n_in = int(np.prod(dataset.train_images.shape[1:]))
    sizes = config.sizes(n_in, 10)
    theta = np.asarray(theta)
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if theta.shape != (expected,):
        raise SettingError(f"these weights do not fit a {'-'.join(map(str, sizes))} network "
                           f"({theta.size:,} numbers instead of {expected:,})")
    if not np.all(np.isfinite(theta)):
        raise SettingError("these weights contain infinite or not-a-number values")
    return frozen(theta, np.float32)


class Session(Protocol):
    """A training session: commands in (any thread), snapshots out (``mailbox``).

    State read here is the newest the session knows; a command sent but not
    yet applied shows in ``busy``.
    """

    #: The newest snapshot (a :class:`~gdviz.training.snapshot.Mailbox`: latest wins).
    mailbox: Mailbox
    #: A ``gdviz.training.recording.Recorder`` fed θ every K-th step, or None.
    recorder: Any
    #: The settings (the training loop's own once it has applied what was sent).
    config: TrainConfig
    #: A network of the session's shape (``net.sizes``, ``net.n_params``).
    net: Any
    step_count: int
    epoch: int  # completed epochs
    examples_seen: int
    diverged: bool

    # ------------------------------------------------------------ to implement
    def send(self, command: cmd.Command) -> None:
        """Queue ``command`` for the training loop; never blocks."""
        ...

    def serve(self) -> None:
        """Run (or receive) the training loop until :meth:`stop`; call from a worker thread."""
        ...

    def stop(self) -> None:
        """Make :meth:`serve` return soon (after the current mini-batch)."""
        ...

    def last_finite_theta(self) -> np.ndarray:
        """The last θ whose cost was finite, ``(n_params,)``."""
        ...

    @property
    def dataset(self) -> Any: ...

    @property
    def initial_theta(self) -> np.ndarray:
        """θ at step 0 (what Reset returns to), ``(n_params,)``."""
        ...

    @property
    def given_theta(self) -> np.ndarray | None:
        """Weights given or loaded (a checkpoint's), or None when θ0 comes from the seed."""
        ...

    @property
    def pinned(self) -> int | None:
        """The test digit shown as the current example, or None (the training example)."""
        ...

    @property
    def running(self) -> bool: ...

    @property
    def requested_running(self) -> bool:
        """True when the last Run, Pause or Step sent asked to run (applied or not)."""
        ...

    @property
    def busy(self) -> bool:
        """True while running, with steps still to do, or with commands not yet applied."""
        ...

    @property
    def responding(self) -> bool:
        """False while the training loop has not answered for a while (a stopped process)."""
        ...

    # ------------------------------------------------------------ commands
    def run(self) -> None:
        """Train continuously (at ``steps_per_second``, or as fast as possible)."""
        self.send(cmd.Run())

    def pause(self) -> None:
        self.send(cmd.Pause())

    def step(self, n: int = 1) -> None:
        """Do exactly ``n`` more updates, then stay paused."""
        self.send(cmd.Step(max(0, int(n))))

    def step_epoch(self) -> None:
        """Train to the end of the current epoch (one whole epoch from its start)."""
        self.send(cmd.StepEpoch())

    def set_lr(self, lr) -> None:
        self.send(cmd.Set("lr", check_lr(lr)))

    def set_batch_size(self, batch_size) -> None:
        self.send(cmd.Set("batch_size", check_batch_size(batch_size)))

    def set_optimizer(self, optimizer: str) -> None:
        replace(self.config, optimizer=optimizer).validated()
        self.send(cmd.Set("optimizer", optimizer))

    def set_speed(self, steps_per_second: float) -> None:
        """Updates per second; 0 = as fast as possible."""
        replace(self.config, steps_per_second=steps_per_second).validated()
        self.send(cmd.Set("steps_per_second", float(steps_per_second)))

    def set_eval_every(self, steps: int) -> None:
        replace(self.config, eval_every=steps).validated()
        self.send(cmd.Set("eval_every", int(steps)))

    def reset(self, config: TrainConfig | None = None) -> None:
        """Back to step 0 with the same initial θ (bitwise), or with a new ``config``."""
        self.send(cmd.Reset(None if config is None else config.validated()))

    def reseed(self, seed: int | None = None) -> None:
        """New initial θ and shuffles from ``seed`` (random when None); back to step 0."""
        self.send(cmd.Reseed(secrets.randbelow(2**31) if seed is None else int(seed)))

    def set_dataset(self, dataset) -> None:
        """Train on another dataset from step 0 (same settings)."""
        self.send(cmd.SetDataset(dataset))

    def load_theta(self, theta: np.ndarray, config: TrainConfig | None = None) -> None:
        """Start again from step 0 at ``theta`` (e.g. a checkpoint's), which becomes
        the "initial" θ that Reset returns to. ``config`` (optional) replaces the
        settings first (without it the loop's own, e.g. a decayed η, stay).
        Raises SettingError if θ does not fit."""
        config = self.config if config is None else config.validated()
        self.send(cmd.LoadTheta(checked_theta(theta, self.dataset, config), config))

    def pin_example(self, test_index: int | None) -> None:
        """Show test digit ``test_index`` as the current example (None: follow training)."""
        self.send(cmd.PinExample(None if test_index is None else int(test_index)))

    def restore_last_finite(self) -> None:
        """After a divergence: put back the last θ whose cost was finite."""
        self.send(cmd.RestoreLastFinite())
