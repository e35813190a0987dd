"""The numbers behind the controls: η <-> slider position (log scale, 100
positions per decade), the η steps of the Up/Down keys, how η is written, how
often the test set is evaluated, and a network's size in words."""

from __future__ import annotations

import math

from gdviz.core import count_parameters
from gdviz.training import LR_MAX, LR_MIN

__all__ = ["SLIDER_PER_DECADE", "SLIDER_MAX", "EVALS_PER_EPOCH", "lr_to_slider", "slider_to_lr", "nice_lr_steps",
           "NICE_LR_STEPS", "format_lr", "format_pace", "eval_interval", "describe_network"]

#: Evaluate the test set about this many times per epoch.
EVALS_PER_EPOCH = 4
SLIDER_PER_DECADE = 100
_LOG_MIN = math.log10(LR_MIN)
_DECADES = math.log10(LR_MAX) - _LOG_MIN
#: The slider's last position (η = LR_MAX).
SLIDER_MAX = round(_DECADES * SLIDER_PER_DECADE)


def lr_to_slider(lr: float) -> int:
    """The slider position of η (clamped to LR_MIN…LR_MAX)."""
    lr = min(max(float(lr), LR_MIN), LR_MAX)
    return round((math.log10(lr) - _LOG_MIN) * SLIDER_PER_DECADE)


def slider_to_lr(pos: int) -> float:
    """The η at slider position ``pos``, rounded to two significant digits."""
    lr = 10.0 ** (_LOG_MIN + pos / SLIDER_PER_DECADE)
    return min(max(float(f"{lr:.2g}"), LR_MIN), LR_MAX)


def nice_lr_steps() -> list[float]:
    """1, 1.5, 2, 3, 5, 7 × 10^k from LR_MIN to LR_MAX (the Up/Down key stops)."""
    out = []
    for exp in range(math.floor(math.log10(LR_MIN)), math.ceil(math.log10(LR_MAX)) + 1):
        for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0):
            v = float(f"{m * 10.0**exp:.3g}")
            if LR_MIN <= v <= LR_MAX:
                out.append(v)
    return out


#: The η values the Up/Down keys step through.
NICE_LR_STEPS = nice_lr_steps()


def format_lr(lr: float) -> str:
    """η as the panels write it (``3``, ``0.001``, ``1e-05``)."""
    return f"{lr:g}"


def format_pace(steps_per_second: float) -> str:
    """``"10 steps/s"``, ``"1 step/s"`` or ``"max speed"`` (0)."""
    sps = float(steps_per_second)
    if sps <= 0:
        return "max speed"
    return f"{sps:g} step{'s' if sps != 1 else ''}/s"


def eval_interval(n_train: int, batch_size: int, optimizer: str = "sgd") -> int:
    """Steps between test evaluations: about a quarter of an epoch (0 for full-batch GD)."""
    if optimizer == "gd":
        return 0  # every step is a whole epoch, evaluated at its end anyway
    steps_per_epoch = max(1, math.ceil(n_train / max(1, batch_size)))
    return max(1, round(steps_per_epoch / EVALS_PER_EPOCH))


def describe_network(n_in: int, hidden: tuple[int, ...], n_out: int = 10) -> str:
    sizes = (n_in, *hidden, n_out)
    return f"{'-'.join(map(str, sizes))}: {count_parameters(sizes):,} parameters"
