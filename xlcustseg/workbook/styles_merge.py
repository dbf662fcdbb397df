"""Merging the styles of a scratch workbook into a package's styles.xml, by text.

The file route keeps the input's styles.xml as it is and appends what our cells
need (the fonts, fills, borders, number formats, cell formats and differential
formats of the scratch workbook the settings and summary sheets were built in).
An entry equal to one already there is not added again, so a second run adds
nothing. Returns the merged text and the index maps our cells' `s=` and
conditional formats' `dxfId=` go through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the children of <styleSheet>, in the order the schema requires
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
         "colors", "extLst")
ITEM = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf", "dxfs": "dxf"}
_ID_ATTR = re.compile(r'\b(numFmtId|fontId|fillId|borderId|xfId)="(\d+)"')
_COUNT = re.compile(r'\scount="\d+"')
FIRST_CUSTOM_FORMAT = 164
EMPTY_STYLES = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '</styleSheet>')


@dataclass(frozen=True)
class MergedStyles:
    """The merged styles.xml text; scratch cell format index → merged index, and the same for dxfs."""

    xml: str
    xfs: dict[int, int]
    dxfs: dict[int, int]


def _section(xml: str, name: str) -> re.Match | None:
    return re.search(rf"<{name}\b[^>]*?(?:/>|>(.*?)</{name}>)", xml, re.S)


def items(xml: str, name: str) -> list[str]:
    """The child elements of section `name` (e.g. every <font> of <fonts>), as text."""
    found = _section(xml, name)
    if not found or not found.group(1):
        return []
    tag = ITEM[name]
    return re.findall(rf"<{tag}\b[^>]*?(?:/>|>.*?</{tag}>)", found.group(1), re.S)


def merge_styles(target: str | None, scratch: str) -> MergedStyles:
    """`target` (the input's styles.xml; None when it has none) with every style of `scratch` it lacks."""
    target = target if target is not None else EMPTY_STYLES
    lists = {name: items(target, name) for name in ITEM}
    maps = {name: _append(lists[name], items(scratch, name)) for name in ("fonts", "fills", "borders")}
    maps["numFmts"] = _formats(lists["numFmts"], items(scratch, "numFmts"))
    xfs = [_remap_xf(xf, maps) for xf in items(scratch, "cellXfs")]
    xf_map = _append(lists["cellXfs"], xfs)
    dxf_map = _append(lists["dxfs"], items(scratch, "dxfs"))
    for name, values in lists.items():
        target = _replace_section(target, name, values)
    return MergedStyles(target, xf_map, dxf_map)


def _append(existing: list[str], new: list[str]) -> dict[int, int]:
    """Each new element's index among `existing`, appending the ones not there yet."""
    index = {text: i for i, text in reversed(list(enumerate(existing)))}
    mapping = {}
    for i, text in enumerate(new):
        if text not in index:
            index[text] = len(existing)
            existing.append(text)
        mapping[i] = index[text]
    return mapping


def _formats(existing: list[str], new: list[str]) -> dict[int, int]:
    """Custom number format ids of the scratch → ids in the target (the same code reused, else a new id)."""
    by_code = {_attr(f, "formatCode"): int(_attr(f, "numFmtId")) for f in existing}
    next_id = max([FIRST_CUSTOM_FORMAT - 1, *by_code.values()]) + 1
    mapping = {}
    for text in new:
        code, old = _attr(text, "formatCode"), int(_attr(text, "numFmtId"))
        if code not in by_code:
            by_code[code] = next_id
            existing.append(f'<numFmt numFmtId="{next_id}" formatCode="{code}"/>')
            next_id += 1
        mapping[old] = by_code[code]
    return mapping


def _attr(element: str, name: str) -> str:
    found = re.search(rf'\b{name}="([^"]*)"', element)
    return found.group(1) if found else ""


def _remap_xf(xf: str, maps: dict[str, dict[int, int]]) -> str:
    """A scratch cell format with its font, fill, border and number format ids in the target's numbering."""
    keys = {"fontId": "fonts", "fillId": "fills", "borderId": "borders"}

    def one(found: re.Match) -> str:
        attr, value = found.group(1), int(found.group(2))
        if attr == "xfId":
            return 'xfId="0"'
        if attr == "numFmtId":
            return f'numFmtId="{maps["numFmts"].get(value, value)}"'
        return f'{attr}="{maps[keys[attr]][value]}"'

    return _ID_ATTR.sub(one, xf)


def _replace_section(xml: str, name: str, values: list[str]) -> str:
    """Section `name` holding `values` (with its count), made where the schema wants it if it was missing."""
    found = _section(xml, name)
    if found is None and not values:
        return xml
    if found is not None:
        opening = re.match(rf"<{name}\b[^>]*?(?=/?>)", found.group(0)).group(0)
        opening = _COUNT.sub("", opening).rstrip()
        return xml[:found.start()] + f'{opening} count="{len(values)}">' + "".join(values) + f"</{name}>" + \
            xml[found.end():]
    text = f'<{name} count="{len(values)}">' + "".join(values) + f"</{name}>"
    for later in ORDER[ORDER.index(name) + 1:]:
        after = re.search(rf"<{later}\b", xml)
        if after:
            return xml[:after.start()] + text + xml[after.start():]
    end = xml.rindex("</styleSheet>")
    return xml[:end] + text + xml[end:]
