"""The workbook port over an .xlsx/.xlsm package on disk, streamed (the command line's file route).

Nothing of the input is loaded into an object model. A sheet of the input is
read with python-calamine (`workbook.reading.sheet_values`; error cells, which
calamine gives as blanks, found by a scan of the sheet's XML when it has any),
and what the run writes there is held as columns of cells. The sheets the run
makes (settings, summary, customers, movement) are built in a small scratch
openpyxl workbook (`OpenpyxlBook`, which holds the template import, blocks and
charts). `save` then writes the output package part by part
(`workbook.package_write`): every part of the input byte for byte — charts,
images, pivot tables, slicers, VBA, custom XML included — except the sheets
written to (their XML streamed with our cells spliced into each row), their
Tables (grown to our columns), styles.xml (our few styles appended), the
workbook's sheet list and names, and the sheets of the scratch workbook grafted
in with their drawings and charts.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

import openpyxl
from openpyxl.cell import Cell

from xlcustseg.cells import from_rows, from_values, to_cells, used_block
from xlcustseg.workbook.ooxml import WORKBOOK_PART, relationships, rels_part, resolve, sheet_parts
from xlcustseg.workbook.openpyxl_book import DATE_FORMAT, OpenpyxlBook
from xlcustseg.workbook.pivots import Pivot, Source
from xlcustseg.workbook.port import Block, ChartSpec, SheetData, column_letter, overlay
from xlcustseg.workbook.reading import sheet_values
from xlcustseg.workbook.sheet_patch import PendingColumn, forget

SCRATCH_SHEET = "xcs-scratch"  # the scratch workbook's placeholder sheet (openpyxl cannot save a book without one)
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*?(?<!/)>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_NO_RESULT = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)><f\b[^>]*?(?:/>|>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_TABLE_TAG = re.compile(r"<table\b[^>]*>")
_CHUNK = 1 << 22
_ROWS_AT_ONCE = 16384


class NotStreamable(ValueError):
    """The package's XML is written with namespace prefixes (<x:sheetData>), which this adapter does not edit."""


class PackageBook:
    """Adapter: `PackageBook(path)` over an .xlsx/.xlsm file, written out by `save` (the input is never changed)."""

    def __init__(self, source: Path):
        self.source = Path(source)
        self.package = _snapshot(self.source, self)  # what the book stands for, even if the file changes
        self._signature = _signature(self.source)
        with zipfile.ZipFile(self.package) as archive:
            self.parts = sheet_parts(archive.read)
            self._names = set(archive.namelist())
            workbook = archive.read(WORKBOOK_PART).decode("utf-8")
            if "<sheets>" not in workbook or any(b"<worksheet" not in _head(archive, p) for p in self.parts.values()
                                                 if p.startswith("xl/worksheets/")):
                raise NotStreamable(f"{self.source.name}: the workbook's XML uses namespace prefixes")
            self.tables = {sheet: _tables(archive, part) for sheet, part in self.parts.items()}
        tab = re.search(r'<workbookView\b[^>]*?\bactiveTab="(\d+)"', workbook)
        names = list(self.parts)
        self._active = names[int(tab.group(1))] if tab and int(tab.group(1)) < len(names) else names[0]
        self.order = names  # the sheets in workbook order: the input's that are kept, and the scratch's
        self.dropped: list[str] = []  # input sheets replaced by the run
        self._scratch: OpenpyxlBook | None = None
        self.pending: dict[str, list[PendingColumn]] = {}  # cells written on the input's sheets
        self.grown: dict[tuple[str, str], int] = {}  # (sheet, Table) → its new last column
        self._styles: dict[str | None, int] = {}
        self._scans: dict[str, _Scan] = {}
        self.new_tables: dict[str, tuple[str, tuple[int, int, int, int], list[str]]] = {}  # input sheet → Table
        self.pivots: tuple[str, Source, list[Pivot], dict[str, list[Any]]] | None = None

    @property
    def scratch(self) -> OpenpyxlBook:
        """The scratch workbook the run's own sheets are built in: made at first use from the summary template
        (held hidden, so importing it copies within the book), with a visible placeholder sheet."""
        if self._scratch is None:
            from xlcustseg.workbook.summary_sheet import template_path

            template = template_path()
            self._scratch = OpenpyxlBook(openpyxl.load_workbook(template))
            self._scratch.hold_template(template)
            self._scratch.wb.active = self._scratch.wb.index(self._scratch.wb.create_sheet(SCRATCH_SHEET))
        return self._scratch

    # -- reading
    def sheet_names(self) -> list[str]:
        """The sheets in workbook order."""
        return list(self.order)

    def active_sheet(self) -> str:
        """The sheet the file was saved with as active."""
        return self._active

    def is_new(self, sheet: str) -> bool:
        """Whether `sheet` lives in the scratch workbook (made by the run), not in the input package."""
        if sheet not in self.order:
            raise KeyError(f"Worksheet {sheet} does not exist.")
        return sheet not in self.parts or sheet in self.dropped

    def read(self, sheet: str) -> SheetData:
        """The sheet's values: the input's by calamine (errors from its XML), with our writes over them."""
        if self.is_new(sheet):
            return self.scratch.read(sheet)
        rows, first_row, first_col = self._file_values(sheet)
        pending = [Block(c.first_row, c.col, [[v] for v in from_values(c.values)])
                   for c in self.pending.get(sheet, [])]
        if pending or not _tight(rows):  # (a copy of a million rows is not made for nothing)
            rows, first_row, first_col = used_block(*overlay(rows, first_row, first_col, pending))
        no_result = tuple(sorted(self._scanned(sheet).no_result))
        table = self.table(sheet)
        if table is None:
            return SheetData(rows, first_row, first_col, no_result=no_result)
        name, bounds = table
        totals = self.tables[sheet][0][3]
        return SheetData(rows, first_row, first_col, name, bounds, totals, no_result)

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """The sheet's merged ranges (first row, first column, last row, last column)."""
        if self.is_new(sheet):
            return self.scratch.merged_ranges(sheet)
        return list(self._scanned(sheet).merges)

    def _scanned(self, sheet: str) -> _Scan:
        if sheet not in self._scans:
            part = self.parts[sheet]
            self._scans[sheet] = _scan(self.package, part) if part.startswith("xl/worksheets/") else _Scan({}, [], [])
        return self._scans[sheet]

    def _file_values(self, sheet: str) -> tuple[list[list[Any]], int, int]:
        try:
            unchanged = _signature(self.source) == self._signature  # the file itself (its notes are under its name)
            rows, first_row, first_col = sheet_values(self.source if unchanged else self.package, sheet)
        except Exception:
            if not self.parts[sheet].startswith("xl/worksheets/"):
                return [], 1, 1
            raise
        for (row, col), text in self._scanned(sheet).errors.items():
            i, j = row - first_row, col - first_col
            if 0 <= i < len(rows) and 0 <= j < len(rows[i]) and rows[i][j] == "":
                rows[i][j] = text
        for start in range(0, len(rows), _ROWS_AT_ONCE):  # converted in place: one copy of the sheet at a time
            rows[start:start + _ROWS_AT_ONCE] = from_rows(rows[start:start + _ROWS_AT_ONCE])
        return rows, first_row, first_col

    def table(self, sheet: str) -> tuple[str, tuple[int, int, int, int]] | None:
        """The first Excel Table on an input sheet: its name and bounds (grown by `extend_table`)."""
        tables = self.tables.get(sheet) or []
        if not tables:
            return None
        _, name, (r0, c0, r1, c1), _ = tables[0]
        return name, (r0, c0, r1, max(c1, self.grown.get((sheet, name), c1)))

    # -- writing
    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """Values downwards from (row, col), held as cells until `save` splices them into the sheet's XML."""
        if self.is_new(sheet):
            self.scratch.write_column(sheet, row, col, values, number_format)
            return
        cells = to_cells(values)
        if number_format is not None:
            self._put(sheet, PendingColumn(col, row, cells, self._style(number_format)))
            return
        for start, run, dated in _runs(cells):  # no format given: dates shown as dates, the rest as they are
            self._put(sheet, PendingColumn(col, row + start, run, self._style(DATE_FORMAT if dated else None)))

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """Column by column: each is held for the splice at save."""
        for j, (values, number_format) in enumerate(zip(columns, number_formats, strict=True)):
            self.write_column(sheet, row, col + j, values, number_format)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        """A 2-D block from (row, col); formats[j] for column j (a formula is written as one)."""
        if self.is_new(sheet):
            self.scratch.write_block(sheet, row, col, rows, formats)
            return
        width = max((len(r) for r in rows), default=0)
        grid = [to_cells([*values, *[None] * (width - len(values))]) for values in rows]
        for j in range(width):
            fmt = formats[j] if formats and j < len(formats) else None
            column = [r[j] for r in grid]
            if fmt is None and any(isinstance(v, dt.date) for v in column):
                fmt = DATE_FORMAT
            self._put(sheet, PendingColumn(col + j, row, column, self._style(fmt)))

    def _put(self, sheet: str, column: PendingColumn) -> None:
        if not column.values:
            return
        held = self.pending.setdefault(sheet, [])
        held[:] = forget(held, column.first_row, column.first_row + len(column.values) - 1, column.col, column.col)
        held.append(column)

    def _style(self, number_format: str | None) -> int:
        """The scratch workbook's cell format with this number format (mapped into the output's at save)."""
        if number_format not in self._styles:
            cell = Cell(self.scratch.wb[SCRATCH_SHEET])
            if number_format:
                cell.number_format = number_format
            self._styles[number_format] = cell.style_id
        return self._styles[number_format]

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Grow the Table to `last_col` when the file is saved; its new columns take the headers on the sheet."""
        if self.is_new(sheet):
            self.scratch.extend_table(sheet, table_name, last_col, headers)
            return
        table = self.table(sheet)
        if table is not None and table[0] == table_name and last_col > table[1][3]:
            self.grown[(sheet, table_name)] = last_col

    def header(self, sheet: str, row: int, col: int) -> Any:
        """What the run wrote at (row, col) of an input sheet (None when nothing)."""
        for column in self.pending.get(sheet, []):
            if column.col == col and column.first_row <= row < column.first_row + len(column.values):
                return column.values[row - column.first_row]
        return None

    # -- sheets
    def replace_sheet(self, name: str, after: str | None = None) -> None:
        """An empty sheet `name` (in the scratch workbook), where the old one was, else after `after`, else last."""
        self._place(name, after)
        self.scratch.replace_sheet(name)

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """The template sheet copied in as `name` (through the scratch workbook); its anchors."""
        self._place(name, None)
        return self.scratch.import_sheet(template, template_sheet, name)

    def _place(self, name: str, after: str | None) -> None:
        """`name` becomes a scratch sheet: in the place of an input sheet of that name (dropped), else placed."""
        if name in self.order:
            if name in self.parts and name not in self.dropped:
                self.dropped.append(name)
                self.pending.pop(name, None)
            return
        index = self.order.index(after) + 1 if after in self.order else len(self.order)
        self.order.insert(index, name)

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """A native chart (drawn in the scratch workbook; an input sheet gets none, noted as skipped)."""
        if self.is_new(sheet):
            self.scratch.add_chart(sheet, chart)

    def add_table(self, sheet: str, bounds: tuple[int, int, int, int], headers: Sequence[str]) -> bool:
        """Make the block (first row, first column, last row, last column; its headers in its first row) an Excel
        Table with filter buttons when the file is saved; whether it is one (an input sheet's Table already
        over it counts; a sheet filter, another Table or a merged range in it leaves it none)."""
        r0, c0, r1, c1 = bounds
        if self.is_new(sheet):
            self.scratch.wb[sheet].add_table(_openpyxl_table(self._table_name(), bounds, headers))
            return True
        current = self.table(sheet)
        if current is not None:
            t0, s0, t1, s1 = current[1]
            return (t0, s0, t1) == (r0, c0, r1) and s1 >= c1
        scan = self._scanned(sheet)
        if scan.filtered or any(a <= r1 and b <= c1 and c >= r0 and d >= c0 for a, b, c, d in scan.merges):
            return False
        self.new_tables[sheet] = (self._table_name(), bounds, list(headers))
        return True

    def _table_name(self) -> str:
        """A Table name no Table of the output has: xlcustseg_table, xlcustseg_table2 …"""
        taken = {t[1].lower() for sheet, tables in self.tables.items() if sheet not in self.dropped for t in tables}
        taken |= {t.displayName.lower() for ws in self.scratch.wb.worksheets for t in ws.tables.values()}
        taken |= {name.lower() for name, _, _ in self.new_tables.values()}
        n = 1
        while f"xlcustseg_table{n if n > 1 else ''}".lower() in taken:
            n += 1
        return f"xlcustseg_table{n if n > 1 else ''}"

    def add_pivots(self, sheet: str, source: Source, pivots: list[Pivot], axes: dict[str, list[Any]]) -> None:
        """PivotTables on our sheet `sheet` (made by the run) over one pivot cache of `source`, written at save."""
        self.pivots = (sheet, source, list(pivots), axes)

    def save(self, path: Path) -> None:
        """Write the output package to `path` (a new file); the book stays usable."""
        from xlcustseg.workbook.package_write import write_package

        write_package(self, Path(path))


def _tables(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, tuple[int, int, int, int], bool]]:
    """(table part, name, bounds, has a totals row) of each Excel Table on a sheet, in its relationships' order."""
    rels = rels_part(part)
    if rels not in archive.namelist():
        return []
    found = []
    for target in relationships(archive.read(rels)).values():
        table_part = resolve(part, target)
        if "/tables/" not in f"/{table_part}" or table_part not in archive.namelist():
            continue
        tag = _TABLE_TAG.search(archive.read(table_part).decode("utf-8"))
        attrs = dict(re.findall(r'\b(\w+)="([^"]*)"', tag.group(0))) if tag else {}
        if "ref" in attrs:
            found.append((table_part, unescape(attrs.get("displayName") or attrs.get("name", "")),
                          _bounds(attrs["ref"]), attrs.get("totalsRowCount", "0") not in ("0", "")))
    return found


def _openpyxl_table(name: str, bounds: tuple[int, int, int, int], headers: Sequence[str]) -> Any:
    """An openpyxl Table over `bounds` with these column names and its filter buttons."""
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

    r0, c0, r1, c1 = bounds
    ref = f"{column_letter(c0)}{r0}:{column_letter(c1)}{max(r1, r0 + 1)}"
    table = Table(displayName=name, name=name, ref=ref, autoFilter=AutoFilter(ref=ref),
                  tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True))
    table.tableColumns = [TableColumn(id=j + 1, name=str(h)) for j, h in enumerate(headers)]
    return table


def _bounds(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return min_row, min_col, max_row or min_row, max_col or min_col


def _snapshot(source: Path, owner: object) -> Path:
    """A private copy of `source`, removed with `owner`."""
    folder = Path(tempfile.mkdtemp(prefix="xlcustseg-"))
    weakref.finalize(owner, shutil.rmtree, folder, True)
    copy = folder / f"input{source.suffix.lower()}"
    shutil.copyfile(source, copy)
    return copy


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _tight(rows: list[list[Any]]) -> bool:
    """Whether read values are already their used block: one width, a value in the first and last row and column."""
    if not rows or len(set(map(len, rows))) != 1 or not rows[0]:
        return not rows
    return (any(v is not None for v in rows[0]) and any(v is not None for v in rows[-1])
            and any(r[0] is not None for r in rows) and any(r[-1] is not None for r in rows))


def _head(archive: zipfile.ZipFile, part: str) -> bytes:
    with archive.open(part) as raw:
        return raw.read(4096)


def _runs(cells: list[Any]) -> list[tuple[int, list[Any], bool]]:
    """(offset, cells, whether they are dates) of each run of dates and of other values (blanks join any run)."""
    kinds = set(map(type, cells))
    if not any(issubclass(kind, dt.date) for kind in kinds):
        return [(0, cells, False)] if cells else []
    runs: list[tuple[int, list[Any], bool]] = []
    start, dated = 0, None
    for i, value in enumerate(cells):
        if value is None:
            continue
        is_date = isinstance(value, dt.date)
        if dated is None:
            dated = is_date
        elif is_date != dated:
            runs.append((start, cells[start:i], dated))
            start, dated = i, is_date
    if cells:
        runs.append((start, cells[start:], bool(dated)))
    return runs


@dataclass(frozen=True)
class _Scan:
    """What calamine does not tell of a sheet, from one pass over its XML."""

    errors: dict[tuple[int, int], str]  # (row, column) → the error's text (#N/A, #DIV/0! …)
    no_result: list[tuple[int, int]]  # formula cells without a saved result
    merges: list[tuple[int, int, int, int]]
    filters: list[bool] = field(default_factory=list)  # a sheet-level <autoFilter> (one entry when found)

    @property
    def filtered(self) -> bool:
        """Whether the sheet has its own filter (an Excel Table cannot be made under it)."""
        return bool(self.filters)


def _scan(source: Path, part: str) -> _Scan:
    """Error cells, formulas without a result and merged ranges of a sheet, by one pass over its XML.

    The XML is read a chunk at a time and searched for a plain marker of each
    ('t="e"', a formula closing its cell, '<mergeCell '); only a chunk holding
    one is searched cell by cell.
    """
    found = _Scan({}, [], [])
    with zipfile.ZipFile(source) as archive, archive.open(part) as raw:
        rest = b""
        while True:
            data = raw.read(_CHUNK)
            text = rest + data
            cut = len(text) if not data else text.rfind(b"</row>") + 1
            _scan_piece(text[:cut], found)
            rest = text[cut:]
            if not data:
                return found


def _scan_piece(piece: bytes, found: _Scan) -> None:
    if b't="e"' in piece:
        for cell in _ERROR_CELL.finditer(piece):
            value = _VALUE.search(cell.group(3))
            if value:
                text = unescape(value.group(1).decode("utf-8", errors="replace"))
                found.errors[(int(cell.group(2)), _column(cell.group(1).decode()))] = text
    if b"</f></c>" in piece or b"/></c>" in piece:
        found.no_result.extend((int(c.group(2)), _column(c.group(1).decode())) for c in _NO_RESULT.finditer(piece))
    if b"<autoFilter" in piece and not found.filters:
        found.filters.append(True)
    if b"<mergeCell " in piece:
        for ref in _MERGE.finditer(piece):
            r0, c0, r1, c1 = _bounds(ref.group(1).decode())
            found.merges.append((r0, c0, r1, c1))


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


__all__ = ["PackageBook", "column_letter"]
