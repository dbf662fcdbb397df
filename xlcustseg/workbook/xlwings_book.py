"""The workbook port over an xlwings Book: live Excel, xlwings Lite and xlwings' JSON book.

Each column is one array write (`options(transpose=True).value = [...]`), never
cell by cell. Text that Excel would take for a formula (`xlcustseg.cells.to_cell`
marks it) is written with a leading apostrophe, which Excel keeps as a text
marker and does not show.

On the remote engines (xlwings Lite, Server and the JSON book) a write is an
action sent back to Excel when the script ends, so the book's values do not
change meanwhile; the adapter keeps what it wrote and lays it over what it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from xlcustseg.cells import FormulaLikeText, from_rows, to_cells, used_block
from xlcustseg.workbook.port import Block, ChartSpec, SheetData, overlay
from xlcustseg.workbook.template import anchors as template_anchors


class XlwingsBook:
    """Adapter: `XlwingsBook(xw.Book.caller())`, or over a Lite or JSON book."""

    def __init__(self, book: Any):
        self.book = book
        self.skipped: list[str] = []  # what this engine could not do (e.g. number formats in the JSON book)
        self._remote = getattr(getattr(book.app, "engine", None), "type", None) == "remote"
        self._written: dict[str, list[Block]] = {}  # remote engines: our writes, read back from here

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
        values = used.options(ndim=2, err_to_str=True).value or [[]]  # error cells as "#N/A" text: noted
        written = [Block(b.row, b.col, from_rows(b.rows)) for b in self._written.get(sheet, [])]
        rows, first_row, first_col = used_block(*overlay(from_rows(values), used.row, used.column, written))
        bounds, name = None, None
        tables = list(getattr(ws, "tables", []) or [])
        if tables:
            table = tables[0]
            rng = table.range
            bounds = (rng.row, rng.column, rng.row + rng.shape[0] - 1, rng.column + rng.shape[1] - 1)
            name = table.name
        return SheetData(rows, first_row, first_col, name, bounds, _shows_totals(tables[0]) if tables else False)

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
        self._put(sheet, row, col, [[v] for v in to_cells(values)])
        if number_format and len(values) > 1:
            self._format(self.book.sheets[sheet].range((row + 1, col), (row + len(values) - 1, col)), number_format)

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """One array write of all the columns side by side; each column's number format from its second cell."""
        if not columns:
            return
        height = max(len(c) for c in columns)
        converted = [to_cells([*c, *[None] * (height - len(c))]) for c in columns]
        self._put(sheet, row, col, [list(r) for r in zip(*converted, strict=True)])
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
        target = self.book.sheets[sheet].range((row, col), (row + len(block) - 1, col + len(block[0]) - 1))
        target.value = [[_excel_text(v) for v in r] for r in block]
        if self._remote:
            self._written.setdefault(sheet, []).append(Block(row, col, block))  # read as values only when read

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
        values go in as one block write (styles need Excel's sheet copy)."""
        source = openpyxl.load_workbook(template)
        if not self._copy_in_excel(template, template_sheet, name):
            self.replace_sheet(name)
            ws = source[template_sheet]
            block = [to_cells(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
            if block and any(v is not None for row in block for v in row):
                self._put(name, 1, 1, block)
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


def _excel_text(value: Any) -> Any:
    """Formula-like text as Excel keeps text: behind an apostrophe."""
    return "'" + value if isinstance(value, FormulaLikeText) else value


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
