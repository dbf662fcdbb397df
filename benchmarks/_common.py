"""Shared helpers for the benchmark scripts: timing, peak memory, seeded data."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Best wall time of `repeat` runs (the least disturbed by a noisy machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory_mb(fn: Callable[[], Any]) -> float:
    """Peak memory Python and NumPy allocated during one run (tracemalloc), in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def order_lines(n_lines: int, n_customers: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, n_customers, n_lines)
    start = np.datetime64("2022-01-01")
    days = rng.integers(0, 3 * 365, n_lines)
    return pd.DataFrame({
        "Order ID": np.char.add("O", np.arange(n_lines).astype(str)) if n_lines <= 0 else
        pd.Series(np.arange(n_lines)).astype(str).radd("O").to_numpy(dtype=object),
        "Customer ID": pd.Series(customer).astype(str).radd("C").to_numpy(dtype=object),
        "Order Date": (start + days.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "Amount": np.round(rng.lognormal(5, 1, n_lines), 2),
    })


def customer_table(n: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    last = np.datetime64("2024-12-31") - rng.integers(0, 900, n).astype("timedelta64[D]")
    first = last - rng.integers(0, 1500, n).astype("timedelta64[D]")
    return pd.DataFrame({
        "Customer ID": pd.Series(np.arange(n)).astype(str).radd("C").to_numpy(dtype=object),
        "Revenue": np.round(rng.lognormal(7, 1.2, n), 2),
        "Orders": rng.geometric(0.3, n).astype(float),
        "First purchase": first.astype("datetime64[ns]"),
        "Last purchase": last.astype("datetime64[ns]"),
    })


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (what the machine really gave it), in MB."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KiB on Linux


def customer_workbook(rows: int, path):
    """`customer_table(rows)` saved as an xlsx workbook (sheet Customers), streamed by openpyxl's write-only mode."""
    import openpyxl

    table = customer_table(rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Customers")
    ws.append(list(table.columns))
    for record in table.itertuples(index=False):
        ws.append([record[0], float(record[1]), float(record[2]), record[3].to_pydatetime(),
                   record[4].to_pydatetime()])
    wb.save(path)
    return path
