"""Training in the window over ``gdviz train --headless``, each launch paired with its own headless runs.

``bench_user.py`` divides every launch's steps/s by one headless figure taken
at the start of the run; on a shared machine whose load moves by 2× within
minutes that ratio is mostly noise. Here each launch of the app (as
``bench_user.launch`` does it: fresh settings, the view's key, Run, the
fast-forward key, ``--seconds`` timed) is preceded and followed by a headless
run of the same tree, and its ratio is over the mean of those two. Trees
(``--compare DIR``: "before"), views and engines are interleaved; the table
gives the median ratio and its range.

    python benchmarks/bench_ratio.py --nice -20 --compare DIR --views live,gradient --repeat 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_user import REPO, _fast_forward, headless, launch, set_autogroup_nice, summarise  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--views", default="live,gradient")
    ap.add_argument("--engines", default="thread,process")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=20, help="headless epochs per run (default 20)")
    ap.add_argument("--compare", metavar="DIR", default=None)
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args(argv)
    if args.nice and not set_autogroup_nice(args.nice):
        ap.error("--nice: cannot set this session's scheduling weight")
    trees = [("after", REPO)] + ([("before", Path(args.compare).resolve())] if args.compare else [])
    ff = {name: _fast_forward(root, "auto") for name, root in trees}
    views = [v for v in args.views.split(",") if v]
    engines = [e for e in args.engines.split(",") if e]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  load avg={os.getloadavg()}", flush=True)
    got: dict[tuple, list[tuple[float, float, float]]] = {}
    for _ in range(args.repeat):
        for view in views:
            for engine in engines:
                for name, root in trees:
                    h0 = headless(root, epochs=args.epochs)["steps_per_s_with_eval"]
                    s = summarise([launch(root, view, engine, args.seconds, ff[name])])
                    h1 = headless(root, epochs=args.epochs)["steps_per_s_with_eval"]
                    sps = s.get("steps_per_s", float("nan"))
                    got.setdefault((view, engine, name), []).append((sps, (h0 + h1) / 2, s.get("others_cores", np.nan)))
                    print(f"# {view} {engine} {name}: {sps:,.0f} steps/s, headless {h0:,.0f} / {h1:,.0f}", flush=True)
    print("| shown | engine | tree | steps/s | headless steps/s | × headless (median, range) | others (cores) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (view, engine, name), rows in got.items():
        a = np.array(rows)
        r = a[:, 0] / a[:, 1]
        print(f"| {view} | {engine} | {name} | {np.median(a[:, 0]):,.0f} | {np.median(a[:, 1]):,.0f} | "
              f"{np.median(r):.2f} ({r.min():.2f}-{r.max():.2f}) | {np.median(a[:, 2]):.2f} |")
    print(f"# load avg at the end={os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
