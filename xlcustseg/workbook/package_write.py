"""Writing a `PackageBook`'s output package: the input's parts byte for byte, except what the run changed.

Changed parts: the input sheets the run wrote to (streamed by
`sheet_patch.patch_sheet`), their Tables, styles.xml (`styles_merge`),
xl/workbook.xml (sheet list, defined names, active tab, full calculation on
load), its relationships and [Content_Types].xml. Added parts: each sheet the
run made, grafted from the scratch workbook with the parts it points to
(drawings, charts), its shared strings made inline and its style ids mapped
into the merged styles. Dropped: an input sheet the run replaced (one of its
own from an earlier run, or the settings sheet it rebuilds) and the parts only
it pointed to, and xl/calcChain.xml (Excel rebuilds it).
"""

from __future__ import annotations

import posixpath
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr, unescape

from xlcustseg.cells import column_letter
from xlcustseg.workbook import pivots as pv
from xlcustseg.workbook.ooxml import DOC_REL_NS, MAIN_NS, WORKBOOK_PART, rels_part, resolve, sheet_parts
from xlcustseg.workbook.sheet_patch import DEFAULT_WIDTH, PendingColumn, big, copy_part, patch_sheet
from xlcustseg.workbook.styles_merge import merge_styles

if TYPE_CHECKING:
    from xlcustseg.workbook.package_book import PackageBook

CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = f"{DOC_REL_NS}/worksheet"
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*?/>|<Relationship\b[^>]*?>\s*</Relationship>")
_ATTRS = re.compile(r'([\w:]+)="([^"]*)"')
_DEFINED = re.compile(r"<definedName\b[^>]*?(?:/>|>.*?</definedName>)", re.S)
_AFTER_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


@dataclass
class Rel:
    """One relationship of a .rels part: its element text and attributes."""

    text: str
    attrs: dict[str, str]

    @property
    def internal(self) -> bool:
        return self.attrs.get("TargetMode", "Internal") != "External"


def rels_of(xml: str) -> list[Rel]:
    """The relationships of a .rels part, in order."""
    return [Rel(m.group(0), {k: unescape(v) for k, v in _ATTRS.findall(m.group(0))}) for m in
            _RELATIONSHIP.finditer(xml)]


def _source_of(rels: str) -> str:
    """The part a .rels part belongs to: 'xl/_rels/workbook.xml.rels' → 'xl/workbook.xml' ('' for the package)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name[:-len(".rels")]) if name != ".rels" else ""


def _targets(read: Callable[[str], bytes], names: set[str]) -> dict[str, list[str]]:
    """Part → the parts its relationships point to (internal ones), over every .rels part of a package."""
    graph: dict[str, list[str]] = {}
    for name in names:
        if name.endswith(".rels"):
            source = _source_of(name)
            graph[source] = [resolve(source, r.attrs.get("Target", "")) for r in rels_of(read(name).decode("utf-8"))
                             if r.internal]
    return graph


def _reach(starts: list[str], graph: dict[str, list[str]], cut: set[str]) -> set[str]:
    seen, todo = set(), list(starts)
    while todo:
        part = todo.pop()
        if part in seen or part in cut:
            continue
        seen.add(part)
        todo += graph.get(part, [])
    return seen


@dataclass
class Output:
    """What the output package changes: parts replaced, parts added, parts left out, sheets streamed."""

    replaced: dict[str, bytes] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    streamed: dict[str, list[PendingColumn]] = field(default_factory=dict)
    widths: dict[str, dict[int, float]] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)  # added part → its content type
    tails: dict[str, str] = field(default_factory=dict)  # streamed sheet → the relationship id of a Table added
    caches: list[tuple[int, str]] = field(default_factory=list)  # (cacheId, workbook relationship id) added


def write_package(book: PackageBook, path: Path) -> None:
    """The output package of `book` at `path`."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch_path = Path(tmp) / "scratch.xlsx"
        book.scratch.save(scratch_path)
        with zipfile.ZipFile(book.package) as source, zipfile.ZipFile(scratch_path) as scratch:
            out = _plan(book, source, scratch)
            _write(source, out, path)


def _plan(book: PackageBook, source: zipfile.ZipFile, scratch: zipfile.ZipFile) -> Output:
    out = Output()
    names = set(source.namelist())
    read = source.read
    workbook = read(WORKBOOK_PART).decode("utf-8")
    wb_rels_name = rels_part(WORKBOOK_PART)
    wb_rels = rels_of(read(wb_rels_name).decode("utf-8"))
    styles_part = next((resolve(WORKBOOK_PART, r.attrs["Target"]) for r in wb_rels
                        if r.attrs.get("Type", "").endswith("/styles")), None)
    merged = merge_styles(read(styles_part).decode("utf-8") if styles_part in names else None,
                          scratch.read("xl/styles.xml").decode("utf-8"))
    # the input sheets dropped, the parts only they reached, the calculation chain
    dropped = {book.parts[s] for s in book.dropped}
    calc_chain = {resolve(WORKBOOK_PART, r.attrs["Target"]) for r in wb_rels
                  if r.attrs.get("Type", "").endswith("/calcChain")}
    graph = _targets(read, names)
    kept = _reach([""], graph, dropped | calc_chain)
    gone = (_reach(sorted(dropped), graph, set()) - kept) | (calc_chain & names)
    out.removed = gone | {rels_part(p) for p in gone if rels_part(p) in names}
    _drop_unused_caches(names, graph, out)  # our PivotTables' cache, when their sheet is replaced
    # the sheets made by the run, grafted from the scratch workbook
    grafter = _Grafter(scratch, names - out.removed, merged.xfs, merged.dxfs)
    scratch_parts = sheet_parts(scratch.read)
    made = {name: grafter.graft(scratch_parts[name]) for name in book.order if book.is_new(name)}
    out.added, out.content_types = grafter.parts, grafter.types
    # the input sheets written to: streamed with their cells; their Tables grown
    for sheet, columns in book.pending.items():
        if columns and sheet not in book.dropped:
            out.streamed[book.parts[sheet]] = [
                PendingColumn(c.col, c.first_row, c.values, merged.xfs.get(c.style_id, 0)) for c in columns]
            out.widths[book.parts[sheet]] = _widths(columns)
    for (sheet, name), last_col in book.grown.items():
        part, _, bounds, _ = next(t for t in book.tables[sheet] if t[1] == name)
        headers = [book.header(sheet, bounds[0], col) for col in range(bounds[3] + 1, last_col + 1)]
        out.replaced[part] = _grown_table(read(part).decode("utf-8"), bounds, last_col, headers).encode()
    # the Tables and PivotTables the run asked for; our PivotTables' old caches left out with them
    ids = {r.attrs.get("Id") for r in wb_rels}
    _number_tables(read, names, out)
    for sheet, (name, bounds, headers) in book.new_tables.items():
        _add_table(read, names, out, grafter, book.parts[sheet], name, bounds, headers)
    gone_ids = {r.attrs.get("Id") for r in wb_rels if r.internal
                and resolve(WORKBOOK_PART, r.attrs["Target"]) in out.removed}
    wb_extra: list[Rel] = []
    if book.pivots is not None:
        kept_caches = [e for e in _PIVOT_CACHE.findall(workbook) if not _gone(e, gone_ids)]
        wb_extra.append(_add_pivots(book, made, out, grafter, "".join(kept_caches), ids))
    # the workbook, its relationships, the content types, the styles
    new_rels = [r for r in wb_rels if not (r.internal and resolve(WORKBOOK_PART, r.attrs["Target"]) in out.removed)]
    new_rels += wb_extra
    rel_ids = {}
    for name, part in made.items():
        rel_ids[name] = _free_id(ids)
        new_rels.append(Rel(f'<Relationship Id="{rel_ids[name]}" Type="{WORKSHEET_TYPE}" Target="/{part}"/>', {}))
    rels_xml = read(wb_rels_name).decode("utf-8")
    head = rels_xml[:_RELATIONSHIP.search(rels_xml).start()] if _RELATIONSHIP.search(rels_xml) else \
        rels_xml[:rels_xml.rindex("</Relationships>")]
    out.replaced[wb_rels_name] = (head + "".join(r.text for r in new_rels) + "</Relationships>").encode()
    scratch_names = _scratch_names(scratch.read(WORKBOOK_PART).decode("utf-8"), list(scratch_parts), made)
    out.replaced[WORKBOOK_PART] = _pivot_caches(_workbook(workbook, book, rel_ids, scratch_names), gone_ids,
                                                out.caches).encode()
    out.replaced[CONTENT_TYPES] = _content_types(read(CONTENT_TYPES).decode("utf-8"), out, scratch).encode()
    if styles_part in names:
        out.replaced[styles_part] = merged.xml.encode()
    else:
        raise ValueError("the workbook has no styles part")
    return out


def _free_id(ids: set[str | None]) -> str:
    n = 1
    while f"rIdXcs{n}" in ids:
        n += 1
    ids.add(f"rIdXcs{n}")
    return f"rIdXcs{n}"


def _widths(columns: list[PendingColumn]) -> dict[int, float]:
    """A width for each written column: its header's (the text at its top), within 10 … 40."""
    widths: dict[int, float] = {}
    for column in sorted(columns, key=lambda c: c.first_row):
        if column.col not in widths:
            head = column.values[0] if isinstance(column.values[0], str) else ""
            shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in head)
            widths[column.col] = min(max(DEFAULT_WIDTH if not head else shown * 1.1 + 3, 10.0), 40.0)
    return widths


class _Grafter:
    """Copies a scratch part, and every part it points to, into the output under free names."""

    def __init__(self, scratch: zipfile.ZipFile, taken: set[str], xfs: dict[int, int], dxfs: dict[int, int]):
        self.scratch = scratch
        self.names = set(scratch.namelist())
        self.taken = set(taken)
        self.xfs, self.dxfs = xfs, dxfs
        self.parts: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.map: dict[str, str] = {}
        ct = scratch.read(CONTENT_TYPES).decode("utf-8")
        self.overrides = {unescape(m.group(1)).lstrip("/"): unescape(m.group(2)) for m in
                          re.finditer(r'<Override\b[^>]*?PartName="([^"]*)"[^>]*?ContentType="([^"]*)"', ct)}
        strings = scratch.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in self.names else ""
        self.strings = [m.group(1) or "" for m in re.finditer(r"<si>(.*?)</si>|<si\s*/>", strings, re.S)]

    def graft(self, part: str) -> str:
        """The output name of `part`, copied over (once) with the parts it points to."""
        if part in self.map:
            return self.map[part]
        new = self._free(part)
        self.map[part] = new
        rels = rels_part(part)
        if rels in self.names:
            text = self.scratch.read(rels).decode("utf-8")
            for rel in rels_of(text):
                if rel.internal:
                    target = self.graft(resolve(part, rel.attrs["Target"]))
                    text = text.replace(rel.text, re.sub(r'\bTarget="[^"]*"', f'Target="/{target}"', rel.text))
            self.parts[rels_part(new)] = text.encode()
        data = self.scratch.read(part)
        if part.startswith("xl/worksheets/"):
            data = self._sheet(data.decode("utf-8")).encode()
        self.parts[new] = data
        if part in self.overrides:
            self.types[new] = self.overrides[part]
        return new

    def _free(self, part: str) -> str:
        folder, name = posixpath.split(part)
        stem, ext = posixpath.splitext(name)
        stem = stem.rstrip("0123456789")
        n = 1
        while posixpath.join(folder, f"{stem}{n}{ext}") in self.taken:
            n += 1
        new = posixpath.join(folder, f"{stem}{n}{ext}")
        self.taken.add(new)
        return new

    def _sheet(self, xml: str) -> str:
        """A scratch sheet's XML for the output: shared strings inline, style and dxf ids mapped, not selected."""
        xml = re.sub(r'(<c\b[^>]*?)\bt="s"([^>]*?)>\s*<v>(\d+)</v>\s*</c>',
                     lambda m: f'{m.group(1)}t="inlineStr"{m.group(2)}><is>{self.strings[int(m.group(3))]}</is></c>',
                     xml)
        xml = re.sub(r'(<(?:c|row)\b[^>]*?\bs=")(\d+)"', lambda m: f'{m.group(1)}{self.xfs.get(int(m.group(2)), 0)}"',
                     xml)
        xml = re.sub(r'(<col\b[^>]*?\bstyle=")(\d+)"', lambda m: f'{m.group(1)}{self.xfs.get(int(m.group(2)), 0)}"',
                     xml)
        xml = re.sub(r'(<cfRule\b[^>]*?\bdxfId=")(\d+)"',
                     lambda m: f'{m.group(1)}{self.dxfs.get(int(m.group(2)), 0)}"', xml)
        return re.sub(r'\stabSelected="(?:1|true)"', "", xml)


def _grown_table(xml: str, bounds: tuple[int, int, int, int], last_col: int, headers: list[object]) -> str:
    """A table part grown to `last_col`: its ref, its autofilter's ref, a column per new column."""
    r0, c0, r1, _ = bounds
    ref = f"{column_letter(c0)}{r0}:{column_letter(last_col)}{r1}"
    xml = re.sub(r'(<table\b[^>]*?\bref=")[^"]*"', rf'\g<1>{ref}"', xml, count=1)
    xml = re.sub(r'(<autoFilter\b[^>]*?\bref=")[^"]*"', rf'\g<1>{ref}"', xml, count=1)
    found = re.search(r"<tableColumns\b[^>]*>(.*?)</tableColumns>", xml, re.S)
    columns = re.findall(r"<tableColumn\b[^>]*?(?:/>|>.*?</tableColumn>)", found.group(1), re.S)
    names = {unescape(n) for c in columns for n in re.findall(r'\bname="([^"]*)"', c[:c.index(">")])}
    next_id = max([int(i) for c in columns for i in re.findall(r'\sid="(\d+)"', c[:c.index(">")])] or [0]) + 1
    for offset, header in enumerate(headers):
        name = str(header) if header is not None and str(header).strip() else f"Column{bounds[3] + 1 + offset}"
        while name in names:
            name += "_"
        names.add(name)
        columns.append(f"<tableColumn id=\"{next_id}\" name={quoteattr(name)}/>")
        next_id += 1
    opening = re.sub(r'\scount="\d+"', "", xml[found.start():xml.index(">", found.start())])
    return xml[:found.start()] + f'{opening} count="{len(columns)}">' + "".join(columns) + "</tableColumns>" + \
        xml[found.end():]


def _scratch_names(workbook: str, scratch_order: list[str], made: dict[str, str]) -> list[tuple[str, str]]:
    """(sheet, definedName element without localSheetId) of the names local to a grafted scratch sheet."""
    found = []
    for element in _DEFINED.findall(workbook):
        local = re.search(r'\slocalSheetId="(\d+)"', element)
        if local and int(local.group(1)) < len(scratch_order) and scratch_order[int(local.group(1))] in made:
            found.append((scratch_order[int(local.group(1))], element.replace(local.group(0), "", 1)))
    return found


def _workbook(xml: str, book: PackageBook, rel_ids: dict[str, str], scratch_names: list[tuple[str, str]]) -> str:
    """xl/workbook.xml with the new sheet list, defined names, active tab and full calculation on load."""
    before = list(book.parts)
    order = book.sheet_names()
    found = re.search(r"<sheets\b[^>]*>(.*?)</sheets>", xml, re.S)
    elements = {unescape(re.search(r'\bname="([^"]*)"', e).group(1)): e
                for e in re.findall(r"<sheet\b[^>]*?/>", found.group(1))}
    prefix = re.search(rf'xmlns:(\w+)="{re.escape(DOC_REL_NS)}"', xml)
    r_attr = f'{prefix.group(1)}:id="{{}}"' if prefix else f'xmlns:r="{DOC_REL_NS}" r:id="{{}}"'
    next_id = max([int(i) for i in re.findall(r'\bsheetId="(\d+)"', found.group(1))] or [0]) + 1
    sheets = []
    for name in order:
        if name in rel_ids:
            sheets.append(f"<sheet name={quoteattr(name)} sheetId=\"{next_id}\" {r_attr.format(rel_ids[name])}/>")
            next_id += 1
        else:
            sheets.append(elements[name])
    xml = xml[:found.start(1)] + "".join(sheets) + xml[found.end(1):]
    xml = _defined_names(xml, before, order, set(rel_ids), scratch_names)
    xml = _calc_on_load(xml)
    tab = re.search(r'(<workbookView\b[^>]*?\bactiveTab=")(\d+)"', xml)
    if tab and book.active_sheet() in order:
        xml = xml[:tab.start(2)] + str(order.index(book.active_sheet())) + xml[tab.end(2):]
    return xml


def _defined_names(xml: str, before: list[str], order: list[str], made: set[str],
                   scratch_names: list[tuple[str, str]]) -> str:
    """The defined names: each local one moved to its sheet's new place (gone with a replaced sheet), ours added."""
    ours = {unescape(re.search(r'\bname="([^"]*)"', e).group(1)) for _, e in scratch_names}
    found = re.search(r"<definedNames\b[^>]*?(?:/>|>(.*?)</definedNames>)", xml, re.S)
    kept = []
    for element in _DEFINED.findall(found.group(1) or "") if found else []:
        local = re.search(r'\slocalSheetId="(\d+)"', element)
        name = unescape(re.search(r'\bname="([^"]*)"', element).group(1))
        if local is None:
            if name not in ours:
                kept.append(element)
            continue
        sheet = before[int(local.group(1))] if int(local.group(1)) < len(before) else None
        if sheet in order and sheet not in made:
            kept.append(element.replace(local.group(0), f' localSheetId="{order.index(sheet)}"', 1))
    for sheet, element in scratch_names:
        kept.append(re.sub(r'^(<definedName\b[^>]*?\bname="[^"]*")', rf'\g<1> localSheetId="{order.index(sheet)}"',
                           element))
    block = f"<definedNames>{''.join(kept)}</definedNames>" if kept else ""
    if found:
        return xml[:found.start()] + block + xml[found.end():]
    return _insert_before(xml, _AFTER_NAMES, block)


def _insert_before(xml: str, later: tuple[str, ...], text: str) -> str:
    """`text` before the first of the `later` elements of the workbook (else before its end)."""
    places = [m.start() for m in (re.search(rf"<{name}\b", xml) for name in later) if m]
    at = min(places) if places else xml.rindex("</workbook>")
    return xml[:at] + text + xml[at:]


def _calc_on_load(xml: str) -> str:
    """fullCalcOnLoad on the workbook's <calcPr> (made if missing): Excel computes our formulas on open."""
    found = re.search(r"<calcPr\b[^>]*?(/?)>", xml)
    if not found:
        return _insert_before(xml, _AFTER_NAMES[1:], '<calcPr fullCalcOnLoad="1"/>')
    tag = re.sub(r'\sfullCalcOnLoad="[^"]*"', "", found.group(0))
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    tag = tag[:end].rstrip() + ' fullCalcOnLoad="1"' + tag[end:]
    return xml[:found.start()] + tag + xml[found.end():]


def _content_types(xml: str, out: Output, scratch: zipfile.ZipFile) -> str:
    """[Content_Types].xml without the parts left out, with the added ones (and any new extension's default)."""
    for part in out.removed:
        xml = re.sub(rf'<Override\b[^>]*?PartName="/{re.escape(escape(part))}"[^>]*?/>', "", xml)
    defaults = set(re.findall(r'<Default\b[^>]*?Extension="([^"]*)"', xml, re.I))
    scratch_ct = scratch.read(CONTENT_TYPES).decode("utf-8")
    extra = []
    for part in out.added:
        ext = posixpath.splitext(part)[1].lstrip(".")
        if part not in out.content_types and ext not in defaults:
            default = re.search(rf'<Default\b[^>]*?Extension="{re.escape(ext)}"[^>]*?/>', scratch_ct)
            if default:
                extra.append(default.group(0))
                defaults.add(ext)
    extra += [f'<Override PartName="/{escape(part)}" ContentType="{escape(kind)}"/>'
              for part, kind in out.content_types.items()]
    end = xml.rindex("</Types>")
    return xml[:end] + "".join(extra) + xml[end:]


def _write(source: zipfile.ZipFile, out: Output, path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            name = item.filename
            if name in out.removed:
                continue
            if name in out.replaced:
                target.writestr(item, out.replaced[name], compress_type=zipfile.ZIP_DEFLATED)
            elif name in out.streamed:
                with source.open(item) as src, \
                        target.open(name, "w", force_zip64=big(item)) as dst:
                    tail = _Tail(dst, out.tails.get(name))
                    patch_sheet(src, tail, out.streamed[name], out.widths.get(name))  # type: ignore[arg-type]
                    tail.close()
            else:
                copy_part(source, target, item)
        for name, data in out.added.items():
            target.writestr(name, data)


# ---------------------------------------------------------------- Tables and PivotTables
TABLE_REL = f"{DOC_REL_NS}/table"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_TABLE_ID = re.compile(r'(<table\b[^>]*?\sid=")(\d+)"')
_PIVOT_CACHE = re.compile(r"<pivotCache\b[^>]*?/>")


def _number_tables(read: Callable[[str], bytes], names: set[str], out: Output) -> None:
    """The Tables grafted from the scratch workbook get ids no Table of the input keeps (Excel wants them unique)."""
    kept = [p for p in names - out.removed if p.startswith("xl/tables/") and p.endswith(".xml")]
    used = {int(m.group(2)) for p in kept for m in [_TABLE_ID.search(read(p).decode("utf-8"))] if m}
    for part in sorted(p for p in out.added if p.startswith("xl/tables/") and p.endswith(".xml")):
        next_id = max(used, default=0) + 1
        used.add(next_id)
        out.added[part] = _TABLE_ID.sub(rf'\g<1>{next_id}"', out.added[part].decode("utf-8"), count=1).encode()


def table_xml(name: str, table_id: int, bounds: tuple[int, int, int, int], headers: list[str]) -> str:
    """A table part over `bounds` (its header row first) with filter buttons and these column names."""
    r0, c0, r1, c1 = bounds
    ref = f"{column_letter(c0)}{r0}:{column_letter(c1)}{max(r1, r0 + 1)}"
    columns = "".join(f'<tableColumn id="{j + 1}" name={quoteattr(h)}/>' for j, h in enumerate(headers))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN_NS}" id="{table_id}" '
            f'name={quoteattr(name)} displayName={quoteattr(name)} ref="{ref}"><autoFilter ref="{ref}"/>'
            f'<tableColumns count="{len(headers)}">{columns}</tableColumns><tableStyleInfo name="TableStyleLight9" '
            f'showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>')


def _add_table(read: Callable[[str], bytes], names: set[str], out: Output, grafter: _Grafter, sheet_part: str,
               name: str, bounds: tuple[int, int, int, int], headers: list[str]) -> None:
    """A new Table on an input sheet: its part, the sheet's relationship to it, its <tablePart> at the sheet's end."""
    kept = [p for p in (names - out.removed) | set(out.added) if p.startswith("xl/tables/") and p.endswith(".xml")]
    used = {int(m.group(2)) for p in kept
            for m in [_TABLE_ID.search((out.added.get(p) or read(p)).decode("utf-8"))] if m}
    part = grafter._free("xl/tables/table1.xml")
    out.added[part] = table_xml(name, max(used, default=0) + 1, bounds, headers).encode()
    out.content_types[part] = TABLE_TYPE
    out.tails[sheet_part] = _add_rel(read, names, out, sheet_part, TABLE_REL, part)


def _add_rel(read: Callable[[str], bytes], names: set[str], out: Output, part: str, kind: str, target: str) -> str:
    """A relationship from `part` to `target` in its .rels (made, or the input's replaced); its id."""
    rels = rels_part(part)
    current = out.added.get(rels) or out.replaced.get(rels) or (read(rels) if rels in names else None)
    text = current.decode("utf-8") if current else \
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="' \
        'http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    rel_id = _free_id({r.attrs.get("Id") for r in rels_of(text)})
    element = f'<Relationship Id="{rel_id}" Type="{kind}" Target="/{target}"/>'
    if "</Relationships>" in text:
        end = text.rindex("</Relationships>")
        text = text[:end] + element + text[end:]
    else:  # <Relationships .../>
        text = re.sub(r"<Relationships\b([^>]*?)\s*/>",
                      lambda m: f"<Relationships{m.group(1)}>{element}</Relationships>", text, count=1)
    (out.added if rels in out.added or rels not in names else out.replaced)[rels] = text.encode()
    return rel_id


def _drop_unused_caches(names: set[str], graph: dict[str, list[str]], out: Output) -> None:
    """Left out: each pivot cache only PivotTables left out read (ours on a replaced sheet), with its records."""
    tables = [p for p in names if p.startswith("xl/pivotTables/") and p.endswith(".xml")]
    read_by: dict[str, set[str]] = {}
    for table in tables:
        for cache in graph.get(table, []):
            read_by.setdefault(cache, set()).add(table)
    for cache, users in read_by.items():
        if users <= out.removed and cache in names:
            parts = {cache, *graph.get(cache, [])} & names
            out.removed |= parts | {rels_part(p) for p in parts if rels_part(p) in names}


def _add_pivots(book: PackageBook, made: dict[str, str], out: Output, grafter: _Grafter, workbook: str,
                ids: set[str | None]) -> Rel:
    """Our PivotTables and their cache: the parts, their relationships and types; the workbook's new relationship
    (its <pivotCache> entry is kept in out.caches)."""
    assert book.pivots is not None
    sheet, source, pivots, axes = book.pivots
    sheet_part = made[sheet]
    taken_ids = [int(i) for i in re.findall(r'<pivotCache\b[^>]*?\bcacheId="(\d+)"', workbook)]
    cache_id = max(taken_ids, default=0) + 1
    cache = grafter._free("xl/pivotCache/pivotCacheDefinition1.xml")
    out.content_types[cache] = pv.CACHE_TYPE
    if pv.carries_records(source):
        records = grafter._free("xl/pivotCache/pivotCacheRecords1.xml")
        out.added[records] = pv.cache_records(source, axes).encode()
        out.added[rels_part(cache)] = _rels([("rId1", pv.RECORDS_REL, records)])
        out.content_types[records] = pv.RECORDS_TYPE
    out.added[cache] = pv.cache_definition(source, axes, "rId1" if pv.carries_records(source) else None).encode()
    for pivot in pivots:
        part = grafter._free("xl/pivotTables/pivotTable1.xml")
        out.added[part] = pv.pivot_table(pivot, cache_id, source, axes).encode()
        out.added[rels_part(part)] = _rels([("rId1", pv.CACHE_REL, cache)])
        out.content_types[part] = pv.PIVOT_TABLE_TYPE
        _add_rel(lambda name: b"", set(), out, sheet_part, pv.PIVOT_TABLE_REL, part)
    rel_id = _free_id(ids)
    out.caches.append((cache_id, rel_id))
    return Rel(f'<Relationship Id="{rel_id}" Type="{pv.CACHE_REL}" Target="/{cache}"/>', {})


def _rels(rels: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{kind}" Target="/{target}"/>' for i, kind, target in rels)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            f'http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>').encode()


def _pivot_caches(xml: str, gone: set[str | None], added: list[tuple[int, str]]) -> str:
    """The workbook's <pivotCaches>: without the caches left out, with ours added (made when missing)."""
    found = re.search(r"<pivotCaches\b[^>]*?(?:/>|>(.*?)</pivotCaches>)", xml, re.S)
    elements = [e for e in _PIVOT_CACHE.findall(found.group(1) or "") if not _gone(e, gone)] if found else []
    elements += [f'<pivotCache cacheId="{cache_id}" xmlns:r="{DOC_REL_NS}" r:id="{rel}"/>' for cache_id, rel in added]
    block = f"<pivotCaches>{''.join(elements)}</pivotCaches>" if elements else ""
    if found:
        return xml[:found.start()] + block + xml[found.end():]
    return _insert_before(xml, _AFTER_NAMES[4:], block) if block else xml


def _gone(element: str, gone: set[str | None]) -> bool:
    """Whether a <pivotCache> element's relationship is one left out."""
    rel = re.search(r'\b\w+:id="([^"]*)"', element)
    return bool(rel and rel.group(1) in gone)


class _Tail:
    """A sheet's output stream that adds a <tablePart> at its end: the XML after </sheetData> is held until
    `close` (the rows pass straight through)."""

    def __init__(self, target: object, rel_id: str | None):
        self.target = target
        self.rel_id = rel_id
        self.held = b""
        self.holding = False

    def write(self, data: bytes) -> int:
        if self.rel_id is None:
            return self.target.write(data)  # type: ignore[attr-defined]
        self.held += data
        if not self.holding:
            at = self.held.find(b"</sheetData>")
            if at >= 0:
                self.holding = True
                self.target.write(self.held[:at])  # type: ignore[attr-defined]
                self.held = self.held[at:]
            elif len(self.held) > 1 << 20:
                self.target.write(self.held[:-16])  # type: ignore[attr-defined]
                self.held = self.held[-16:]
        return len(data)

    def close(self) -> None:
        if self.rel_id is None:
            return
        self.target.write(_with_table_part(self.held.decode("utf-8"), self.rel_id).encode())  # type: ignore


def _with_table_part(tail: str, rel_id: str) -> str:
    """The end of a sheet's XML with one more <tablePart> (its <tableParts> made before <extLst> when missing)."""
    element = f'<tablePart xmlns:r="{DOC_REL_NS}" r:id="{rel_id}"/>'
    found = re.search(r"<tableParts\b[^>]*?(?:/>|>(.*?)</tableParts>)", tail, re.S)
    if found:
        count = len(re.findall(r"<tablePart\b", found.group(1) or "")) + 1
        block = f'<tableParts count="{count}">{found.group(1) or ""}{element}</tableParts>'
        return tail[:found.start()] + block + tail[found.end():]
    at = tail.find("<extLst") if "<extLst" in tail else tail.rindex("</worksheet>")
    return tail[:at] + f'<tableParts count="1">{element}</tableParts>' + tail[at:]
