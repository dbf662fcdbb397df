"""The summary template's named places: each block's top-left cell, found by the template's defined names."""

from __future__ import annotations

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.workbook import Workbook


def anchors(book: Workbook, sheet: str) -> dict[str, tuple[int, int]]:
    """Every defined name pointing into `sheet` (local to it, or workbook-wide in older templates) → (row, column)."""
    found: dict[str, tuple[int, int]] = {}
    for defined in [*book.defined_names.values(), *book[sheet].defined_names.values()]:
        for sheet_title, ref in defined.destinations:
            if sheet_title == sheet:
                letters, row = coordinate_from_string(ref.replace("$", "").split(":")[0])
                found[defined.name] = (row, column_index_from_string(letters))
    return found
