"""Training settings and their validation, in words a student understands."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, replace

from gdviz import limits
from gdviz.core import ACTIVATIONS, COSTS, OPTIMIZERS, validate_sizes

LR_MIN, LR_MAX = 1e-4, 100.0


#: Steps per second of a fresh window: a class can follow it (0 = as fast as possible).
DEFAULT_PACE = 10.0
MIN_PACE, MAX_PACE = 0.1, 10_000.0


class SettingError(ValueError):
    """A setting that cannot be used; the message says why in plain words."""


def parse_pace(value) -> float:
    """Steps per second from ``"10"``, ``"2.5"``, ``"max"`` (-> 0.0, as fast as possible) or a number.

    SettingError unless it is "max" or a number in [MIN_PACE, MAX_PACE].
    """
    if isinstance(value, str) and value.strip().lower() in ("max", "fast", "fastest"):
        return 0.0
    try:
        if isinstance(value, bool):
            raise TypeError
        pace = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise SettingError(f"the pace must be a number of steps per second or 'max', not {value!r}") from None
    if not math.isfinite(pace) or pace < MIN_PACE:
        raise SettingError(f"the pace must be at least {MIN_PACE:g} steps per second, or 'max' (got {value!r})")
    if pace > MAX_PACE:
        raise SettingError(f"the pace can be at most {MAX_PACE:,.0f} steps per second; "
                           f"for faster, use 'max' (got {pace:g})")
    return pace


def check_lr(value) -> float:
    """η as a float in [1e-4, 100], or SettingError."""
    try:
        lr = float(value)
    except (TypeError, ValueError, OverflowError):
        raise SettingError(f"the learning rate must be a number, not {str(value)[:40]}") from None
    if not math.isfinite(lr) or lr <= 0:
        raise SettingError(f"the learning rate must be a positive number (got {value!r})")
    if not LR_MIN <= lr <= LR_MAX:
        raise SettingError(f"the learning rate must be between {LR_MIN:g} and {LR_MAX:g} (got {lr:g})")
    return lr


def check_batch_size(value) -> int:
    """A mini-batch size from 1 to ``limits.MAX_BATCH_SIZE``, or SettingError."""
    try:
        b = int(value)
        if b != float(value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise SettingError(f"the batch size must be a whole number, not {value!r}") from None
    if b < 1:
        raise SettingError(f"the batch size must be at least 1 (got {b})")
    try:
        return limits.check_batch_size(b)
    except limits.LimitError as exc:
        raise SettingError(str(exc)) from None


def check_seed(value) -> int:
    """A random seed from 0 to ``limits.MAX_SEED``, or SettingError."""
    try:
        seed = operator.index(value)  # ints of any size, exactly
    except TypeError:
        try:
            seed = int(float(value))
            if seed != float(value):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise SettingError(f"the seed must be a whole number, not {value!r}") from None
    try:
        return limits.check_seed(seed)
    except limits.LimitError as exc:
        raise SettingError(str(exc)) from None


def parse_hidden(text) -> tuple[int, ...]:
    """``"16,16"`` -> ``(16, 16)``; ``""`` -> ``()`` (no hidden layer).

    SettingError for sizes below 1 or over ``limits.MAX_HIDDEN_WIDTH`` /
    ``limits.MAX_HIDDEN_LAYERS``.
    """
    if isinstance(text, (tuple, list)):
        parts = list(text)
    else:
        parts = [p for p in str(text).replace(" ", "").split(",") if p != ""]
    try:
        sizes = limits.check_network(validate_sizes([1, *parts, 1]))
    except ValueError as exc:  # LimitError included
        raise SettingError(f"hidden layers {text!r}: {exc}") from None
    return sizes[1:-1]


def check_network(config: "TrainConfig", n_in: int, n_out: int = 10, n_train: int = 0) -> tuple[int, ...]:
    """The layer sizes of ``config`` on ``n_in``-pixel images, checked against the
    limits (parameters) and the free memory at its batch size; SettingError if not."""
    sizes = config.sizes(n_in, n_out)
    try:
        limits.check_network(sizes)
        limits.check_memory(limits.training_bytes(sizes, config.batch_size, n_train),
                            f"training a {'-'.join(map(str, sizes))} network at batch {config.batch_size:,}")
    except limits.LimitError as exc:
        raise SettingError(str(exc)) from None
    return sizes


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run. Same config and seed -> same θ after N steps."""

    hidden: tuple[int, ...] = (16, 16)
    activation: str = "sigmoid"
    cost: str = "mse"
    optimizer: str = "sgd"
    lr: float = 1.0  # the lesson's η: see LESSON
    batch_size: int = 10
    seed: int = 0
    eval_every: int = 0  # steps between test evaluations; 0 = at each epoch's end
    steps_per_second: float = 0.0  # 0 = as fast as possible
    lr_decay: float = 1.0  # η is multiplied by this at the end of every epoch

    def validated(self) -> "TrainConfig":
        """A checked copy; raises SettingError naming the bad setting (also for values of
        the wrong kind, e.g. from a damaged file: a list for a number, a 400-digit number)."""
        try:
            return self._validated()
        except SettingError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise SettingError(f"a setting has a value of the wrong kind ({exc})") from None

    def _validated(self) -> "TrainConfig":
        if self.activation not in ACTIVATIONS:
            raise SettingError(f"unknown activation {self.activation!r}; choose {', '.join(ACTIVATIONS)}")
        if self.cost not in COSTS:
            raise SettingError(f"unknown cost {self.cost!r}; choose {', '.join(COSTS)}")
        if self.optimizer not in OPTIMIZERS:
            raise SettingError(f"unknown update rule {self.optimizer!r}; choose {', '.join(OPTIMIZERS)}")
        if int(self.eval_every) < 0:
            raise SettingError("eval_every must be 0 (each epoch) or a positive number of steps")
        sps = float(self.steps_per_second)
        if not math.isfinite(sps) or sps < 0:
            raise SettingError("steps per second must be 0 (as fast as possible) or positive")
        decay = float(self.lr_decay)
        if not (math.isfinite(decay) and 0 < decay <= 1):
            raise SettingError("the learning-rate decay must be in (0, 1] (1 = keep η fixed)")
        return replace(self, lr_decay=decay, hidden=parse_hidden(self.hidden), lr=check_lr(self.lr),
                       batch_size=check_batch_size(self.batch_size), seed=check_seed(self.seed),
                       eval_every=int(self.eval_every), steps_per_second=sps)

    def sizes(self, n_in: int = 784, n_out: int = 10) -> tuple[int, ...]:
        return (n_in, *self.hidden, n_out)


#: The lesson: 784-16-16-10, sigmoid, C = Σ(a−y)², plain SGD, η = 1, batch 10. η = 1 here is
#: η = 2 in Nielsen's book, whose cost is ½Σ(a−y)². On full MNIST it reaches a median of
#: 94.6 % test accuracy at epoch ends within 10 epochs over seeds 0-4 (η = 1.5: 94.0 %,
#: η = 3: 93.2 %; benchmarks/bench_presets.py) and still learns visibly in the first
#: few hundred steps.
LESSON = TrainConfig()

#: Named starting points. "best" is the fastest route we found to ≥ 95 % test
#: accuracy on full MNIST with the same 784-16-16-10 shape (95 % after about
#: 1-3 s of training; 95.9-96.1 % at best over seeds 0-2; see benchmarks/).
PRESETS: dict[str, TrainConfig] = {
    "lesson": LESSON,
    "best": TrainConfig(hidden=(16, 16), activation="relu", cost="ce", optimizer="momentum",
                        lr=0.02, batch_size=32, lr_decay=0.95),
}
