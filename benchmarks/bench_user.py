"""What a user sees: the real app, started as a user starts it, timed from inside its GUI thread.

For every view (and presenter mode) and both engines, this starts
``python -m gdviz`` in a fresh process with fresh settings (a new
``XDG_CONFIG_HOME``) on the embedded sample, offscreen. As soon as the window
is shown the view's key is pressed (Alt+N, F5 for presenter mode); one second
later Space (Run), then the fast-forward key if the app has one; for
``--seconds`` more a 16 ms precise ``QTimer`` in the GUI thread records when
it fires (``gdviz.qt.probe_driver``, switched on by ``GDVIZ_BENCH``). Each
view and engine is launched ``--repeat`` times and the ticks are pooled.

Reported: the timer's lateness p50/p95/p99/max (ms) from Run on, and p99/max
in the first 2 s after Run alone (row "switch": from switching to full MNIST
as the Data menu's "Full MNIST" does with the files cached, while training
on the sample); training steps/s from 1 s after
Run and its ratio to ``gdviz train --headless`` (steps / wall seconds,
its end-of-epoch evaluations included) in the same run; Run to the first
step seen; and the CPU the rest of the machine used meanwhile.

``--load 1`` repeats everything beside one CPU-bound process in a session of
its own. ``--compare DIR`` also runs the checkout in DIR (an older commit
with ``gdviz/qt/probe_driver.py`` and its hook in ``run_app``), interleaved
launch by launch so both see the same machine. ``--nice -20`` (root) gives
this benchmark's session the CPU before other sessions': on a shared machine
the closest thing to a quiet one.

    python benchmarks/bench_user.py                       # ~5 min
    python benchmarks/bench_user.py --nice -20 --load 1 --switch-mnist --json-out figures.json
    python benchmarks/bench_user.py --views live,landscape --engines process --seconds 4
    python benchmarks/bench_user.py --views live --engines process --trace   # + each paint and poll

``--trace`` (``GDVIZ_BENCH_TRACE=1``) also times every event the GUI thread handles
and prints, per panel's paint, render, timer and queued call, wall and CPU ms
(p50/p95) and the time spent waiting for a lock (wall − CPU − waiting for a core).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
VIEWS = ("live", "gradient", "step-size", "landscape", "example-cost", "sgd-vs-gd", "generalisation",
         "presenter")
TARGETS = {"quiet": {"p99": 4.0, "max": 33.0, "ratio": 0.9}, "loaded": {"p99": 8.0, "max": 50.0}}
EARLY_S = 2.0  # "the first seconds after Run"


def _machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        vals = [int(v) for v in fh.readline().split()[1:]]
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals)


def _python(root: Path) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _plan(view: str, seconds: float, fast_forward: str | None, mnist: Path | None = None) -> str:
    ff = f"key {fast_forward}; " if fast_forward else ""
    if view == "switch":  # Run on the sample, then full MNIST as the Data menu's "Full MNIST" gets it
        return (f"key Live network; wait 1; key Run; mark start; {ff}wait 2; use-mnist {mnist}; "
                f"wait {seconds + 5}; quit")  # (reading the files takes 1-3 s; timed from "switched")
    key = "key Live network" if view == "live" else (
        "key Presenter mode" if view == "presenter" else f"key view:{view}")
    return f"{key}; wait 1; key Run; mark run; {ff}wait {seconds}; quit"


def launch(root: Path, view: str, engine: str, seconds: float, fast_forward: str | None = None,
           data_dir: str | None = None, mnist: Path | None = None, extra_env: dict | None = None) -> dict:
    """One user session: start the app, play the plan, return the probe's record (+ launch figures)."""
    with tempfile.TemporaryDirectory(prefix="gdviz-bench-") as tmp:
        out = Path(tmp) / "probe.json"
        env = {**os.environ, **(extra_env or {})}
        env.update({"XDG_CONFIG_HOME": str(Path(tmp) / "config"), "GDVIZ_ENGINE": engine,
                    "GDVIZ_BENCH": str(out), "GDVIZ_BENCH_PLAN": _plan(view, seconds, fast_forward, mnist),
                    "QT_QPA_PLATFORM": env.get("QT_QPA_PLATFORM", "offscreen")})
        args = [_python(root), "-m", "gdviz"] + (["--data-dir", data_dir] if data_dir else [])
        busy0 = _machine_busy()
        t_launch = time.time()
        proc = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True,
                              timeout=seconds + 120, check=False)
        busy1 = _machine_busy()
        if not out.exists():
            return {"error": f"exit {proc.returncode}: {proc.stderr[-1500:]}"}
        rec = json.loads(out.read_text(encoding="utf-8"))
    want = {"live": "live", "presenter": "live+presenter", "switch": "live"}.get(view, view)
    shown = rec.get("shown", {}).get("run" if view != "switch" else "start")
    if shown is not None and shown != want:  # (older trees record nothing: not checked)
        rec.setdefault("errors", []).append(f"shown at Run: {shown}, not {want}")
    rec["launch_wall"] = t_launch
    rec["machine_busy_cores"] = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * (os.cpu_count() or 1)
    rec["wall_s"] = time.time() - t_launch
    rec["stderr_tail"] = proc.stderr[-600:]
    return rec


def summarise(recs: list[dict]) -> dict:
    """Lateness (ms) and training speed from the probe records of repeated launches (pooled)."""
    recs = [r for r in recs if "error" not in r] or recs
    if "error" in recs[0]:
        return {"error": recs[0]["error"]}
    after, early, sps, first, paint, ready, others, p99s = [], [], [], [], [], [], [], []

    def pct(a, q):
        return float(np.percentile(a, q)) if len(a) else float("nan")

    for rec in recs:
        t_run = next((t for t, label in rec["marks"] if label in ("run", "switched")), None)
        if t_run is None:
            return {"error": "the new data never reached the window"}
        ticks = np.asarray(rec["ticks"])
        late = np.maximum(0.0, np.diff(ticks) * 1000.0 - 16.0)
        at = ticks[1:]
        after.append(late[at > t_run])
        early.append(late[(at > t_run) & (at <= t_run + EARLY_S)])
        p99s.append(pct(after[-1], 99))
        steps = np.asarray(rec["steps"], dtype=float)
        started = steps[(steps[:, 0] > t_run) & (steps[:, 1] > 0)]
        steady = steps[steps[:, 0] >= t_run + 1.0]
        if len(steady) > 1 and steady[-1, 0] > steady[0, 0]:
            sps.append((steady[-1, 1] - steady[0, 1]) / (steady[-1, 0] - steady[0, 0]))
        first.append(1000.0 * (started[0, 0] - t_run) if len(started) else float("nan"))
        paint.append(1000.0 * (rec["first_tick_wall"] - rec["launch_wall"]))
        ready.append(1000.0 * (rec.get("ready", float("nan")) + rec["shown_wall"] - rec["launch_wall"]))
        own = (rec.get("cpu_s") or 0.0) + (rec.get("child_cpu_s") or 0.0)
        others.append(max(0.0, rec["machine_busy_cores"] - own / max(1e-9, rec["wall_s"])))
    after, early = np.concatenate(after), np.concatenate(early)
    return {
        "engine": recs[0]["engine"], "n": int(len(after)), "launches": len(recs),
        "p50": pct(after, 50), "p95": pct(after, 95), "p99": pct(after, 99),
        "max": float(after.max()) if len(after) else float("nan"),
        "p99_each": p99s,
        "early_p99": pct(early, 99), "early_max": float(early.max()) if len(early) else float("nan"),
        "steps_per_s": float(np.median(sps)) if sps else float("nan"),
        "run_to_first_step_ms": float(np.median(first)),
        "first_paint_ms": float(np.median(paint)),  # launch -> the event loop turns after show()
        "engine_ready_ms": float(np.median(ready)),  # launch -> the training engine answers
        # the rest of the machine, in cores, over each launch (approximate: own CPU from the probe)
        "others_cores": float(np.median(others)),
        "errors": sorted({e for r in recs for e in r.get("errors", [])}),
        "trace": breakdown(recs) if any("trace" in r for r in recs) else None,
    }


def breakdown(recs: list[dict]) -> dict:
    """Per label of the in-process trace (``GDVIZ_BENCH_TRACE``), from Run on: count, wall
    ms p50/p95/max, CPU ms p50/p95 and the p95 of the time neither on a core nor waiting
    for one (waiting for a lock: the interpreter's), exclusive of nested events, pooled
    over launches."""
    by: dict[str, list] = {}
    seconds = 0.0  # traced seconds from Run on, summed over launches
    for rec in recs:
        t_run = next((t for t, label in rec["marks"] if label in ("run", "switched")), None)
        ts = [t for t, *_ in rec.get("trace", []) if t_run is not None and t > t_run]
        seconds += (max(ts) - t_run) if ts else 0.0
        for t, wall, cpu, queued, label in rec.get("trace", []):
            if t_run is not None and t > t_run:
                by.setdefault(label, []).append((wall, cpu, max(0.0, wall - cpu - queued)))
    out = {}
    for label, vals in by.items():
        a = np.asarray(vals)
        out[label] = {"n": len(a), "wall_p50": float(np.percentile(a[:, 0], 50)),
                      "wall_p95": float(np.percentile(a[:, 0], 95)), "wall_max": float(a[:, 0].max()),
                      "cpu_p50": float(np.percentile(a[:, 1], 50)), "cpu_p95": float(np.percentile(a[:, 1], 95)),
                      "lock_p95": float(np.percentile(a[:, 2], 95)), "wall_sum": float(a[:, 0].sum()),
                      "cpu_per_s": float(a[:, 1].sum() / seconds) if seconds else float("nan"),
                      "n_per_s": len(a) / seconds if seconds else float("nan")}
    return out


def breakdown_table(rows: list[dict], top: int = 25) -> str:
    """The labels of each row's trace that cost the GUI thread most CPU per second, and
    the total CPU per second in traced events (events under ``_Tracer.MIN_MS`` are not in it)."""
    out = []
    for r in rows:
        tr = r["summary"].get("trace")
        if not tr:
            continue
        total = sum(v["cpu_per_s"] for v in tr.values())
        n = sum(v["n_per_s"] for v in tr.values())
        out.append(f"\n{r['condition']} {r['tree']} {r['engine']} {r['view']}: per event, from Run on (ms); "
                   f"GUI thread CPU in traced events {total:.0f} ms per s ({n:.0f} events per s)")
        out.append("| event | per s | CPU ms per s | wall p50 | wall p95 | wall max | CPU p50 | CPU p95 "
                   "| lock wait p95 |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for label, v in sorted(tr.items(), key=lambda kv: -kv[1]["cpu_per_s"])[:top]:
            out.append(f"| {label} | {v['n_per_s']:.0f} | {v['cpu_per_s']:.1f} | {v['wall_p50']:.2f} "
                       f"| {v['wall_p95']:.2f} | {v['wall_max']:.1f} | {v['cpu_p50']:.2f} | {v['cpu_p95']:.2f} "
                       f"| {v['lock_p95']:.2f} |")
    return "\n".join(out)


def headless(root: Path, epochs: int = 30, data_dir: str | None = None) -> dict:
    """Steps/s of ``gdviz train --headless --json`` (median of the epochs after the first)."""
    args = [_python(root), "-m", "gdviz", "train", "--headless", "--json", "--epochs", str(epochs)]
    if data_dir:
        args += ["--data-dir", data_dir]
    out = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=600, check=True)
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    start = next(x for x in lines if x["event"] == "start")
    epochs_ = [x for x in lines if x["event"] == "epoch"]
    done = next(x for x in lines if x["event"] == "done")
    train_sps = float(np.median([e["samples_per_s"] for e in epochs_[1:] or epochs_]))
    return {"steps_per_s": train_sps / start["batch_size"],
            "steps_per_s_with_eval": done["steps"] / done["elapsed_s"]}


def set_autogroup_nice(nice: int, pid: str = "self") -> bool:
    """Linux groups each session's processes (``sched_autogroup``) and shares the CPUs between
    the groups: a process's own niceness only counts inside its group. This sets the group's."""
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(nice), encoding="ascii")
        return True
    except OSError:
        return False


class Load:
    """``n`` CPU-bound processes, each in a session of its own (as if started from another
    terminal) at the benchmark's scheduling weight: the "one other busy process" condition."""

    def __init__(self, n: int, nice: int = 0):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
                      for _ in range(n)]
        for p in self.procs:
            set_autogroup_nice(nice, str(p.pid))

    def stop(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


def fmt(v, digits=1) -> str:
    return "—" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{digits}f}"


def table(rows: list[dict]) -> str:
    head = ("| condition | tree | engine | shown | p50 | p95 | p99 | max | first 2 s p99 / max | steps/s "
            "| × headless | Run → 1st step (ms) | paint / engine ready (ms) | others (cores) |")
    out = [head, "|" + " --- |" * (head.count("|") - 1)]
    for r in rows:
        s = r["summary"]
        if "error" in s:
            out.append(f"| {r['condition']} | {r['tree']} | {r['engine']} | {r['view']} | error: "
                       f"{s['error'].splitlines()[-1] if s['error'] else '?'} |")
            continue
        out.append(
            f"| {r['condition']} | {r['tree']} | {s['engine']} | {r['view']} | {fmt(s['p50'])} | {fmt(s['p95'])} "
            f"| {fmt(s['p99'])} | {fmt(s['max'], 0)} | {fmt(s['early_p99'])} / {fmt(s['early_max'], 0)} "
            f"| {fmt(s['steps_per_s'], 0)} | {fmt(r.get('ratio'), 2)} | {fmt(s['run_to_first_step_ms'], 0)} "
            f"| {fmt(s['first_paint_ms'], 0)} / {fmt(s['engine_ready_ms'], 0)} | {fmt(s['others_cores'], 2)} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=6.0, help="measured seconds after Run (default 6)")
    ap.add_argument("--views", default=",".join(VIEWS), help=f"comma list (default {','.join(VIEWS)})")
    ap.add_argument("--repeat", type=int, default=2,
                    help="launches per view and engine, their ticks pooled (default 2)")
    ap.add_argument("--engines", default="thread,process", help="comma list (default thread,process)")
    ap.add_argument("--load", type=int, default=0,
                    help="also run everything beside this many CPU-bound processes (default 0: quiet only)")
    ap.add_argument("--compare", metavar="DIR", default=None,
                    help="another checkout (with gdviz/qt/probe_driver.py) to run interleaved: 'before'")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:VAR=VALUE,...",
                    help="also run this tree with these environment variables, as tree NAME (repeatable)")
    ap.add_argument("--fast-forward", default="auto", metavar="ACTION",
                    help="the action pressed after Run for full speed ('auto': the app's fast-forward if "
                         "it has one; 'none')")
    ap.add_argument("--data-dir", default=None, help="train on this IDX folder instead of the sample")
    ap.add_argument("--switch-mnist", action="store_true",
                    help="also: Run on the sample, then switch to full MNIST ($GDVIZ_MNIST_DIR or "
                         "../shared/data/mnist) as the Data menu's 'Full MNIST' does with the files "
                         "cached (read in a background thread, then handed to the window); row 'switch'")
    ap.add_argument("--nice", type=int, default=0,
                    help="the scheduling weight of this benchmark's session (Linux autogroup niceness, "
                         "e.g. -10 as root: on a shared machine the others' sessions then barely compete "
                         "with the app, as on a quiet one; default 0)")
    ap.add_argument("--trace", action="store_true",
                    help="also time every event of the GUI thread (GDVIZ_BENCH_TRACE=1) and print the "
                         "per-paint/poll breakdown (the timing costs a little: not for the headline figures)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)

    if args.nice and not set_autogroup_nice(args.nice):
        ap.error("--nice: cannot set this session's scheduling weight (/proc/self/autogroup; needs root "
                 "for a negative value)")
    mnist = None
    if args.switch_mnist:
        mnist = next((Path(c) for c in (os.environ.get("GDVIZ_MNIST_DIR"), REPO.parent / "shared/data/mnist",
                                        "/work/shared/data/mnist") if c and Path(c, "train-images-idx3-ubyte.gz").exists()), None)
        if mnist is None:
            ap.error("--switch-mnist needs the full MNIST in $GDVIZ_MNIST_DIR or ../shared/data/mnist")
    trees = [("after", REPO, {})] + ([("before", Path(args.compare).resolve(), {})] if args.compare else [])
    if args.trace:
        trees = [(name, root, {**extra, "GDVIZ_BENCH_TRACE": "1"}) for name, root, extra in trees]
    for v in args.variant:  # NAME:K=V,K=V
        name, _, assigns = v.partition(":")
        pairs = re.split(r",(?=[A-Za-z_][A-Za-z0-9_]*=)", assigns)  # (a value may hold commas)
        trees.append((name, REPO, dict(a.split("=", 1) for a in pairs if a)))
    views = [v.strip() for v in args.views.split(",") if v.strip()] + ["switch"] * args.switch_mnist
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    conditions = [("quiet", 0)] + ([(f"load {args.load}", args.load)] if args.load else [])
    ff = {name: _fast_forward(root, args.fast_forward) for name, root, _ in trees}
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  cpus={os.cpu_count()}  load avg={os.getloadavg()}  "
          f"fast-forward={ff}", flush=True)
    heads = {name: headless(root, data_dir=args.data_dir) for name, root, _ in trees}
    print(f"# headless steps/s at the start: {json.dumps(heads)}", flush=True)
    rows = []
    for cond, n_load in conditions:
        load = Load(n_load, args.nice) if n_load else None
        try:
            for view in views:
                for engine in engines:
                    for name, root, extra in trees:
                        recs = [launch(root, view, engine, args.seconds, ff[name], args.data_dir,
                                       mnist if view == "switch" else None, extra) for _ in range(args.repeat)]
                        s = summarise(recs)
                        row = {"condition": cond, "tree": name, "engine": engine, "view": view, "summary": s}
                        if view == "switch":  # (training restarts paused on the new data)
                            s["steps_per_s"] = s["run_to_first_step_ms"] = float("nan")
                        elif "steps_per_s" in s:
                            row["ratio"] = s["steps_per_s"] / heads[name]["steps_per_s_with_eval"]
                        rows.append(row)
                        print(table([row]).splitlines()[-1], flush=True)
                        for err in s.get("errors") or ():  # e.g. a key that did not reach the window
                            print(f"#   {name} {view}: {err}", flush=True)
        finally:
            if load:
                load.stop()
    ends = {name: headless(root, data_dir=args.data_dir) for name, root, _ in trees}
    print(f"# headless steps/s at the end: {json.dumps(ends)}  (ratios use the start's)", flush=True)
    print()
    print(table(rows))
    print(breakdown_table(rows))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"headless": heads, "headless_end": ends, "rows": rows, "targets": TARGETS},
                                                  indent=1, default=str), encoding="utf-8")
    return 0


def _fast_forward(root: Path, choice: str) -> str | None:
    """The text of the app's fast-forward action (None: it trains at full speed already)."""
    if choice == "none":
        return None
    if choice != "auto":
        return choice
    try:
        src = (root / "gdviz" / "qt" / "controls.py").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r'self\.fast_action = action\("([^"]+)"', src)
    return found.group(1) if found else None


if __name__ == "__main__":
    sys.exit(main())
