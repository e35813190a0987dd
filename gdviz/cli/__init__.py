"""The ``gdviz`` command.

::

    gdviz                                   open the window (embedded sample)
    gdviz --data mnist                      open the window on full MNIST
    gdviz train --headless [options]        train in the terminal, no window
    gdviz train [options]                   open the window with these settings
    gdviz data fetch mnist                  download + verify full MNIST
    gdviz data info                         which datasets are on this machine
    gdviz screenshot --out FILE.png         render the window after N steps
    gdviz export REC --gif OUT.gif          weights animation of a recording (also --csv, --png)

Exit codes: 0 done; 2 bad input (one line ``gdviz: error: ...`` on stderr);
3 training diverged; 130 interrupted.

The ``train --headless`` and ``export --gif/--csv`` paths never import Qt:
the window modules are imported inside the functions that open a window.
"""

from __future__ import annotations

import sys

from gdviz.cli.args import (
    DEFAULT_EPOCHS,
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PRESET_NAMES,
    UsageError,
    build_parser,
)
from gdviz.cli.export import cmd_data, cmd_export
from gdviz.cli.train import METRICS_FIELDS, cmd_train, make_config, train_headless
from gdviz.cli.window import _open_window, cmd_screenshot

__all__ = [
    "DEFAULT_EPOCHS", "EXIT_DIVERGED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "METRICS_FIELDS",
    "PRESET_NAMES", "UsageError", "build_parser", "cmd_data", "cmd_export", "cmd_screenshot",
    "cmd_train", "main", "make_config", "train_headless",
]


# ====================================================================== main
def main(argv=None) -> int:
    """Run the ``gdviz`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help / --version
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
        if args.command is None:
            return _open_window(args.app_data, args.app_data_dir)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "data":
            return cmd_data(args, parser)
        if args.command == "screenshot":
            return cmd_screenshot(args)
        if args.command == "export":
            return cmd_export(args)
        raise UsageError(f"unknown command {args.command!r}")
    except UsageError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print("\ngdviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _error(message: str, code: int = EXIT_USAGE) -> int:
    """Print ONE line ``gdviz: error: ...`` to stderr; return ``code``."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"gdviz: error: {text}", file=sys.stderr)
    return code
