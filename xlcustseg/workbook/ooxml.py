"""The parts of an .xlsx package and the text of its references, read without openpyxl.

One place for the Open XML facts the file route needs: where a part's
relationships are and which parts they point to, which part holds each sheet,
and how a defined name's reference is
written ('Sheet 1'!$B$7) and read back.
XML is parsed with defusedxml (a file-route dependency: nothing here parses XML
on import, so xlwings Lite, which lacks defusedxml, can still use the references).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from xlcustseg.cells import column_letter

WORKBOOK_PART = "xl/workbook.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REFERENCE = re.compile(r"^(?:'((?:[^']|'')+)'|([^!'][^!]*))!\$?([A-Za-z]{1,3})\$?(\d+)")


def rels_part(part: str) -> str:
    """The relationships part of `part`: 'xl/workbook.xml' → 'xl/_rels/workbook.xml.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source_part: str, target: str) -> str:
    """The package path a relationship target of `source_part` points to (absolute or relative)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relationships(xml: bytes | str) -> dict[str, str]:
    """Relationship id → target, from the text of a .rels part."""
    root = _parse(xml)
    return {rel.get("Id"): rel.get("Target") for rel in root.iter(f"{{{PACKAGE_REL_NS}}}Relationship")}


def sheet_parts(read: Callable[[str], bytes]) -> dict[str, str]:
    """Sheet name → the part holding it (e.g. 'xl/worksheets/sheet1.xml'), in the workbook's order.

    `read` gives a part's bytes by its path (a zipfile.ZipFile's `read`, or a dict's `__getitem__`).
    """
    targets = relationships(read(rels_part(WORKBOOK_PART)))
    workbook = _parse(read(WORKBOOK_PART))
    return {sheet.get("name"): resolve(WORKBOOK_PART, targets[sheet.get(f"{{{DOC_REL_NS}}}id")])
            for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet")}


def quote_sheet(name: str) -> str:
    """A sheet name as a reference writes it: always quoted, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def reference(sheet: str, row: int, col: int) -> str:
    """The absolute reference of one cell, as a defined name holds it: 'Sheet 1'!$B$7."""
    return f"{quote_sheet(sheet)}!${column_letter(col)}${row}"


def parse_reference(text: str) -> tuple[str, int, int] | None:
    """(sheet, row, column) of the first cell a reference names ('Sheet 1'!$B$7, Summary!$C$60:$D$61); None if none."""
    found = _REFERENCE.match(text.strip().lstrip("="))
    if not found:
        return None
    quoted, plain, letters, row = found.groups()
    sheet = quoted.replace("''", "'") if quoted is not None else plain
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return sheet, int(row), col


def _parse(xml: bytes | str):
    from defusedxml.ElementTree import fromstring

    return fromstring(xml)
