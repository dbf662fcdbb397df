"""The ribbon button 一键分层 / Segment: what `xlcustseg.main()` runs inside Excel.

The add-in's VBA calls `RunPython "import xlcustseg; xlcustseg.main()"`; xlwings
Lite calls `main(book)` from its @script. The work is `segment_book()` through
the xlwings adapter — the same run as the command line's.
"""

from __future__ import annotations

import contextlib

from xlcustseg.i18n import text
from xlcustseg.workbook.run import RunReport, WorkbookError, segment_book
from xlcustseg.workbook.xlwings_book import XlwingsBook


def main(book=None) -> RunReport | None:
    """Segment the table on the active sheet of `book` (default: the calling workbook) and say what was done."""
    import xlwings as xw

    book = book if book is not None else xw.Book.caller()
    port = XlwingsBook(book)
    try:
        report = segment_book(port)
    except WorkbookError as exc:
        _tell(book, str(exc), "xlcustseg")
        return None
    message = report.message()
    if port.skipped:
        message += "\n" + text("button_skipped", report.result.language, what=", ".join(port.skipped))
    _tell(book, message, text("button_title", report.result.language))
    return report


def _tell(book, message: str, title: str) -> None:
    try:
        book.app.alert(message, title=title)
    except Exception:
        with contextlib.suppress(Exception):
            book.app.status_bar = message.splitlines()[0]
