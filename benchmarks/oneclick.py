"""The one-click run on xlwings' JSON book (the engine of xlwings Lite and Server), against a calamine read.

Run: python benchmarks/oneclick.py [--rows N] [--check]
A customer workbook of N rows (default 100,000) is read once by python-calamine
(the floor: what reading the same data costs at best), then segmented by
`xlcustseg.main()` on `xw.Book(json=…)` built from it, as the ribbon button and
Lite run it (as the Office.js client of xlwings Lite sends it, so the summary
template's styles are sent in full). Goal: the one-click run within 8x of the calamine read. Needs
xlwings' noncommercial key for the JSON engine (set here, for this benchmark only).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(Path(__file__).parent))
from _common import customer_workbook, peak_rss_mb

RATIO_GOAL = 8.0


def payload(path: Path) -> dict:
    """What an xlwings client sends for the workbook: values as Excel shows them (dates as ISO text)."""
    import python_calamine
    import xlwings as xw

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Customers")
    values = [[v.strftime("%Y-%m-%dT%H:%M:%S.000Z") if hasattr(v, "strftime") else v for v in r]
              for r in sheet.to_python()]
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"}, "names": [],
            "sheets": [{"name": "Customers", "values": values, "pictures": [], "tables": []}]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args()
    import python_calamine
    import xlwings as xw

    import xlcustseg

    with tempfile.TemporaryDirectory() as tmp:
        path = customer_workbook(args.rows, Path(tmp) / "customers.xlsx")
        start, cpu = time.perf_counter(), time.process_time()
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Customers").to_python()
        floor, floor_cpu = time.perf_counter() - start, time.process_time() - cpu
        book = xw.Book(json=payload(path))
        start, cpu = time.perf_counter(), time.process_time()
        report = xlcustseg.main(book)
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
    ratio = ours / floor
    missed = ratio > RATIO_GOAL
    print(f"{args.rows:,} customer rows; {len(report.result.table):,} segmented")
    print(f"  calamine read (floor):     {floor:.2f} s (CPU {floor_cpu:.2f} s)")
    actions = [a["func"] for a in book.json()["actions"]]
    styles = sum(f.startswith(("setRangeColor", "setFont", "setBorder", "setColumnWidth", "setWrap", "setHorizontal",
                               "setVertical", "setShowGridlines")) for f in actions)
    print(f"  one-click on the JSON book: {ours:.2f} s (CPU {ours_cpu:.2f} s; {len(actions)} actions, "
          f"{styles} of them the summary template's styles)")
    print(f"  ratio one-click / calamine: {ratio:.1f}   (goal <= {RATIO_GOAL:.0f}){'  MISSED' if missed else ''}"
          f"; in CPU time {ours_cpu / floor_cpu:.1f} (a shared machine slows wall time)")
    print(f"  peak RSS of this process: {peak_rss_mb():.0f} MB")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
