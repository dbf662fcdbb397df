"""Golden copies of what segmenting the two bundled samples produces, on both routes.

For each sample (客户名单示例.xlsx, orders_sample.xlsx) and route this records the
output in tests/golden/<sample>.<route>.json.gz; tests/test_golden.py recomputes
the four outputs and compares them with these copies.

- route "file": what `xlcustseg segment INPUT -o OUT` writes, in process
  (open_book, segment_book, save). Recorded: the sheet order, the defined names
  (name, scope, reference), every non-empty cell of every sheet as openpyxl
  reads it back with data_only=False (formulas as their text), the number
  format of each non-empty cell that is not "General", and what the command
  prints before "Output:" (report.message() and one "Note:" per warning).
- route "jsonbook": the one-click button as xlwings Lite/Server runs it,
  `xlcustseg.main(xw.Book(json=payload))` (tests/jsonbook.py); recorded: the
  sheet names afterwards and every action of `book.json()["actions"]`.

Normalisation lives in `plain()` only: dates and times become ISO text, an
array formula becomes {"array_formula": ref, "text": formula}; any other
non-JSON value stops the run so that it is looked at first. Both routes were
checked to be deterministic (twice in one process, and across processes with
different PYTHONHASHSEED): nothing else needs normalising. Floats are compared
to 12 significant digits (`same()`), so a last-digit wobble of a sum is not a
change, and integer 3 differs from float 3.0.

The stored text is gzip'd JSON (gzip with no name or time, so an unchanged
output gives the same bytes): `gunzip -c tests/golden/orders_en.file.json.gz`
shows one cell per line in row order, one row of written values per line.

Run: python scripts/update_golden.py [--once]
It computes each output twice (refusing to store one that differs between the
runs; --once skips the second run), rewrites only the copies that changed and
prints, per copy, the count of differing cells per sheet and the first few
differences.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAMPLES = {"customers_zh": ROOT / "workbook_templates" / "客户名单示例.xlsx",
           "orders_en": ROOT / "workbook_templates" / "orders_sample.xlsx"}
ROUTES = ("file", "jsonbook")
CASES = [(sample, route) for sample in SAMPLES for route in ROUTES]
REL_TOL = 1e-12
ABSENT = "<absent>"

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # jsonbook.py


def golden_path(sample: str, route: str) -> Path:
    """Where the stored copy of one sample and route lives."""
    return GOLDEN / f"{sample}.{route}.json.gz"


def plain(value: Any) -> Any:
    """A cell or action value as JSON: the one place where outputs are normalised."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, ArrayFormula):
        return {"array_formula": value.ref, "text": value.text}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    raise TypeError(f"no golden form for {type(value).__name__} {value!r}: add one to plain()")


def compute(sample: str, route: str, folder: Path) -> dict:
    """The output of one sample on one route, as stored (folder: for the file route's workbook)."""
    path = SAMPLES[sample]
    head = {"sample": path.name, "route": route}
    if route == "file":
        return head | file_route(path, folder / f"{sample}.xlsx")
    return head | jsonbook_route(path)


def file_route(path: Path, out: Path) -> dict:
    """Segment `path` as the command line does, save to `out` and read everything back."""
    from xlcustseg.workbook.files import open_book
    from xlcustseg.workbook.run import segment_book

    book, _ = open_book(path)
    report = segment_book(book)
    book.save(out)
    printed = [report.message(), *(f"Note: {w}" for w in report.result.warnings)]
    return {"printed": "\n".join(printed)} | saved_workbook(out)


def saved_workbook(path: Path) -> dict:
    """Sheet order, defined names, non-empty cells and their number formats of a saved workbook."""
    wb = openpyxl.load_workbook(path)  # data_only=False: formulas as their text
    names = [[name, "workbook", d.attr_text] for name, d in wb.defined_names.items()]
    names += [[name, ws.title, d.attr_text] for ws in wb for name, d in ws.defined_names.items()]
    cells, formats = {}, {}
    for ws in wb:
        filled = [c for row in ws.iter_rows() for c in row if c.value is not None]
        cells[ws.title] = {c.coordinate: plain(c.value) for c in filled}
        formats[ws.title] = {c.coordinate: c.number_format for c in filled if c.number_format != "General"}
    return {"sheets": wb.sheetnames, "defined_names": sorted(names), "cells": cells, "number_formats": formats}


def jsonbook_route(path: Path) -> dict:
    """Click the button on xlwings' JSON Book of `path`; the sheets afterwards and the actions sent back."""
    import jsonbook

    from xlcustseg import main

    book = jsonbook.book(path)
    main(book)
    return {"sheets": [s.name for s in book.sheets], "actions": plain(book.json()["actions"])}


def same(a: Any, b: Any) -> bool:
    """Equal in value and type, floats to REL_TOL."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or math.isclose(a, b, rel_tol=REL_TOL) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def flat(output: dict) -> dict[str, Any]:
    """Every recorded item under a readable key: 'Sheet!B7' for a cell, 'Sheet!B7 format', 'action 12', …"""
    items = {key: output[key] for key in ("sample", "route", "sheets", "defined_names", "printed") if key in output}
    for sheet, cells in output.get("cells", {}).items():
        items |= {f"{sheet}!{coord}": value for coord, value in cells.items()}
    for sheet, formats in output.get("number_formats", {}).items():
        items |= {f"{sheet}!{coord} format": fmt for coord, fmt in formats.items()}
    return items | _flat_actions(output.get("actions", []), output.get("sheets", []))


def _flat_actions(actions: list[dict], sheets: list[str]) -> dict[str, Any]:
    """Each action without its values ('action k'), and each written cell: its value (a list if written again)."""
    items: dict[str, Any] = {}
    writes: dict[str, list] = {}
    for k, action in enumerate(actions):
        items[f"action {k}"] = {key: v for key, v in action.items() if key != "values"}
        if action.get("func") != "setValues":
            continue
        pos = action["sheet_position"]
        sheet = sheets[pos] if isinstance(pos, int) and pos < len(sheets) else f"sheet {pos}"
        for i, row in enumerate(action["values"]):
            for j, value in enumerate(row):
                coord = f"{get_column_letter(action['start_column'] + j + 1)}{action['start_row'] + i + 1}"
                writes.setdefault(f"{sheet}!{coord}", []).append(value)
    return items | {key: values[0] if len(values) == 1 else values for key, values in writes.items()}


def differences(stored: dict, now: dict) -> list[tuple[str, Any, Any]]:
    """(key, stored, now) for every recorded item that differs, in the order they were recorded."""
    old, new = flat(stored), flat(now)
    keys = list(old) + [k for k in new if k not in old]
    found = [(k, old.get(k, ABSENT), new.get(k, ABSENT)) for k in keys
             if not same(old.get(k, ABSENT), new.get(k, ABSENT))]
    if not found and not same(stored, now):
        found.append(("(structure)", "the stored copy", "differs outside the items listed by flat()"))
    return found


def describe(found: list[tuple[str, Any, Any]], first: int = 20) -> str:
    """Differing cells per sheet, then the first `first` differences as 'sheet!cell: stored → now'."""
    per_sheet = Counter(key.split("!")[0] if "!" in key else "(workbook)" for key, _, _ in found)
    lines = [f"{len(found)} differences: " + ", ".join(f"{sheet} {n}" for sheet, n in per_sheet.items())]
    lines += [f"  {key}: {_short(old)} → {_short(new)}" for key, old, new in found[:first]]
    if len(found) > first:
        lines.append(f"  … and {len(found) - first} more")
    return "\n".join(lines)


def _short(value: Any, width: int = 100) -> str:
    text = value if value is ABSENT else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def load(path: Path) -> dict:
    """A stored copy."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def save(path: Path, output: dict) -> None:
    """Store `output`: readable JSON, gzip'd without a name or time so equal outputs give equal bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write((dumps(output) + "\n").encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def dumps(value: Any, indent: int = 0) -> str:
    """JSON with one line per key, and lists of plain values (a row, a cell's writes) on one line."""
    pad = " " * (indent + 1)
    if isinstance(value, dict) and value:
        body = ",\n".join(f"{pad}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent + 1)}" for k, v in value.items())
        return "{\n" + body + "\n" + " " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        body = ",\n".join(pad + dumps(v, indent + 1) for v in value)
        return "[\n" + body + "\n" + " " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def refresh(sample: str, route: str, folder: Path, twice: bool) -> None:
    """Compute one output (twice unless told), compare it with its stored copy and store it if it changed."""
    now = compute(sample, route, folder)
    if twice:
        again = differences(now, compute(sample, route, folder))
        if again:
            raise SystemExit(f"{sample} {route}: not deterministic, nothing stored\n{describe(again)}")
    path = golden_path(sample, route)
    if not path.exists():
        save(path, now)
        print(f"{path.relative_to(ROOT)}: created ({path.stat().st_size:,} bytes)")
        return
    found = differences(load(path), now)
    if not found:
        print(f"{path.relative_to(ROOT)}: unchanged")
        return
    save(path, now)
    print(f"{path.relative_to(ROOT)}: updated ({path.stat().st_size:,} bytes)\n{describe(found, first=10)}")


def main() -> None:
    """Create or refresh every stored copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="compute each output once (skip the determinism check)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for sample, route in CASES:
            refresh(sample, route, Path(folder), twice=not args.once)


if __name__ == "__main__":
    main()
