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

from xlcustseg.workbook.port import ChartSpec, SheetData, column_letter

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
        """The template's text and places (defined names); its styles only where Excel can copy sheets."""
        if self._copy_in_excel(template, template_sheet, name):
            source = openpyxl.load_workbook(template)
        else:
            self.replace_sheet(name)
            source = openpyxl.load_workbook(template)
            ws = source[template_sheet]
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        self.book.sheets[name].range((cell.row, cell.column)).value = _cell_value(cell.value)
        anchors = {}
        for defined in source.defined_names.values():
            for sheet_title, ref in defined.destinations:
                if sheet_title == template_sheet:
                    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

                    letters, row = coordinate_from_string(ref.replace("$", "").split(":")[0])
                    anchors[defined.name] = (row, column_index_from_string(letters))
        return anchors

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
        ws = self.book.sheets[sheet]
        try:
            anchor = ws.range(chart.anchor)
            made = ws.charts.add(left=anchor.left, top=anchor.top, width=420, height=220)
            made.chart_type = "column_clustered" if chart.kind == "bar" else "line"
            first, last, col = chart.categories
            (_, _, series_col), = chart.series
            source = f"{column_letter(col)}{first - 1}:{column_letter(col)}{last}"
            made.set_source_data(ws.range(source).resize(last - first + 2, series_col - col + 1))
        except (NotImplementedError, AttributeError):
            self._skip("charts")

    def _skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)
