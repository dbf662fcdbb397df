"""Reading a workbook file's cell values with python-calamine: the one place the file route does it.

Every sheet the file route reads from disk comes through `sheet_values`, so the
checks that keep a hostile file bounded (part sizes, dimensions, stray far
cells) have one place to live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def sheet_values(source: Path, sheet: str) -> tuple[list[list[Any]], int, int]:
    """A sheet's values as python-calamine reads the file ("" for blanks and errors) and their first row and column."""
    import python_calamine

    data = python_calamine.CalamineWorkbook.from_path(str(source)).get_sheet_by_name(sheet)
    start = data.start or (0, 0)
    return data.to_python(skip_empty_area=True), start[0] + 1, start[1] + 1
