"""Long columns written straight into a saved sheet's XML.

openpyxl builds a Python object per cell and serialises it slowly; for the
hundreds of thousands of cells of our output columns that doubles the cost of a
run. Instead the adapter saves the workbook with only the header and style of
each long column, then this module splices the remaining cells into the
sheet's `<row>` elements in one pass over the XML text. Strings are written
inline (`t="inlineStr"`), so the shared-string table is untouched; each cell
carries the style id openpyxl registered for its column.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from openpyxl.utils import get_column_letter

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ROW_NUMBER = re.compile(r'<row [^>]*?r="(\d+)"')
_CELL_START = re.compile(r'<c r="([A-Z]+)\d+"')


@dataclass
class PendingColumn:
    """Cells of one column still to be written: values for rows first_row, first_row + 1, …"""

    col: int
    first_row: int
    values: list[Any]
    style_id: int = 0


def cell_xml(letter: str, row: int, value: Any, style: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool | np.bool_):
        return f'<c r="{letter}{row}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, int | float | np.integer | np.floating):
        return f'<c r="{letter}{row}"{s}><v>{repr(float(value)) if isinstance(value, float) else int(value)}</v></c>'
    if isinstance(value, dt.datetime | dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{letter}{row}"{s}><v>{serial:g}</v></c>'
    text = _ILLEGAL.sub("", str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{letter}{row}" t="inlineStr"{s}><is><t{space}>{escape(text)}</t></is></c>'


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _column_xml(column: PendingColumn) -> list[str]:
    """The XML of every cell of a column ('' for blanks); one fast loop per kind of column."""
    letter = get_column_letter(column.col)
    s = f' s="{column.style_id}"' if column.style_id else ""
    rows = range(column.first_row, column.first_row + len(column.values))
    kinds = {type(v) for v in column.values if v is not None}
    if kinds <= {float, int} and not kinds & {bool}:
        return ["" if v is None or v != v else f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>'
                for r, v in zip(rows, column.values, strict=True)]
    if kinds == {str}:
        return ["" if v is None else
                f'<c r="{letter}{r}" t="inlineStr"{s}><is><t{_space(v)}>{escape(_ILLEGAL.sub("", v))}</t></is></c>'
                for r, v in zip(rows, column.values, strict=True)]
    return [cell_xml(letter, r, v, column.style_id) for r, v in zip(rows, column.values, strict=True)]


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text != text.strip() else ""


def _cells_by_row(columns: list[PendingColumn]) -> dict[int, list[tuple[int, str]]]:
    by_row: dict[int, list[tuple[int, str]]] = {}
    for column in sorted(columns, key=lambda c: c.col):
        for offset, xml in enumerate(_column_xml(column)):
            if xml:
                by_row.setdefault(column.first_row + offset, []).append((column.col, xml))
    return by_row


def _patch_rows(xml: str, by_row: dict[int, list[tuple[int, str]]]) -> str:
    head, sep, rest = xml.partition("<sheetData>")
    if not sep:
        raise ValueError("the sheet has no <sheetData> to patch")
    body, sep2, tail = rest.partition("</sheetData>")
    pieces = body.split("</row>")
    for i, piece in enumerate(pieces):
        found = _ROW_NUMBER.search(piece)
        if not found:
            continue
        extra = by_row.pop(int(found.group(1)), None)
        if extra:
            pieces[i] = _merge(piece, extra)
    if by_row:
        raise ValueError(f"rows {sorted(by_row)[:3]} are not in the sheet")
    return head + sep + "</row>".join(pieces) + sep2 + tail


def _merge(row_xml: str, extra: list[tuple[int, str]]) -> str:
    """Insert cells into a row keeping columns in order (the usual case simply appends)."""
    starts = [(m.start(), _column_number(m.group(1))) for m in _CELL_START.finditer(row_xml)]
    if not starts or starts[-1][1] < extra[0][0]:
        return row_xml + "".join(xml for _, xml in extra)
    out, cursor, queue = [], 0, list(extra)
    for pos, col in starts:
        if queue and queue[0][0] == col:
            raise ValueError("a cell to write already exists")
        while queue and queue[0][0] < col:
            out.append(row_xml[cursor:pos] + queue.pop(0)[1])
            cursor = pos
    out.append(row_xml[cursor:])
    return "".join(out) + "".join(xml for _, xml in queue)


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its part inside the xlsx (e.g. 'xl/worksheets/sheet1.xml')."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({i: t for t, i in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets[rid].lstrip("/")
        part = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
        parts[_unescape(name)] = part
    return parts


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


def patch_file(path: Path, pending: dict[str, list[PendingColumn]]) -> None:
    """Splice the pending columns into the saved workbook at `path` (rewritten in place)."""
    if not pending:
        return
    parts = sheet_parts(path)
    todo = {parts[sheet]: columns for sheet, columns in pending.items() if columns}
    fd_dir = path.parent
    with tempfile.NamedTemporaryFile(dir=fd_dir, suffix=".xlsx", delete=False) as handle:
        patched = Path(handle.name)
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                if item.filename in todo:
                    xml = source.read(item).decode("utf-8")
                    # fast compression: this part is most of the file and most of the time
                    target.writestr(item, _patch_rows(xml, _cells_by_row(todo[item.filename])),
                                    compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                else:
                    with source.open(item) as src, target.open(item, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        patched.replace(path)
    finally:
        patched.unlink(missing_ok=True)
