"""xlwings' own JSON Book (the engine of xlwings Lite and Server), built from our sample workbooks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings PRO's free noncommercial key, tests only


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value


def payload(path: Path, client: str = "Microsoft Office Scripts") -> dict:
    """The JSON an xlwings client sends for the workbook at `path` (values as Excel shows them).

    `client` as the client names itself: "Microsoft Office Scripts", "VBA", or "Office.js" (xlwings Lite and
    the Office.js add-ins, which carry out every action xlwings sends, fonts and borders too).
    """
    import xlwings as xw

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_json_value(v) for v in r] for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        sheets.append({"name": ws.title, "values": rows or [[]], "pictures": [], "tables": []})
    return {"client": client, "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": wb.index(wb.active), "selection": "A1"},
            "names": [], "sheets": sheets}


def book(path: Path, client: str = "Microsoft Office Scripts"):
    import xlwings as xw

    return xw.Book(json=payload(path, client))
