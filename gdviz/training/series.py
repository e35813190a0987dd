"""Growing time series for the plots: the smoothed cost, a doubling column store
and a peak-preserving level-of-detail pyramid (NumPy only, no Qt).

The cost panel and the teaching views keep every step of a run in these
structures and hand pyqtgraph views of them; nothing here allocates per step.
"""

from __future__ import annotations

import math

import numpy as np

EMA_ALPHA = 0.02  # weight of the newest step in the smoothed curve (~50-step window)
EMA_WARMUP = 25  # smoothed values that do not set the y range once there are more


def ema(values: np.ndarray, start: float | None, alpha: float = EMA_ALPHA, count: int = 0) -> np.ndarray:
    """Exponential moving average of ``values`` continuing from ``start``.

    ``count`` is how many values preceded (for the start-up bias correction:
    the first points average what there is instead of pulling towards 0).
    A value that is not finite is skipped (its point repeats the previous one).

    Vectorised in blocks of ``_EMA_BLOCK`` (a replay hands over 60,000 steps
    at once): inside a block ``raw_j = β^(j+1)·raw + α·β^j·Σ_{i≤j} β^(−i)·v_i``,
    one ``cumsum``; blocks are short enough that ``β^(−i)`` stays below 10^18:
    no overflow, and each output keeps float64 precision relative to its own
    (dominant) recent terms.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    m = 0.0 if start is None else float(start)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    # Debiased EMA: m_k / (1 - (1-a)^k); keep the raw accumulator internally.
    beta = 1.0 - alpha
    k0 = int(count)
    raw = m * (1.0 - beta**k0) if k0 else 0.0
    finite = np.isfinite(v)
    all_finite = bool(finite.all())
    vf = v if all_finite else v[finite]
    nf = vf.size
    of = np.empty(nf, dtype=np.float64)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], not {alpha}")
    if nf and beta == 0.0:  # no memory: each value is its own average
        of[:] = vf
    elif nf:
        # a block as long as β^(−B) stays below 10^18 (2,048 for α = 0.02)
        B = max(1, min(_EMA_BLOCK, nf, int(41.4 / -math.log(beta))))
        j = np.arange(B, dtype=np.float64)
        up, bj = beta ** -j, beta**j
        for s0 in range(0, nf, B):
            blk = vf[s0:s0 + B]
            L = blk.size
            r = np.cumsum(blk * up[:L])
            r *= alpha * bj[:L]
            r += (beta * bj[:L]) * raw
            of[s0:s0 + L] = r
            raw = float(r[-1])
        # Bias correction: 1 - β^k is 1.0 in float64 once β^k < 1e-17 (k > 1,938 for α = 0.02).
        settled = math.ceil(math.log(1e-17) / math.log(beta)) if 0.0 < beta < 1.0 else nf + k0
        head = max(0, min(nf, settled - k0))
        if head:
            of[:head] /= 1.0 - beta ** (k0 + np.arange(1, head + 1, dtype=np.float64))
    if all_finite:
        return of
    # A skipped value repeats the latest output before it (``start`` when there is none).
    latest = np.cumsum(finite) - 1
    return np.where(latest >= 0, of[np.maximum(latest, 0)] if nf else m, m)


_EMA_BLOCK = 2048


class GrowingSeries:
    """Columns of float64 that grow by doubling; ``view(name)`` is the filled part."""

    def __init__(self, names: tuple[str, ...], capacity: int = 1024):
        self.names = names
        self.n = 0
        self._cols = {name: np.empty(capacity, dtype=np.float64) for name in names}

    @property
    def capacity(self) -> int:
        return len(next(iter(self._cols.values())))

    def extend(self, **columns: np.ndarray) -> None:
        k = len(next(iter(columns.values())))
        if k == 0:
            return
        need = self.n + k
        if need > self.capacity:
            cap = self.capacity
            while cap < need:
                cap *= 2
            for name, old in self._cols.items():
                new = np.empty(cap, dtype=np.float64)
                new[: self.n] = old[: self.n]
                self._cols[name] = new
        for name in self.names:
            self._cols[name][self.n:need] = columns[name]
        self.n = need

    def view(self, name: str) -> np.ndarray:
        return self._cols[name][: self.n]

    def last(self, name: str) -> float:
        return float(self._cols[name][self.n - 1]) if self.n else math.nan

    def clear(self) -> None:
        self.n = 0


class PeakPyramid:
    """Min/max of consecutive blocks of the per-step history, at block sizes
    16, 256, 4096, 65536 steps, kept up to date as steps arrive.

    A view of the whole run then draws about ``MAX_POINTS`` points however
    long the run is (a million steps would otherwise cost O(steps) per frame
    in pyqtgraph's bounds and downsampling): each block becomes a vertical
    min-max stroke, like pyqtgraph's own ``peak`` mode, and the smoothed curve
    its value at the block's end.
    """

    FACTOR = 16
    LEVELS = 4
    MAX_POINTS = 1024  # blocks drawn at most (each two points for the raw curve)
    COLS = ("step0", "step1", "epoch0", "epoch1", "lo", "hi", "ema")

    def __init__(self):
        self.levels = [GrowingSeries(self.COLS, 256) for _ in range(self.LEVELS)]

    def clear(self) -> None:
        for lvl in self.levels:
            lvl.clear()

    def block(self, level: int) -> int:
        return self.FACTOR ** (level + 1)

    def update(self, steps: GrowingSeries) -> None:
        """Add every block completed since the last call."""
        f = self.FACTOR
        for L, lvl in enumerate(self.levels):
            if L == 0:
                src_n = steps.n
                start = lvl.n * f
                k = (src_n - start) // f
                if k <= 0:
                    return
                sl = slice(start, start + k * f)
                st = steps.view("step")[sl].reshape(k, f)
                ep = steps.view("epoch")[sl].reshape(k, f)
                cost = steps.view("cost")[sl].reshape(k, f)
                lvl.extend(step0=st[:, 0], step1=st[:, -1], epoch0=ep[:, 0], epoch1=ep[:, -1],
                           lo=cost.min(axis=1), hi=cost.max(axis=1),
                           ema=steps.view("ema")[sl].reshape(k, f)[:, -1])
            else:
                below = self.levels[L - 1]
                start = lvl.n * f
                k = (below.n - start) // f
                if k <= 0:
                    return
                sl = slice(start, start + k * f)

                def col(name, _below=below, _sl=sl, _k=k):
                    return _below.view(name)[_sl].reshape(_k, f)

                lvl.extend(step0=col("step0")[:, 0], step1=col("step1")[:, -1],
                           epoch0=col("epoch0")[:, 0], epoch1=col("epoch1")[:, -1],
                           lo=col("lo").min(axis=1), hi=col("hi").max(axis=1), ema=col("ema")[:, -1])

    def level_for(self, n_visible: int) -> int | None:
        """The finest level drawing at most MAX_POINTS blocks (None: draw every step)."""
        if n_visible <= 2 * self.MAX_POINTS:
            return None
        for L in range(self.LEVELS):
            if n_visible / self.block(L) <= self.MAX_POINTS:
                return L
        return self.LEVELS - 1

    def curves(self, steps: GrowingSeries, level: int, x_name: str):
        """``(x_raw, y_raw, x_ema, y_ema)`` to draw at ``level``.

        The steps after the last complete block of ``level`` are drawn from the
        finer levels' blocks (then at most ``FACTOR - 1`` single steps), not
        step by step: a few hundred points fewer to stroke each frame, and
        nothing visible lost (a block spans less than a pixel there).
        """
        xs_raw, ys_raw, xs_ema, ys_ema = [], [], [], []
        covered = 0  # steps drawn so far
        for L in range(level, -1, -1):
            lvl = self.levels[L]
            first = covered // self.block(L)  # blocks of L before ``covered``
            if lvl.n <= first:
                continue
            sl = slice(first, lvl.n)
            x1 = lvl.view(x_name + "1")[sl]
            mid = 0.5 * (lvl.view(x_name + "0")[sl] + x1)
            k = len(x1)
            y = np.empty(2 * k)
            y[0::2] = lvl.view("lo")[sl]
            y[1::2] = lvl.view("hi")[sl]
            xs_raw.append(np.repeat(mid, 2))
            ys_raw.append(y)
            xs_ema.append(x1)
            ys_ema.append(lvl.view("ema")[sl])
            covered = lvl.n * self.block(L)
        tail_x = steps.view(x_name)[covered:]
        xs_raw.append(tail_x)
        ys_raw.append(steps.view("cost")[covered:])
        xs_ema.append(tail_x)
        ys_ema.append(steps.view("ema")[covered:])
        return np.concatenate(xs_raw), np.concatenate(ys_raw), np.concatenate(xs_ema), np.concatenate(ys_ema)
