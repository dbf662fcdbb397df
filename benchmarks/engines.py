"""Order histories beyond a sheet: the DuckDB engine against a bare DuckDB GROUP BY + ntile.

Run: python benchmarks/engines.py [--lines N] [--check]
Generates Parquet of N order lines (default 100,000,000 over N/10 customers, two lines per
order) with DuckDB itself, then times, each in its own process over the same file:
  ours  — `xlcustseg segment lines.parquet -o customers.parquet --engine duckdb`
          (every class of every customer, labelled, written to Parquet);
  bare  — what a data engineer writes by hand (BARE below): one GROUP BY customer id as the file
          gives it (last date, COUNT(DISTINCT order id), SUM(amount)) and ntile(5) over each of the
          three, written to Parquet by a DuckDB connection with our memory limit, spill directory and
          settings. It does not trim ids, read blank tokens, leave out customers with an unreadable
          date or amount, round revenue, rank ties together, tier, label or write any class.
Prints both wall and CPU times, their ratios (goal <= 1.5 each), our peak RSS (goal <= 4 GiB), the
machine's cores and load average; then 1,000,000 lines through the pandas engine and the DuckDB
engine side by side. --check exits 1 on a missed goal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_RATIO = 1.5
GOAL_RSS_MB = 4096


def generate(path: Path, lines: int) -> None:
    """N order lines (two per order) over N/10 customers, dates over three years, amounts in cents."""
    import duckdb

    customers = max(lines // 10, 1)
    con = duckdb.connect()
    con.execute(f"""COPY (
        SELECT 'O' || (i // 2) AS "Order ID",
               'C' || (hash(i // 2) % {customers}) AS "Customer ID",
               DATE '2022-01-01' + CAST(hash(i // 2 + 7) % 1095 AS INTEGER) AS "Order Date",
               ROUND(CAST(hash(i) % 50000 AS DOUBLE) / 100 + 1, 2) AS "Amount"
        FROM range({lines}) t(i)) TO '{path}' (FORMAT parquet)""")


BARE = """COPY (
    WITH c AS (
        SELECT "Customer ID" AS id, MAX("Order Date") AS last, COUNT(DISTINCT "Order ID") AS frequency,
               SUM("Amount") AS monetary
        FROM read_parquet('{source}') GROUP BY 1)
    SELECT *, ntile(5) OVER (ORDER BY last) AS r, ntile(5) OVER (ORDER BY frequency) AS f,
           ntile(5) OVER (ORDER BY monetary) AS m FROM c
) TO '{target}' (FORMAT parquet)"""


def child(kind: str, source: str, target: str) -> None:
    """One measured run in this process; prints JSON with its seconds and peak RSS."""
    import resource

    start = time.perf_counter()
    if kind == "bare":
        from xlcustseg.engines.duckdb_engine import DuckDBEngine

        engine = DuckDBEngine()  # the same memory limit, spill directory and threads as ours
        engine.con.execute(BARE.format(source=source, target=target))
        engine.close()
    else:
        from xlcustseg.engines.run import open_engine, segment_file

        runner = "pandas" if kind == "pandas" else open_engine("duckdb")
        segment_file(Path(source), Path(target), runner, {"clv.enabled": "no"})
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1e3}))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def measure(kind: str, source: Path, target: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(source), str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000_000, help="order lines (default 100,000,000)")
    parser.add_argument("--side-by-side", type=int, default=1_000_000, help="lines for pandas vs DuckDB")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="xlcustseg_engines_") as folder:
        folder = Path(folder)
        source = folder / "lines.parquet"
        start = time.perf_counter()
        generate(source, args.lines)
        print(f"order lines: {args.lines:,} (about {args.lines // 10:,} customers), Parquet "
              f"{source.stat().st_size / 1e6:,.0f} MB, generated in {time.perf_counter() - start:.1f} s")
        print(f"machine: {os.cpu_count()} cores, {_memory_gb():.0f} GB memory; load average before: "
              f"{_load()}")
        bare = measure("bare", source, folder / "bare.parquet")
        ours = measure("duckdb", source, folder / "ours.parquet")
        ratio = ours["seconds"] / bare["seconds"]
        print(f"  bare DuckDB GROUP BY + ntile: {bare['seconds']:.1f} s (CPU {bare['cpu']:.1f} s), "
              f"peak RSS {bare['rss_mb']:,.0f} MB")
        print(f"  xlcustseg --engine duckdb:     {ours['seconds']:.1f} s (CPU {ours['cpu']:.1f} s), "
              f"peak RSS {ours['rss_mb']:,.0f} MB (goal <= {GOAL_RSS_MB:,} MB)")
        cpu_ratio = ours["cpu"] / bare["cpu"]
        print(f"  ratio ours / bare DuckDB: wall {ratio:.2f}, CPU {cpu_ratio:.2f}   (goal <= {GOAL_RATIO} each); "
              f"load average after: {_load()}")
        missed = max(ratio, cpu_ratio) > GOAL_RATIO or ours["rss_mb"] > GOAL_RSS_MB

        small = folder / "small.parquet"
        generate(small, args.side_by_side)
        print(f"order lines: {args.side_by_side:,} through both engines (CLV off)")
        for kind in ("pandas", "duckdb"):
            run = measure(kind, small, folder / f"small_{kind}.parquet")
            print(f"  --engine {kind:<7} {run['seconds']:.1f} s (CPU {run['cpu']:.1f} s), "
                  f"peak RSS {run['rss_mb']:,.0f} MB")
    if args.check and missed:
        print("a goal was missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
