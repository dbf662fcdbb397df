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
from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from xlcustseg.engine.result import SegmentResult
from xlcustseg.i18n import PIVOT_SHEET, PIVOT_TEXTS, pick
from xlcustseg.workbook.pivots import NAME_PREFIX, Pivot, Source, axis_items, rendered, size
from xlcustseg.workbook.port import WorkbookPort

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
               first_col: int) -> str | None:
    """The PivotTables sheet of this run over the table at `placed` (its first column `first_col`); its name,
    or None on a port that does not write PivotTables."""
    target = getattr(book, "book", book)  # under workbook.record's RecordingBook
    if not hasattr(target, "add_pivots") or "tier" not in placed.columns:
        return None
    from xlcustseg.workbook.run import claim_sheet  # run.py calls this module: imported at call time

    lang = result.language
    t = {k: pick(v, lang) for k, v in PIVOT_TEXTS.items()}
    source, whole_table = _source(book, placed, first_col)
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


def _source(book: WorkbookPort, placed: Placement, first_col: int) -> tuple[Source | None, bool]:
    """The block the pivot cache reads and whether it is the whole table (headers fit a Table): else our
    columns only (None when even those do not)."""
    data = book.read(placed.sheet)
    ours = sorted(placed.columns.values())
    whole = _block(data, placed, min(first_col, ours[0]), ours[-1])
    if whole is not None:
        return whole, True
    return _block(data, placed, ours[0], ours[-1]), False


def _block(data: Any, placed: Placement, c0: int, c1: int) -> Source | None:
    """Columns c0 … c1 from the header row to the last data row, when the headers are distinct non-empty texts."""
    rows = [data.row_values(r) for r in range(placed.header_row, placed.last_row + 1)]
    j0 = c0 - data.first_col
    width = c1 - c0 + 1
    cut = [[*(r[max(j0, 0):j0 + width] if j0 >= 0 else [None] * -j0 + r[:width + j0]),
            *[None] * width][:width] for r in rows]
    headers = cut[0] if cut else []
    keys = [unicodedata.normalize("NFKC", h).strip().lower() for h in headers if isinstance(h, str) and h.strip()]
    if len(keys) != width or len(set(keys)) != width:
        return None
    frame = pd.DataFrame(cut[1:], columns=[str(h) for h in headers], dtype=object)
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
