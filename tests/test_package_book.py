"""The streamed file route (PackageBook): the input package is kept part by part, byte for byte.

The rich workbook here has what openpyxl cannot carry over: a chart and an
image on the data sheet, a pivot table on another sheet, custom XML and VBA
macros (a real vbaProject.bin, from xlwings' quickstart workbook). After a run,
a second run on the output and --in-place, every part but the few the run must
change is the same bytes, every cell of the input's data sheet the same XML, and
the output opens in openpyxl and LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table

from xlcustseg.cli import main as cli
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.package_book import PackageBook
from xlcustseg.workbook.run import segment_book

DATA_PART = "xl/worksheets/sheet1.xml"
#: the parts a run may change; every other part of the input must come out byte for byte
CHANGED = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml", DATA_PART,
           "xl/worksheets/_rels/sheet1.xml.rels"}  # the data sheet's rels: the Excel Table the pivots read is added
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PIVOT_CACHE = """<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
refreshOnLoad="1" recordCount="0"><cacheSource type="worksheet"><worksheetSource ref="A1:C13" sheet="Data"/>\
</cacheSource><cacheFields count="3"><cacheField name="Customer ID" numFmtId="0"><sharedItems/></cacheField>\
<cacheField name="Customer" numFmtId="0"><sharedItems/></cacheField><cacheField name="Revenue" numFmtId="0">\
<sharedItems containsSemiMixedTypes="0" containsString="0" containsNumber="1" minValue="0" maxValue="1000000"/>\
</cacheField></cacheFields></pivotCacheDefinition>"""
PIVOT_TABLE = """<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
name="PivotTable1" cacheId="1" dataCaption="Values" updatedVersion="6" minRefreshableVersion="3" \
createdVersion="6" useAutoFormatting="1" indent="0" outline="1" outlineData="1">\
<location ref="A3:A4" firstHeaderRow="1" firstDataRow="1" firstDataCol="0"/><pivotFields count="3">\
<pivotField showAll="0"/><pivotField showAll="0"/><pivotField dataField="1" showAll="0"/></pivotFields>\
<dataFields count="1"><dataField name="Sum of Revenue" fld="2" baseField="0" baseItem="0"/></dataFields>\
</pivotTableDefinition>"""
PICTURE = f"""<xdr:oneCellAnchor xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:from>\
<xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>20</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>\
<xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="9" name="Picture 1"/><xdr:cNvPicPr/>\
</xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="{REL}" r:embed="rIdXImage"/><a:stretch><a:fillRect/></a:stretch>\
</xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>\
</xdr:oneCellAnchor>"""


def _png() -> bytes:
    """A 2×2 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _vba_project() -> bytes:
    import xlwings  # a dependency of ours: its quickstart workbook carries a real vbaProject.bin

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as book:
        return book.read("xl/vbaProject.bin")


def _base(path: Path, table: bool = False) -> Path:
    """Customers on 'Data' (a bold cell, a money format, an #N/A), a chart; a 'Pivot' sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Customer", "Revenue", "Orders", "Last purchase", "Remark"])
    for i in range(12):
        ws.append([f"c{i}", f"Customer {i}", 100.0 * (i + 1) ** 2, i % 5 + 1, dt.datetime(2024, 1 + i % 12, 1),
                   "#N/A" if i == 3 else f"r{i}"])
    ws["A2"].font = Font(bold=True, color="FF0000")
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "#,##0.00"
    if table:
        ws.add_table(Table(displayName="Customers", ref="A1:F13"))
    else:
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=13), titles_from_data=True)
        ws.add_chart(chart, "J2")
    wb.create_sheet("Pivot")["A1"] = "Revenue by pivot"
    wb.save(path)
    return path


def rich_workbook(path: Path) -> Path:
    """`_base` with an image, a pivot table, custom XML and VBA added to the package: an .xlsm."""
    plain = _base(path.with_suffix(".plain.xlsx"))
    with zipfile.ZipFile(plain) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    text = {n: parts[n].decode() for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                                           "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels")}
    text["xl/drawings/drawing1.xml"] = text["xl/drawings/drawing1.xml"].replace("</xdr:wsDr>", PICTURE + "</xdr:wsDr>")
    text["xl/drawings/_rels/drawing1.xml.rels"] = text["xl/drawings/_rels/drawing1.xml.rels"].replace(
        "</Relationships>", f'<Relationship Id="rIdXImage" Type="{REL}/image" Target="/xl/media/image1.png"/>'
                            "</Relationships>")
    text["xl/_rels/workbook.xml.rels"] = text["xl/_rels/workbook.xml.rels"].replace("</Relationships>", (
        f'<Relationship Id="rIdXPivot" Type="{REL}/pivotCacheDefinition" '
        'Target="/xl/pivotCache/pivotCacheDefinition1.xml"/>'
        '<Relationship Id="rIdXVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="/xl/vbaProject.bin"/>'
        f'<Relationship Id="rIdXCustom" Type="{REL}/customXml" Target="/customXml/item1.xml"/></Relationships>'))
    text["xl/workbook.xml"] = re.sub(r"(<calcPr\b[^>]*/>)", r'\1<pivotCaches><pivotCache cacheId="1" '
                                     rf'xmlns:r="{REL}" r:id="rIdXPivot"/></pivotCaches>', text["xl/workbook.xml"])
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    text["[Content_Types].xml"] = text["[Content_Types].xml"].replace(
        f"{kinds}.sheet.main+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace("</Types>", (
            '<Default Extension="png" ContentType="image/png"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            f'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
            f'ContentType="{kinds}.pivotCacheDefinition+xml"/>'
            f'<Override PartName="/xl/pivotTables/pivotTable1.xml" ContentType="{kinds}.pivotTable+xml"/>'
            "</Types>"))
    parts.update({n: t.encode() for n, t in text.items()})
    parts.update({
        "xl/media/image1.png": _png(),
        "xl/vbaProject.bin": _vba_project(),
        "customXml/item1.xml": b'<root xmlns="urn:xlcustseg-test">kept</root>',
        "xl/pivotCache/pivotCacheDefinition1.xml": PIVOT_CACHE.encode(),
        "xl/pivotTables/pivotTable1.xml": PIVOT_TABLE.encode(),
        "xl/pivotTables/_rels/pivotTable1.xml.rels": (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{REL}/pivotCacheDefinition" Target="/xl/pivotCache/pivotCacheDefinition1.xml"/>'
            "</Relationships>").encode(),
        "xl/worksheets/_rels/sheet2.xml.rels": (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{REL}/pivotTable" Target="/xl/pivotTables/pivotTable1.xml"/></Relationships>').encode(),
    })
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    plain.unlink()
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _cells(xml: bytes) -> dict[str, str]:
    """Cell reference → the cell's XML, for every <c> of a sheet."""
    text = xml.decode()
    return {m.group(1): m.group(0) for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', text, re.S)}


@pytest.fixture
def rich(tmp_path) -> Path:
    return rich_workbook(tmp_path / "rich.xlsm")


def _segment(source: Path, target: Path) -> Path:
    assert cli(["segment", str(source), "-o", str(target)]) == 0
    return target


def test_the_file_route_streams_the_package(rich):
    book, kind = open_book(rich)
    assert isinstance(book, PackageBook) and kind == "xlsx"


def test_every_part_the_run_need_not_change_is_kept_byte_for_byte(rich, tmp_path):
    before = _parts(rich)
    after = _parts(_segment(rich, tmp_path / "out.xlsm"))
    kept = {n for n in before if n not in CHANGED}
    assert {"xl/vbaProject.bin", "xl/media/image1.png", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml",
            "xl/pivotTables/pivotTable1.xml", "xl/pivotCache/pivotCacheDefinition1.xml",
            "customXml/item1.xml"} <= kept
    assert {n: after.get(n) for n in kept} == {n: before[n] for n in kept}
    workbook = after["xl/workbook.xml"].decode()
    assert '<pivotCache cacheId="1"' in workbook and 'fullCalcOnLoad="1"' in workbook
    assert "macroEnabled" in after["[Content_Types].xml"].decode()


def test_the_input_cells_keep_their_xml_and_values(rich, tmp_path):
    before = _cells(_parts(rich)[DATA_PART])
    out = _segment(rich, tmp_path / "out.xlsm")
    after = _cells(_parts(out)[DATA_PART])
    assert {ref: after.get(ref) for ref in before} == before
    ws = openpyxl.load_workbook(out, keep_vba=True)["Data"]
    assert ws["A2"].font.b and ws["C3"].number_format == "#,##0.00" and ws["F5"].value == "#N/A"
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["Customer ID", "Customer", "Revenue", "Orders", "Last purchase", "Remark"]
    tier = headers.index("Tier") + 1
    assert all(ws.cell(r, tier).value in ("A", "B", "C") for r in range(2, 14))


def test_error_cells_read_as_errors(rich):
    data = PackageBook(rich).read("Data")
    assert data.rows[4][5] == "#N/A" and data.rows[3][5] == "r2"


def test_a_second_run_replaces_our_columns_and_sheets(rich, tmp_path):
    first = _segment(rich, tmp_path / "first.xlsm")
    second = _segment(first, tmp_path / "second.xlsm")
    one, two = _parts(first), _parts(second)
    assert sorted(one) == sorted(two)  # the same parts: our sheets, drawings and charts replaced, not added
    assert {n: two[n] for n in one if n not in CHANGED and not n.startswith("xl/worksheets/")} == \
        {n: one[n] for n in one if n not in CHANGED and not n.startswith("xl/worksheets/")}
    assert two["xl/styles.xml"] == one["xl/styles.xml"]  # our styles are found again, not appended twice
    wb1, wb2 = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    assert wb2.sheetnames == wb1.sheetnames == ["Data", "Pivot", "Settings", "Summary", "Data quality", "Pivots"]
    rows1 = [[c.value for c in r] for r in wb1["Data"].iter_rows()]
    rows2 = [[c.value for c in r] for r in wb2["Data"].iter_rows()]
    assert rows2 == rows1 and rows2[0].count("Tier") == 1
    assert _cells(two[DATA_PART]) == _cells(one[DATA_PART])
    assert list(wb2["Summary"].defined_names) == list(wb1["Summary"].defined_names)
    assert len(wb2["Summary"]._charts) == 3


def test_in_place_keeps_every_part_and_a_backup(rich, capsys):
    before = _parts(rich)
    assert cli(["segment", str(rich), "--in-place"]) == 0
    out = capsys.readouterr().out
    assert "lacks" not in out and "Backup:" in out
    after = _parts(rich)
    assert {n: after.get(n) for n in before if n not in CHANGED} == {n: before[n] for n in before if n not in CHANGED}
    assert _parts(rich.with_name("rich.backup.xlsm")) == before


def test_an_excel_table_grows_to_our_columns(tmp_path):
    src = _base(tmp_path / "table.xlsx", table=True)
    out = _segment(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(out)["Data"]
    table = ws.tables["Customers"]
    headers = [c.value for c in ws[1] if c.value is not None]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}13"
    assert [c.name for c in table.tableColumns] == headers and "Tier" in headers
    again = openpyxl.load_workbook(_segment(out, tmp_path / "again.xlsx"))["Data"]
    assert [c.name for c in again.tables["Customers"].tableColumns] == headers


def test_the_output_opens_in_libreoffice(rich, tmp_path):
    out = _segment(rich, tmp_path / "out.xlsm")
    converted = convert(out, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames[:2] == ["Data", "Pivot"] and {"Settings", "Summary"} <= set(wb.sheetnames)
    ws = wb["Data"]
    headers = [c.value for c in ws[1]]
    tier = headers.index("Tier") + 1
    assert all(ws.cell(r, tier).value for r in range(2, 14))
    assert ws["A2"].value == "c0" and ws["C3"].value == 400


def test_the_summary_formulas_compute_in_libreoffice(tmp_path):
    src = _base(tmp_path / "plain.xlsx")
    out = _segment(src, tmp_path / "out.xlsx")
    converted = openpyxl.load_workbook(convert(out, "xlsx", tmp_path / "lo"), data_only=True)["Summary"]
    values = [c.value for row in converted.iter_rows() for c in row if isinstance(c.value, int | float)]
    assert values and not any(isinstance(c.value, str) and c.value.startswith("#")
                              for row in converted.iter_rows() for c in row)


def test_a_workbook_written_with_namespace_prefixes_falls_back_to_openpyxl(tmp_path):
    src = _base(tmp_path / "prefixed.xlsx")
    parts = _parts(src)
    workbook = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = re.sub(r"<(/?)(\w+)", lambda m: f"<{m.group(1)}x:{m.group(2)}", workbook).replace(
        'xmlns="http://schemas', 'xmlns:x="http://schemas', 1).encode()
    with zipfile.ZipFile(src, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    book, kind = open_book(src)
    assert not isinstance(book, PackageBook) and kind == "xlsx"
    assert segment_book(book).output_sheet == "Data"
