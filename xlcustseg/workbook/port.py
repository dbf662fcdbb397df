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
    """The used values of a sheet (or of an Excel Table on it) and where they start."""

    rows: list[list[Any]]
    first_row: int
    first_col: int
    table_name: str | None = None  # the Excel Table the values came from, if any


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
        """The sheet's used values (an Excel Table's range when the sheet has one)."""
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
