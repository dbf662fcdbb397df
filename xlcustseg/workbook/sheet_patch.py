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
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from xlcustseg.cells import column_letter
from xlcustseg.workbook.ooxml import sheet_parts

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ROW = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
_DIMENSION = re.compile(r'<dimension ref="([A-Z0-9:]+)"')
_CELL_START = re.compile(r'<c r="([A-Z]+)\d+"')


@dataclass(frozen=True)
class PendingColumn:
    """Cells of one column still to be written: values for rows first_row, first_row + 1, … (None: no cell)"""

    col: int
    first_row: int
    values: list[Any]
    style_id: int = 0


def cell_xml(letter: str, row: int, value: Any, style: int) -> str:
    """One cell's XML ('' for a blank: None, NaN or empty text, which openpyxl too writes as no value)."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
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
    letter = column_letter(column.col)
    s = f' s="{column.style_id}"' if column.style_id else ""
    rows = range(column.first_row, column.first_row + len(column.values))
    kinds = {type(v) for v in column.values if v is not None}
    if kinds <= {float, int} and not kinds & {bool}:
        return ["" if v is None or v != v else f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>'
                for r, v in zip(rows, column.values, strict=True)]
    if kinds == {str}:
        return ["" if v is None or v == "" else
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


def _patched(xml: str, by_row: dict[int, list[tuple[int, str]]]) -> Iterator[str]:
    """The sheet's XML in pieces, the cells spliced into their rows; rows the sheet lacks are added in order.

    Pieces, not one string: the part is written to the zip as it is made, so no
    whole copy of a large sheet is ever joined in memory.
    """
    numbers = sorted(by_row)
    begin = xml.find("<sheetData>")
    if begin < 0:
        empty = xml.find("<sheetData/>")
        if empty < 0:
            raise ValueError("the sheet has no <sheetData> to patch")
        yield _with_dimension(xml[:empty], by_row) + "<sheetData>"
        yield from (_new_row(number, by_row[number]) for number in numbers)
        yield "</sheetData>" + xml[empty + len("<sheetData/>"):]
        return
    cursor = begin + len("<sheetData>")
    end = xml.index("</sheetData>", cursor)
    yield _with_dimension(xml[:begin], by_row) + "<sheetData>"
    k = 0  # numbers[k]: the next row with cells to splice
    for found in _ROW.finditer(xml, cursor, end):
        number = int(found.group(1))
        yield xml[cursor:found.start()]
        while k < len(numbers) and numbers[k] < number:
            yield _new_row(numbers[k], by_row[numbers[k]])
            k += 1
        if k < len(numbers) and numbers[k] == number:
            yield _patched_row(found, by_row[number])
            k += 1
        else:
            yield found.group(0)
        cursor = found.end()
    yield xml[cursor:end]
    yield from (_new_row(number, by_row[number]) for number in numbers[k:])
    yield xml[end:]


def _new_row(number: int, cells: list[tuple[int, str]]) -> str:
    return f'<row r="{number}">' + "".join(xml for _, xml in cells) + "</row>"


def _patched_row(found: re.Match, cells: list[tuple[int, str]]) -> str:
    text = found.group(0)
    if found.group(2) is None:  # <row r="7" .../>: no cells yet
        return text[:-2].rstrip() + ">" + "".join(xml for _, xml in cells) + "</row>"
    opening = text[:text.index(">") + 1]
    return opening + _merge(found.group(2), cells) + "</row>"


def _merge(row_xml: str, extra: list[tuple[int, str]]) -> str:
    """Cells into a row's cells in column order (the usual case simply appends).

    A cell already at one of their places makes way: on a re-run it is the empty,
    styled cell left where the column's old value was cleared.
    """
    starts = [(m.start(), _column_number(m.group(1))) for m in _CELL_START.finditer(row_xml)]
    if not starts or starts[-1][1] < extra[0][0]:
        return row_xml + "".join(xml for _, xml in extra)
    out, cursor, queue = [], 0, list(extra)
    for pos, col in starts:
        while queue and queue[0][0] < col:
            out.append(row_xml[cursor:pos] + queue.pop(0)[1])
            cursor = pos
        if queue and queue[0][0] == col:
            out.append(row_xml[cursor:pos] + queue.pop(0)[1])
            cursor = _cell_end(row_xml, pos)
    out.append(row_xml[cursor:])
    return "".join(out) + "".join(xml for _, xml in queue)


def _cell_end(row_xml: str, start: int) -> int:
    """Where the <c> element starting at `start` ends."""
    close = row_xml.index(">", start)
    return close + 1 if row_xml[close - 1] == "/" else row_xml.index("</c>", close) + len("</c>")


def _with_dimension(head: str, by_row: dict[int, list[tuple[int, str]]]) -> str:
    """The sheet's <dimension> widened to the spliced cells."""
    found = _DIMENSION.search(head)
    if not found or not by_row:
        return head
    cols = [col for cells in by_row.values() for col, _ in cells]
    corners = [_corner(part) for part in found.group(1).split(":")]
    top, left = min(corners[0][0], min(by_row)), min(corners[0][1], min(cols))
    bottom, right = max(corners[-1][0], max(by_row)), max(corners[-1][1], max(cols))
    return head[:found.start(1)] + f"{column_letter(left)}{top}:{column_letter(right)}{bottom}" + head[found.end(1):]


def _corner(cell: str) -> tuple[int, int]:
    """(row, column) of an A1-style cell name."""
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters):] or 1), _column_number(letters or "A")


def patch_file(path: Path, pending: dict[str, list[PendingColumn]]) -> None:
    """Splice the pending columns into the saved workbook at `path` (rewritten in place)."""
    if not pending:
        return
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive.read)
    todo = {parts[sheet]: columns for sheet, columns in pending.items() if columns}
    fd_dir = path.parent
    with tempfile.NamedTemporaryFile(dir=fd_dir, suffix=".xlsx", delete=False) as handle:
        patched = Path(handle.name)
    try:
        # fast compression (level 1) for the patched parts, opened by name: they are most of the file and the time
        with zipfile.ZipFile(path) as source, \
                zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
            for item in source.infolist():
                if item.filename in todo:
                    xml = source.read(item).decode("utf-8")
                    with target.open(item.filename, "w") as raw, io.TextIOWrapper(raw, "utf-8") as dst:
                        dst.writelines(_patched(xml, _cells_by_row(todo[item.filename])))
                else:
                    with source.open(item) as src, target.open(item, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        patched.replace(path)
    finally:
        patched.unlink(missing_ok=True)
