"""The ribbon button 一键分层 / Segment: what `xlcustseg.main()` runs inside Excel.

The add-in's VBA calls `RunPython "import xlcustseg; xlcustseg.main()"`; xlwings
Lite calls `main(book)` from its @script. The work is `segment_book()` through
the xlwings adapter — the same run as the command line's — then, when the
settings ask for it (movement.previous, movement.compare_as_of), the movement
columns and sheet of `workbook.movement_sheet`, as the command line writes them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from xlcustseg.i18n import text
from xlcustseg.workbook import movement_sheet
from xlcustseg.workbook.run import RunReport, WorkbookError, segment_book
from xlcustseg.workbook.xlwings_book import XlwingsBook


def main(book=None) -> RunReport | None:
    """Segment the table on the active sheet of `book` (default: the calling workbook) and say what was done."""
    import xlwings as xw

    book = book if book is not None else xw.Book.caller()
    port = XlwingsBook(book)
    try:
        previous = movement_sheet.snapshot_before_run(port, folder=_folder(book))  # before the run rewrites it
        report = segment_book(port)
    except WorkbookError as exc:
        _tell(book, str(exc), "xlcustseg")
        return None
    lines = [report.message()]
    moved = _movement(port, report, previous)
    if moved:
        lines.append(moved)
    if port.skipped:
        lines.append(text("button_skipped", report.result.language, what=", ".join(port.skipped)))
    _tell(book, "\n".join(lines), text("button_title", report.result.language))
    return report


def _movement(port: XlwingsBook, report: RunReport, previous: movement_sheet.Snapshot | None) -> str:
    """The movement columns and sheet when a previous snapshot is set; the line to tell (a failure says why)."""
    settings, lang = report.result.settings, report.result.language
    try:
        if previous is None and settings["movement.compare_as_of"]:
            previous = movement_sheet.previous_as_of(port, report, settings["movement.compare_as_of"])
        if previous is None:
            return ""
        return movement_sheet.movement_message(movement_sheet.add_movement(port, report, previous), previous)
    except WorkbookError as exc:
        return text("movement_failed", lang, reason=str(exc))


def _folder(book) -> Path | None:
    """The folder of the workbook's file (for a previous workbook named by a relative path); None if unsaved."""
    with contextlib.suppress(Exception):
        path = Path(book.fullname)
        if path.is_absolute():
            return path.parent
    return None


def _tell(book, message: str, title: str) -> None:
    try:
        book.app.alert(message, title=title)
    except Exception:
        with contextlib.suppress(Exception):
            book.app.status_bar = message.splitlines()[0]
