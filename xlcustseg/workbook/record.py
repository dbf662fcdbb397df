"""What a run wrote where: a port that passes every call on and keeps a list of the writes.

`segment_book` writes through a `RecordingBook` around the adapter it is given,
and puts the list in its `RunReport`: which sheets it made, which columns and
blocks it wrote on which sheet, which Table it grew, which charts it added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlcustseg.cells import cell_name
from xlcustseg.workbook.port import ChartSpec, SheetData, WorkbookPort


@dataclass(frozen=True)
class Written:
    """One write: on `sheet`, a `kind` of write covering rows first_row..last_row, columns first_col..last_col.

    kind: "sheet" (made empty), "template" (a template sheet copied in),
    "column", "block", "table" (an Excel Table grown to last_col) or "chart"
    (its anchor cell). `label` is the column's header, the chart's title or the
    template's sheet name.
    """

    sheet: str
    kind: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    label: str = ""

    @property
    def address(self) -> str:
        """The cells as Excel names them: 'B2:B40' (one cell: 'B2')."""
        first, last = cell_name(self.first_row, self.first_col), cell_name(self.last_row, self.last_col)
        return first if first == last else f"{first}:{last}"


class RecordingBook:
    """A `WorkbookPort` passing every call to `book`; each write kept in `written`, each chart in `charts`."""

    def __init__(self, book: WorkbookPort):
        self.book = book
        self.written: list[Written] = []
        self.charts: list[ChartSpec] = []

    def sheet_names(self) -> list[str]:
        """As the wrapped book."""
        return self.book.sheet_names()

    def active_sheet(self) -> str:
        """As the wrapped book."""
        return self.book.active_sheet()

    def read(self, sheet: str) -> SheetData:
        """As the wrapped book."""
        return self.book.read(sheet)

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """As the wrapped book."""
        return self.book.merged_ranges(sheet)

    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """Written, then recorded with its header."""
        self.book.write_column(sheet, row, col, values, number_format)
        header = "" if not len(values) or values[0] is None else str(values[0])
        self._note(sheet, "column", row, col, row + len(values) - 1, col, header)

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """Written, then recorded column by column, with their headers."""
        self.book.write_columns(sheet, row, col, columns, number_formats)
        for j, values in enumerate(columns):
            header = "" if not len(values) or values[0] is None else str(values[0])
            self._note(sheet, "column", row, col + j, row + len(values) - 1, col + j, header)

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        """Written, then recorded."""
        self.book.write_block(sheet, row, col, rows, formats)
        if rows:
            self._note(sheet, "block", row, col, row + len(rows) - 1, col + max(map(len, rows)) - 1)

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Grown, then recorded (the Table's header row is not known here: row 0)."""
        self.book.extend_table(sheet, table_name, last_col, headers)
        self._note(sheet, "table", 0, last_col, 0, last_col, table_name)

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        """Made, then recorded."""
        self.book.replace_sheet(name, after)
        self._note(name, "sheet", 1, 1, 1, 1)

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """Copied in, then recorded."""
        places = self.book.import_sheet(template, template_sheet, name)
        self._note(name, "template", 1, 1, 1, 1, template_sheet)
        return places

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """Added, then recorded with its anchor and title."""
        self.book.add_chart(sheet, chart)
        self.charts.append(chart)
        self._note(sheet, "chart", *chart.anchor, *chart.anchor, chart.title)

    def _note(self, sheet: str, kind: str, first_row: int, first_col: int, last_row: int, last_col: int,
              label: str = "") -> None:
        self.written.append(Written(sheet, kind, first_row, first_col, last_row, last_col, label))
