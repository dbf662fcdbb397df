"""The workbook port: the few operations the one-click run needs from a workbook.

Two adapters implement it: `OpenpyxlBook` (files, no Excel) and `XlwingsBook`
(live Excel, and xlwings' JSON book in tests). Everything above this layer —
finding the table, writing our columns, the settings and summary sheets — is
written once against this interface, so the ribbon and the command line do the
same thing.

Cells are addressed 1-based (row, column), as in Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SheetData:
    """The used values of a sheet and where they start; the Excel Table on it, if any."""

    rows: list[list[Any]]
    first_row: int
    first_col: int
    table_name: str | None = None
    table_bounds: tuple[int, int, int, int] | None = None  # first row, first col, last row, last col

    def table(self) -> SheetData:
        """Only the Excel Table's cells (the whole used range when there is no Table)."""
        if self.table_bounds is None:
            return self
        r0, c0, r1, c1 = self.table_bounds
        rows = [(row + [None] * (c1 - self.first_col + 1 - len(row)))[c0 - self.first_col:c1 - self.first_col + 1]
                for row in self.rows[r0 - self.first_row:r1 - self.first_row + 1]]
        return SheetData(rows, r0, c0, self.table_name, self.table_bounds)

    def row_values(self, row: int) -> list[Any]:
        """A whole used row of the sheet (sheet row number)."""
        i = row - self.first_row
        return list(self.rows[i]) if 0 <= i < len(self.rows) else []

    def last_col(self, first_row: int, last_row: int) -> int:
        """The last used column over a span of rows (0 when none)."""
        last = 0
        for row in self.rows[max(first_row - self.first_row, 0):last_row - self.first_row + 1]:
            used = [j for j, v in enumerate(row) if v is not None and str(v).strip()]
            if used:
                last = max(last, self.first_col + used[-1])
        return last


@dataclass(frozen=True)
class ChartSpec:
    """A native chart: kind 'bar' or 'line', data in a block of the same sheet."""

    kind: str
    title: str
    categories: tuple[int, int, int]  # (first row, last row, column) of the category labels
    series: Sequence[tuple[int, int, int]]  # (header row, last row, column) per series
    anchor: tuple[int, int]  # top-left cell
    y_title: str = ""
    x_title: str = ""
    percent_axis: bool = False


class WorkbookPort(Protocol):
    """What a workbook must offer to be segmented in one click."""

    def sheet_names(self) -> list[str]: ...

    def active_sheet(self) -> str: ...

    def read(self, sheet: str) -> SheetData:
        """The sheet's used values, and the first Excel Table on it."""
        ...

    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """Write values downwards from (row, col) in one operation; text stays text."""
        ...

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]]) -> None:
        """Write a 2-D block of values (formulas are strings starting with '=')."""
        ...

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Grow an Excel Table to `last_col` so our columns belong to it."""
        ...

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        """Create the sheet (empty), dropping an existing sheet of that name first."""
        ...

    def add_chart(self, sheet: str, chart: ChartSpec) -> None: ...


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
