"""An opened recording (:class:`Recording`): the timeline of θ, costs, evaluations
and settings, and snapshots rebuilt from them for replay."""

from __future__ import annotations

import bisect
import math
import mmap
from dataclasses import replace
from pathlib import Path

import numpy as np

from gdviz.core import Network, count_parameters
from gdviz.training.config import TrainConfig
from gdviz.training.recording.format import _CHUNK, _TRACKED, RecordingError, _sizes_text, _theta_problem
from gdviz.training.snapshot import Evaluation, Snapshot, frozen


class Recording:
    """A recording opened by :func:`open_recording` (read-only; θ memory-mapped).

    Attributes: ``path``, ``header`` (dict), ``config`` (TrainConfig at the
    start), ``sizes``, ``n_params``, ``dataset_name``, ``n_train``/``n_test``
    (None if unknown), ``theta_every`` (K), ``steps`` ``(n,)`` int64 and
    ``costs`` ``(n,)`` float64 (every recorded step, read-only), ``evals``
    (tuple of Evaluation, by step), ``epoch_costs`` (tuple of ``(epoch, step,
    cost)``), ``settings_changes`` (tuple of ``(step, dict)``), ``theta_steps``
    ``(m,)`` int64, ``complete`` (False for a recovered partial file) and
    ``warnings`` (tuple of str).
    """

    def __init__(self, path: Path, mm: mmap.mmap | None, fh, header: dict, config: TrainConfig,
                 sizes: tuple[int, ...], steps: np.ndarray, costs: np.ndarray,
                 evals: tuple[Evaluation, ...], epoch_costs: tuple, settings_changes: tuple,
                 theta_steps: np.ndarray, theta_offsets: np.ndarray, verified: bool,
                 complete: bool, warnings: tuple[str, ...], summary: dict | None):
        self.path = path
        self._mm, self._fh = mm, fh
        self.header = header
        self.config = config
        self.sizes = sizes
        self.n_params = count_parameters(sizes)
        self.dataset_name = str(header.get("dataset", ""))
        self.n_train = header.get("n_train")
        self.n_test = header.get("n_test")
        self.theta_every = int(header["theta_every"])
        self.steps = steps
        self.costs = costs
        self.evals = evals
        self.epoch_costs = epoch_costs
        self.settings_changes = settings_changes
        self.theta_steps = theta_steps
        self._theta_offsets = theta_offsets
        self._verified = np.full(len(theta_steps), bool(verified))
        self.complete = complete
        self.warnings = warnings
        self.summary = summary or {}
        self._eval_steps = [e.step for e in evals]
        self._epoch_steps = [s for _, s, _ in epoch_costs]
        self._change_steps = [s for s, _ in settings_changes]
        self._net: Network | None = None

    # ------------------------------------------------------------------ timeline
    @property
    def start_step(self) -> int:
        """The first step with a θ (0 when recording started with the run)."""
        return int(self.theta_steps[0])

    @property
    def n_steps(self) -> int:
        """The last step of the recording (updates done by its end)."""
        last = int(self.theta_steps[-1])
        return max(last, int(self.steps[-1])) if self.steps.size else last

    def theta_at(self, step: int) -> tuple[int, np.ndarray]:
        """``(recorded_step, θ)``: the latest θ recorded at or before ``step``.

        θ is a read-only float32 view of the file (no copy), O(log n). Steps
        before :attr:`start_step` give the first θ (then ``recorded_step > step``).
        """
        i = int(np.searchsorted(self.theta_steps, int(step), side="right")) - 1
        return int(self.theta_steps[max(i, 0)]), self.theta_by_index(max(i, 0))

    def theta_by_index(self, i: int) -> np.ndarray:
        """θ of record ``i`` (at step ``theta_steps[i]``), read-only view."""
        if self._mm is None:
            raise RecordingError(f"{self.path}: the recording is closed")
        off = int(self._theta_offsets[i])
        if not self._verified[i]:
            problem = _theta_problem(self._mm, off, self.n_params)
            if problem:
                raise RecordingError(f"{self.path}: {problem}")
            self._verified[i] = True
        return np.frombuffer(self._mm, dtype="<f4", count=self.n_params, offset=off + _CHUNK.size + 8)

    def cost_at(self, step: int) -> float:
        """The cost of update ``step`` (nan when not recorded)."""
        i = int(np.searchsorted(self.steps, int(step)))
        return float(self.costs[i]) if i < self.steps.size and self.steps[i] == step else math.nan

    def evals_until(self, step: int) -> tuple[Evaluation, ...]:
        return self.evals[:bisect.bisect_right(self._eval_steps, int(step))]

    def settings_at(self, step: int) -> TrainConfig:
        """The settings in force after ``step`` updates (the start settings + changes so far)."""
        cfg = self.config
        for _, changes in self.settings_changes[:bisect.bisect_right(self._change_steps, int(step))]:
            cfg = replace(cfg, **{k: v for k, v in changes.items() if k in _TRACKED})
        return cfg

    # ------------------------------------------------------------------ replay
    def snapshot_at(self, step: int, dataset=None, *, since: int | None = None, run_id: int = 0,
                    seq: int = 0, example_index: int | None = None) -> Snapshot:
        """A :class:`Snapshot` as the panels would have seen it after ``step`` updates.

        * θ is the latest recorded at or before ``step`` (see :meth:`theta_at`);
          the message says so when it is older than ``step``.
        * ``new_steps``/``new_costs``, ``new_evals``, ``new_epoch_costs`` hold
          what lies in ``(since, step]`` — all of it from the start when
          ``since`` is None. For forward playback pass the previous step as
          ``since`` and keep ``run_id``; when scrubbing backwards, pass a new
          ``run_id`` and ``since=None`` so the panels clear their history.
        * ``delta`` is the average Δθ per step between the previous θ record
          and this one; ``grad = −delta / η`` (for plain SGD and GD with a
          fixed η this is exactly the average mini-batch gradient over those
          steps). Both are zero at the first record.
        * the example is test digit ``example_index`` of ``dataset`` (or its
          first training digit), with activations computed at θ; without a
          dataset a blank image.
        * epoch progress and examples seen assume the batch size of
          :meth:`settings_at` throughout (exact unless it changed mid-run).
        """
        step = int(step)
        rec_step, theta = self.theta_at(step)
        i = int(np.searchsorted(self.theta_steps, rec_step))
        if i > 0:
            prev_step = int(self.theta_steps[i - 1])
            delta = (theta.astype(np.float32) - self.theta_by_index(i - 1)) / np.float32(rec_step - prev_step)
        else:
            delta = np.zeros(self.n_params, np.float32)
        cfg = self.settings_at(step)
        grad = delta / np.float32(-cfg.lr)
        lo = -1 if since is None else int(since)
        a, b = np.searchsorted(self.steps, [lo, step], side="right")
        new_evals = tuple(e for e in self.evals_until(step) if e.step > lo)
        new_epochs = tuple(x for x in self.epoch_costs if lo < x[1] <= step)
        done = self.evals_until(step)
        n_train = int(self.n_train or (len(dataset.train_labels) if dataset is not None else 0))
        n_test = int(self.n_test or (len(dataset.test_labels) if dataset is not None else 0))
        epoch = bisect.bisect_right(self._epoch_steps, step)
        if cfg.optimizer == "gd" or not n_train:
            frac, examples = 0.0, epoch * n_train
        else:
            per_epoch = -(-n_train // cfg.batch_size)
            start = self._epoch_steps[epoch - 1] if epoch else 0
            in_epoch = max(0, step - start)
            frac = min(1.0, in_epoch / per_epoch)
            examples = epoch * n_train + min(n_train, in_epoch * cfg.batch_size)
        if dataset is not None and example_index is not None:
            j = int(example_index) % len(dataset.test_labels)
            img, label, source = dataset.test_images[j], int(dataset.test_labels[j]), f"test digit #{j}"
        elif dataset is not None:
            img, label, source = dataset.train_images[0], int(dataset.train_labels[0]), "training digit #0"
        else:
            img, label, source = np.zeros(self.sizes[0], np.uint8), 0, "no data"
        net = self._network()
        with np.errstate(all="ignore"):
            acts = net.forward(np.asarray(img, np.float32) * np.float32(1 / 255), theta)[1:]
        where = f"replay of {self.path.name}: step {step:,} of {self.n_steps:,}"
        if rec_step != step:
            where += (f"; weights as recorded at step {rec_step:,} "
                      f"(the recording keeps θ every {self.theta_every} steps)")
        return Snapshot(
            seq=seq, run_id=run_id, step=step, epoch=epoch, epoch_fraction=frac,
            examples_seen=examples, lr=cfg.lr, batch_size=cfg.batch_size, optimizer=cfg.optimizer,
            seed=cfg.seed, running=False, steps_per_second=cfg.steps_per_second, sizes=self.sizes,
            activation=cfg.activation, cost_name=cfg.cost, n_train=n_train, n_test=n_test,
            new_steps=self.steps[a:b], new_costs=self.costs[a:b],
            new_epoch_costs=new_epochs, new_evals=new_evals,
            last_eval=done[-1] if done else None,
            theta=theta, grad=frozen(grad), delta=frozen(delta),
            example_image=frozen(img), example_label=label, example_source=source,
            example_activations=tuple(frozen(x[0]) for x in acts),
            samples_per_s=0.0, diverged=False, message=where[0].upper() + where[1:] + ".",
        )

    def _network(self) -> Network:
        if self._net is None:
            self._net = Network(self.sizes, self.config.activation, self.config.cost)
        return self._net

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Unmap the file. θ views already handed out keep it mapped until they are freed."""
        mm, self._mm = self._mm, None
        if mm is not None:
            try:
                mm.close()
            except BufferError:  # views of θ still alive: the map goes when they do
                pass
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Recording({str(self.path)!r}, {_sizes_text(self.sizes)}, {self.dataset_name}, "
                f"steps {self.start_step}..{self.n_steps}, {len(self.theta_steps)} θ every "
                f"{self.theta_every}{'' if self.complete else ', INCOMPLETE'})")
