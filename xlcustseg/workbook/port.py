"""The workbook port: every operation the one-click run needs from a workbook, and its contract.

Two adapters implement it: `OpenpyxlBook` (files, no Excel) and `XlwingsBook`
(live Excel, xlwings Lite and xlwings' JSON book in tests). Everything above this
layer — finding the table, writing our columns, the settings and summary
sheets (workbook/run.py, summary_sheet.py, learned.py) — is written once against
`WorkbookPort`, so the ribbon and the command line do the same thing;
tests/test_port_contract.py holds every adapter to the contract stated here.

Cells are addressed 1-based (row, column), as in Excel. Values go in and out
through `xlcustseg.cells` (`to_cell` on the way in, `from_cell` on the way out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xlcustseg.cells import column_letter
from xlcustseg.workbook.ooxml import quote_sheet

__all__ = ["Block", "ChartSpec", "SheetData", "WorkbookFile", "WorkbookPort", "column_letter", "overlay",
           "quote_sheet"]


@dataclass(frozen=True)
class SheetData:
    """The used values of a sheet and where they start; the Excel Table on it, if any.

    table_totals: the Table's last row (inside `table_bounds`) is its totals row
      (`totalsRowCount` of the table part); False when there is no Table.
    no_result: (row, column) of every cell holding a formula that has no saved
      result (a file written by a program that does not calculate); such a cell
      reads as None. Empty on an engine that calculates (Excel, the JSON book).
    """

    rows: list[list[Any]]
    first_row: int
    first_col: int
    table_name: str | None = None
    table_bounds: tuple[int, int, int, int] | None = None  # first row, first col, last row, last col
    table_totals: bool = False
    no_result: tuple[tuple[int, int], ...] = ()

    def table(self) -> SheetData:
        """Only the Excel Table's cells (the whole used range when there is no Table)."""
        if self.table_bounds is None:
            return self
        r0, c0, r1, c1 = self.table_bounds
        rows = [(row + [None] * (c1 - self.first_col + 1 - len(row)))[c0 - self.first_col:c1 - self.first_col + 1]
                for row in self.rows[r0 - self.first_row:r1 - self.first_row + 1]]
        return SheetData(rows, r0, c0, self.table_name, self.table_bounds, self.table_totals, self.no_result)

    def row_values(self, row: int) -> list[Any]:
        """A whole used row of the sheet (sheet row number)."""
        i = row - self.first_row
        return list(self.rows[i]) if 0 <= i < len(self.rows) else []

    def last_col(self, first_row: int, last_row: int) -> int:
        """The last used column over a span of rows (0 when none)."""
        last = 0
        for row in self.rows[max(first_row - self.first_row, 0):last_row - self.first_row + 1]:
            for j in range(len(row) - 1, last - self.first_col, -1):  # from the right, only past `last`
                value = row[j]
                if value is not None and str(value).strip():
                    last = self.first_col + j
                    break
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
    """What a workbook must offer to be segmented in one click; every call the run makes is declared here."""

    def sheet_names(self) -> list[str]:
        """The names of the sheets in workbook order (after every replace_sheet/import_sheet so far)."""
        ...

    def active_sheet(self) -> str:
        """The name of the sheet the user is on (for a file: the one saved as active)."""
        ...

    def read(self, sheet: str) -> SheetData:
        """The sheet's values as they are now, including everything written through this port.

        `rows` is the smallest block holding every non-blank cell (blank rows and
        columns around it cut off; padded to one width), starting at
        (`first_row`, `first_col`); an empty sheet gives no rows. Values are
        `xlcustseg.cells.from_cell` values: None for blanks, float for numbers,
        datetime for dates, text as text (error cells as their text, "#N/A").
        A formula reads as its result where the engine has one, else as its text.
        The first Excel Table on the sheet is named with its bounds, and
        `table_totals` says whether its last row is a totals row. `no_result`
        lists the cells holding a formula without a saved result (adapters over
        files: a formula cell with no cached value; engines that calculate: none).
        """
        ...

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """The sheet's merged ranges as (first row, first column, last row, last column), in any order.

        The run never writes into a merged range (it places its columns right of
        them), so every adapter that can tell must answer; an engine that cannot
        see merges (xlwings' remote engines: Lite, Server, the JSON book) answers [].
        """
        ...

    def write_column(self, sheet: str, row: int, col: int, values: Sequence[Any],
                     number_format: str | None = None) -> None:
        """Write values downwards from (row, col) in one operation; every text stays text.

        Values pass `xlcustseg.cells.to_cells` (formula-like text is written as
        text); `number_format`, if given, applies to every value below the first
        (the header). Any length: a long column may be held until the book is saved,
        but `read` returns it at once.
        """
        ...

    def write_columns(self, sheet: str, row: int, col: int, columns: Sequence[Sequence[Any]],
                      number_formats: Sequence[str | None]) -> None:
        """Write adjacent columns from (row, col) rightwards, each exactly as `write_column` would.

        The same cells as one `write_column` per column, in as few operations as
        the engine allows (xlwings: one array write, which matters on the JSON book
        and Lite, where every write costs a pass over the sheet).
        """
        ...

    def write_block(self, sheet: str, row: int, col: int, rows: Sequence[Sequence[Any]],
                    formats: Sequence[str | None] | None = None) -> None:
        """Write a 2-D block of values from (row, col); `formats[j]` is column j's number format.

        A `xlcustseg.cells.Formula` is written as a formula; any other text passes the formula
        guard of `xlcustseg.cells.to_cell`. Rows shorter than the longest are padded
        with blanks (those cells are emptied).
        """
        ...

    def extend_table(self, sheet: str, table_name: str, last_col: int, headers: Sequence[str]) -> None:
        """Grow the Excel Table `table_name` to `last_col` so our columns (`headers`) belong to it.

        An engine that cannot grow Tables notes that it skipped it, and does not fail.
        """
        ...

    def replace_sheet(self, name: str, after: str | None = None) -> None:
        """Make `name` an empty sheet: in the place of an existing sheet of that name (dropped with all
        its values), else right after the sheet `after`, else last."""
        ...

    def import_sheet(self, template: Path, template_sheet: str, name: str) -> dict[str, tuple[int, int]]:
        """Copy `template_sheet` of the workbook file `template` in as sheet `name` (replacing one of that name).

        Its values always come over (text that looks like a formula stays text);
        its styles where the engine can copy a sheet. Returns the template's
        defined names that point into that sheet as name → (row, column), the
        same for every adapter.
        """
        ...

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """Add a native chart: its title, axis titles, category and series ranges as in `chart`.

        An engine that cannot draw charts notes that it skipped them, and does not fail.
        """
        ...


class WorkbookFile(WorkbookPort, Protocol):
    """A port over a workbook held in memory for a file: what the command line saves after the run."""

    def save(self, path: Path) -> None:
        """Write the workbook, with everything written through the port, to `path`; the book stays usable."""
        ...


@dataclass(frozen=True)
class Block:
    """Values written from (row, col): a list of rows."""

    row: int
    col: int
    rows: list[list[Any]]


def overlay(rows: list[list[Any]], first_row: int, first_col: int,
            blocks: Sequence[Block]) -> tuple[list[list[Any]], int, int]:
    """`rows` (from first_row, first_col) with `blocks` written over them in order, grown to hold them all.

    Adapters use it to answer a read with writes the engine does not show yet.
    """
    blocks = [b for b in blocks if b.rows]
    if not blocks:
        return rows, first_row, first_col
    width = max((len(r) for r in rows), default=0)
    spans = [(first_row, first_col, first_row + len(rows) - 1, first_col + width - 1)] if rows and width else []
    spans += [(b.row, b.col, b.row + len(b.rows) - 1, b.col + max(map(len, b.rows)) - 1) for b in blocks]
    top, left = min(s[0] for s in spans), min(s[1] for s in spans)
    bottom, right = max(s[2] for s in spans), max(s[3] for s in spans)
    grid = [[None] * (right - left + 1) for _ in range(bottom - top + 1)]
    for block in [Block(first_row, first_col, rows), *blocks]:
        for i, values in enumerate(block.rows):
            j = block.col - left
            grid[block.row - top + i][j:j + len(values)] = values
    return grid, top, left
