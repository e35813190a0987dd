"""Freezes a user would see: many launches of the real app beside busy processes, the worst tick of each.

``bench_user.py`` pools a few launches per view; a freeze that comes once in
tens of launches hides in it. This launches the app ``--launches`` times (one
view, default presenter mode, process engine, the plan of ``bench_user``:
view key, Run, fast-forward, ``--seconds`` of a 16 ms probe timer) beside
``--load`` CPU-bound processes, and prints each launch's worst lateness and
p99 from Run on, then how many launches had a tick later than 50 ms / 200 ms.

While a launch runs, a watcher reads the GUI thread's CPU time (/proc) every
50 ms. When it stands still for ``--still`` seconds mid-run (the thread is
waiting, not working: a lock, a join, a pipe), every thread's state is saved
to ``--out-dir``: ``py-spy dump --native`` when py-spy is on PATH (the
Python and native stack of each thread, and which one holds the interpreter
lock), and always each thread's name, state and kernel wait channel. A launch
not done 60 s after its plan is killed and counted as hung.

    python benchmarks/bench_stalls.py                      # 30 launches, ~5 min
    python benchmarks/bench_stalls.py --launches 100 --load 1 --view live --out-dir /tmp/stalls
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_user import REPO, _fast_forward, _plan, _python  # noqa: E402

TICK_MS = 16.0


def _gui_cpu_ticks(pid: int) -> int:
    """utime + stime (clock ticks) of the process's main (GUI) thread."""
    text = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def _threads(pid: int) -> str:
    """One line per thread: id, name, state, kernel wait channel, niceness."""
    lines = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir()):
        try:
            stat = (task / "stat").read_text()
            rest = stat[stat.rindex(")") + 2:].split()
            lines.append(f"{task.name} {(task / 'comm').read_text().strip()!r} state={rest[0]} "
                         f"wchan={(task / 'wchan').read_text().strip() or '-'} nice={rest[16]}")
        except OSError:
            continue
    return "\n".join(lines)


def _dump(pid: int, out_dir: Path, label: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"stall-{label}-{pid}-{time.strftime('%H%M%S')}.txt"
    text = _threads(pid)
    spy = shutil.which("py-spy")
    if spy:
        res = subprocess.run([spy, "dump", "--native", "--pid", str(pid)], capture_output=True, text=True,
                             timeout=60, check=False)
        text = res.stdout + res.stderr + "\n" + text
    path.write_text(text)
    return path


def launch(root: Path, view: str, seconds: float, still: float, out_dir: Path, label: str) -> dict:
    """One launch, watched; its probe record's lateness (ms) from Run on, and any dumps."""
    with tempfile.TemporaryDirectory(prefix="gdviz-stalls-") as tmp:
        out = Path(tmp) / "probe.json"
        env = {**os.environ, "XDG_CONFIG_HOME": str(Path(tmp) / "config"), "GDVIZ_ENGINE": "process",
               "GDVIZ_BENCH": str(out), "GDVIZ_BENCH_PLAN": _plan(view, seconds, _fast_forward(root, "auto")),
               "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        proc = subprocess.Popen([_python(root), "-m", "gdviz"], cwd=root, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        last, last_t, dumps = -1, t0, []
        while proc.poll() is None:
            time.sleep(0.05)
            now = time.monotonic()
            if now - t0 > seconds + 60:
                dumps.append(str(_dump(proc.pid, out_dir, label + "-hung")))
                proc.kill()
                proc.wait()
                return {"hung": True, "dumps": dumps}
            try:
                cpu = _gui_cpu_ticks(proc.pid)
            except (OSError, ValueError):
                break
            if cpu != last:
                last, last_t = cpu, now
            elif now - last_t > still and now - t0 > 3.0 and not out.exists() and len(dumps) < 3:
                dumps.append(str(_dump(proc.pid, out_dir, label)))
                last_t = now
        proc.wait()
        if not out.exists():
            return {"error": f"exit {proc.returncode}", "dumps": dumps}
        rec = json.loads(out.read_text(encoding="utf-8"))
    t_run = next(t for t, name in rec["marks"] if name == "run")
    ticks = np.asarray(rec["ticks"])
    late = np.maximum(0.0, np.diff(ticks) * 1000.0 - TICK_MS)[ticks[1:] > t_run]
    return {"max": float(late.max()), "p99": float(np.percentile(late, 99)), "dumps": dumps}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--launches", type=int, default=30)
    ap.add_argument("--view", default="presenter", help="as bench_user.py's --views (one)")
    ap.add_argument("--seconds", type=float, default=6.0, help="measured seconds after Run")
    ap.add_argument("--load", type=int, default=1, help="CPU-bound processes beside the app")
    ap.add_argument("--still", type=float, default=1.0, help="seconds of a still GUI thread before a dump")
    ap.add_argument("--root", type=Path, default=REPO, help="the checkout to launch")
    ap.add_argument("--out-dir", type=Path, default=Path(tempfile.gettempdir()) / "gdviz-stalls")
    args = ap.parse_args(argv)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    worst, hung, dumps = [], 0, []
    try:
        for i in range(args.launches):
            r = launch(args.root, args.view, args.seconds, args.still, args.out_dir, f"{i:03d}")
            dumps += r.get("dumps", [])
            if r.get("hung"):
                hung += 1
                print(f"{i:3d} HUNG (killed)", flush=True)
            elif "error" in r:
                print(f"{i:3d} {r['error']}", flush=True)
            else:
                worst.append(r["max"])
                print(f"{i:3d} worst tick {r['max']:6.0f} ms late, p99 {r['p99']:5.1f} ms"
                      + (f", {len(r['dumps'])} dump(s)" if r["dumps"] else ""), flush=True)
    finally:
        for p in busy:
            p.kill()
    w = np.asarray(worst)
    print(f"# {args.view}, {args.load} busy process(es): {len(w)} launches measured, hung {hung}; "
          f"worst tick > 50 ms in {int((w > 50).sum())}, > 200 ms in {int((w > 200).sum())}; "
          f"worst {w.max() if len(w) else float('nan'):.0f} ms" + (f"; dumps: {args.out_dir}" if dumps else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
