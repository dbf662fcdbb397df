"""The workbook port over an openpyxl Workbook (files, without Excel).

Values are read with python-calamine when the book came from a file (fast, and
it returns the cached results of formulas); everything is written with openpyxl.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from copy import copy
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from xlcustseg.workbook.port import ChartSpec, SheetData, column_letter, quote_sheet
from xlcustseg.workbook.sheet_patch import PendingColumn, patch_file
from xlcustseg.workbook.template import anchors as template_anchors

FORMULA_LIKE = ("=", "+", "-", "@")
#: columns longer than this are spliced into the saved XML instead of built cell by cell
DEFER_ROWS = 500


class OpenpyxlBook:
    """Adapter: `OpenpyxlBook(openpyxl.load_workbook(path), source=path)`."""

    def __init__(self, workbook: openpyxl.Workbook, source: Path | None = None, active: str | None = None):
        self.wb = workbook
        self.source = source
        self._active = active
        self._pending: dict[str, list[PendingColumn]] = {}

    # -- reading
    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def active_sheet(self) -> str:
        return self._active or self.wb.active.title

    def read(self, sheet: str) -> SheetData:
        ws = self.wb[sheet]
        table = next(iter(ws.tables.values()), None)
        rows, first_row, first_col = self._values(sheet)
        if table is None:
            return SheetData(rows, first_row, first_col)
        (r0, c0), (r1, c1) = _bounds(table.ref)
        return SheetData(rows, first_row, first_col, table.displayName, (r0, c0, r1, c1))

    def _values(self, sheet: str) -> tuple[list[list[Any]], int, int]:
        if self.source is not None and self.source.suffix.lower() in (".xlsx", ".xlsm"):
            import python_calamine

            data = python_calamine.CalamineWorkbook.from_path(str(self.source)).get_sheet_by_name(sheet)
            start = data.start or (0, 0)
            cells = self.wb[sheet]._cells
            values = [[v if v != "" else _error_or_blank(cells, start[0] + 1 + i, start[1] + 1 + j)
                       for j, v in enumerate(row)] for i, row in enumerate(data.to_python(skip_empty_area=True))]
            return values, start[0] + 1, start[1] + 1
        ws = self.wb[sheet]
        first_row, first_col = ws.min_row, ws.min_column
        values = [list(r) for r in ws.iter_rows(min_row=first_row, min_col=first_col, values_only=True)]
        return values, first_row, first_col

    # -- writing
    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        ws = self.wb[sheet]
        if len(values) <= DEFER_ROWS:
            for offset, value in enumerate(values):
                _set(ws.cell(row=row + offset, column=col), value, number_format)
            return
        _set(ws.cell(row=row, column=col), values[0], number_format)  # the header, through openpyxl
        rest = list(values[1:])
        if number_format is None and any(isinstance(v, dt.date) for v in rest):
            number_format = "yyyy-mm-dd"
        if col <= ws.max_column:  # a re-run: the old cells make way
            for offset in range(len(rest)):
                ws._cells.pop((row + 1 + offset, col), None)
        style = Cell(ws)
        if number_format:
            style.number_format = number_format
        self._pending.setdefault(sheet, []).append(PendingColumn(col, row + 1, rest, style.style_id))

    def save(self, path: Path) -> None:
        """Save to `path` (a new file): openpyxl writes the workbook, long columns are spliced in."""
        for sheet, columns in self._pending.items():
            ws = self.wb[sheet]
            present = {r for r, _ in ws._cells}
            for column in columns:  # rows with no cell at all get theirs through openpyxl
                for offset, value in enumerate(column.values):
                    if value is not None and column.first_row + offset not in present:
                        _set(ws.cell(row=column.first_row + offset, column=column.col), value, None)
                        column.values[offset] = None
        self.wb.save(path)
        patch_file(Path(path), self._pending)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        ws = self.wb[sheet]
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                fmt = formats[j] if formats and j < len(formats) else None
                cell = ws.cell(row=row + i, column=col + j)
                if isinstance(value, str) and value.startswith("="):
                    cell.value = value  # our own formula
                    if fmt:
                        cell.number_format = fmt
                else:
                    _set(cell, value, fmt)

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        ws = self.wb[sheet]
        table = ws.tables[table_name]
        (r0, c0), (r1, c1) = _bounds(table.ref)
        if last_col <= c1:
            return
        existing = {c.name for c in table.tableColumns}
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        for col in range(c1 + 1, last_col + 1):
            name = str(ws.cell(row=r0, column=col).value or f"Column{col}")
            if name not in existing:
                table.tableColumns.append(TableColumn(id=next_id, name=name))
                next_id += 1
        table.ref = f"{column_letter(c0)}{r0}:{column_letter(last_col)}{r1}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        index = None
        if name in self.wb.sheetnames:
            index = self.wb.sheetnames.index(name)
            del self.wb[name]
        elif after in self.wb.sheetnames:
            index = self.wb.sheetnames.index(after) + 1
        self.wb.create_sheet(name, index)

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """Copy a template sheet (values, styles, widths, merges) in as `name`.

        Returns the template's defined names that point into that sheet, as
        (row, column) anchors, and defines them again, local to the new sheet.
        """
        source_book = openpyxl.load_workbook(template)
        source = source_book[template_sheet]
        if name in self.wb.sheetnames:
            index = self.wb.sheetnames.index(name)
            del self.wb[name]
            target = self.wb.create_sheet(name, index)
        else:
            target = self.wb.create_sheet(name)
        _copy_sheet(source, target)
        places = template_anchors(source_book, template_sheet)
        for name_, (row, col) in places.items():
            if name_ in self.wb.defined_names:  # a workbook-wide name left by an older version
                del self.wb.defined_names[name_]
            target.defined_names[name_] = DefinedName(
                name_, attr_text=f"{quote_sheet(name)}!${column_letter(col)}${row}")
        return places

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        ws = self.wb[sheet]
        made = BarChart() if chart.kind == "bar" else LineChart()
        made.title = chart.title
        made.y_axis.title = chart.y_title
        made.x_axis.title = chart.x_title
        made.height, made.width = 7.5, 15
        for header_row, last_row, col in chart.series:
            made.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=last_row), titles_from_data=True)
        first, last, col = chart.categories
        made.set_categories(Reference(ws, min_col=col, min_row=first, max_row=last))
        if chart.percent_axis:
            made.y_axis.number_format = "0%"
            made.y_axis.scaling.min, made.y_axis.scaling.max = 0, 1
        made.y_axis.delete = False
        made.x_axis.delete = False
        ws.add_chart(made, f"{column_letter(chart.anchor[1])}{chart.anchor[0]}")


def _error_or_blank(cells: dict, row: int, col: int) -> str | None:
    """calamine shows an error cell (#N/A …) as ''; openpyxl knows it was an error."""
    cell = cells.get((row, col))
    return cell.value if cell is not None and cell.data_type == "e" else None


def _set(cell, value: Any, number_format: str | None) -> None:
    if value is None or (isinstance(value, float) and value != value):
        cell.value = None
        return
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, dt.datetime) and value.hour == value.minute == value.second == 0:
        value = value.date() if number_format is None else value
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_LIKE):
        cell.data_type = "s"  # looks like a formula, stays text
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return (min_row, min_col), (max_row or min_row, max_col or min_col)


def _copy_sheet(source: Worksheet, target: Worksheet) -> None:
    for row in source.iter_rows():
        for cell in row:
            new = target.cell(row=cell.row, column=cell.column, value=cell.value)
            if cell.has_style:
                new.font, new.fill, new.border = copy(cell.font), copy(cell.fill), copy(cell.border)
                new.alignment, new.number_format = copy(cell.alignment), cell.number_format
                new.protection = copy(cell.protection)
    for key, dim in source.column_dimensions.items():
        target.column_dimensions[key].width = dim.width
    for key, dim in source.row_dimensions.items():
        if dim.height:
            target.row_dimensions[key].height = dim.height
    for merged in source.merged_cells.ranges:
        target.merge_cells(str(merged))
    target.sheet_view.showGridLines = source.sheet_view.showGridLines
    if source.sheet_properties.tabColor is not None:
        target.sheet_properties.tabColor = copy(source.sheet_properties.tabColor)
