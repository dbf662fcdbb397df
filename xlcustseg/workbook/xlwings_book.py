"""The workbook port over an xlwings Book: live Excel, xlwings Lite and xlwings' JSON book.

Each column is one array write (`options(transpose=True).value = [...]`), never
cell by cell. Text that Excel would take for a formula is written with a
leading apostrophe, which Excel keeps as a text marker and does not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from xlcustseg.workbook.port import ChartSpec, SheetData
from xlcustseg.workbook.template import anchors as template_anchors

FORMULA_LIKE = ("=", "+", "-", "@")


def _cell_value(value: Any, formulas: bool = False) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str) and value.startswith(FORMULA_LIKE) and not (formulas and value.startswith("=")):
        return "'" + value
    return value


class XlwingsBook:
    """Adapter: `XlwingsBook(xw.Book.caller())`."""

    def __init__(self, book):
        self.book = book
        self.skipped: list[str] = []  # what this engine could not do (e.g. charts in the JSON book)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def active_sheet(self) -> str:
        return self.book.sheets.active.name

    def read(self, sheet: str) -> SheetData:
        ws = self.book.sheets[sheet]
        used = ws.used_range
        values = used.options(ndim=2, err_to_str=True).value or [[]]  # error cells as "#N/A" text: noted
        bounds, name = None, None
        tables = list(getattr(ws, "tables", []) or [])
        if tables:
            table = tables[0]
            rng = table.range
            bounds = (rng.row, rng.column, rng.row + rng.shape[0] - 1, rng.column + rng.shape[1] - 1)
            name = table.name
        return SheetData([list(r) for r in values], used.row, used.column, name, bounds)

    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        target = self.book.sheets[sheet].range((row, col), (row + len(values) - 1, col))
        target.options(transpose=True).value = [_cell_value(v) for v in values]
        if number_format and len(values) > 1:
            self._format(self.book.sheets[sheet].range((row + 1, col), (row + len(values) - 1, col)), number_format)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        block = [[_cell_value(v, formulas=True) for v in r] + [None] * (width - len(r)) for r in rows]
        ws = self.book.sheets[sheet]
        ws.range((row, col), (row + len(block) - 1, col + width - 1)).value = block
        for j, fmt in enumerate(formats or []):
            if fmt:
                self._format(ws.range((row, col + j), (row + len(block) - 1, col + j)), fmt)

    def _format(self, rng, number_format: str) -> None:
        try:
            rng.number_format = number_format
        except (NotImplementedError, AttributeError):
            self._skip("number formats")

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        ws = self.book.sheets[sheet]
        try:
            table = ws.tables[table_name]
            rng = table.range
            table.resize(ws.range((rng.row, rng.column), (rng.row + rng.shape[0] - 1, last_col)))
        except (NotImplementedError, AttributeError, KeyError):
            self._skip("growing the Excel Table")

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        if name in self.sheet_names():
            self.book.sheets[name].delete()
        anchor = self.book.sheets[after] if after in self.sheet_names() else self.book.sheets[-1]
        self.book.sheets.add(name, after=anchor)

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """The template's places (defined names) and content: Excel copies the styled sheet; elsewhere its
        values go in as one block write (styles need Excel's sheet copy)."""
        source = openpyxl.load_workbook(template)
        if not self._copy_in_excel(template, template_sheet, name):
            self.replace_sheet(name)
            ws = source[template_sheet]
            block = [[_cell_value(v) for v in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
            if block and any(v is not None for row in block for v in row):
                self.book.sheets[name].range((1, 1), (len(block), len(block[0]))).value = block
        return template_anchors(source, template_sheet)

    def _copy_in_excel(self, template: Path, template_sheet: str, name: str) -> bool:
        """Classic Excel: copy the styled template sheet in. False on engines that cannot."""
        if getattr(self.book.app, "engine", None) is None or self.book.app.engine.name not in ("excel",):
            return False
        source = self.book.app.books.open(str(template))
        try:
            if name in self.sheet_names():
                self.book.sheets[name].delete()
            source.sheets[template_sheet].copy(after=self.book.sheets[-1], name=name)
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
