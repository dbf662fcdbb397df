"""`xlcustseg segment FILE --explain ID`: why one customer of a workbook is in its classes.

The table is found, read and segmented exactly as the one-click run does it
(`xlcustseg.workbook.run`: the same sheet, settings sheet and overrides), and
nothing is written: the answer is the text of `engine.explain.explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from xlcustseg.engine import SegmentResult
from xlcustseg.engine.explain import explain, find_customer
from xlcustseg.workbook import run
from xlcustseg.workbook.port import WorkbookPort


def explain_customer(book: WorkbookPort, overrides: Mapping[str, Any], sheet: str | None, who: str) -> str:
    """Segment the book's table (as `run.segment_book` reads it) and explain the customer with id or name `who`.

    Raises run.WorkbookError for a table that cannot be segmented and
    engine.explain.NoSuchCustomer when no customer, or several, answer to `who`."""
    found = run._found(book)
    name = run._input_sheet(book, sheet, found)
    settings = run._settings(book, overrides, found.settings_source)
    _whole, data, frame = run._table(book, name, found.record)
    result = run._segment(frame, settings, data, name)
    ids, names = _ids_and_names(result, frame)
    row = find_customer(result, ids, names, who)
    shown = [str(v) for v in (None if ids is None else ids.iloc[row], None if names is None else names.iloc[row])
             if v is not None and not pd.isna(v)]
    return explain(result, row, " / ".join(shown) or who)


def _ids_and_names(result: SegmentResult, frame: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    """Each customer's id and name (None: the table has no such column), on the result's rows."""
    fields, headers = result.layout.fields, result.layout.headers
    out: list[pd.Series | None] = []
    for field in ("customer_id", "customer_name"):
        if field not in fields:
            out.append(None)
        elif result.kind == "orders":
            table = result.table
            header = headers[fields[field]]
            out.append(table[header].reset_index(drop=True) if header in table else None)
        else:
            out.append(frame.iloc[result.source_rows, fields[field]].reset_index(drop=True))
    return out[0], out[1]
