"""The summary template's named places: each block's top-left cell, found by the template's defined names."""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlcustseg.workbook.ooxml import parse_reference


def anchors(book: Workbook, sheet: str) -> dict[str, tuple[int, int]]:
    """Every defined name pointing into `sheet` (local to it, or workbook-wide in older templates) → (row, column)."""
    found: dict[str, tuple[int, int]] = {}
    for defined in [*book.defined_names.values(), *book[sheet].defined_names.values()]:
        place = parse_reference(defined.attr_text or "")
        if place is not None and place[0] == sheet:
            found[defined.name] = (place[1], place[2])
    return found


def copy_conditional_formats(source: Worksheet, target: Worksheet) -> None:
    """Give `target` every conditional format of `source` (same ranges and rules): the summary template styles
    its run-sized tables and colours its heatmaps this way, and openpyxl's sheet copies leave them out."""
    for formatting in source.conditional_formatting:
        for rule in formatting.rules:
            target.conditional_formatting.add(str(formatting.sqref), rule)
