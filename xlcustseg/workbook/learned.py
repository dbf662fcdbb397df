"""Learnt grades on a workbook: read the table, learn the staff's column, write predictions and rules.

The 预测等级/Predicted and 置信度/Confidence columns are placed as the run places
its class columns (`run.place_columns`): a user column with one of these headers
keeps its place and ours take OURS_SUFFIX. Ours are found again by a record kept
on our rules sheet (a RECORD_MARK block below the rules, as on the settings
sheet: a row `columns, sheet, header row, predicted=F, confidence=G`), never by
header alone; a rules sheet of an earlier version, without the record, marks an
earlier output whose columns are ours where both headers stand side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.fields.headers import find_table, has_cjk
from xlcustseg.i18n import PREDICTED_COLUMNS, RECORD_MARK, all_created_headers, pick, sheet_name, text
from xlcustseg.learn import LearnError, LearnResult, learn_grades
from xlcustseg.workbook.port import WorkbookPort
from xlcustseg.workbook.run import (
    WorkbookError,
    _columns_text,
    _parse_record,
    claim_sheet,
    place_columns,
    recorded_columns,
)


@dataclass(frozen=True)
class LearnReport:
    """What `learn_book` did: the learnt result, the sheet it wrote to and the rules sheet."""

    result: LearnResult
    sheet: str
    rules_sheet: str
    language: str

    def message(self) -> str:
        r = self.result
        filled = int(r.predicted.notna().sum())
        accuracy = "—" if np.isnan(r.accuracy) else f"{r.accuracy:.1%}"
        return text("learn_done", self.language, labelled=r.labelled, rules=len(r.rules), folds=r.folds,
                    accuracy=accuracy, filled=filled)


def learn_book(book: WorkbookPort, label: str, sheet: str | None = None) -> LearnReport:
    sheet = sheet or book.active_sheet()
    data = book.read(sheet).table()
    frame = pd.DataFrame(data.rows, dtype=object)
    layout = find_table(frame, ignore=all_created_headers())
    header_index = layout.header_row if layout.header_row is not None else 0
    headers = [str(h).strip() if h is not None else "" for h in data.rows[header_index]]
    if label not in headers:
        listed = ", ".join(h for h in headers if h)
        raise WorkbookError(f"Sheet '{sheet}' has no column '{label}' (its headers: {listed}).")
    body = pd.DataFrame(data.rows[header_index + 1:], columns=[h or f"_{j}" for j, h in enumerate(headers)],
                        dtype=object)
    lang = "zh" if any(has_cjk(h) for h in headers) else "en"
    skip = {layout.headers[p] for f, p in layout.fields.items() if f in ("customer_id", "customer_name")}
    skip |= {h for h in headers if h in all_created_headers() or not h}
    try:
        result = learn_grades(body, label, lang=lang, exclude=skip)
    except LearnError as exc:
        raise WorkbookError(str(exc)) from None
    header_row = data.first_row + header_index
    rules_sheet = claim_sheet(book, "rules", sheet_name("rules", lang), avoid=sheet, ours=_rules_sheet)
    keys = [(key, pick((zh, en), lang)) for key, zh, en in PREDICTED_COLUMNS]
    recorded, legacy = _recorded(book, rules_sheet, sheet, header_row, keys)
    last_row = data.first_row + len(data.rows) - 1
    columns, headers = place_columns(book, sheet, header_row, last_row, keys, lang, recorded, legacy)
    _write(book, sheet, header_row, columns, headers, result)
    book.replace_sheet(rules_sheet, after=sheet)
    title = text("learn_title", lang)
    accuracy = "—" if np.isnan(result.accuracy) else f"{result.accuracy:.1%}"
    summary = text("learn_accuracy", lang, folds=result.folds, accuracy=accuracy, labelled=result.labelled)
    record = [[], [RECORD_MARK, text("record_title", lang)], ["columns", sheet, header_row, _columns_text(columns)]]
    book.write_block(rules_sheet, 1, 1, [[title], [summary], [None], *([r] for r in result.rules), *record])
    return LearnReport(result, sheet, rules_sheet, lang)


def _recorded(book: WorkbookPort, rules_sheet: str, sheet: str, header_row: int,
              keys: list[tuple[str, str]]) -> tuple[dict[str, int] | None, bool]:
    """Our columns on `sheet` as the record on our rules sheet has them, and whether the rules sheet is an
    earlier version's (ours by its title, without a record: its columns are found by their block)."""
    if rules_sheet not in book.sheet_names():
        return None, False
    rows = book.read(rules_sheet).rows
    record = _parse_record(rules_sheet, rows)
    if record is None:
        return None, _rules_sheet(rows)
    return recorded_columns(record.columns, sheet, header_row, keys), False


def _rules_sheet(rows: list[list[Any]]) -> bool:
    """A rules sheet an earlier learn wrote: its first cell is our title."""
    return bool(rows) and bool(rows[0]) and rows[0][0] in {text("learn_title", lang) for lang in ("zh", "en")}


def _write(book: WorkbookPort, sheet: str, header_row: int, columns: dict[str, int], headers: dict[str, str],
           result: LearnResult) -> None:
    """The predicted grade and its confidence (a share, shown as a percentage) under their headers."""
    for key, series in (("predicted", result.predicted), ("confidence", result.confidence)):
        values = [None if pd.isna(v) else (round(float(v), 4) if key == "confidence" else v) for v in series]
        book.write_column(sheet, header_row, columns[key], [headers[key], *values],
                          "0%" if key == "confidence" else None)
