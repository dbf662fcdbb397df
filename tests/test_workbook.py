"""The one-click run on .xlsx files through the openpyxl adapter (no LibreOffice needed)."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from xlcustseg import segment
from xlcustseg.cli import main as cli
from xlcustseg.i18n import output_headers
from xlcustseg.workbook.files import open_book, save_atomic
from xlcustseg.workbook.run import WorkbookError, segment_book

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"
ZH_SAMPLE = SAMPLES / "客户名单示例.xlsx"
EN_SAMPLE = SAMPLES / "orders_sample.xlsx"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(path: Path, out: Path, *extra: str) -> int:
    return cli(["segment", str(path), "-o", str(out), *extra])


@pytest.fixture
def zh_output(tmp_path) -> Path:
    out = tmp_path / "out.xlsx"
    assert run(ZH_SAMPLE, out) == 0
    return out


def header_row(ws, row: int) -> list:
    return [c.value for c in ws[row]]


def test_output_keeps_input_and_appends_columns(zh_output):
    before = digest(ZH_SAMPLE)
    src = openpyxl.load_workbook(ZH_SAMPLE)
    out = openpyxl.load_workbook(zh_output)
    assert digest(ZH_SAMPLE) == before  # the input is never touched
    assert out.sheetnames == ["客户名单", "设置", "分层汇总", "数据质量", "透视"]
    ws, orig = out["客户名单"], src["客户名单"]
    for row in range(1, orig.max_row + 1):  # every input value is still there
        for col in range(1, orig.max_column + 1):
            assert ws.cell(row, col).value == orig.cell(row, col).value
    assert ws["A1"].font.bold and ws["A4"].fill.fgColor.rgb == orig["A4"].fill.fgColor.rgb
    headers = header_row(ws, 4)
    assert headers[14:14 + 12] == output_headers("zh")
    assert headers[26] == "销售额(数值)"


def test_written_classes_equal_segment(zh_output):
    frame = pd.read_excel(ZH_SAMPLE, header=None, dtype=object, engine="calamine")
    expected = segment(frame.where(frame.notna(), None), origin=(1, 1)).table
    written = pd.read_excel(zh_output, sheet_name="客户名单", header=3, engine="calamine")
    for column in ("客户等级", "RFM分群", "生命周期", "客户类型", "策略"):
        assert written[column].fillna("").astype(str).tolist() == expected[column].fillna("").astype(str).tolist()
    assert written["RFM得分"].fillna(0).astype(int).astype(str).replace("0", "").tolist() == \
        expected["RFM得分"].fillna("").tolist()


def test_notes_name_the_cell(zh_output):
    ws = openpyxl.load_workbook(zh_output)["客户名单"]
    notes_col = header_row(ws, 4).index("备注") + 1
    notes = [ws.cell(r, notes_col).value for r in range(5, ws.max_row + 1)]
    # row 22 of the sheet (the 18th customer) holds an unreadable revenue
    assert (notes[17].startswith("E22 销售额（元）「") and "不是数字" in notes[17]) or "错误值" in notes[17]


def test_second_run_updates_in_place(zh_output, tmp_path):
    again = tmp_path / "again.xlsx"
    assert run(zh_output, again) == 0
    first = openpyxl.load_workbook(zh_output)
    second = openpyxl.load_workbook(again)
    assert second.sheetnames == first.sheetnames
    assert header_row(second["客户名单"], 4) == header_row(first["客户名单"], 4)
    a = pd.read_excel(zh_output, sheet_name="客户名单", header=3, engine="calamine")
    b = pd.read_excel(again, sheet_name="客户名单", header=3, engine="calamine")
    pd.testing.assert_frame_equal(a, b)


def test_settings_sheet_is_read_back(zh_output, tmp_path):
    wb = openpyxl.load_workbook(zh_output)
    ws = wb["设置"]
    assert [ws["A1"].value, ws["B1"].value] == ["设置项", "值"]
    keys = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    ws.cell(keys.index("tier.levels") + 1, 2).value = 5
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    out = tmp_path / "edited_out.xlsx"
    assert run(edited, out) == 0
    tiers = pd.read_excel(out, sheet_name="客户名单", header=3, engine="calamine")["客户等级"]
    assert set(tiers.dropna()) == {"VIP", "A", "B", "C", "D"}


def test_bad_setting_stops_the_run_naming_the_cell(zh_output, tmp_path, capsys):
    wb = openpyxl.load_workbook(zh_output)
    ws = wb["设置"]
    keys = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    row = keys.index("rfm.bins") + 1
    ws.cell(row, 2).value = "七"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    assert run(bad, tmp_path / "x.xlsx") == 1
    err = capsys.readouterr().err
    assert f"设置!B{row}" in err and "rfm.bins" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()


def test_order_lines_get_a_customer_sheet(tmp_path):
    out = tmp_path / "orders_out.xlsx"
    assert run(EN_SAMPLE, out) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Orders", "Customers", "Settings", "Summary", "Data quality", "Pivots"]
    customers = pd.read_excel(out, sheet_name="Customers", engine="calamine")
    lines = pd.read_excel(EN_SAMPLE, engine="calamine")
    assert len(customers) == lines["Customer ID"].nunique()
    assert list(customers.columns[:8]) == ["Customer ID", "Customer", "First Purchase", "Last Purchase", "Orders",
                                           "Revenue", "Recency (days)", "Tier"]
    again = tmp_path / "orders_again.xlsx"
    assert run(out, again) == 0
    assert openpyxl.load_workbook(again).sheetnames == wb.sheetnames


def test_default_output_name_beside_the_input(tmp_path):
    src = tmp_path / "客户.xlsx"
    shutil.copy(ZH_SAMPLE, src)
    assert cli(["segment", str(src)]) == 0
    assert (tmp_path / "客户_分层.xlsx").exists()
    en = tmp_path / "book.xlsx"
    shutil.copy(EN_SAMPLE, en)
    assert cli(["segment", str(en)]) == 0
    assert (tmp_path / "book_segmented.xlsx").exists()


def _small_book(path: Path, names=("Acme Ltd", "=HYPERLINK(\"x\")", "+cmd", "@SUM(A1)")) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Customer", "Revenue", "Orders", "Last purchase"])
    for i, name in enumerate(names):
        ws.append([f"c{i}", name, 100 * (i + 1), i + 1, f"2024-0{i + 1}-01"])
    ws["C2"].data_type = "n"
    wb.defined_names["keepme"] = DefinedName("keepme", attr_text="Data!$A$1")
    wb.save(path)
    return path


def test_formula_like_text_stays_text(tmp_path):
    src = _small_book(tmp_path / "f.xlsx")
    settings = tmp_path / "s.csv"
    settings.write_text("class.tier.A.strategy_en,=1+1\n", encoding="utf-8")
    out = tmp_path / "f_out.xlsx"
    assert run(src, out, "--settings", str(settings)) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]
    strategy_col = header_row(ws, 1).index("Strategy") + 1
    a_row = [ws.cell(r, 6).value for r in range(2, 6)].index("A") + 2
    cell = ws.cell(a_row, strategy_col)
    assert cell.data_type == "s" and cell.value.startswith("A Key: =1+1")
    assert "keepme" in wb.defined_names
    settings_ws = wb["Settings"]
    keys = [settings_ws.cell(r, 1).value for r in range(1, settings_ws.max_row + 1)]
    value = settings_ws.cell(keys.index("class.tier.A.strategy_en") + 1, 2)
    assert value.value == "=1+1" and value.data_type == "s"


def test_excel_table_is_found_and_extended(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Notes above the table"
    ws.append([])
    rows = [["Customer ID", "Revenue", "Orders"], ["a", 10, 1], ["b", 20, 2], ["c", 30, 3]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.cell(3 + r, 2 + c, v)
    ws.add_table(Table(displayName="Sales", ref="B3:D6"))
    src = tmp_path / "table.xlsx"
    wb.save(src)
    out = tmp_path / "table_out.xlsx"
    assert run(src, out) == 0
    ws = openpyxl.load_workbook(out).active
    table = ws.tables["Sales"]
    assert table.ref == "B3:Q6"
    assert [c.name for c in table.tableColumns][3] == "Tier"
    assert ws["E3"].value == "Tier" and [ws.cell(r, 5).value for r in (4, 5, 6)] == ["C", "C", "A"]


def test_columns_never_overwrite_cells_beside_the_table(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([["Customer ID", "Revenue"], ["a", 10], ["b", 20]]):
        for c, v in enumerate(row):
            ws.cell(1 + r, 1 + c, v)
    ws["D2"] = "someone's remark"
    ws.add_table(Table(displayName="T", ref="A1:B3"))
    src = tmp_path / "beside.xlsx"
    wb.save(src)
    out, again = tmp_path / "o.xlsx", tmp_path / "o2.xlsx"
    assert run(src, out) == 0 and run(out, again) == 0
    ws = openpyxl.load_workbook(again).active
    assert ws["D2"].value == "someone's remark" and ws["E1"].value == "Tier"
    assert header_row(ws, 1).count("Tier") == 1 and ws.tables["T"].ref == "A1:B3"


def test_template_places_are_found_by_name(tmp_path):
    from xlcustseg.workbook import summary_sheet

    template = openpyxl.load_workbook(summary_sheet.template_path())
    del template["Summary"].defined_names["xcs_tiers"]
    template["Summary"].defined_names["xcs_tiers"] = DefinedName("xcs_tiers", attr_text="Summary!$C$60")
    template["Summary"]["C60"].font = openpyxl.styles.Font(name="Courier New", bold=True, color="FF0000")
    moved = tmp_path / "moved_template.xlsx"
    template.save(moved)
    src = _small_book(tmp_path / "m.xlsx")
    book, _ = open_book(src)
    original = summary_sheet.template_path
    summary_sheet.template_path = lambda: moved
    try:
        segment_book(book)
    finally:
        summary_sheet.template_path = original
    save_atomic(book, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Summary"]
    assert ws["C60"].value == "Tier" and ws["C60"].font.name == "Courier New"
    assert [ws.cell(r, 3).value for r in (61, 62, 63)] == ["A", "B", "C"]
    assert ws["E61"].value.startswith("=COUNTIF(") and ws["B10"].value is None


def test_summary_has_native_charts(zh_output):
    ws = openpyxl.load_workbook(zh_output)["分层汇总"]
    assert len(ws._charts) == 3


def test_in_place_keeps_a_backup(tmp_path, capsys):
    src = _small_book(tmp_path / "p.xlsx")
    before = src.read_bytes()
    assert cli(["segment", str(src), "--in-place"]) == 0
    assert (tmp_path / "p.backup.xlsx").read_bytes() == before
    assert "Tier" in header_row(openpyxl.load_workbook(src)["Data"], 1)


def test_in_place_keeps_parts_openpyxl_would_drop(tmp_path, capsys):
    """The package is rewritten part by part: a chart on the data sheet survives --in-place byte for byte."""
    src = _small_book(tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(src)
    chart = BarChart()
    chart.add_data(Reference(wb["Data"], min_col=3, min_row=1, max_row=5))
    wb["Data"].add_chart(chart, "H2")
    wb.save(src)
    with zipfile.ZipFile(src) as archive:
        charts = {n: archive.read(n) for n in archive.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))}
    assert cli(["segment", str(src), "--in-place"]) == 0
    assert "lacks" not in capsys.readouterr().out
    with zipfile.ZipFile(src) as archive:
        assert {n: archive.read(n) for n in charts} == charts
    assert "Tier" in header_row(openpyxl.load_workbook(src)["Data"], 1)


def test_atomic_save_leaves_no_partial_file(tmp_path):
    book, _ = open_book(_small_book(tmp_path / "a.xlsx"))
    target = tmp_path / "readonly" / "out.xlsx"
    save_atomic(book, target)
    assert target.exists() and not list(target.parent.glob(".xlcustseg-*"))


# ---- bad input: one sentence, exit 1, no traceback
def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.xlsx"
    text.write_text("just some text", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    enc = tmp_path / "secret.xlsx"
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    buffer = io.BytesIO()
    with open(_small_book(tmp_path / "plain.xlsx"), "rb") as fh:
        OOXMLFile(fh).encrypt("pw", buffer)
    enc.write_bytes(buffer.getvalue())
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    no_table = tmp_path / "no_table.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["meeting notes", "agenda"])
    wb.active.append(["lunch", "at noon"])
    wb.save(no_table)
    no_revenue = tmp_path / "no_revenue.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["客户编号", "客户名称", "地区"])
    wb.active.append(["a", "张伟", "北京"])
    wb.save(no_revenue)
    return {
        "not a workbook": (text, "not a valid Excel workbook"),
        "another kind": (pdf, "not an Excel workbook"),
        "password": (enc, "password-protected"),
        "empty sheet": (empty, "is empty"),
        "no table": (no_table, "No customer table found"),
        "no revenue": (no_revenue, "no revenue column"),
        "missing": (tmp_path / "nope.xlsx", "does not exist"),
    }


@pytest.mark.parametrize("case", ["not a workbook", "another kind", "password", "empty sheet", "no table",
                                  "no revenue", "missing"])
def test_bad_input_one_sentence(tmp_path, capsys, case):
    path, expected = _bad_files(tmp_path)[case]
    assert cli(["segment", str(path), "-o", str(tmp_path / "out.xlsx")]) == 1
    err = capsys.readouterr().err.strip()
    assert expected in err and "Traceback" not in err and err.count("\n") == 0
    assert not (tmp_path / "out.xlsx").exists()


def test_workbook_error_for_unknown_sheet(tmp_path):
    book, _ = open_book(_small_book(tmp_path / "s.xlsx"))
    with pytest.raises(WorkbookError, match="no sheet named 'Nope'"):
        segment_book(book, sheet="Nope")


def _with_cached_results(path: Path) -> Path:
    """A table from B3 whose Revenue column is formulas (=D4*10 …) with the results Excel would have cached."""
    import re
    import zipfile

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["B1"] = "Customers, revenue computed"
    ws.append([])
    rows = [["Customer ID", "Units", "Price", "Revenue"], ["a", 3, 10], ["b", 5, 20], ["c", 1, 30]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.cell(3 + r, 2 + c, v)
    for r in (4, 5, 6):
        ws.cell(r, 5, f"=C{r}*D{r}")
    ws["B7"] = "#N/A"
    ws["B7"].data_type = "e"
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<f>C(\d)\*D\d</f><v\s*/>",
                              lambda m: b"<f>C%s*D%s</f><v>%d</v>" % (m[1], m[1], {4: 30, 5: 100, 6: 30}[int(m[1])]),
                              data)
            dst.writestr(item, data)
    return path


def test_formulas_read_as_their_cached_results_before_and_after_writes(tmp_path):
    book, _ = open_book(_with_cached_results(tmp_path / "cached.xlsx"))
    first = book.read("Data")  # nothing written yet: calamine reads the unchanged file
    assert (first.first_row, first.first_col) == (1, 2)
    assert [r[3] for r in first.rows[3:6]] == [30.0, 100.0, 30.0] and first.rows[5][0] == "c"
    assert first.rows[6][0] == "#N/A"  # an error cell reads as its text
    book.write_column("Data", 3, 7, ["Mine", "x", "y", "z"])
    book.write_block("Data", 9, 5, [["=1+1"]])
    second = book.read("Data")  # from memory now: the source file lends the formulas' results
    assert [r[:4] for r in second.rows[:7]] == [r[:4] for r in first.rows[:7]]
    assert [r[5] for r in second.rows[2:6]] == ["Mine", "x", "y", "z"] and second.rows[8][3] == "=1+1"


def test_an_edited_source_file_is_not_read_in_place_of_the_book(tmp_path):
    path = _small_book(tmp_path / "e.xlsx")
    book, _ = open_book(path)
    expected = book.read("Data").rows
    other = openpyxl.load_workbook(path)
    other["Data"]["B2"] = "changed on disk"
    other.save(path)
    assert book.read("Data").rows == expected


def test_a_second_run_on_the_same_book_object(tmp_path):
    book, _ = open_book(ZH_SAMPLE)
    first = segment_book(book)
    second = segment_book(book)  # the settings sheet written by the first run is read back from memory
    assert second.result.table.equals(first.result.table) and second.moved_share == 0.0
    book.save(tmp_path / "twice.xlsx")
    assert openpyxl.load_workbook(tmp_path / "twice.xlsx").sheetnames == ["客户名单", "设置", "分层汇总", "数据质量",
                                                                               "透视"]


@pytest.mark.parametrize(("sample", "sheet", "header_row"), [(ZH_SAMPLE, "客户名单", 4), (EN_SAMPLE, "Customers", 1)])
def test_clusters_are_written_beside_the_result_not_into_it(tmp_path, sample, sheet, header_row):
    book, _ = open_book(sample)
    report = segment_book(book, {"cluster.enabled": "yes", "cluster.k": 3})
    assert report.clusters is not None and report.clusters.names.dropna().nunique() == 3
    assert "cluster" not in report.result.classes and not {"聚类", "Cluster"} & set(report.result.table.columns)
    book.save(tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")[sheet]
    col = report.columns["cluster"]
    assert ws.cell(header_row, col).value in ("聚类", "Cluster") and col == max(report.columns.values())
    written = [ws.cell(header_row + 1 + i, col).value for i in range(len(report.result.table))]
    if report.output_sheet != report.input_sheet:  # the customers sheet: one row per customer, in order
        assert written == report.clusters.names.tolist()
    assert next(w for w in report.on(sheet) if w.label in ("聚类", "Cluster")).first_col == col
