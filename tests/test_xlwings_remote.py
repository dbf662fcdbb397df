"""The JSON book's fast path (xlwings Lite and Server): XlwingsBook reads the raw JSON values and writes raw
JSON values, so what it reads must be what xlwings' own `.value` reads, and what it sends what `.value =` sends."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonbook  # sets xlwings' noncommercial key for the JSON engine
import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwings as xw
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string

from xlcustseg import main
from xlcustseg.cells import Formula, from_rows, to_cells, used_block
from xlcustseg.workbook import remote_styles
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book
from xlcustseg.workbook.summary_sheet import template_path
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


# ------------------------------------------------------------------ the summary template's styles on the JSON book
SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"
ZH = SAMPLES / "客户名单示例.xlsx"
STYLE_ACTIONS = {"setRangeColor", "setFontProperty", "setNumberFormat", "setBorderProperty", "setWrapText",
                 "setHorizontalAlignment", "setVerticalAlignment", "setColumnWidth", "setRowHeight", "setShowGridlines"}
SIDES = {"edge_top": ("top", "first"), "edge_bottom": ("bottom", "last"), "edge_left": ("left", "first"),
         "edge_right": ("right", "last")}


def _looks(cell: Any) -> dict[str, Any]:
    """What a cell of an openpyxl sheet shows beyond a blank cell: bold, italic, size, colours, number format,
    alignment, and each drawn border side with its colour."""
    font, fill, align = cell.font, cell.fill, cell.alignment
    rgb = lambda c: "#" + c.rgb[-6:] if c is not None and c.type == "rgb" and c.rgb != "00000000" else None  # noqa: E731
    looks = {"bold": bool(font.b), "italic": bool(font.i), "size": float(font.sz or 11), "color": rgb(font.color),
             "fill": rgb(fill.fgColor) if fill.fill_type == "solid" else None,
             "format": cell.number_format, "wrap": bool(align.wrap_text), "align": align.horizontal}
    for side in ("top", "bottom", "left", "right"):
        border = getattr(cell.border, side)
        looks[side] = (border.style, rgb(border.color)) if border is not None and border.style else None
    return looks


def _replayed(actions: list[dict], position: int, cells: set[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """The same looks for `cells` of the sheet at `position`, built from the style actions sent to it in order."""
    looks = {cell: {"bold": False, "italic": False, "size": 11.0, "color": None, "fill": None, "format": "General",
                    "wrap": False, "align": None, "top": None, "bottom": None, "left": None, "right": None}
             for cell in cells}
    borders: dict[tuple[int, int], dict[str, dict[str, Any]]] = {}
    for a in actions:
        if a["sheet_position"] != position or a["func"] not in STYLE_ACTIONS or a["start_row"] is None:
            continue
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        r1, c1 = r0 + a["row_count"] - 1, c0 + a["column_count"] - 1
        for (r, c), look in looks.items():
            if not (r0 <= r <= r1 and c0 <= c <= c1):
                continue
            func, args = a["func"], a["args"]
            if func == "setRangeColor":
                look["fill"] = args[0]
            elif func == "setFontProperty":
                look[{"bold": "bold", "italic": "italic", "size": "size", "color": "color"}.get(args[0], "_")] = args[1]
            elif func == "setNumberFormat":
                look["format"] = args[0]
            elif func == "setWrapText":
                look["wrap"] = args[0]
            elif func == "setHorizontalAlignment":
                look["align"] = args[0].lower()
            elif func == "setBorderProperty":
                sides = []
                if args[0] in SIDES:
                    side, end = SIDES[args[0]]
                    at = (r if side in ("top", "bottom") else c, (r0, r1) if side in ("top", "bottom") else (c0, c1))
                    if at[0] == at[1][0 if end == "first" else 1]:
                        sides.append(side)
                elif args[0] == "inside_horizontal":
                    sides += ["top"] * (r > r0) + ["bottom"] * (r < r1)
                elif args[0] == "inside_vertical":
                    sides += ["left"] * (c > c0) + ["right"] * (c < c1)
                for side in sides:
                    borders.setdefault((r, c), {}).setdefault(side, {})[args[1]] = args[2]
    for cell, sides in borders.items():
        for side, attrs in sides.items():
            style = {("continuous", "thin"): "thin"}.get((attrs.get("line_style"), attrs.get("weight", "thin")))
            looks[cell][side] = (style, attrs.get("color").upper() if attrs.get("color") else None)
    return looks


def test_the_summary_on_the_json_book_looks_as_the_file_routes():
    """Office.js client (xlwings Lite): every cell of the summary has the file route's bold, italic, size, font and
    fill colours, number format, wrap, alignment and borders (the template's, plus the filler's number formats)."""
    book, _ = open_book(ZH)
    report = segment_book(book)
    with tempfile.TemporaryDirectory() as tmp:
        book.save(Path(tmp) / "out.xlsx")
        expected_sheet = openpyxl.load_workbook(Path(tmp) / "out.xlsx")[report.summary_sheet]
    expected = {(c.row, c.column): _looks(c) for row in expected_sheet.iter_rows() for c in row}
    remote = jsonbook.book(ZH, "Office.js")
    clicked = main(remote)
    actions = remote.json()["actions"]
    position = [s.name for s in remote.sheets].index(clicked.summary_sheet)
    got = _replayed(actions, position, set(expected))
    styled = {k for k, v in expected.items() if v["bold"] or v["fill"] or v["format"] != "General" or v["top"]}
    assert len(styled) > 200  # fixed headers, the filler's number formats (run-sized tables: conditional formats)
    blank = {(c.row, c.column) for row in expected_sheet.iter_rows() for c in row if c.value is None}
    for k in blank:  # a number format on an empty cell shows nothing (the file route writes no empty cell)
        got[k]["format"] = expected[k]["format"] = None
    assert {k: got[k] for k in expected if got[k] != expected[k]} == {}
    widths = {a["start_column"] + 1 + j: a["args"][0] for a in actions if a["func"] == "setColumnWidth"
              for j in range(a["column_count"])}
    template = openpyxl.load_workbook(template_path())["Summary"]
    assert widths == {c: round(d.width * 7 * 0.75, 2) for k, d in template.column_dimensions.items() if d.width
                      for c in range(d.min or column_index_from_string(k), (d.max or column_index_from_string(k)) + 1)}
    assert len([a for a in actions if a["func"] == "setColumnWidth"]) < len(widths)  # D:E in one action
    gridlines = [(a["sheet_position"], a["args"]) for a in actions if a["func"] == "setShowGridlines"]
    assert gridlines == [(position, [False])]


def test_other_clients_get_fills_and_number_formats_and_are_told_the_rest():
    """The Office Scripts client registers no font, border, alignment or width callback: none is sent to it, and
    the run's message says what was left out."""
    remote = jsonbook.book(ZH)
    main(remote)
    actions = remote.json()["actions"]
    sent = {a["func"] for a in actions}
    assert {"setRangeColor", "setNumberFormat"} <= sent
    assert not sent & (STYLE_ACTIONS - remote_styles.EVERY_CLIENT)
    said = " ".join(str(a["args"][0]) for a in actions if a["func"] == "alert")
    assert "template styles (fonts, borders, alignment, column widths, gridlines)" in said


def test_only_office_js_is_sent_what_the_other_clients_cannot_do():
    """The callbacks the installed xlwings' Office Scripts (js/xlwings.ts) and VBA (addin/Remote.bas) clients
    register: fills and number formats, none of the other style actions."""
    folder = Path(xw.__file__).parent
    scripts = set(re.findall(r"registerCallback\((\w+)\)", (folder / "js" / "xlwings.ts").read_text()))
    vba = set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", (folder / "addin" / "Remote.bas")
                         .read_text(encoding="latin-1"), re.M))
    assert "setValues" in scripts and "setValues" in vba
    assert scripts & vba >= remote_styles.EVERY_CLIENT
    assert not (set(remote_styles.ACTIONS.values()) - remote_styles.EVERY_CLIENT) & (scripts | vba)


def _customers(n: int, client: str) -> Any:
    """A JSON book of n customers (id, revenue, orders, first and last purchase), the same mix at any n."""
    rng = np.random.default_rng(5)
    last = np.datetime64("2024-12-31") - rng.integers(0, 900, n).astype("timedelta64[D]")
    first = last - rng.integers(0, 1500, n).astype("timedelta64[D]")
    iso = lambda d: f"{d}T00:00:00.000Z"  # noqa: E731
    rows = [["Customer ID", "Revenue", "Orders", "First purchase", "Last purchase"]]
    rows += [[f"C{i}", float(r), float(o), iso(f), iso(la)] for i, (r, o, f, la) in enumerate(
        zip(np.round(rng.lognormal(7, 1.2, n), 2), rng.geometric(0.3, n), first, last, strict=True))]
    return xw.Book(json={"client": client, "version": xw.__version__,
                         "book": {"name": "c.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                         "sheets": [{"name": "Customers", "values": rows, "pictures": [], "tables": []}]})


def test_the_summarys_actions_do_not_grow_with_the_customers():
    """300 or 6,000 customers: the same style actions on the summary, and the same number of actions in all."""
    counts = []
    for n in (300, 6_000):
        remote = _customers(n, "Office.js")
        report = main(remote)
        position = [s.name for s in remote.sheets].index(report.summary_sheet)
        on_summary = [a["func"] for a in remote.json()["actions"] if a["sheet_position"] == position]
        counts.append((len(on_summary), sorted(f for f in on_summary if f in STYLE_ACTIONS)))
    assert counts[0] == counts[1]
    assert counts[0][0] < 300  # the template's styles one action per rectangle, never per cell (1,500 cells)


def test_the_remote_engines_do_not_tell_where_merged_cells_are():
    """Issue #15, as docs/security.md states it: no xlwings client sends merge areas, and the remote Range refuses
    to read them synchronously, so the adapter answers none (when xlwings changes this, this test says so)."""
    folder = Path(xw.__file__).parent
    for client in (folder / "js" / "xlwings.ts", folder / "addin" / "Remote.bas"):
        assert "merge" not in client.read_text(encoding="latin-1").lower()
    remote = _book([["Title", "", ""], ["Name", "When", "Amount"], ["C1", "2024-01-02T00:00:00.000Z", 2.5]])
    for read in ("merge_cells", "merge_area"):
        with pytest.raises(NotImplementedError):
            getattr(remote.sheets["Data"].range("A1:C1"), read)
    assert XlwingsBook(remote).merged_ranges("Data") == []


@given(st.sets(st.tuples(st.integers(1, 12), st.integers(1, 8)), max_size=60))
def test_rectangles_cover_exactly_the_cells(cells):
    boxes = remote_styles.rectangles(cells)
    covered = [(r, c) for r0, c0, r1, c1 in boxes for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    assert sorted(covered) == sorted(cells)  # every cell once: no gap, no overlap, nothing more
    runs = {(r, c) for r, c in cells if (r, c - 1) not in cells}
    assert len(boxes) <= len(runs)


def test_a_plain_sheet_has_no_styles_to_send():
    ws = openpyxl.Workbook().active
    ws["B2"] = "text"
    assert remote_styles.template_styles(ws) == []
    ws["B2"].font = openpyxl.styles.Font(bold=True)
    ws.sheet_view.showGridLines = False
    assert [(s.kind, s.value, s.boxes) for s in remote_styles.template_styles(ws)] == \
        [("bold", True, ((2, 2, 2, 2),)), ("gridlines", False, ())]
