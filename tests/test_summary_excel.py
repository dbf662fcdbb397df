"""The summary as Excel runs it: names that cannot conflict, no volatile formulas, the same charts on every route."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import jsonbook
import openpyxl
import pytest

from xlcustseg import main
from xlcustseg.cli import main as cli
from xlcustseg.resources import summary_template_path
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book
from xlcustseg.workbook.summary_sheet import ANCHORS, TEMPLATE_SHEET
from xlcustseg.workbook.template import anchors

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"
ZH, EN = SAMPLES / "客户名单示例.xlsx", SAMPLES / "orders_sample.xlsx"
#: Excel's volatile functions: recalculated on every edit anywhere in the book
VOLATILE = re.compile(r"\b(INDIRECT|OFFSET|NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY|CELL|INFO)\s*\(", re.IGNORECASE)
#: a whole-column reference (A:A, $B:$B): Excel and LibreOffice scan a million rows for it
WHOLE_COLUMN = re.compile(r"(?<![A-Za-z0-9_])\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![A-Za-z0-9_(])")


def defined_names_xml(path: Path) -> list[tuple[str, str | None, str]]:
    """(name, localSheetId or None, reference) of every defined name, read from the package's workbook.xml."""
    xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    return [(m["name"], m["local"], m["ref"]) for m in re.finditer(
        r'<definedName name="(?P<name>[^"]+)"(?: localSheetId="(?P<local>\d+)")?[^>]*>(?P<ref>[^<]*)<', xml)]


def test_template_names_are_local_to_the_summary_sheet():
    names = defined_names_xml(summary_template_path())
    ours = [n for n in names if n[0].startswith("xcs_")]
    assert {n[0] for n in ours} >= set(ANCHORS)
    sheet_index = openpyxl.load_workbook(summary_template_path()).sheetnames.index(TEMPLATE_SHEET)
    assert all(local == str(sheet_index) for _, local, _ in ours), ours  # none workbook-wide: no conflict prompt
    assert all(ref.startswith(f"{TEMPLATE_SHEET}!$") for _, _, ref in ours)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("summary")
    made = {}
    for source in (ZH, EN):
        book, _ = open_book(source)
        segment_book(book)
        first = folder / f"{source.stem}_1.xlsx"
        book.save(first)
        again, _ = open_book(first)
        segment_book(again)  # the button pressed a second time on a book that holds the summary
        second = folder / f"{source.stem}_2.xlsx"
        again.save(second)
        made[source.stem] = first
        made[source.stem + "_again"] = second
    return made


@pytest.mark.parametrize("name", ["客户名单示例", "客户名单示例_again", "orders_sample", "orders_sample_again"])
def test_output_names_stay_local_and_single(outputs, name):
    path = outputs[name]
    names = [n for n in defined_names_xml(path) if n[0].startswith("xcs_")]
    assert len(names) == len({n[0] for n in names}) >= len(ANCHORS)  # one of each, after a second run too
    book = openpyxl.load_workbook(path)
    summary = next(s for s in book.sheetnames if anchors(book, s))
    assert all(local == str(book.sheetnames.index(summary)) for _, local, _ in names)


@pytest.fixture(scope="module")
def moved(outputs, tmp_path_factory) -> dict[str, Path]:
    """Each sample segmented again by the command line against its first output (--previous): the movement sheet."""
    folder = tmp_path_factory.mktemp("moved")
    made = {}
    for source in (ZH, EN):
        out = folder / f"{source.stem}_moved.xlsx"
        assert cli(["segment", str(source), "-o", str(out), "--previous", str(outputs[source.stem])]) == 0
        made[source.stem] = out
    return made


def _formulas(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula cell in a saved workbook."""
    book = openpyxl.load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in book for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")]


@pytest.mark.parametrize("sample", ["客户名单示例", "orders_sample"])
def test_no_volatile_formula_in_what_we_write(outputs, moved, sample):
    """Every sheet of every output (summary with its heatmaps, settings, movement, data quality; a second run;
    a --previous run) is scanned: no volatile function, no whole-column reference, and no formula per
    customer row on the data sheet (which would make the book's recalculation grow faster than its rows)."""
    data_sheet = {"客户名单示例": "客户名单", "orders_sample": "Customers"}[sample]
    for path in (outputs[sample], outputs[sample + "_again"], moved[sample]):
        formulas = _formulas(path)
        sheets = {f[0] for f in formulas}
        book = openpyxl.load_workbook(path, read_only=True)
        summary = next(s for s in book.sheetnames if s in ("分层汇总", "Summary"))
        assert summary in sheets and len(formulas) > 100, (path.name, sheets)
        assert sum("AVERAGEIFS(" in f[2] for f in formulas if f[0] == summary) >= 9  # the average-M heatmap
        assert [f for f in formulas if VOLATILE.search(f[2])] == []
        assert [f for f in formulas if WHOLE_COLUMN.search(f[2])] == []
        assert [f for f in formulas if f[0] == data_sheet] == []
    movement = {s for s, _, _ in _formulas(moved[sample])} - {s for s, _, _ in _formulas(outputs[sample])}
    assert movement, "the --previous run writes the movement sheet's formulas"


def json_actions(path: Path) -> list[dict]:
    book = jsonbook.book(path)
    main(book)
    return book.json()["actions"]


@pytest.fixture(scope="module")
def zh_actions() -> list[dict]:
    return json_actions(ZH)


def test_no_volatile_formula_on_the_json_book(zh_actions):
    written = [v for a in zh_actions if a["func"] == "setValues" for row in a["values"] for v in row
               if isinstance(v, str) and v.startswith("=")]
    assert len(written) > 50 and [f for f in written if VOLATILE.search(f)] == []


def _file_charts(path: Path) -> list[tuple[str, str, str]]:
    """(title, category range, series range) of each chart in a saved workbook."""
    charts = []
    with zipfile.ZipFile(path) as z:
        for part in sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = z.read(part).decode("utf-8")
            title = re.search(r"<a:t>([^<]+)</a:t>", xml)[1]
            cat = re.search(r"<cat>.*?<f>[^!]*!([^<]+)</f>", xml)[1]
            val = re.search(r"<val>.*?<f>[^!]*!([^<]+)</f>", xml)[1]
            charts.append((title, cat, val))
    return charts


def _json_charts(actions: list[dict]) -> list[tuple[str, str, str]]:
    added = [a["args"] for a in actions if a["func"] == "addChart"]
    x_values = {a["args"][0]: a["args"][2] for a in actions if a["func"] == "setChartXAxisValues"}
    titles = {a["args"][0]: a["args"][1] for a in actions if a["func"] == "setChartTitle"}
    charts = []
    for i, args in enumerate(added):
        top, bottom = args[3].split(":")
        letters, row = re.fullmatch(r"\$([A-Z]+)\$(\d+)", top).groups()
        charts.append((titles[i], x_values[i], f"${letters}${int(row) + 1}:{bottom}"))  # the header names the series
    return charts


def test_the_json_book_gets_the_file_routes_charts(outputs, zh_actions):
    from_file = _file_charts(outputs["客户名单示例"])
    assert [c[0] for c in from_file] == ["各等级客户数", "各等级销售额", "帕累托曲线"]
    assert _json_charts(zh_actions) == from_file
