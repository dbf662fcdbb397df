"""Worksheet functions at Excel's scale: each on 1,000,000 rows, as the 2-D list Excel passes.

Run: python benchmarks/functions.py [--rows N] [--repeat K] [--check]

The floor each function is compared with is what a bare NumPy version of the same
work costs in the same run: the 2-D list turned into an array, the values ranked
and cut into classes (or mapped through a table), and the answers turned back into
a 2-D list. Goal: every function within 3x of that floor, and the population form
(=CUSTTIER(B2, B$2:B$5001) filled down 5,000 rows) within 2 s for all 5,000 calls.
With --check the script exits 1 when a goal is missed.

Floor and functions are timed alike: the best of K runs, each after a full garbage
collection (so no run pays for the collection of another's garbage). Peak memory
is the process's peak resident memory during the function's runs (Linux: the
high-water mark is reset before them; elsewhere the process's peak so far).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import peak_rss_mb

from xlcustseg.excel import functions as f

RATIO_GOAL = 3.0
FILL_DOWN_GOAL_S = 2.0
EPOCH = dt.datetime(1899, 12, 30)


def columns(n: int, seed: int = 5) -> dict[str, list[list]]:
    """Columns as desktop Excel hands them over: floats, datetimes, text; one row per customer."""
    rng = np.random.default_rng(seed)
    last = [EPOCH + dt.timedelta(days=int(d)) for d in 45_000 + rng.integers(0, 900, n)]
    first = [d - dt.timedelta(days=int(x)) for d, x in zip(last, rng.integers(0, 1500, n), strict=True)]
    stages = np.array(["已签约", "有明确意向", "初步接触", "已选定", "无意向"], dtype=object)
    return {
        "revenue": [[float(x)] for x in np.round(rng.lognormal(7, 1.2, n), 2)],
        "orders": [[float(x)] for x in rng.geometric(0.3, n)],
        "last": [[d] for d in last],
        "first": [[d] for d in first],
        "tier": [[t] for t in rng.choice(np.array(["A", "B", "C"], dtype=object), n).tolist()],
        "stage": [[s] for s in rng.choice(stages, n).tolist()],
        "yes": [[s] for s in rng.choice(np.array(["是", "否"], dtype=object), n).tolist()],
    }


def numpy_floor(rows: list[list], classes: int = 3) -> list[list]:
    """The floor: list → array, rank, cut into classes, back to a 2-D list."""
    values = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
    rank = np.empty(len(values))
    rank[np.argsort(-values, kind="stable")] = np.arange(len(values)) / len(values)
    labels = np.array([chr(65 + i) for i in range(classes)], dtype=object)
    cut = labels[np.minimum((rank * classes).astype(int), classes - 1)]
    return [[v] for v in cut.tolist()]


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """The best wall time of `repeat` runs, each after a full garbage collection."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def reset_peak() -> bool:
    """Reset this process's peak resident memory (Linux); False where it cannot be reset."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """This process's peak resident memory since `reset_peak` (Linux), else since it started, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    except OSError:
        pass
    return peak_rss_mb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts (default 3)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    c = columns(args.rows)
    c["revenue_orders"] = [[a[0], b[0]] for a, b in zip(c["revenue"], c["orders"], strict=True)]  # built untimed
    reset_peak()
    floor = timed(lambda: numpy_floor(c["revenue"]), args.repeat)
    print(f"{args.rows:,} rows; NumPy floor (list → array, rank, cut, back to a 2-D list): {floor:.2f} s, "
          f"peak RSS {peak_mb():.0f} MB; best of {args.repeat} runs each")
    calls = {
        "CUSTTIER": lambda: f.custtier(c["revenue"]),
        "CUSTRFM": lambda: f.custrfm(c["last"], c["orders"], c["revenue"]),
        "CUSTRFMCLASS": lambda: f.custrfmclass(c["last"], c["orders"], c["revenue"]),
        "CUSTLIFECYCLE": lambda: f.custlifecycle(c["first"], c["last"], c["orders"]),
        "CUSTQUADRANT": lambda: f.custquadrant(c["revenue"], c["orders"]),
        "CUSTMAN": lambda: f.custman(c["yes"], c["yes"], c["yes"]),
        "CUSTGRADE": lambda: f.custgrade(c["stage"]),
        "CUSTNEXTCONTACT": lambda: f.custnextcontact(c["tier"], c["last"]),
        "CUSTSCORE": lambda: f.custscore(c["revenue_orders"], [[60, 40]]),
        "CUSTNATURE": lambda: f.custnature(c["stage"]),
        "CUSTSTRATEGY": lambda: f.custstrategy(c["tier"]),
    }
    missed = []
    print(f"{'function':<16}{'floor s':>9}{'ours s':>9}{'ratio':>8}{'goal':>7}{'peak RSS MB':>13}")
    for name, call in calls.items():
        reset_peak()
        seconds = timed(call, args.repeat)
        ratio = seconds / floor
        mark = "" if ratio <= RATIO_GOAL else "  MISSED"
        missed += [name] if mark else []
        print(f"{name:<16}{floor:>9.2f}{seconds:>9.2f}{ratio:>8.1f}{RATIO_GOAL:>7.1f}{peak_mb():>13.0f}{mark}",
              flush=True)
    population = c["revenue"][:5000]
    copies = [[list(r) for r in population] for _ in population]  # Excel hands each call its own copy
    f.POPULATIONS.clear()
    fill = timed(lambda: [f.custtier([cell], copy) for cell, copy in zip(population, copies, strict=True)])
    mark = "" if fill <= FILL_DOWN_GOAL_S else "  MISSED"
    missed += ["fill-down"] if mark else []
    print(f"=CUSTTIER(B2, B$2:B$5001) filled down 5,000 rows: {fill:.2f} s (goal <= {FILL_DOWN_GOAL_S:.0f} s){mark}")
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    if missed:
        print(f"missed: {', '.join(missed)}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
