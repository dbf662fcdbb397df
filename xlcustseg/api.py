"""The public API in one place: segment() and what it returns, Settings, and main() for the ribbon.

    >>> from xlcustseg import segment
    >>> result = segment(table)            # a pandas DataFrame
    >>> result.table                       # one row per customer, with the output columns
    >>> moved = compare(segment_as_of(lines, "2024-06-30").table, segment(lines).table)  # who moved since then
    >>> moved.table, moved.tiers           # previous tier / tier change per customer; the migration matrix
"""

from __future__ import annotations

from typing import Any

from xlcustseg.engine import SegmentationError, SegmentResult, segment
from xlcustseg.engine.movement import Movement, compare, segment_as_of
from xlcustseg.settings import Settings, SettingsError

__all__ = ["Movement", "SegmentResult", "SegmentationError", "Settings", "SettingsError", "compare", "main", "segment",
           "segment_as_of"]


def main(book: Any = None) -> Any:
    """The ribbon button: segment the active sheet of `book` (default: `xw.Book.caller()`); its report."""
    from xlcustseg.excel.ribbon import main as run  # xlwings is imported only when the button runs

    return run(book)
