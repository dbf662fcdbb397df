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

import codecs
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

from xlcustseg.cells import Formula, column_letter
from xlcustseg.workbook.cell_refs import references
from xlcustseg.workbook.ooxml import sheet_parts

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_DAY = EXCEL_EPOCH.toordinal()
_MIDNIGHT = dt.time()
_ONE_KIND = [{float}, {int}, {str}, {dt.datetime}]  # columns `_column_xml` makes in one loop
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
        return f'<c r="{letter}{row}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, Formula):  # only a formula we authored (`xlcustseg.cells.to_cell`): any other text is text
        return f'<c r="{letter}{row}"{s}><f>{escape(_ILLEGAL.sub("", value[1:]))}</f></c>'
    text = _ILLEGAL.sub("", str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{letter}{row}" t="inlineStr"{s}><is><t{space}>{escape(text)}</t></is></c>'


def _serial(value: dt.date) -> str:
    """A date or datetime as Excel's serial day number (whole days without a fraction)."""
    if not isinstance(value, dt.datetime):
        return str((value - EXCEL_EPOCH.date()).days)
    days = (value.replace(tzinfo=None) - EXCEL_EPOCH) / dt.timedelta(days=1)
    return str(int(days)) if days == int(days) else repr(days)


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
    kinds = set(map(type, column.values)) - {type(None)}
    if kinds <= {float, int}:
        return ["" if v is None or v != v else f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>'
                for r, v in zip(rows, column.values, strict=True)]
    if kinds == {str}:
        return _text_xml(letter, s, rows, column.values)
    if kinds == {dt.datetime}:
        return _dates_xml(letter, s, rows, column.values)
    if kinds <= {dt.datetime, dt.date}:
        return ["" if v is None else f'<c r="{letter}{r}"{s}><v>{_serial(v)}</v></c>'
                for r, v in zip(rows, column.values, strict=True)]
    if len(column.values) > 1 and set(map(type, column.values[1:])) - {type(None)} in _ONE_KIND:  # a header on top
        rest = PendingColumn(column.col, column.first_row + 1, column.values[1:], column.style_id)
        return [cell_xml(letter, column.first_row, column.values[0], column.style_id), *_column_xml(rest)]
    return [cell_xml(letter, r, v, column.style_id) for r, v in zip(rows, column.values, strict=True)]


def _text_xml(letter: str, s: str, rows: range, values: list[Any]) -> list[str]:
    """Text cells: escaped and cleaned only when the column needs it (checked once over its distinct texts).

    A column of few distinct texts (labels, actions) has the XML after each cell's reference made once per text.
    """
    distinct = set(values) - {None, ""}
    blob = "".join(distinct)
    cleaned = _ILLEGAL.search(blob) or "&" in blob or "<" in blob or ">" in blob
    if not cleaned and 4 * len(distinct) > len(values) and all(v == v.strip() for v in distinct):
        return [f'<c r="{letter}{r}" t="inlineStr"{s}><is><t>{v}</t></is></c>' if v else ""
                for r, v in zip(rows, values, strict=True)]
    tails = {}
    for v in distinct:
        text = escape(_ILLEGAL.sub("", v)) if cleaned else v
        tails[v] = f' t="inlineStr"{s}><is><t{_space(text)}>{text}</t></is></c>' if text else ""
    return [f'<c r="{letter}{r}"{tail}' if (tail := tails.get(v)) else "" for r, v in zip(rows, values, strict=True)]


def _dates_xml(letter: str, s: str, rows: range, values: list[Any]) -> list[str]:
    """Datetime cells: whole days (the usual) as the day's ordinal from Excel's epoch; other times of day as
    serial numbers computed for the whole column at once by NumPy."""
    if None not in values and set(map(dt.datetime.time, values)) == {_MIDNIGHT} and \
            set(map(dt.datetime.utcoffset, values)) == {None}:
        return [f'<c r="{letter}{r}"{s}><v>{day - _EPOCH_DAY}</v></c>'
                for r, day in zip(rows, map(dt.datetime.toordinal, values), strict=True)]
    if any(v.tzinfo is not None for v in values if v is not None):
        return ["" if v is None else f'<c r="{letter}{r}"{s}><v>{_serial(v)}</v></c>'
                for r, v in zip(rows, values, strict=True)]
    stamps = np.array(values, dtype="datetime64[us]")
    micros = (stamps - np.datetime64(EXCEL_EPOCH, "us")).astype(np.int64)
    whole = micros % 86_400_000_000 == 0
    serials = np.where(whole, (micros // 86_400_000_000).astype(str), (micros / 86_400_000_000).astype(str))
    return ["" if v is None else f'<c r="{letter}{r}"{s}><v>{serial}</v></c>'
            for r, v, serial in zip(rows, values, serials.tolist(), strict=True)]


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text != text.strip() else ""


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



def forget(columns: list[PendingColumn], first_row: int, last_row: int, first_col: int,
           last_col: int) -> list[PendingColumn]:
    """Held-aside columns with the cells inside a rectangle being written again taken out (they keep the rest)."""
    kept = []
    for column in columns:
        last = column.first_row + len(column.values) - 1
        if not first_col <= column.col <= last_col or last < first_row or column.first_row > last_row:
            kept.append(column)
            continue
        above = column.values[:max(first_row - column.first_row, 0)]
        below = column.values[last_row + 1 - column.first_row:]
        kept += [PendingColumn(column.col, start, part, column.style_id)
                 for start, part in ((column.first_row, above), (last_row + 1, below)) if part]
    return kept


# ---------------------------------------------------------------- streaming a sheet's XML with cells spliced in
BLOCK_ROWS = 8192  # the cells of this many rows are made at a time
CHUNK_CHARS = 1 << 22  # the sheet is read and written this many characters at a time
DEFAULT_WIDTH = 14.0
_SHEET_DATA = re.compile(r"<sheetData\b[^>]*?(/?)>")
_SPANS = re.compile(r'\sspans="[^"]*"')
_ROW_NUMBER = re.compile(r'<row\b[^>]*?\br="(\d+)"')
_COLS = re.compile(r"<cols>(.*?)</cols>", re.S)
_COL = re.compile(r"<col\b[^>]*?/>|<col\b[^>]*?>.*?</col>", re.S)


class RowCells:
    """The XML of pending columns row by row, made a block of rows at a time as rows are asked for in order."""

    def __init__(self, columns: list[PendingColumn]):
        self.columns = sorted((c for c in columns if c.values), key=lambda c: (c.col, c.first_row))
        self.top = min((c.first_row for c in self.columns), default=1)
        self.bottom = max((c.first_row + len(c.values) - 1 for c in self.columns), default=0)
        self.first_col = min((c.col for c in self.columns), default=1)
        self._start, self._joined = -2 * BLOCK_ROWS, []

    def joined(self, row: int) -> str:
        """Every new cell of `row`, in column order, as one string ('' when none)."""
        if not self.top <= row <= self.bottom:
            return ""
        if not self._start <= row < self._start + BLOCK_ROWS:
            self._load(row - (row - self.top) % BLOCK_ROWS)
        return self._joined[row - self._start]

    def _load(self, start: int) -> None:
        end = start + BLOCK_ROWS
        parts: list[list[str]] = []
        for c in self.columns:
            a, b = max(start, c.first_row), min(end, c.first_row + len(c.values))
            if a < b:
                part = PendingColumn(c.col, a, c.values[a - c.first_row:b - c.first_row], c.style_id)
                parts.append([""] * (a - start) + _column_xml(part) + [""] * (end - b))
        self._start = start
        self._joined = list(map("".join, zip(*parts, strict=True))) if parts else [""] * BLOCK_ROWS

    def span(self, first: int, last: int) -> list[str]:
        """`joined` for every row from `first` to `last`, sliced a block at a time."""
        out: list[str] = []
        row = first
        while row <= last:
            if not self.top <= row <= self.bottom:
                stop = min(last, self.top - 1) if row < self.top else last
                out += [""] * (stop - row + 1)
            else:
                self.joined(row)
                stop = min(last, self._start + BLOCK_ROWS - 1, self.bottom)
                out += self._joined[row - self._start:stop - self._start + 1]
            row = stop + 1
        return out

    def covered(self, row: int) -> set[int]:
        """The columns written at `row` (their old cells there give way, blank or not)."""
        return {c.col for c in self.columns if c.first_row <= row < c.first_row + len(c.values)}

    def pairs(self, row: int) -> list[tuple[int, str]]:
        """(column, cell XML or '') of every column written at `row`, in column order."""
        return [(c.col, cell_xml(column_letter(c.col), row, c.values[row - c.first_row], c.style_id))
                for c in self.columns if c.first_row <= row < c.first_row + len(c.values)]

    def filled_rows(self, after: int, before: int) -> Iterator[int]:
        """Rows strictly between `after` and `before` that get a cell."""
        for row in range(max(after + 1, self.top), min(before, self.bottom + 1)):
            if self.joined(row):
                yield row


def patch_sheet(source: io.BufferedIOBase, target: io.BufferedIOBase, columns: list[PendingColumn],
                widths: dict[int, float] | None = None) -> None:
    """Copy a sheet's XML from `source` to `target` (binary streams) with `columns` spliced into its rows.

    The XML is read and written a chunk at a time: a sheet of a million rows is
    never whole in memory. Rows the sheet lacks are added in order; the
    <dimension> grows to the new cells, and `widths` (column → width) are given to
    new columns the sheet's <cols> does not size yet.
    """
    cells = RowCells(columns)
    text = _chunks(source)
    buffer = ""
    for piece in text:
        buffer += piece
        found = _SHEET_DATA.search(buffer)
        if found:
            break
    else:
        raise ValueError("the sheet has no <sheetData> to patch")
    head = _with_cols(_dimension(buffer[:found.start()], cells), widths or {}, cells)
    target.write((head + "<sheetData>").encode())
    rest = buffer[found.end():]
    if found.group(1):  # <sheetData/>
        _write(target, [_new_row(r, cells.joined(r)) for r in cells.filled_rows(0, cells.bottom + 1)])
        target.write(b"</sheetData>")
    else:
        rest = _rows(rest, text, target, cells)
    target.write(rest.encode())
    for piece in text:
        target.write(piece.encode())


def _chunks(source: io.BufferedIOBase) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    while True:
        data = source.read(CHUNK_CHARS)
        if not data:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        yield decoder.decode(data)


def _rows(buffer: str, text: Iterator[str], target: io.BufferedIOBase, cells: RowCells) -> str:
    """Stream the rows up to </sheetData> with the cells spliced in; returns what follows </sheetData>."""
    last = 0
    while True:
        end = buffer.find("</sheetData>")
        cut = end if end >= 0 else buffer.rfind("</row>") + len("</row>") if "</row>" in buffer else 0
        if cut or end >= 0:
            out, last = _patch_rows(buffer[:cut], cells, last)
            _write(target, out)
            buffer = buffer[cut:]
        if end >= 0:
            _write(target, [_new_row(r, cells.joined(r)) for r in cells.filled_rows(last, cells.bottom + 1)])
            return buffer
        piece = next(text, None)
        if piece is None:
            raise ValueError("the sheet's <sheetData> is not closed")
        buffer += piece


def _patch_rows(xml: str, cells: RowCells, last: int) -> tuple[list[str], int]:
    """Complete rows of the sheet with their new cells, and new rows where the sheet has none; the last row seen."""
    fast = _appended(xml, cells, last)
    if fast is not None:
        return fast
    out, cursor = [], 0
    for found in _ROW.finditer(xml):
        number = int(found.group(1))
        out.append(xml[cursor:found.start()])
        out += [_new_row(r, cells.joined(r)) for r in cells.filled_rows(last, number)]
        out.append(_patched_row(found, cells, number))
        cursor, last = found.end(), number
    out.append(xml[cursor:])
    return out, last


def _appended(xml: str, cells: RowCells, last: int) -> tuple[list[str], int] | None:
    """The usual case in a few passes over the text, without a step per cell: consecutive rows, every cell
    named (r first) and left of our first column, no row to add before them. None when the text is not so."""
    pieces = xml.split("</row>")
    numbers = _ROW_NUMBER.findall(xml)
    if not numbers or len(numbers) != len(pieces) - 1:
        return None  # a row written <row .../>, or one without r
    first, end = int(numbers[0]), int(numbers[-1])
    if end - first + 1 != len(numbers) or next(cells.filled_rows(last, first), None) is not None:
        return None  # gaps, where the careful way adds rows
    named = references(xml.encode())  # every cell's column, by NumPy over the bytes
    if named is None or (len(named[1]) and int(named[1].max()) >= cells.first_col):
        return None
    joined = cells.span(first, end)
    if cells.top <= end and first <= cells.bottom and 'spans="' in xml:
        pieces = _SPANS.sub("", xml).split("</row>")
    out = [piece + added + "</row>" for piece, added in zip(pieces, joined, strict=False)]
    out.append(pieces[-1])
    return out, end


def _patched_row(found: re.Match, cells: RowCells, number: int) -> str:
    text = found.group(0)
    if not cells.top <= number <= cells.bottom:
        return text
    body = found.group(2)
    joined = cells.joined(number)
    if body is None:  # <row r="7" .../>: no cells yet
        return _SPANS.sub("", text[:-2].rstrip()) + ">" + joined + "</row>" if joined else text
    opening = _SPANS.sub("", text[:text.index(">") + 1])
    last = body.rfind('<c r="')
    if last < 0 or _column_number(_CELL_START.match(body, last).group(1)) < cells.first_col:
        return opening + body + joined + "</row>" if joined else text
    return opening + _merge(body, cells.covered(number), cells.pairs(number)) + "</row>"


def _merge(row_xml: str, covered: set[int], extra: list[tuple[int, str]]) -> str:
    """A row's cells with the cells of the `covered` columns replaced by `extra` (in column order)."""
    out, cursor = [], 0
    queue = [(col, xml) for col, xml in extra if xml]
    for found in _CELL_START.finditer(row_xml):
        col = _column_number(found.group(1))
        while queue and queue[0][0] < col:
            out.append(row_xml[cursor:found.start()] + queue.pop(0)[1])
            cursor = found.start()
        if col in covered:
            out.append(row_xml[cursor:found.start()])
            cursor = _cell_end(row_xml, found.start())
    out.append(row_xml[cursor:])
    return "".join(out) + "".join(xml for _, xml in queue)


def _cell_end(row_xml: str, start: int) -> int:
    """Where the <c> element starting at `start` ends."""
    close = row_xml.index(">", start)
    return close + 1 if row_xml[close - 1] == "/" else row_xml.index("</c>", close) + len("</c>")


def _new_row(number: int, joined: str) -> str:
    return f'<row r="{number}">{joined}</row>'


def _write(target: io.BufferedIOBase, pieces: list[str]) -> None:
    target.write("".join(pieces).encode())


def _dimension(head: str, cells: RowCells) -> str:
    """The sheet's <dimension> widened to the new cells."""
    found = _DIMENSION.search(head)
    if not found or not cells.columns:
        return head
    corners = [_corner(part) for part in found.group(1).split(":")]
    top, left = min(corners[0][0], cells.top), min(corners[0][1], cells.first_col)
    right = max(corners[-1][1], max(c.col for c in cells.columns))
    bottom = max(corners[-1][0], cells.bottom)
    return head[:found.start(1)] + f"{column_letter(left)}{top}:{column_letter(right)}{bottom}" + head[found.end(1):]


def _with_cols(head: str, widths: dict[int, float], cells: RowCells) -> str:
    """<cols> with a width for each new column it does not size yet (kept in column order)."""
    found = _COLS.search(head)
    existing = _COL.findall(found.group(1)) if found else []
    spans = [(int(_attr(c, "min")), int(_attr(c, "max"))) for c in existing]
    new = {col: width for col, width in widths.items() if not any(a <= col <= b for a, b in spans)}
    if not new:
        return head
    made = [(col, f'<col min="{col}" max="{col}" width="{width:g}" customWidth="1"/>') for col, width in new.items()]
    ordered = "".join(xml for _, xml in sorted([*zip((a for a, _ in spans), existing, strict=True), *made],
                                               key=lambda pair: pair[0]))
    if found:
        return head[:found.start()] + f"<cols>{ordered}</cols>" + head[found.end():]
    return head + f"<cols>{ordered}</cols>"


def _attr(element: str, name: str) -> str:
    found = re.search(rf'\b{name}="([^"]*)"', element)
    return found.group(1) if found else "0"


def big(item: zipfile.ZipInfo) -> bool:
    """Whether a patched copy of this part may outgrow a plain zip entry (2 GiB): then it is written as zip64."""
    return item.file_size > 1 << 28


def copy_part(source: zipfile.ZipFile, target: zipfile.ZipFile, item: zipfile.ZipInfo) -> None:
    """One part copied byte for byte (its content, name, date and compression kind)."""
    with source.open(item) as src, target.open(item, "w", force_zip64=item.file_size > 1 << 30) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def patch_file(path: Path, pending: dict[str, list[PendingColumn]]) -> None:
    """Splice the pending columns into the saved workbook at `path` (rewritten in place)."""
    if not any(pending.values()):
        return
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive.read)
    todo = {parts[sheet]: columns for sheet, columns in pending.items() if columns}
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".xlsx", delete=False) as handle:
        patched = Path(handle.name)
    try:
        # fast compression (level 1) for the patched parts: they are most of the file and the time
        with zipfile.ZipFile(path) as source, \
                zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
            for item in source.infolist():
                if item.filename not in todo:
                    copy_part(source, target, item)
                    continue
                with source.open(item) as src, target.open(item.filename, "w", force_zip64=big(item)) as dst:
                    patch_sheet(src, dst, todo[item.filename])
        patched.replace(path)
    finally:
        patched.unlink(missing_ok=True)
