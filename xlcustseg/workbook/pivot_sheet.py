"""The sheet 透视 / Pivots: three PivotTables over the customer table, on a port that writes them (the file route).

`add_pivots` is called once per run (workbook/run.py). On a port without
PivotTables (xlwings in Excel, the JSON book, xlwings Lite) it does nothing: the
formula summary is the live view there. On the file route (`PackageBook`) the
table the pivots read — the user's customer table with our columns, or our
customers sheet made from order lines — becomes an Excel Table (or the user's
Table already grown to our columns), and the sheet `claim_sheet` names (kept in
the record: a second run replaces ours, never a user's sheet of that name) gets
customers and revenue by tier, tier × RFM class and lifecycle × tier, written
as Open XML by `workbook.pivots` with their figures in the cells.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from xlcustseg.cells import from_values
from xlcustseg.engine.result import SegmentResult
from xlcustseg.i18n import PIVOT_SHEET, PIVOT_TEXTS, pick
from xlcustseg.workbook.pivots import NAME_PREFIX, Pivot, Source, axis_items, rendered, size
from xlcustseg.workbook.port import SheetData, WorkbookPort

TOP = 5  # the sheet row the PivotTables start on (title, note, headings above)
GAP = 2  # blank columns between two PivotTables


class Placement(Protocol):
    """Where the run wrote the class columns (workbook/run.py's Placed)."""

    sheet: str
    columns: Mapping[str, int]
    first_row: int
    last_row: int
    header_row: int


def add_pivots(book: WorkbookPort, result: SegmentResult, placed: Placement, input_sheet: str,
               first_col: int, read: SheetData | None = None) -> str | None:
    """The PivotTables sheet of this run over the table at `placed` (its first column `first_col`); its name,
    or None on a port that does not write PivotTables. `read`: the input sheet as the run read it before
    writing (spares a second read of a million-row sheet; the run's writes are laid over it)."""
    target = getattr(book, "book", book)  # under workbook.record's RecordingBook
    if not hasattr(target, "add_pivots") or "tier" not in placed.columns:
        return None
    from xlcustseg.workbook.run import claim_sheet  # run.py calls this module: imported at call time

    lang = result.language
    t = {k: pick(v, lang) for k, v in PIVOT_TEXTS.items()}
    source, whole_table = _source(book, placed, first_col, read)
    if source is None:
        return None
    if whole_table:
        target.add_table(placed.sheet, (placed.header_row, source.first_col, placed.last_row,
                                        source.first_col + len(source.frame.columns) - 1),
                         [str(c) for c in source.frame.columns])
    name = claim_sheet(book, "pivots", pick(PIVOT_SHEET, lang), avoid=input_sheet, ours=is_ours)
    pivots, axes = _pivots(source, placed, result, t)
    book.replace_sheet(name)
    book.write_block(name, 1, 1, [[t["title"]], [None if whole_table else t["no_table"]]])
    for pivot in pivots:
        book.write_block(name, pivot.anchor[0] - 1, pivot.anchor[1], [[t[pivot.name.removeprefix(NAME_PREFIX)]]])
        cells = rendered(pivot, source, axes)
        money = pivot.values[-1][1] == "sum"
        book.write_block(name, *pivot.anchor, cells, [*[None] * (len(cells[0]) - 1), "#,##0.00" if money else None])
    target.add_pivots(name, source, pivots, axes)
    return name


def is_ours(rows: list[list[Any]]) -> bool:
    """A sheet `add_pivots` wrote (found again without the record): our title in its first cell."""
    first = rows[0][0] if rows and rows[0] else None
    return any(first == pick(PIVOT_TEXTS["title"], lang) for lang in ("zh", "en"))


def _source(book: WorkbookPort, placed: Placement, first_col: int,
            read: SheetData | None) -> tuple[Source | None, bool]:
    """The block the pivot cache reads and whether it is the whole table (headers fit a Table): else our
    columns only (None when even those do not)."""
    ours = sorted(placed.columns.values())
    c0 = min(first_col, ours[0])
    target = getattr(book, "book", book)
    if read is not None and _holds_writes(target, placed.sheet):
        pending = target.pending.get(placed.sheet, [])
        whole = _block(_columns(read, pending, placed, c0, ours[-1]), placed, c0)
        return (whole, True) if whole is not None else \
            (_block(_columns(read, pending, placed, ours[0], ours[-1]), placed, ours[0]), False)
    data = book.read(placed.sheet)
    whole = _block(_columns(data, [], placed, c0, ours[-1]), placed, c0)
    if whole is not None:
        return whole, True
    return _block(_columns(data, [], placed, ours[0], ours[-1]), placed, ours[0]), False


def _holds_writes(target: Any, sheet: str) -> bool:
    """Whether `sheet` is an input sheet whose writes the book holds as columns until it is saved
    (`PackageBook.pending`), so that they can be laid over the run's own read of it."""
    return hasattr(target, "pending") and not target.is_new(sheet)


def _columns(data: SheetData, pending: Sequence[Any], placed: Placement, c0: int, c1: int) -> list[np.ndarray]:
    """Sheet columns c0 … c1 from the header row to the last data row, each an object array of cell values:
    `data`'s, with the held `pending` columns (sheet_patch.PendingColumn, in the order written) over them."""
    top, bottom = placed.header_row, placed.last_row
    height = bottom - top + 1
    rows = data.rows[max(top - data.first_row, 0):max(bottom - data.first_row + 1, 0)]
    skip = max(data.first_row - top, 0)  # rows above what was read
    out = []
    for col in range(c0, c1 + 1):
        column = np.full(height, None, dtype=object)
        j = col - data.first_col
        covered = any(h.col == col and h.first_row <= top and h.first_row + len(h.values) > bottom for h in pending)
        if j >= 0 and rows and not covered:  # (our columns are written whole: the read's values are not needed)
            column[skip:skip + len(rows)] = [r[j] if j < len(r) else None for r in rows]
        for held in pending:
            if held.col != col:
                continue
            a, b = max(held.first_row, top), min(held.first_row + len(held.values) - 1, bottom)
            if a <= b:
                column[a - top:b - top + 1] = from_values(held.values[a - held.first_row:b - held.first_row + 1])
        out.append(column)
    return out


def _block(columns: list[np.ndarray], placed: Placement, c0: int) -> Source | None:
    """The columns from column c0, headers in their first cell, when those are distinct non-empty texts."""
    headers = [column[0] if len(column) else None for column in columns]
    keys = [unicodedata.normalize("NFKC", h).strip().lower() for h in headers if isinstance(h, str) and h.strip()]
    if len(keys) != len(columns) or len(set(keys)) != len(columns):
        return None
    frame = pd.DataFrame({str(h): pd.Series(column[1:], dtype=object) for h, column in zip(headers, columns,
                                                                                          strict=True)})
    return Source(placed.sheet, placed.header_row, c0, frame)


def _pivots(source: Source, placed: Placement, result: SegmentResult,
            t: Mapping[str, str]) -> tuple[list[Pivot], dict[str, list[Any]]]:
    """The three PivotTables side by side from row TOP, and the items of their axis fields."""
    header = {key: str(source.frame.columns[col - source.first_col]) for key, col in placed.columns.items()}
    tier, rfm, life = header["tier"], header.get("rfm_class"), header.get("lifecycle")
    revenue = header.get("revenue_value")
    order = list(result.summary.tiers["tier"]) if "tier" in result.summary.tiers else []
    axes = {tier: axis_items(source.frame[tier], order)}
    for field in (rfm, life):
        if field is not None:
            axes[field] = axis_items(source.frame[field])
    common = {"grand": t["grand"], "blank": t["blank"]}
    count = (tier, "count", _caption(t["customers"], source))
    specs = [("by_tier", tier, None, (count, *([(revenue, "sum", _caption(t["revenue"], source))] if revenue
                                               else ()))),
             ("tier_rfm", tier, rfm, (count,)), ("lifecycle_tier", life, tier, (count,))]
    pivots, col = [], 1
    for key, rows, cols, values in specs:
        if rows is None or (cols is None and key != "by_tier"):
            continue
        pivot = Pivot(f"{NAME_PREFIX}{key}", rows, cols, values, (TOP, col), rows, cols or "", **common)
        pivots.append(pivot)
        col += max(size(pivot, axes)[1], 10 if cols is not None else 3) + GAP
    return pivots, axes


def _caption(text: str, source: Source) -> str:
    """A data field's caption: Excel refuses one that is a field's name, so such a one gets a trailing space."""
    taken = {str(c).strip().lower() for c in source.frame.columns}
    return text + " " if text.strip().lower() in taken else text
