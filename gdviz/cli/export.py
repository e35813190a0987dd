"""``gdviz export`` (a recording as GIF, MP4, CSV or PNG) and ``gdviz data``."""

from __future__ import annotations

from pathlib import Path

from gdviz.cli.args import EXIT_OK, UsageError


def cmd_data(args, parser) -> int:
    from gdviz.data import DataError, data_info, fetch_mnist

    if args.data_command is None:
        raise UsageError("say what to do with data: 'gdviz data fetch mnist' or 'gdviz data info'")
    try:
        if args.data_command == "fetch":
            folder = fetch_mnist(args.cache_dir, progress=True)
            print(folder)
        else:
            for line in data_info(args.cache_dir):
                print(line)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_export(args) -> int:
    """``gdviz export RECORDING --gif/--mp4/--csv/--png OUT``; prints the file written."""
    out = Path(args.gif or args.mp4 or args.csv or args.png)
    kind = "gif" if args.gif else "mp4" if args.mp4 else "csv" if args.csv else "png"
    if out.suffix.lower() != f".{kind}":
        raise UsageError(f"--{kind} writes a .{kind} file: give a file name ending in .{kind}, not {out.name!r}")
    if str(out.parent) and not out.parent.is_dir():
        raise UsageError(f"folder not found for the output: {out.parent}")
    if kind == "png":
        if args.step is None:
            raise UsageError("--png needs --step N: the step of the recording to draw")
        if args.every is not None:
            raise UsageError("--every only applies to --gif and --mp4")
        return _export_png(args, out)
    extras = [o for o, v in (("--step", args.step), ("--panel", args.panel)) if v is not None]
    if extras:
        raise UsageError(f"{' and '.join(extras)} only appl{'ies' if len(extras) == 1 else 'y'} to --png")
    if kind == "csv" and args.every is not None:
        raise UsageError("--every only applies to --gif and --mp4")
    from gdviz import render
    from gdviz.training.recording import RecordingError, open_recording

    if kind == "mp4" and not render.mp4_available():
        raise UsageError(render.MP4_MISSING)
    try:
        rec = open_recording(args.recording)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    try:
        if kind == "csv":
            render.write_metrics_csv(out, **render.recording_metrics(rec))
        else:
            steps = render.gif_frame_steps(rec.theta_steps, args.every)
            render.write_animation(out, render.recording_frames(rec, steps), args.fps)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise UsageError(f"no {kind.upper()} written: {exc}") from None
    finally:
        rec.close()
    print(out)
    return EXIT_OK


def _export_png(args, out: Path) -> int:
    try:
        from gdviz.qt.offscreen import render_recording_png
    except ImportError as exc:
        raise UsageError(f"--png needs the window ({exc}); install PySide6-Essentials") from None
    from gdviz.training.recording import RecordingError

    try:
        path = render_recording_png(args.recording, out, args.step, args.panel, size=args.size)
    except (RecordingError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"no PNG written: {exc}") from None
    print(path)
    return EXIT_OK
