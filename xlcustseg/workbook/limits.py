"""Bounds on what a workbook file may make us read, checked before anything reads it.

An .xlsx is a zip of XML parts, and a few kilobytes of zip can inflate to
gigabytes (a "zip bomb"), declare a million shared strings, or hold one stray
cell at XFD1048576 that a dense reader turns into a 512 GiB allocation. So the
file route opens nothing before `check_file` has inflated every part through a
bounded decompressor (one that stops at the limit, whatever sizes the zip's
directory declares) and counted the cells of each sheet and the shared strings.
Each breach is one sentence naming the limit and the environment variable that
sets it:

    XLCUSTSEG_MAX_PART_BYTES      one part, uncompressed           4 GiB
    XLCUSTSEG_MAX_TOTAL_BYTES     all parts, uncompressed          8 GiB
    XLCUSTSEG_MAX_RATIO           inflated / compressed, per part  100 (past 16 MiB)
    XLCUSTSEG_MAX_CELLS           cells in all sheets              64,000,000
    XLCUSTSEG_MAX_SHARED_STRINGS  shared strings                   64,000,000
    XLCUSTSEG_MAX_AREA            rows x columns one sheet spans   64,000,000

An .xlsb is the same zip with binary (BIFF12) parts. A sheet part (known by
its first record, BrtBeginSheet, not by its name) is walked record by record
as it inflates (`_XlsbCells`): its cells are counted against the cell limit and
the box they span against the area limit — calamine reads an .xlsb sheet into
one dense grid, so a far cell there is refused, not left out as in an .xlsx.
Its shared strings are the count its BrtBeginSst record declares.

The defaults pass a full 1,048,576 x 50 sheet (52,428,800 cells, about 2.5 GB of
XML at a ratio near 6). The facts gathered (per sheet: cells, declared
dimension, last row) tell `reading.sheet_values` when a sheet's extent is far
beyond its cells; they are kept per file (path, size, modification time) so a
file is scanned once per process.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import BinaryIO

from xlcustseg.cells import column_letter
from xlcustseg.i18n import text
from xlcustseg.workbook.run import WorkbookError

__all__ = ["ENV", "LimitError", "Limits", "PackageFacts", "SheetFacts", "check_file", "parse_range"]

#: the ratio limit applies once a part has inflated past this many bytes (small parts compress freely)
RATIO_GRACE = 16 * 2**20
_READ = 64 * 2**10  # compressed bytes fed to the decompressor at a time
_OUT = 4 * 2**20  # at most this much inflated output per decompressor call
_HEAD = 64 * 2**10  # where a part's root element and a sheet's <dimension> are looked for
#: BIFF12 record types of a sheet's cells (BrtCellBlank … BrtShortIsst): each starts with its column
_XLSB_CELL_TYPES = range(1, 19)
_XLSB_SHEET = b"\x81\x01\x00"  # BrtBeginSheet (record 129, no data): a binary worksheet part starts so
_XLSB_SST = b"\x9f\x01"  # BrtBeginSst (record 159), then its size byte, cstTotal and cstUnique

ENV = {
    "part_bytes": "XLCUSTSEG_MAX_PART_BYTES",
    "total_bytes": "XLCUSTSEG_MAX_TOTAL_BYTES",
    "ratio": "XLCUSTSEG_MAX_RATIO",
    "cells": "XLCUSTSEG_MAX_CELLS",
    "shared_strings": "XLCUSTSEG_MAX_SHARED_STRINGS",
    "area": "XLCUSTSEG_MAX_AREA",
}
_ROOT = re.compile(rb"<(?!\?|!)((?:[\w.-]+:)?)([\w.-]+)")
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class LimitError(WorkbookError):
    """A file breaks one of the limits: one sentence naming it, in Chinese and English (`WorkbookError.said`)."""


@dataclass(frozen=True)
class Limits:
    """The bounds, each settable by its environment variable (ENV)."""

    part_bytes: int = 4 * 2**30
    total_bytes: int = 8 * 2**30
    ratio: int = 100
    cells: int = 64_000_000
    shared_strings: int = 64_000_000
    area: int = 64_000_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The defaults, with any XLCUSTSEG_MAX_* variable set in `environ` on top (LimitError if not a count)."""
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV[f.name], "").strip().replace("_", "").replace(",", "")
            if not raw:
                continue
            if not raw.isdigit() or int(raw) < 1:
                raise LimitError.said("limit_not_a_count", variable=ENV[f.name], value=repr(environ[ENV[f.name]]))
            values[f.name] = int(raw)
        return cls(**values)

    def refuse(self, name: str, key: str, what: str, **values: object) -> LimitError:
        """The one sentence for a breach of limit `key` by file `name`: what it does (message `what` of
        xlcustseg.i18n filled with `values`; other text as it is), then the limit."""
        texts = tuple(text("limit_refused", lang, name=name, limit=f"{getattr(self, key):,}", variable=ENV[key],
                           what=text(what, lang, **values) if what.startswith("limit_") else what)
                      for lang in ("zh", "en"))
        return LimitError(texts[1], (texts[0], texts[1]))


@dataclass
class SheetFacts:
    """What the scan saw of one worksheet part."""

    part: str
    size: int = 0  # uncompressed bytes
    cells: int = 0  # <c …> elements (an upper bound: <col>, <cfRule> … count too)
    dimension: tuple[int, int, int, int] | None = None  # the declared <dimension>: r0, c0, r1, c1
    last_row: int = 0  # the number of the last <row> element

    def declared_area(self) -> int | None:
        """Rows x columns of the declared dimension (None without one)."""
        if self.dimension is None:
            return None
        r0, c0, r1, c1 = self.dimension
        return (r1 - r0 + 1) * (c1 - c0 + 1)


@dataclass
class PackageFacts:
    """What the scan saw of a whole package: worksheet parts by path, the shared strings, the sizes."""

    sheets: dict[str, SheetFacts] = field(default_factory=dict)
    shared_strings: int = 0
    total_bytes: int = 0
    limits: Limits = field(default_factory=Limits)


_CACHE: dict[tuple[str, int, int, Limits], PackageFacts] = {}


def check_file(path: Path, limits: Limits | None = None) -> PackageFacts | None:
    """Scan a workbook package within `limits` (default: `Limits.from_env()`); LimitError on a breach.

    None for a file that is not a zip (.xls is read by calamine within its own format's bounds; a
    damaged file is left to the readers' own sentence).
    """
    limits = limits or Limits.from_env()
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, limits)
    if key in _CACHE:
        return _CACHE[key]
    if not zipfile.is_zipfile(path):
        return None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive, open(path, "rb") as raw:
        facts = _scan(archive, raw, path.name, limits)
    _CACHE[key] = facts
    return facts


def _scan(archive: zipfile.ZipFile, raw: BinaryIO, name: str, limits: Limits) -> PackageFacts:
    """Declared sizes first (cheap), then every part inflated within the limits."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    _check_declared(infos, name, limits)
    facts = PackageFacts(limits=limits)
    cells = 0
    for info in infos:
        size, kind, found = _scan_part(raw, info, name, limits, facts.total_bytes, cells)
        facts.total_bytes += size
        if kind == "worksheet":
            facts.sheets[info.filename] = found
            cells += found.cells
            if cells > limits.cells:
                raise limits.refuse(name, "cells", "limit_cells", cells=f"{cells:,}")
        elif kind == "xlsb_sheet":
            cells += found
        elif kind == "sst":
            facts.shared_strings += found
            if facts.shared_strings > limits.shared_strings:
                raise limits.refuse(name, "shared_strings", "limit_shared_strings",
                                    count=f"{facts.shared_strings:,}")
    return facts


def _check_declared(infos: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    """The zip directory's own sizes: a bomb that does not hide them is refused without inflating it."""
    total = 0
    for info in infos:
        if info.file_size > limits.part_bytes:
            raise limits.refuse(name, "part_bytes", "limit_part_declares", part=info.filename,
                                size=f"{info.file_size:,}")
        if info.file_size > RATIO_GRACE and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise limits.refuse(name, "ratio", "limit_ratio_declared", part=info.filename, ratio=f"{ratio:,}",
                                packed=f"{info.compress_size:,}", size=f"{info.file_size:,}")
        total += info.file_size
        if total > limits.total_bytes:
            raise limits.refuse(name, "total_bytes", "limit_total_declares", size=f"{total:,}")


def _scan_part(raw: BinaryIO, info: zipfile.ZipInfo, name: str, limits: Limits, before: int,
               cells: int = 0) -> tuple[int, str, object]:
    """(inflated size, 'worksheet' | 'sst' | '', facts) of one part, within the limits."""
    size, counter, head, walker = 0, None, b"", None
    for chunk, fed in _inflate(raw, info, name):
        size += len(chunk)
        if size > limits.part_bytes:
            raise limits.refuse(name, "part_bytes", "limit_part_inflates", part=info.filename)
        if before + size > limits.total_bytes:
            raise limits.refuse(name, "total_bytes", "limit_total_inflates")
        if size > RATIO_GRACE and size > limits.ratio * max(fed, 1):
            raise limits.refuse(name, "ratio", "limit_ratio", part=info.filename, ratio=f"{limits.ratio:,}",
                                packed=f"{fed:,}", size=f"{size:,}")
        if len(head) < 16:
            head += chunk[:16 - len(head)]
        if counter is None and head.startswith(_XLSB_SHEET):
            walker = walker or _XlsbCells(info.filename, name, limits, cells)
            walker.feed(chunk)
            continue
        if counter is None and head.startswith(_XLSB_SST):
            continue  # binary shared strings: the count BrtBeginSst declares
        if counter is None:
            counter = _Counter(info.filename)
        counter.feed(chunk)
    if size != info.file_size:
        raise LimitError.said("limit_size_lie", name=name, part=info.filename, declared=f"{info.file_size:,}",
                              size=f"{size:,}")
    if walker is not None:
        return size, "xlsb_sheet", walker.cells
    if head.startswith(_XLSB_SST):
        return size, "sst", _xlsb_strings(head)
    if counter is None:
        return size, "", None
    found = counter.result(size)
    return size, counter.kind or "", found


class _XlsbCells:
    """Walks a binary (BIFF12) sheet part chunk by chunk: counts its cell records and the box they span;
    LimitError as soon as the count (with `before`, the cells of the sheets scanned earlier) or the box
    passes its limit."""

    def __init__(self, part: str, name: str, limits: Limits, before: int):
        self.part, self.name, self.limits, self.before = part, name, limits, before
        self.rest = b""
        self.row = 0
        self.cells = 0
        self.box = [2**32, 2**32, -1, -1]  # first row, first column, last row, last column (0-based)

    def feed(self, chunk: bytes) -> None:
        """Walk the whole records in the bytes so far; a record cut by the chunk's end waits for the next."""
        data, at = self.rest + chunk, 0
        while True:
            record = _record_at(data, at)
            if record is None:
                break
            kind, start, end = record
            if kind == 0 and end - start >= 4:  # BrtRowHdr: the row of the cells that follow
                self.row = int.from_bytes(data[start:start + 4], "little")
            elif kind in _XLSB_CELL_TYPES and end - start >= 4:
                self._cell(int.from_bytes(data[start:start + 4], "little"))
            at = end
        self.rest = data[at:]

    def _cell(self, col: int) -> None:
        self.cells += 1
        if self.before + self.cells > self.limits.cells:
            raise self.limits.refuse(self.name, "cells", "limit_cells", cells=f"{self.before + self.cells:,}")
        box, row = self.box, self.row
        if box[0] <= row <= box[2] and box[1] <= col <= box[3]:
            return
        box[:] = [min(box[0], row), min(box[1], col), max(box[2], row), max(box[3], col)]
        area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
        if area > self.limits.area:
            raise self.limits.refuse(self.name, "area", "limit_xlsb_area", part=self.part, area=f"{area:,}",
                                     corner=f"{column_letter(box[3] + 1)}{box[2] + 1}")


def _record_at(data: bytes, at: int) -> tuple[int, int, int] | None:
    """(type, data start, data end) of the BIFF12 record at `at`: a type of 1–2 bytes and a size of 1–4 bytes,
    7 bits each; None when the record does not end within `data`."""
    kind, i, n = 0, at, len(data)
    for shift in (0, 7):
        if i >= n:
            return None
        kind |= (data[i] & 0x7F) << shift
        i += 1
        if not data[i - 1] & 0x80:
            break
    size = 0
    for shift in (0, 7, 14, 21):
        if i >= n:
            return None
        size |= (data[i] & 0x7F) << shift
        i += 1
        if not data[i - 1] & 0x80:
            break
    return (kind, i, i + size) if i + size <= n else None


def _xlsb_strings(head: bytes) -> int:
    """The unique strings a BrtBeginSst record declares (its size byte, cstTotal, then cstUnique; 0 if cut short)."""
    if len(head) < 11:
        return 0
    total, unique = struct.unpack("<ii", head[3:11])
    return max(total, unique, 0)


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo, name: str) -> Iterator[tuple[bytes, int]]:
    """A part's bytes, chunk by chunk, with how many compressed bytes were fed so far.

    Read from the local header on, not trusting the sizes the directory declares: a deflate stream
    ends where it says, and the caller stops reading as soon as a limit is passed.
    """
    raw.seek(info.header_offset)
    head = raw.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise LimitError.said("limit_damaged", name=name, part=info.filename)
    if info.flag_bits & 0x1:
        raise LimitError.said("limit_encrypted", name=name)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        left = info.compress_size
        while left > 0:
            chunk = raw.read(min(left, _OUT))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk, info.compress_size - left
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise LimitError.said("limit_compression", name=name, part=info.filename)
    inflater, fed = zlib.decompressobj(-15), 0
    while not inflater.eof:
        data = raw.read(_READ)
        if not data:
            return
        fed += len(data)
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, _OUT)
            except zlib.error:
                raise LimitError.said("limit_damaged", name=name, part=info.filename) from None
            data = inflater.unconsumed_tail
            if out:
                yield out, fed


class _Counter:
    """Counts, chunk by chunk, the cells of a worksheet part or the strings of a shared-strings part."""

    def __init__(self, part: str):
        self.part = part
        self.kind: str | None = None  # 'worksheet', 'sst' or '' once the root element is seen
        self.pending = b""  # the part's start, until its root element is found
        self.pattern = b""
        self.row_pattern = b""
        self.count = 0
        self.carry = b""  # the last bytes of the previous chunk, shorter than the patterns
        self.dimension: tuple[int, int, int, int] | None = None
        self.row_tag = b""  # the start of the last <row …> element seen

    def feed(self, chunk: bytes) -> None:
        """Count one more chunk of the part."""
        if self.kind is None:
            self.pending += chunk
            root = _ROOT.search(self.pending[:_HEAD])
            if root is None and len(self.pending) < _HEAD:
                return
            self._start(root, self.pending[:_HEAD])
            chunk, self.pending = self.pending, b""
        if not self.pattern:
            return
        window = self.carry + chunk
        self.count += window.count(self.pattern)
        if self.row_pattern:
            at = window.rfind(self.row_pattern)
            if at >= 0:
                self.row_tag = window[at:at + 256]
            elif b">" not in self.row_tag and len(self.row_tag) < 256:
                self.row_tag += window[len(self.carry):][:256 - len(self.row_tag)]
        keep = max(len(self.pattern), len(self.row_pattern)) - 1
        self.carry = window[-keep:] if keep else b""
        self.count -= self.carry.count(self.pattern)  # a whole pattern in the carry is counted with the next chunk

    def _start(self, root: re.Match[bytes] | None, head: bytes) -> None:
        self.kind = ""
        if root is None:
            return
        prefix, tag = root.group(1), root.group(2)
        if tag in (b"worksheet", b"dialogsheet"):
            self.kind, self.pattern, self.row_pattern = "worksheet", b"<" + prefix + b"c", b"<" + prefix + b"row "
            found = _DIMENSION.search(head)
            self.dimension = parse_range(found.group(1).decode("ascii", "replace")) if found else None
        elif tag == b"sst":
            self.kind, self.pattern = "sst", b"<" + prefix + b"si"

    def result(self, size: int) -> SheetFacts | int | None:
        """The facts of a worksheet, the count of an sst, None for any other part."""
        if self.kind is None:  # a part shorter than _HEAD whose root was not found yet
            self.feed(b"")
            if self.kind is None:
                self._start(None, b"")
        self.count += self.carry.count(self.pattern) if self.pattern else 0
        if self.kind == "sst":
            return self.count
        if self.kind != "worksheet":
            return None
        found = _ROW_NUMBER.search(self.row_tag.split(b">", 1)[0])
        return SheetFacts(self.part, size, self.count, self.dimension, int(found.group(1)) if found else 0)


def parse_range(text: str) -> tuple[int, int, int, int] | None:
    """'A1:XFD1048576' (or 'B2') as (first row, first column, last row, last column); None if not a range."""
    ends = [_CELL_REF.match(part.strip()) for part in text.split(":")]
    if not 1 <= len(ends) <= 2 or not all(ends):
        return None
    cells = []
    for found in ends:
        col = 0
        for ch in found.group(1).upper():
            col = col * 26 + ord(ch) - 64
        cells.append((int(found.group(2)), col))
    (r0, c0), (r1, c1) = cells[0], cells[-1]
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)
