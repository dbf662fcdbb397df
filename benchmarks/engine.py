"""Engine speed: segment() on 1,000,000 order lines vs a bare pandas RFM baseline.

Run: python benchmarks/engine.py [--quick]
Prints the ratio segment() / baseline (goal ≤ 2.0; both without CLV models) and peak memory,
the time of the default run with the CLV models, then a 1,048,576-row customer table (Excel's
row limit) through segment().
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of, customer_table, order_lines, peak_memory_mb

from xlcustseg import segment

NO_CLV = {"clv.enabled": "no"}


def baseline(lines: pd.DataFrame) -> pd.DataFrame:
    """What an analyst writes by hand: groupby, then rank quintiles for R, F and M."""
    g = lines.groupby("Customer ID")
    rfm = pd.DataFrame({
        "last": g["Order Date"].max(),
        "frequency": g["Order ID"].nunique(),
        "monetary": g["Amount"].sum(),
    })
    rfm["recency"] = (rfm["last"].max() - rfm["last"]).dt.days
    for col, ascending in (("recency", False), ("frequency", True), ("monetary", True)):
        rfm[col[0].upper()] = np.ceil(rfm[col].rank(pct=True, ascending=ascending) * 5)
    return rfm


def best_cpu_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Least CPU time of `repeat` runs: what the work costs when other jobs share the machine."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    lines = order_lines(1_000_000 // scale, 100_000 // scale)
    print(f"order lines: {len(lines):,} over {lines['Customer ID'].nunique():,} customers")

    base, base_cpu = best_of(lambda: baseline(lines)), best_cpu_of(lambda: baseline(lines))
    # like for like: the baseline fits no CLV model
    ours, ours_cpu = best_of(lambda: segment(lines, NO_CLV)), best_cpu_of(lambda: segment(lines, NO_CLV))
    print(f"pandas {pd.__version__}, NumPy {np.__version__}")
    print(f"  pandas baseline (groupby + rank quintiles): {base:.2f} s (CPU {base_cpu:.2f} s)")
    print(f"  segment() without CLV:                      {ours:.2f} s (CPU {ours_cpu:.2f} s)")
    print(f"  ratio segment / baseline: {ours / base:.2f}   (goal <= 2.0); in CPU time {ours_cpu / base_cpu:.2f}"
          " (a shared machine slows wall time)")
    print(f"  peak memory of segment(): {peak_memory_mb(lambda: segment(lines, NO_CLV)):.0f} MB")
    with_clv = best_of(lambda: segment(lines), repeat=1)
    print(f"  segment() as run by default (CLV models on order lines): {with_clv:.2f} s")

    table = customer_table(1_048_576 // scale)
    print(f"customer rows: {len(table):,}")
    seconds = best_of(lambda: segment(table), repeat=1)
    print(f"  segment(): {seconds:.2f} s, peak memory {peak_memory_mb(lambda: segment(table)):.0f} MB")


if __name__ == "__main__":
    main()
