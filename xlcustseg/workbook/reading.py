"""Reading a workbook file's cell values with python-calamine: the one place the file route does it.

Every sheet the file route reads from disk comes through `sheet_values`, so the
checks that keep a hostile file bounded have one place to live: the package is
scanned within `limits.Limits` first (`limits.check_file`, once per file), and a
sheet whose extent is far beyond its cells — one stray value at XFD1048576, which
calamine would turn into a dense 17-billion-cell range — is read from a copy
without the far cells, never allocated. The cells left out are named in a note
(`notes`).

The extent is the cells' own: calamine places a cell by its `r` reference, so a
`<dimension>` (which may be missing or understate the range) is not trusted. Every
`<c>` reference is read by a vectorised pass over the XML bytes (`_seen` with
`cell_refs.references`: NumPy, no step per cell in Python); only a sheet that reaches far, or whose cells are
written in a form that pass does not read, is read cell by cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from xlcustseg.cells import column_letter
from xlcustseg.workbook.cell_refs import references
from xlcustseg.workbook.limits import Limits, SheetFacts, check_file

#: a sheet spanning more than this many grid cells, and four times its cells, is read without its far cells
TRIM_AREA = 4_000_000
#: a far-reaching sheet part larger than this is not trimmed (that holds it in memory) but measured piece by
#: piece: read as it is if its cells span at most `Limits.area` grid cells, refused if not
TRIM_BYTES = 64 * 2**20
_PIECE = 16 * 2**20
_TAG = re.compile(rb"<((?:[\w.-]+:)?)(row|c)(?=[\s/>])([^>]*)>")
_REF_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*\$?([A-Za-z]*)\$?(\d+)\s*["']""")
_NOTES: dict[tuple[str, str], dict[str, Any]] = {}  # (file, sheet) → the far cells' note, unformatted
_SEEN: dict[tuple[str, int, int, str], SheetFacts | None] = {}  # (file, size, mtime, part) → `_seen`


def sheet_values(source: Path, sheet: str) -> tuple[list[list[Any]], int, int]:
    """A sheet's values as python-calamine reads the file ("" for blanks and errors) and their first row and column.

    LimitError (one sentence) if the file breaks a limit; a sheet reaching far beyond its cells is read
    without the far cells, and `notes(source)` names them.
    """
    import python_calamine

    facts = check_file(source)
    part = _sheet_part(source, sheet) if facts is not None and facts.sheets else None
    found = facts.sheets.get(part) if facts is not None and part is not None else None
    if found is not None and found.cells and _reaches_far(_seen(source, found), facts.limits):
        workbook = _trimmed(source, sheet, found, facts.limits)
    else:
        workbook = python_calamine.CalamineWorkbook.from_path(str(source))
    data = workbook.get_sheet_by_name(sheet)
    start = data.start or (0, 0)
    return data.to_python(skip_empty_area=True), start[0] + 1, start[1] + 1


def notes(source: Path, lang: str = "en") -> list[str]:
    """The notes on what reading `source` left out (far cells), one per sheet, in the order read, in `lang`."""
    from xlcustseg.i18n import text

    key = str(Path(source).resolve())
    return [text("far_cells", lang, **_more(values, lang)) for (path, _), values in _NOTES.items() if path == key]


def _more(values: dict[str, Any], lang: str) -> dict[str, Any]:
    from xlcustseg.i18n import text

    more = values["count"] - len(values["cells"])
    cells = ", ".join(values["cells"]) + (text("far_cells_more", lang, count=f"{more:,}") if more > 0 else "")
    return {**values, "cells": cells, "count": f"{values['count']:,}"}


def _sheet_part(source: Path, sheet: str) -> str | None:
    """The package part holding `sheet` (None if the workbook part cannot say)."""
    from xlcustseg.workbook.ooxml import sheet_parts

    try:
        with zipfile.ZipFile(source) as archive:
            return sheet_parts(archive.read).get(sheet)
    except Exception:  # a damaged workbook part: calamine gives its own sentence
        return None


def _reaches_far(found: SheetFacts | None, limits: Limits) -> bool:
    """Whether a sheet's extent may be far beyond its cells (then it is read cell by cell first).

    `found` None: the cells' extent is not known (then it is read cell by cell too).
    """
    if found is None:
        return True
    if found.cells == 0:
        return False
    area = found.declared_area()
    if area is None or found.last_row > found.dimension[2]:  # no dimension, or one that understates the rows
        return True
    return area > limits.area or (area > TRIM_AREA and area > 4 * found.cells)


def _seen(source: Path, found: SheetFacts) -> SheetFacts | None:
    """The sheet's facts as its cells' references give them: the dimension is the box of every `<c>` (with a
    value or not), the cells are counted. None when a cell is written in a form `cell_refs.references` does not read."""
    status = source.stat()
    key = (str(source.resolve()), status.st_size, status.st_mtime_ns, found.part)
    if key not in _SEEN:
        _SEEN[key] = _cells_box(source, found)
    return _SEEN[key]


def _cells_box(source: Path, found: SheetFacts) -> SheetFacts | None:
    r0 = c0 = 2**40
    r1 = c1 = count = 0
    rest = b""
    with zipfile.ZipFile(source) as archive, archive.open(found.part) as raw:
        while True:
            chunk = raw.read(_PIECE)
            data = rest + chunk
            cut = data.rfind(b"<") if chunk else len(data)  # whole tags only; the last goes with the next piece
            cut = len(data) if cut <= 0 and len(data) > _PIECE else max(cut, 0)
            refs = references(data[:cut])
            if refs is None:
                return None
            rest = data[cut:]
            if len(refs[0]):
                r0, r1 = min(r0, int(refs[0].min())), max(r1, int(refs[0].max()))
                c0, c1 = min(c0, int(refs[1].min())), max(c1, int(refs[1].max()))
                count += len(refs[0])
            if not chunk:
                break
    box = (r0, c0, r1, c1) if count else None
    return SheetFacts(found.part, found.size, count, box, r1)


def _trimmed(source: Path, sheet: str, found: SheetFacts, limits: Limits) -> Any:
    """A calamine workbook over a copy of `source` whose sheet lacks the cells far from the rest."""
    import python_calamine

    if found.size > TRIM_BYTES:
        r0, c0, r1, c1 = _extent(source, found.part)
        area = max(r1 - r0 + 1, 0) * max(c1 - c0 + 1, 0)
        if area > limits.area:
            raise limits.refuse(source.name, "area", "limit_area", sheet=sheet, area=f"{area:,}",
                                corner=f"{column_letter(c1)}{r1}")
        return python_calamine.CalamineWorkbook.from_path(str(source))
    with zipfile.ZipFile(source) as archive:
        xml = archive.read(found.part)
    cells, _, _ = _value_cells(xml)
    if len(cells) == 0:
        return python_calamine.CalamineWorkbook.from_path(str(source))
    r0, r1, c0, c1 = keep_box(cells[:, 0], cells[:, 1], limits, f"{source.name}, sheet {sheet!r}")
    far = cells[(cells[:, 0] < r0) | (cells[:, 0] > r1) | (cells[:, 1] < c0) | (cells[:, 1] > c1)]
    if len(far) == 0:
        return python_calamine.CalamineWorkbook.from_path(str(source))
    _NOTES[(str(source.resolve()), sheet)] = _far_note(sheet, far, (r0, c0, r1, c1))
    pieces, at = [], 0
    for start, end in far[np.argsort(far[:, 2]), 2:4]:
        pieces.append(xml[at:start])
        at = end
    pieces.append(xml[at:])
    return python_calamine.CalamineWorkbook.from_filelike(_replaced(source, found.part, b"".join(pieces)))


def _extent(source: Path, part: str) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of the cells holding something, read piece by piece."""
    r0 = c0 = 2**40
    r1 = c1 = row = col = 0
    rest = b""
    with zipfile.ZipFile(source) as archive, archive.open(part) as raw:
        while True:
            chunk = raw.read(_PIECE)
            data = rest + chunk
            cut = _last_tag(data) if chunk else len(data)  # whole elements only; the rest goes with the next piece
            cells, row, col = _value_cells(data[:cut], row, col)
            rest = data[cut:]
            if len(cells):
                r0, c0 = min(r0, int(cells[:, 0].min())), min(c0, int(cells[:, 1].min()))
                r1, c1 = max(r1, int(cells[:, 0].max())), max(c1, int(cells[:, 1].max()))
            if not chunk:
                return (r0, c0, r1, c1) if r1 else (1, 1, 0, 0)


def _last_tag(data: bytes) -> int:
    """Where the last <row> or <c> start tag of `data` begins: everything before it is whole elements."""
    starts = [tag.start() for tag in _TAG.finditer(data, max(len(data) - 2**20, 0))]
    if starts:
        return starts[-1]
    return len(data) if len(data) > 4 * _PIECE else max(data.rfind(b"<"), 0)  # a huge text: never held whole


def _value_cells(xml: bytes, row: int = 0, col: int = 0) -> tuple[np.ndarray, int, int]:
    """(row, column, start, end) of every cell holding something, as calamine places it (rows x 4 int64),
    and the row and column reached (where the next piece of the same sheet goes on from)."""
    out: list[tuple[int, int, int, int]] = []
    for tag in _TAG.finditer(xml):
        prefix, name, attrs = tag.groups()
        ref = _REF_ATTR.search(attrs)
        if name == b"row":
            row, col = (int(ref.group(2)) if ref else row + 1), 0
            continue
        col = _column(ref.group(1)) if ref and ref.group(1) else col + 1
        if ref:
            row = int(ref.group(2))
        if attrs.endswith(b"/"):
            continue
        close = xml.find(b"</" + prefix + b"c>", tag.end())
        end = len(xml) if close < 0 else close + len(prefix) + 4
        if xml[tag.end():max(close, tag.end())].strip():
            out.append((row, col, tag.start(), end))
    return np.array(out, dtype=np.int64).reshape(-1, 4), row, col


def keep_box(rows: np.ndarray, cols: np.ndarray, limits: Limits, where: str = "the sheet") -> tuple[int, int, int, int]:
    """(first row, last row, first column, last column) of the block the cells make without their far ones.

    While the box spans more than TRIM_AREA grid cells and four times the cells in it, it is cut at the
    widest gap between used rows or columns, keeping the side that holds more cells (the cut that
    shrinks the box most goes first). LimitError naming `where` if the box is still over `limits.area`.
    """
    keep = np.ones(len(rows), dtype=bool)
    for _ in range(64):
        r, c = rows[keep], cols[keep]
        area = (int(r.max()) - int(r.min()) + 1) * (int(c.max()) - int(c.min()) + 1)
        if area <= TRIM_AREA or area <= 4 * int(keep.sum()):
            break
        cuts = [cut for cut in (_cut(rows, keep), _cut(cols, keep)) if cut is not None]
        if not cuts:
            break
        keep = max(cuts, key=lambda k: _shrink(rows, cols, k))
    r, c = rows[keep], cols[keep]
    box = int(r.min()), int(r.max()), int(c.min()), int(c.max())
    area = (box[1] - box[0] + 1) * (box[3] - box[2] + 1)
    if area > limits.area:
        raise limits.refuse(where, "area", "limit_area_kept", area=f"{area:,}")
    return box


def _cut(axis: np.ndarray, keep: np.ndarray) -> np.ndarray | None:
    """`keep` cut at the widest gap between the used values of one axis (the fuller side kept)."""
    used = np.unique(axis[keep])
    if len(used) < 2:
        return None
    gaps = np.diff(used)
    i = int(np.argmax(gaps))
    low = keep & (axis <= used[i])
    high = keep & (axis > used[i])
    return low if low.sum() >= high.sum() else high


def _shrink(rows: np.ndarray, cols: np.ndarray, keep: np.ndarray) -> int:
    """How small the box of the kept cells is (negated area: larger is better)."""
    r, c = rows[keep], cols[keep]
    return -(int(r.max()) - int(r.min()) + 1) * (int(c.max()) - int(c.min()) + 1)


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col


def _far_note(sheet: str, far: np.ndarray, box: tuple[int, int, int, int]) -> dict[str, Any]:
    """What the note on the far cells left out says: the sheet, how many, the first three, the block read."""
    names = [f"{column_letter(int(c))}{int(r)}" for r, c in far[np.lexsort((far[:, 1], far[:, 0])), :2][:3]]
    r0, c0, r1, c1 = box
    return {"sheet": sheet, "count": len(far), "cells": names,
            "block": f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}"}


def _replaced(source: Path, part: str, xml: bytes) -> io.BytesIO:
    """An in-memory copy of the package with one part replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                            compresslevel=1) as copy:
        for info in archive.infolist():
            copy.writestr(info.filename, xml if info.filename == part else archive.read(info.filename))
    out.seek(0)
    return out
