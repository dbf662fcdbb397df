"""The JSON book's fast path (xlwings Lite and Server): XlwingsBook reads the raw JSON values and writes raw
JSON values, so what it reads must be what xlwings' own `.value` reads, and what it sends what `.value =` sends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonbook  # noqa: F401  (sets xlwings' noncommercial key for the JSON engine)
import numpy as np
import pandas as pd
import xlwings as xw

from xlcustseg.cells import Formula, from_rows, to_cells, used_block
from xlcustseg.workbook.xlwings_book import XlwingsBook, _excel_text

RAW = [["", "", "", ""],
       ["", "Name", "When", "Amount"],
       ["", "C1", "2024-01-02T00:00:00.000Z", 2.5],
       ["", "2024-13-01T00:00:00.000Z", "2024-03-05T10:30:00.000Z", 3],
       ["", "#N/A", "12", True],
       ["", "-5", "", "T"],
       ["", "", "", ""]]
WRITTEN = ["text", 3, np.int64(4), 2.5, np.float64(1.5), None, float("nan"), pd.NA, pd.NaT, dt.date(2024, 3, 5),
           dt.datetime(2024, 3, 5, 8, 15, 30, 500), pd.Timestamp("2024-03-06"), pd.Timestamp("2024-03-06 09:00"),
           pd.Timestamp("2024-03-06", tz="UTC"), "=1+1", "+cmd", "-x", "@SUM(A1)", "\tz", Formula("=SUM(A1:A3)"),
           True, ""]


def _book(rows: list[list[Any]]) -> Any:
    return xw.Book(json={"client": "Microsoft Office Scripts", "version": xw.__version__,
                         "book": {"name": "t.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                         "sheets": [{"name": "Data", "values": rows, "pictures": [], "tables": []}]})


def _typed(value: Any) -> Any:
    """The value with the class of every leaf (the JSON an action sends keeps both)."""
    if isinstance(value, list | tuple):
        return [_typed(v) for v in value]
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    return (type(value).__name__, value)


def _sent_by_value(rows: list[list[Any]], row: int = 1, col: int = 1) -> list[dict]:
    """The actions xlwings' `.value =` sends for the cells as the Excel route gives it (`to_cells`, `_excel_text`)."""
    book = _book([[""]])
    cells = [[_excel_text(v) for v in to_cells(r)] for r in rows]
    book.sheets["Data"].range((row, col), (row + len(rows) - 1, col + len(rows[0]) - 1)).value = cells
    return book.json()["actions"]


def test_reads_what_value_reads():
    book = _book(RAW)
    used = book.sheets["Data"].used_range
    expected = used_block(from_rows(used.options(ndim=2, err_to_str=True).value), used.row, used.column)
    data = XlwingsBook(book).read("Data")
    assert _typed((data.rows, data.first_row, data.first_col)) == _typed(expected)
    assert data.rows[1][1] == dt.datetime(2024, 1, 2) and data.rows[2][0] == "2024-13-01T00:00:00.000Z"


def test_a_block_sends_what_value_sends():
    book = _book([[""]])
    XlwingsBook(book).write_block("Data", 1, 1, [WRITTEN])
    assert _typed(book.json()["actions"]) == _typed(_sent_by_value([WRITTEN]))


def test_long_columns_go_in_xlwings_chunks_of_100000_cells():
    """60,000 rows × 2 columns pass xlwings' 100,000 cells per write: `.value =` sends 50,000 rows, then 10,000."""
    n = 60_000
    first = [WRITTEN[i % len(WRITTEN)] for i in range(n)]
    second = [float(i) for i in range(n)]
    book = _book([[""]])
    XlwingsBook(book).write_columns("Data", 3, 2, [first, second], [None, None])
    sent = book.json()["actions"]
    assert [(a["start_row"], a["row_count"], a["start_column"], a["column_count"]) for a in sent] == \
        [(2, 50_000, 1, 2), (50_002, 10_000, 1, 2)]
    rows = [list(r) for r in zip(first, second, strict=True)]
    values = [row for a in sent for row in a["values"]]
    assert len(values) == n and _typed(values[-len(WRITTEN):]) == \
        _typed(_sent_by_value(rows[-len(WRITTEN):])[0]["values"])  # the last rows, as `.value =` sends them


def test_what_was_written_reads_back_as_written():
    book = XlwingsBook(_book([[""]]))
    book.write_columns("Data", 1, 1, [["Header", *WRITTEN], ["Other", 1.0]], [None, None])
    rows = book.read("Data").rows
    assert rows[0] == ["Header", "Other"] and rows[1] == ["text", 1.0] and rows[2] == [3.0, None]
    assert rows[10] == [dt.datetime(2024, 3, 5), None] and rows[15][0] == "=1+1"
