"""The data-quality sheet 数据质量 / Data quality: what was noted, left out, duplicated or outlying.

Written by every route through the `WorkbookPort` (workbook/run.py calls
`add_quality` once per run: `fill_quality` on the sheet `claim_sheet` names). From the top:
an overview (customers segmented, rows and accounts left out by the setting
quality.exclude, duplicate ids, negative and outlying revenue, the outlier
limit, the number of notes); the notes counted by reason (live formulas over
the notes list below); the duplicate customer ids, one line per row holding
one, with a link to its cell; the revenue outliers with a link to each revenue
cell; every note with a link to its cell. Links are our `Formula`
`=HYPERLINK("#'Sheet'!B5","B5")`; every other text is written as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from xlcustseg.cells import Formula, cell_name, column_letter
from xlcustseg.engine.quality import NEGATIVE, OUTLIER, duplicate_counts, revenue_flags
from xlcustseg.engine.result import SegmentResult
from xlcustseg.i18n import ALL_REASONS, QUALITY_FLAGS, QUALITY_SHEET, QUALITY_TEXTS, pick
from xlcustseg.workbook.ooxml import quote_sheet
from xlcustseg.workbook.port import WorkbookPort

Row = list[Any]


class Placement(Protocol):
    """Where the run wrote the class columns (workbook/run.py's Placed)."""

    sheet: str
    columns: Mapping[str, int]
    first_row: int


def link(sheet: str, cell: str) -> Formula:
    """`=HYPERLINK("#'Sheet'!B5","B5")`: a link to one cell of the workbook, showing its address."""
    target = f"#{quote_sheet(sheet)}!{cell}".replace('"', '""')
    return Formula(f'=HYPERLINK("{target}","{cell}")')


def fill_quality(book: WorkbookPort, name: str, result: SegmentResult, input_sheet: str,
                 origin: tuple[int, int], placed: Placement) -> str:
    """(Re)build the sheet `name` from the run's result and say its name.

    input_sheet and origin: the sheet the table was read from and the sheet row
    and column of the frame's first cell (where notes' cells and the customer
    ids are); placed: where the class columns went (each customer's row there).
    """
    lang = result.language
    t = {k: pick(v, lang) for k, v in QUALITY_TEXTS.items()}
    notes = result.notes
    rows_of = _customer_rows(result, origin, placed)
    dupes = _duplicates(result, input_sheet, origin, rows_of)
    flags, limit = _outliers(result, input_sheet, origin, placed, rows_of, lang)
    multiple = result.settings["quality.outlier_multiple"]
    excluded = notes[notes["reason"].eq("excluded").to_numpy()]
    overview = [[t["customers"], len(result.table)], [t["excluded"], len(excluded)],
                [t["excluded_accounts"], excluded["value"].astype(str).nunique()],
                [t["duplicate_ids"], len({r[0] for r in dupes})], [t["duplicate_rows"], len(dupes)],
                [t["negative"], sum(r[-1] == pick(QUALITY_FLAGS[NEGATIVE], lang) for r in flags)],
                [t["outlier"], sum(r[-1] == pick(QUALITY_FLAGS[OUTLIER], lang) for r in flags)],
                [t["limit"].format(multiple=multiple), None if limit is None else round(limit, 2)],
                [t["notes"], len(notes)]]
    reasons = _reason_texts(notes, lang)
    sections = [
        (t["overview"], [], overview),
        (t["by_reason"], [t["reason"], t["count"]], [[r] for r in pd.unique(reasons)]),
        (t["duplicate_ids"], [t["customer_id"], t["cell"], t["occurrences"]], dupes),
        (t["outlier"], [t["customer_id"], t["cell"], t["revenue"], t["flag"]], flags),
        (t["notes"], [t["cell"], t["reason"], t["column"], t["value"], t["message"]],
         _note_rows(notes, reasons, input_sheet, placed, rows_of)),
    ]
    rows = _layout([[t["title"]], [t["duplicates_flag"]]], sections, t["none"])
    book.replace_sheet(name)
    book.write_block(name, 1, 1, rows)
    return name


def add_quality(book: WorkbookPort, result: SegmentResult, input_sheet: str, origin: tuple[int, int],
                placed: Placement) -> str:
    """The data-quality sheet of this run, on the name `claim_sheet` gives it (kept in the record, a user's
    sheet of that name kept and ours suffixed); see `fill_quality` for the arguments."""
    from xlcustseg.workbook.run import claim_sheet  # run.py calls this module: imported at call time

    name = claim_sheet(book, "quality", pick(QUALITY_SHEET, result.language), avoid=input_sheet, ours=is_ours)
    return fill_quality(book, name, result, input_sheet, origin, placed)


def is_ours(rows: list[list[Any]]) -> bool:
    """A sheet `fill_quality` wrote (found again without the record): our title over our duplicates line."""
    top = [r[0] if r else None for r in rows[:2]]
    return any(top == [pick(QUALITY_TEXTS["title"], lang), pick(QUALITY_TEXTS["duplicates_flag"], lang)]
               for lang in ("zh", "en"))


def _layout(top: list[Row], sections: Sequence[tuple[str, Row, list[Row]]], none: str) -> list[Row]:
    """The sheet's rows: the title lines, then each section (heading, header, rows or 'none'), a blank between;
    the reason counts become formulas over the notes list's reason column (the last section's second column)."""
    rows = [*top]
    starts = []
    for heading, header, body in sections:
        rows.append([])
        rows.append([heading])
        if header:
            rows.append(list(header))
        starts.append(len(rows) + 1)  # sheet row of the section's first line
        rows.extend(body or [[none]])
    notes_first, n_notes = starts[-1], len(sections[-1][2])
    if n_notes:
        reasons = f"$B${notes_first}:$B${notes_first + n_notes - 1}"
        first = starts[1]
        for i in range(len(sections[1][2])):
            rows[first - 1 + i] = [rows[first - 1 + i][0], Formula(f"=SUMPRODUCT(--({reasons}=A{first + i}))")]
    return rows


def _reason_texts(notes: pd.DataFrame, lang: str) -> pd.Series:
    """Each note's reason as the user reads it."""
    reasons = notes["reason"].astype(object)
    return reasons.map({r: pick(ALL_REASONS.get(r, (r, r)), lang) for r in reasons.unique()}).astype(object)


def _customer_rows(result: SegmentResult, origin: tuple[int, int], placed: Placement) -> np.ndarray:
    """The sheet row of each customer on `placed.sheet` (the input's row, or the customers sheet's)."""
    if result.kind == "orders":
        return placed.first_row + np.arange(len(result.table))
    return origin[0] + np.asarray(result.source_rows)


def _duplicates(result: SegmentResult, sheet: str, origin: tuple[int, int], rows_of: np.ndarray) -> list[Row]:
    """One line per customer row whose id occurs more than once: the id, a link to its cell, how often."""
    if result.kind != "customers" or "customer_id" not in result.layout.fields:
        return []
    ids = result.table.iloc[:, 0]
    counts = duplicate_counts(ids)
    hit = np.flatnonzero(counts > 1)
    letter = column_letter(origin[1] + result.layout.fields["customer_id"])
    order = hit[np.lexsort((rows_of[hit], ids.iloc[hit].astype(str).to_numpy()))]
    return [[ids.iloc[i], link(sheet, f"{letter}{rows_of[i]}"), int(counts[i])] for i in order]


def _outliers(result: SegmentResult, input_sheet: str, origin: tuple[int, int], placed: Placement,
              rows_of: np.ndarray, lang: str) -> tuple[list[Row], float | None]:
    """One line per customer with negative or outlying revenue (a link to its revenue cell: the input's, for order
    lines the customers sheet's), and the limit."""
    classes = result.classes
    if "revenue" not in classes or "revenue_value" not in placed.columns:
        return [], None
    revenue = classes["revenue"]
    flags, limit = revenue_flags(revenue, result.settings["quality.outlier_multiple"])
    ids = result.table.iloc[:, 0] if "customer_id" in result.layout.fields else pd.Series(None, index=revenue.index)
    sheet, col = placed.sheet, placed.columns["revenue_value"]
    if result.kind == "customers" and "revenue" in result.layout.fields:  # the user's own revenue cell
        sheet, col = input_sheet, origin[1] + result.layout.fields["revenue"]
    hit = np.flatnonzero(flags.notna().to_numpy())
    return [[ids.iloc[i], link(sheet, cell_name(int(rows_of[i]), col)), float(revenue.iloc[i]),
             pick(QUALITY_FLAGS[flags.iloc[i]], lang)] for i in hit], limit


def _note_rows(notes: pd.DataFrame, reasons: pd.Series, sheet: str, placed: Placement,
               rows_of: np.ndarray) -> list[Row]:
    """Every note: a link to its cell (a note on a customer without a cell: that customer's notes cell), its
    reason, column, value and sentence."""
    cells = notes["cell"].fillna("").astype(str).to_numpy()
    links: list[Any] = [link(sheet, c) if c else None for c in cells]
    if "notes" in placed.columns:
        for i in np.flatnonzero((cells == "") & notes["row"].notna().to_numpy()):
            links[i] = link(placed.sheet, cell_name(int(rows_of[int(notes["row"].iloc[i])]), placed.columns["notes"]))
    return [[lk, reason, column, value, message] for lk, reason, column, value, message in
            zip(links, reasons, notes["column"], notes["value"], notes["message"], strict=True)]
