"""A training session: commands in, immutable snapshots out (no Qt)."""

from gdviz.training.config import (
    LESSON,
    LR_MAX,
    LR_MIN,
    PRESETS,
    SettingError,
    TrainConfig,
    check_batch_size,
    check_lr,
    parse_hidden,
)
from gdviz.training.protocol import Session
from gdviz.training.session import TrainingSession, diverged_message
from gdviz.training.snapshot import Evaluation, Mailbox, Snapshot, frozen

__all__ = [
    "LESSON", "LR_MAX", "LR_MIN", "PRESETS", "SettingError", "TrainConfig", "check_batch_size",
    "check_lr", "parse_hidden", "Session", "TrainingSession", "diverged_message", "Evaluation",
    "Mailbox", "Snapshot", "frozen",
]
