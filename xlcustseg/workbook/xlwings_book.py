"""The workbook port over an xlwings Book: live Excel, xlwings Lite and xlwings' JSON book.

Each column is one array write (`options(transpose=True).value = [...]`), never
cell by cell. Text that Excel would take for a formula (`xlcustseg.cells.to_cell`
marks it) is written with a leading apostrophe, which Excel keeps as a text
marker and does not show.

On the remote engines (xlwings Lite, Server and the JSON book) a write is an
action sent back to Excel when the script ends, so the book's values do not
change meanwhile; the adapter keeps what it wrote and lays it over what it reads.
There every call that goes through xlwings' value conversion copies the whole
sheet (`Range.api`) and converts cell by cell, so the adapter reads the used
range once as raw JSON values and writes raw JSON values (`raw_value`), doing
the same conversions itself in one pass: what it reads is what `.value` reads,
what it writes is what `.value =` sends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd

from xlcustseg.cells import FORMULA_LIKE, Formula, FormulaLikeText, from_cell, from_rows, to_cell, to_cells, used_block
from xlcustseg.workbook import remote_styles
from xlcustseg.workbook.port import Block, ChartSpec, SheetData, overlay
from xlcustseg.workbook.template import anchors as template_anchors


class XlwingsBook:
    """Adapter: `XlwingsBook(xw.Book.caller())`, or over a Lite or JSON book."""

    def __init__(self, book: Any):
        self.book = book
        self.skipped: list[str] = []  # what this engine could not do (e.g. number formats in the JSON book)
        self._remote = getattr(getattr(book.app, "engine", None), "type", None) == "remote"
        # remote engines: our writes, read back from here (each block's values made only when read)
        self._written: dict[str, list[tuple[int, int, Callable[[], list[list[Any]]]]]] = {}

    def sheet_names(self) -> list[str]:
        """The sheets in workbook order."""
        return [s.name for s in self.book.sheets]

    def active_sheet(self) -> str:
        """The sheet the user is on."""
        return self.book.sheets.active.name

    def read(self, sheet: str) -> SheetData:
        """The used range's values (error cells as their text), with our writes laid over on remote engines."""
        ws = self.book.sheets[sheet]
        used = ws.used_range
        written = [Block(r, c, from_rows(rows())) for r, c, rows in self._written.get(sheet, [])]
        rows, first_row, first_col = _used_block(*overlay(self._values(used), used.row, used.column, written))
        bounds, name = None, None
        tables = list(getattr(ws, "tables", []) or [])
        if tables:
            table = tables[0]
            rng = table.range
            bounds = (rng.row, rng.column, rng.row + rng.shape[0] - 1, rng.column + rng.shape[1] - 1)
            name = table.name
        return SheetData(rows, first_row, first_col, name, bounds, _shows_totals(tables[0]) if tables else False)

    def _values(self, used: Any) -> list[list[Any]]:
        """The range's values as `from_rows` gives them, error cells as their text ("#N/A": noted).

        Remote engines: the raw JSON values converted in one pass as xlwings' `.value`
        would (ISO date text → datetime, "" → None), then as `from_cell`.
        """
        if not self._remote:
            return from_rows(used.options(ndim=2, err_to_str=True).value or [[]])
        seen: dict[Any, Any] = {}  # a date column repeats its few thousand days

        def convert(value: Any) -> Any:
            if value.__class__ is not str:
                return _from_remote(value)
            if value not in seen:
                seen[value] = _from_remote(value)
            return seen[value]

        start = _DATE_START  # text that cannot be a date passes as it is
        return [[v if (v.__class__ is float and v == v) or (v.__class__ is str and v and v[0] not in start)
                 else convert(v) for v in row] for row in used.raw_value]

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """Excel: the merge areas in the used range and 64 columns right of it; remote engines: [] (unseen)."""
        if self._remote:
            return []
        ws = self.book.sheets[sheet]
        used = ws.used_range
        found: set[tuple[int, int, int, int]] = set()
        _merge_areas(ws, (used.row, used.column, used.last_cell.row, used.last_cell.column + 64), found)
        return sorted(found)

    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """One array write downwards from (row, col); the number format from the second cell down."""
        if self._remote:
            self._send(sheet, row, col, [[v] for v in self._wire(values)],
                       lambda: [[v] for v in to_cells(values)])
        else:
            self._put(sheet, row, col, [[v] for v in to_cells(values)])
        if number_format and len(values) > 1:
            self._format(self.book.sheets[sheet].range((row + 1, col), (row + len(values) - 1, col)), number_format)

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """One array write of all the columns side by side; each column's number format from its second cell."""
        if not columns:
            return
        height = max(len(c) for c in columns)
        padded = [[*c, *[None] * (height - len(c))] for c in columns]
        if self._remote:
            self._send(sheet, row, col, [list(r) for r in zip(*map(self._wire, padded), strict=True)],
                       lambda: [list(r) for r in zip(*map(to_cells, padded), strict=True)])
        else:
            self._put(sheet, row, col, [list(r) for r in zip(*map(to_cells, padded), strict=True)])
        ws = self.book.sheets[sheet]
        for j, number_format in enumerate(number_formats):
            if number_format and height > 1:
                self._format(ws.range((row + 1, col + j), (row + height - 1, col + j)), number_format)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        """One array write of the block (short rows padded with blanks); formats per column."""
        if not rows:
            return
        width = max(len(r) for r in rows)
        block = [to_cells([*r, *[None] * (width - len(r))]) for r in rows]
        self._put(sheet, row, col, block)
        ws = self.book.sheets[sheet]
        for j, fmt in enumerate(formats or []):
            if fmt:
                self._format(ws.range((row, col + j), (row + len(block) - 1, col + j)), fmt)

    def _put(self, sheet: str, row: int, col: int, block: list[list[Any]]) -> None:
        """One array write of converted values (`to_cells`); kept for reading back on remote engines."""
        if not block or not block[0]:
            return
        if self._remote:
            self._send(sheet, row, col, [self._wire(r) for r in block], lambda: block)
            return
        target = self.book.sheets[sheet].range((row, col), (row + len(block) - 1, col + len(block[0]) - 1))
        target.value = [[_excel_text(v) for v in r] for r in block]

    def _send(self, sheet: str, row: int, col: int, wire: list[list[Any]],
              readable: Callable[[], list[list[Any]]]) -> None:
        """Remote engines: JSON-ready values written as `.value =` would, in actions of at most the engine's
        cells per write (xlwings' budget, 100,000); `readable()` gives them as `to_cells` would."""
        if not wire or not wire[0]:
            return
        ws, width = self.book.sheets[sheet], len(wire[0])
        budget = ws.range((row, col)).impl.max_cells_per_write
        step = len(wire) if budget is None or len(wire) * width <= budget else max(1, budget // width)
        for start in range(0, len(wire), step):
            part = wire[start:start + step]  # no conversion and no copy of the sheet: `_wire` did that
            ws.range((row + start, col), (row + start + len(part) - 1, col + width - 1)).raw_value = part
        self._written.setdefault(sheet, []).append((row, col, readable))

    def _wire(self, values: Sequence[Any]) -> list[Any]:
        """Values as the remote engine's `.value =` sends them: `to_cell`, the apostrophe, then xlwings'
        own cleaning (blank → "", dates → ISO text); plain floats, ints and text on a fast path."""
        prepare = self.book.app.engine.impl.prepare_xl_data_element
        days: dict[pd.Timestamp, Any] = {}  # a date column repeats its few thousand days

        def slow(value: Any) -> Any:
            if value is None:
                return ""
            if value.__class__ is not pd.Timestamp or value.tzinfo is not None:
                return prepare(_excel_text(to_cell(value)), {})
            if value not in days:
                days[value] = prepare(to_cell(value), {})
            return days[value]

        return [v if (v.__class__ is float and v == v) or v.__class__ is int
                or (v.__class__ is str and not v.startswith(FORMULA_LIKE)) else slow(v) for v in values]

    def _format(self, rng: Any, number_format: str) -> None:
        try:
            rng.number_format = number_format
        except (NotImplementedError, AttributeError):
            self._skip("number formats")

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Resize the Table to `last_col`; noted as skipped where the engine cannot."""
        ws = self.book.sheets[sheet]
        try:
            table = ws.tables[table_name]
            rng = table.range
            table.resize(ws.range((rng.row, rng.column), (rng.row + rng.shape[0] - 1, last_col)))
        except (NotImplementedError, AttributeError, KeyError):
            self._skip("growing the Excel Table")

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        """An empty sheet `name`, in the old one's place, else after `after`, else last."""
        where = self._drop(name, after)
        self.book.sheets.add(name, **where)

    def _drop(self, name: str, after: str | None) -> dict[str, Any]:
        """Delete sheet `name` if there is one; where its successor goes (`before=`/`after=` of Sheets.add)."""
        names = self.sheet_names()
        sheets = self.book.sheets
        if name not in names:
            return {"after": sheets[after] if after in names else sheets[-1]}
        index = names.index(name)
        sheets[name].delete()
        self._written.pop(name, None)
        return {"after": sheets[index - 1]} if index else {"before": sheets[0]}

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """The template's places (defined names) and content: Excel copies the styled sheet; elsewhere its
        values go in as one block write, and on the remote engines its styles follow, one action per
        style and rectangle of cells sharing it (`remote_styles`); what the client cannot take is noted."""
        source = openpyxl.load_workbook(template)
        if not self._copy_in_excel(template, template_sheet, name):
            self.replace_sheet(name)
            ws = source[template_sheet]
            block = [to_cells(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
            if block and any(v is not None for row in block for v in row):
                self._put(name, 1, 1, block)
            if self._remote:
                client = self.book.impl.api.get("client", "")
                left_out = remote_styles.apply(self.book.sheets[name], remote_styles.template_styles(ws), client)
                if left_out:
                    self._skip("template styles (" + ", ".join(dict.fromkeys(_STYLE_WORDS[k] for k in left_out)) + ")")
        return template_anchors(source, template_sheet)

    def _copy_in_excel(self, template: Path, template_sheet: str, name: str) -> bool:
        """Classic Excel: copy the styled template sheet in. False on engines that cannot."""
        if getattr(self.book.app, "engine", None) is None or self.book.app.engine.name not in ("excel",):
            return False
        source = self.book.app.books.open(str(template))
        try:
            source.sheets[template_sheet].copy(name=name, **self._drop(name, None))
        finally:
            source.close()
        return True

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """A native chart of the series against the categories, with its titles (Excel, Lite and the JSON book).

        xlwings' `Charts.add(anchor=…)`, `Chart.set_x_axis_values` and axis titles
        (xlwings ≥ 0.37) work on every engine; an older xlwings is noted as skipped.
        """
        ws = self.book.sheets[sheet]
        first, last, col = chart.categories
        try:
            made = ws.charts.add(chart_type="column_clustered" if chart.kind == "bar" else "line",
                                 anchor=ws.range(chart.anchor), width=420, height=220)
            for i, (header_row, last_row, series_col) in enumerate(chart.series):
                data = ws.range((header_row, series_col), (last_row, series_col))
                if i == 0:
                    made.set_source_data(data)
                else:
                    made.series.add(data)
            made.set_x_axis_values(ws.range((first, col), (last, col)))
            made.title = chart.title
            if chart.y_title:
                made.value_axis.title = chart.y_title
            if chart.x_title:
                made.category_axis.title = chart.x_title
        except (NotImplementedError, AttributeError, TypeError):
            self._skip("charts")

    def _skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)


# xlwings' remote engines send a date cell as ISO text, "2024-01-31T00:00:00.000Z", and `.value` reads text
# of this form as a datetime (the pattern of its remote engine, copied).
_REMOTE_DATE = re.compile(r"^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])"
                          r"T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?"
                          r"(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$")


_DATE_START = frozenset("-0123456789")

# how a left-out style kind of `remote_styles` is named in the run's message
_STYLE_WORDS = {"fill": "fills", "number_format": "number formats", "bold": "fonts", "italic": "fonts",
                "size": "fonts", "font_color": "fonts", "font_name": "fonts", "border": "borders",
                "wrap": "alignment", "horizontal": "alignment", "vertical": "alignment", "width": "column widths",
                "height": "row heights", "gridlines": "gridlines"}


def _from_remote(value: Any) -> Any:
    """One raw JSON cell as `.options(err_to_str=True).value` then `from_cell` read it."""
    if isinstance(value, str) and value and _REMOTE_DATE.match(value):
        return dt.datetime.fromisoformat(value[:-1])  # as xlwings: the "Z" cut off
    return from_cell(value)


def _used_block(rows: list[list[Any]], first_row: int, first_col: int) -> tuple[list[list[Any]], int, int]:
    """`cells.used_block`, on NumPy when the rows are all one length (a range as read): the same answer."""
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        return used_block(rows, first_row, first_col)
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:] = rows
    filled = ~np.equal(grid, None)
    used_rows = np.flatnonzero(filled.any(axis=1))
    if not len(used_rows):
        return [], first_row, first_col
    top, bottom = used_rows[0], used_rows[-1]
    used_cols = np.flatnonzero(filled[top:bottom + 1].any(axis=0))
    left, right = used_cols[0], used_cols[-1]
    if (top, bottom, left, right) == (0, len(rows) - 1, 0, len(rows[0]) - 1):
        return rows, first_row, first_col  # nothing to cut: the rows as they are
    return grid[top:bottom + 1, left:right + 1].tolist(), first_row + int(top), first_col + int(left)


def _excel_text(value: Any) -> Any:
    """Formula-like text as Excel keeps text: behind an apostrophe; a `Formula` of ours as plain text."""
    if isinstance(value, FormulaLikeText):
        return "'" + value
    return str(value) if isinstance(value, Formula) else value


def _shows_totals(table: Any) -> bool:
    """Whether the Table's totals row is shown (False where the engine cannot say)."""
    try:
        return bool(table.show_totals)
    except (NotImplementedError, AttributeError, KeyError):
        return False


def _merge_areas(ws: Any, box: tuple[int, int, int, int], found: set[tuple[int, int, int, int]]) -> None:
    """Excel's merge areas inside `box`, halving the box where it is partly merged (few calls for few merges)."""
    r0, c0, r1, c1 = box
    merged = ws.range((r0, c0), (r1, c1)).merge_cells  # False: none, True: all, None: some
    if merged is False:
        return
    if merged is True or (r0, c0) == (r1, c1):
        area = ws.range((r0, c0)).merge_area
        found.add((area.row, area.column, area.last_cell.row, area.last_cell.column))
        if (area.row, area.column, area.last_cell.row, area.last_cell.column) == box or (r0, c0) == (r1, c1):
            return
    if r1 - r0 >= c1 - c0:
        middle = (r0 + r1) // 2
        halves = ((r0, c0, middle, c1), (middle + 1, c0, r1, c1))
    else:
        middle = (c0 + c1) // 2
        halves = ((r0, c0, r1, middle), (r0, middle + 1, r1, c1))
    for half in halves:
        _merge_areas(ws, half, found)
