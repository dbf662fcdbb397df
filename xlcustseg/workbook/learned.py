"""Learnt grades on a workbook: read the table, learn the staff's column, write predictions and rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.fields.headers import find_table, has_cjk
from xlcustseg.i18n import PREDICTED_COLUMNS, all_created_headers, sheet_name, text
from xlcustseg.learn import LearnError, LearnResult, learn_grades
from xlcustseg.workbook.port import WorkbookPort
from xlcustseg.workbook.run import WorkbookError, _exact, claim_sheet


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
    _write(book, sheet, data.first_row + header_index, data.first_col, headers, result, lang)
    rules_sheet = claim_sheet(book, "rules", sheet_name("rules", lang), avoid=sheet, ours=_rules_sheet)
    book.replace_sheet(rules_sheet, after=sheet)
    title = text("learn_title", lang)
    accuracy = "—" if np.isnan(result.accuracy) else f"{result.accuracy:.1%}"
    summary = text("learn_accuracy", lang, folds=result.folds, accuracy=accuracy, labelled=result.labelled)
    book.write_column(rules_sheet, 1, 1, [title, summary, None, *result.rules])
    return LearnReport(result, sheet, rules_sheet, lang)


def _rules_sheet(rows: list[list[Any]]) -> bool:
    """A rules sheet an earlier learn wrote: its first cell is our title."""
    return bool(rows) and bool(rows[0]) and rows[0][0] in {text("learn_title", lang) for lang in ("zh", "en")}


def _write(book: WorkbookPort, sheet: str, header_row: int, first_col: int, headers: list[str],
           result: LearnResult, lang: str) -> None:
    known = {_exact(h): first_col + j for j, h in enumerate(headers) if h}
    next_col = first_col + max((j for j, h in enumerate(headers) if h), default=-1) + 1
    i = 0 if lang == "zh" else 1
    for (key, *names), series in zip(PREDICTED_COLUMNS, (result.predicted, result.confidence), strict=True):
        header = names[i]
        col = known.get(_exact(names[0])) or known.get(_exact(names[1]))
        if col is None:
            col, next_col = next_col, next_col + 1
        values = [None if pd.isna(v) else (round(float(v), 4) if key == "confidence" else v) for v in series]
        book.write_column(sheet, header_row, col, [header, *values], "0%" if key == "confidence" else None)
