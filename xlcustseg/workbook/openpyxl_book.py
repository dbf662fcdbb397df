"""The workbook port over an openpyxl Workbook in memory (files, without Excel).

Every write goes to the workbook in memory, and every read answers with the
workbook in memory. The file it was opened from (`source`) stands in for it
where the two are the same: a sheet nothing was written to since opening is read
from the file by python-calamine (several times faster than openpyxl's cell by
cell reads, and it gives the cached results of formulas, which openpyxl keeps
only as text), as long as the file itself is unchanged (size and modification
time). Any other sheet is read from memory, a formula from the file by its
cached result and one written since by its text. Columns longer than
`DEFER_ROWS` are held aside and spliced into the saved XML by `save` (openpyxl
is slow cell by cell); `read` sees them all the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from copy import copy
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from xlcustseg.cells import FormulaLikeText, from_rows, to_cells, used_block
from xlcustseg.workbook.ooxml import reference
from xlcustseg.workbook.port import Block, ChartSpec, SheetData, column_letter, overlay
from xlcustseg.workbook.reading import sheet_values
from xlcustseg.workbook.sheet_patch import PendingColumn, forget, patch_file
from xlcustseg.workbook.template import anchors as template_anchors
from xlcustseg.workbook.template import copy_conditional_formats

#: columns longer than this are spliced into the saved XML instead of built cell by cell
DEFER_ROWS = 500
DATE_FORMAT = "yyyy-mm-dd"


class OpenpyxlBook:
    """Adapter: `OpenpyxlBook(openpyxl.load_workbook(path), source=path)`, or over any Workbook in memory."""

    def __init__(self, workbook: openpyxl.Workbook, source: Path | None = None, active: str | None = None):
        self.wb = workbook
        self.source = source
        self._active = active
        self._pending: dict[str, list[PendingColumn]] = {}
        self._formula_results: dict[str, dict[tuple[int, int], Any]] = {}
        self._from_source = set(workbook.sheetnames) if source is not None else set()
        self._signature = _signature(source)
        self._written: dict[str, list[tuple[int, int, int, int]]] = {}  # rectangles written since opening
        self._extent: dict[str, tuple[int, int]] = {}  # last row and column holding cells, kept as we write
        self._templates: dict[tuple[Path, str], tuple[str, dict[str, tuple[int, int]]]] = {}  # held in this book

    # -- reading
    def sheet_names(self) -> list[str]:
        """The sheets in workbook order."""
        return list(self.wb.sheetnames)

    def active_sheet(self) -> str:
        """The sheet given as active when the book was opened, else the workbook's active sheet."""
        return self._active or self.wb.active.title

    def read(self, sheet: str) -> SheetData:
        """The used values in memory (long columns held for `save` included) and the first Excel Table."""
        ws = self.wb[sheet]
        unchanged = sheet in self._from_source and sheet not in self._written and self._source_unchanged()
        no_result: list[tuple[int, int]] = []  # formulas of the file without a cached result
        rows, first_row, first_col = (self._file_values(ws, no_result) if unchanged
                                      else self._memory_values(ws, no_result))
        pending = [Block(c.first_row, c.col, from_rows([v] for v in c.values)) for c in self._pending.get(sheet, [])]
        rows, first_row, first_col = used_block(*overlay(rows, first_row, first_col, pending))
        table = next(iter(ws.tables.values()), None)
        if table is None:
            return SheetData(rows, first_row, first_col, no_result=tuple(no_result))
        (r0, c0), (r1, c1) = _bounds(table.ref)
        return SheetData(rows, first_row, first_col, table.displayName, (r0, c0, r1, c1),
                         bool(table.totalsRowCount), tuple(no_result))

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """The sheet's merged ranges (first row, first column, last row, last column)."""
        return [(m.min_row, m.min_col, m.max_row, m.max_col) for m in self.wb[sheet].merged_cells.ranges]

    def _memory_values(self, ws: Worksheet, no_result: list[tuple[int, int]]) -> tuple[list[list[Any]], int, int]:
        first_row, first_col = ws.min_row, ws.min_column
        raw = [list(r) for r in ws.iter_rows(min_row=first_row, min_col=first_col, values_only=True)]
        for i, row in enumerate(raw):
            for j, value in enumerate(row):
                if _maybe_formula(value) and _is_formula(ws, first_row + i, first_col + j, value):
                    row[j] = self._formula_value(ws.title, first_row + i, first_col + j, value)
                    if row[j] is None or row[j] == "":
                        no_result.append((first_row + i, first_col + j))
        return from_rows(raw), first_row, first_col

    def _formula_value(self, sheet: str, row: int, col: int, formula: Any) -> Any:
        """A formula of the source file: its cached result (None if it has none); one written since: its text."""
        written = any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in self._written.get(sheet, []))
        if sheet not in self._from_source or written:
            return formula if isinstance(formula, str) else getattr(formula, "text", None)
        if not self._source_unchanged():
            return None
        if sheet not in self._formula_results:
            rows, first_row, first_col = sheet_values(self.source, sheet)
            self._formula_results[sheet] = {(first_row + i, first_col + j): v for i, r in enumerate(rows)
                                            for j, v in enumerate(r) if v != ""}
        return self._formula_results[sheet].get((row, col))

    def _file_values(self, ws: Worksheet, no_result: list[tuple[int, int]]) -> tuple[list[list[Any]], int, int]:
        """The sheet as the unchanged source file holds it; error cells (blank to calamine) from memory."""
        rows, first_row, first_col = sheet_values(self.source, ws.title)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value == "":
                    cell = ws.cell(row=first_row + i, column=first_col + j)
                    row[j] = cell.value if cell.data_type == "e" else None
                    if cell.data_type == "f":
                        no_result.append((first_row + i, first_col + j))
        return from_rows(rows), first_row, first_col

    def _source_unchanged(self) -> bool:
        return self._signature is not None and _signature(self.source) == self._signature

    # -- writing
    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """Values downwards from (row, col); a column longer than DEFER_ROWS is spliced in on save."""
        ws = self.wb[sheet]
        cells = to_cells(values)
        self._wrote(sheet, row, row + len(cells) - 1, col, col)
        if len(cells) <= DEFER_ROWS:
            for offset, value in enumerate(cells):
                _put(ws.cell(row=row + offset, column=col), value, number_format)
            self._grew(ws, row + len(cells) - 1, col)
            return
        self._clear(ws, row + 1, row + len(cells) - 1, col)
        _put(ws.cell(row=row, column=col), cells[0], number_format)  # the header, through openpyxl
        self._grew(ws, row, col)
        rest = cells[1:]
        if number_format is None and any(isinstance(v, dt.date) for v in rest):
            number_format = DATE_FORMAT
        style = Cell(ws)
        if number_format:
            style.number_format = number_format
        self._pending.setdefault(sheet, []).append(PendingColumn(col, row + 1, rest, style.style_id))

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """Column by column: long columns are held for the splice at save either way."""
        for j, (values, number_format) in enumerate(zip(columns, number_formats, strict=True)):
            self.write_column(sheet, row, col + j, values, number_format)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        """A 2-D block from (row, col); only a `Formula` is a formula, other text stays text; formats[j]: column j."""
        ws = self.wb[sheet]
        width = max((len(r) for r in rows), default=0)
        self._wrote(sheet, row, row + len(rows) - 1, col, col + width - 1)
        for i, values in enumerate(rows):
            for j, value in enumerate(to_cells([*values, *[None] * (width - len(values))])):
                fmt = formats[j] if formats and j < len(formats) else None
                _put(ws.cell(row=row + i, column=col + j), value, fmt)
        self._grew(ws, row + len(rows) - 1, col + width - 1)

    def _cells_extent(self, ws: Worksheet) -> tuple[int, int]:
        """The last row and column holding a cell: found once per sheet (a scan of every cell), then kept."""
        if ws.title not in self._extent:
            self._extent[ws.title] = (ws.max_row, ws.max_column)
        return self._extent[ws.title]

    def _grew(self, ws: Worksheet, last_row: int, last_col: int) -> None:
        rows, cols = self._cells_extent(ws)
        self._extent[ws.title] = (max(rows, last_row), max(cols, last_col))

    def _clear(self, ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
        """Empty the cells a long column will take where the sheet has cells there (a re-run of an output)."""
        rows, cols = self._cells_extent(ws)
        if col > cols or first_row > rows:
            return
        for (cell,) in ws.iter_rows(min_row=first_row, max_row=min(last_row, rows), min_col=col, max_col=col):
            cell.value = None

    def _wrote(self, sheet: str, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        """A rectangle about to be written: held-aside cells in it give way, formulas in it are ours."""
        if sheet in self._from_source:
            self._written.setdefault(sheet, []).append((first_row, first_col, last_row, last_col))
        self._forget_pending(sheet, first_row, last_row, first_col, last_col)

    def _forget_pending(self, sheet: str, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        """Held-aside cells inside a rectangle being written again give way: their columns keep the rest."""
        if sheet in self._pending:
            self._pending[sheet] = forget(self._pending[sheet], first_row, last_row, first_col, last_col)

    def save(self, path: Path) -> None:
        """Save to `path` (a new file): openpyxl writes the workbook, long columns are spliced in.

        Saving leaves the book as it was: it can be saved again, or segmented again.
        """
        self.wb.save(path)
        patch_file(Path(path), self._pending)

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Grow the Table to `last_col`; its new columns take the headers on the sheet."""
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
        """An empty sheet `name`, where the old one was, else after `after`, else last."""
        index = None
        if name in self.wb.sheetnames:
            index = self.wb.sheetnames.index(name)
            del self.wb[name]
        elif after in self.wb.sheetnames:
            index = self.wb.sheetnames.index(after) + 1
        self._forget_sheet(name)
        self.wb.create_sheet(name, index)

    def _forget_sheet(self, name: str) -> None:
        self._pending.pop(name, None)
        self._extent.pop(name, None)
        self._written.pop(name, None)
        self._formula_results.pop(name, None)
        self._from_source.discard(name)

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """Copy a template sheet (values, styles, widths, merges) in as `name` (where the old one was, else last).

        Returns the template's defined names that point into that sheet, as
        (row, column) anchors, and defines them again, local to the new sheet.
        A template held in this book (`hold_template`) is copied within the book,
        its styles shared rather than rebuilt cell by cell.
        """
        held = self._templates.get((Path(template).resolve(), template_sheet))
        if held is not None:
            title, places = held
            target = self._new_sheet(name, lambda: self.wb.copy_worksheet(self.wb[title]))
            _copy_view(self.wb[title], target)
            target.sheet_state = "visible"
        else:
            source_book = openpyxl.load_workbook(template)
            target = self._new_sheet(name, None)
            _copy_sheet(source_book[template_sheet], target)
            places = template_anchors(source_book, template_sheet)
        copy_conditional_formats(self.wb[title] if held is not None else source_book[template_sheet], target)
        for name_, (row, col) in places.items():
            if name_ in self.wb.defined_names:  # a workbook-wide name left by an older version
                del self.wb.defined_names[name_]
            target.defined_names[name_] = DefinedName(name_, attr_text=reference(name, row, col))
        return dict(places)

    def _new_sheet(self, name: str, make: Callable[[], Worksheet] | None) -> Worksheet:
        """Sheet `name` made (by `make`, else empty) where the old one of that name was, else last."""
        index = self.wb.sheetnames.index(name) if name in self.wb.sheetnames else None
        if index is not None:
            del self.wb[name]
        self._forget_sheet(name)
        if make is None:
            return self.wb.create_sheet(name, index)
        target = make()
        target.title = name
        if index is not None:
            self.wb.move_sheet(target, index - self.wb.sheetnames.index(name))
        return target

    def hold_template(self, template: Path) -> None:
        """Keep the template file's sheets in this book, hidden, for `import_sheet` to copy within the book."""
        source_book = self.wb
        for i, ws in enumerate(list(source_book.worksheets)):
            places = template_anchors(source_book, ws.title)
            self._templates[(Path(template).resolve(), ws.title)] = (f"xcs-template-{i + 1}", places)
            ws.title = f"xcs-template-{i + 1}"
            ws.sheet_state = "hidden"

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """A native openpyxl chart with the spec's titles, series, categories and anchor."""
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


def _maybe_formula(value: Any) -> bool:
    """Text starting with '=' or an openpyxl formula object (array or data-table formula)."""
    if value.__class__ is str:
        return value.startswith("=")
    return isinstance(value, ArrayFormula | DataTableFormula)


def _is_formula(ws: Worksheet, row: int, col: int, value: Any) -> bool:
    return not isinstance(value, str) or ws.cell(row=row, column=col).data_type == "f"


def _signature(source: Path | None) -> tuple[int, int] | None:
    """Size and modification time of an .xlsx/.xlsm source file (None: no file calamine may stand in for)."""
    if source is None or source.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        status = source.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _put(cell: Cell, value: Any, number_format: str | None) -> None:
    """One converted value (`to_cell`) into a cell: formula-like text as text, a date shown as a date."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, dt.datetime) and number_format is None and value.hour == value.minute == value.second == 0:
        value = value.date()
    if isinstance(value, FormulaLikeText):
        cell.value = str(value)
        cell.data_type = "s"  # looks like a formula, stays text
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return (min_row, min_col), (max_row or min_row, max_col or min_col)


def _copy_view(source: Worksheet, target: Worksheet) -> None:
    target.sheet_view.showGridLines = source.sheet_view.showGridLines
    if source.sheet_properties.tabColor is not None:
        target.sheet_properties.tabColor = copy(source.sheet_properties.tabColor)


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
    _copy_view(source, target)
