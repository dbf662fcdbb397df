"""One contract for every workbook adapter: the calls the one-click run makes, and what each must do.

Every test runs against each entry of ADAPTERS: openpyxl over a workbook in
memory, openpyxl over a file opened as the command line opens it, and xlwings'
JSON book (the engine of xlwings Lite and Server). Another adapter joins by
adding an `Adapter` to ADAPTERS: how to open a workbook file with it, and how
to list the charts it drew.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonbook
import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlcustseg.cells import from_rows, used_block
from xlcustseg.settings import Settings
from xlcustseg.workbook import learned, run, summary_sheet
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.openpyxl_book import DEFER_ROWS, OpenpyxlBook
from xlcustseg.workbook.package_book import PackageBook
from xlcustseg.workbook.port import WorkbookPort
from xlcustseg.workbook.record import RecordingBook
from xlcustseg.workbook.run import segment_book
from xlcustseg.workbook.summary_sheet import TEMPLATE_SHEET, template_path
from xlcustseg.workbook.template import anchors as template_anchors
from xlcustseg.workbook.xlwings_book import XlwingsBook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbook_templates"
ZH, EN = SAMPLES / "客户名单示例.xlsx", SAMPLES / "orders_sample.xlsx"
Chart = tuple[str, str, str, str, tuple[tuple[str, str], ...], str, str]  # sheet, kind, title, categories, …


@dataclass(frozen=True)
class Adapter:
    """How to open a workbook file with one adapter, and how to list the charts it drew on a sheet."""

    name: str
    open: Callable[[Path], WorkbookPort]
    charts: Callable[[Any, str], list[Chart]]


def _title(title: Any) -> str:
    return "" if title is None else "".join(r.t for p in title.tx.rich.p for r in (p.r or []))


def _local(ref: str) -> str:
    """'Summary'!$B$11:$B$13 → B11:B13."""
    return ref.split("!")[-1].replace("$", "")


def openpyxl_charts(book: OpenpyxlBook, sheet: str) -> list[Chart]:
    """The openpyxl chart objects on the sheet (openpyxl lists them only in the private `_charts`)."""
    charts = []
    for chart in book.wb[sheet]._charts:
        kind = "bar" if chart.tagname == "barChart" else "line"
        first = chart.series[0]
        series = tuple((_local(s.tx.strRef.f), _local(s.val.numRef.f)) for s in chart.series)
        categories = _local((first.cat.strRef or first.cat.numRef).f)
        charts.append((sheet, kind, _title(chart.title), categories, series, _title(chart.y_axis.title),
                       _title(chart.x_axis.title)))
    return charts


def json_charts(book: XlwingsBook, sheet: str) -> list[Chart]:
    """The charts the JSON book's actions draw on the sheet (a fresh book: chart i is the i-th addChart)."""
    actions = book.book.json()["actions"]
    added = [a["args"] for a in actions if a["func"] == "addChart" and a["args"][2] == sheet]
    by_index: dict[tuple[str, int], dict[str, Any]] = {}
    for a in actions:
        if a["func"] in ("setChartXAxisValues", "setChartTitle", "setChartAxis"):
            by_index.setdefault((a["func"], a["args"][0]), {})[a["args"][1]] = a["args"][2:]
    charts = []
    for i, args in enumerate(added):
        top, bottom = _local(args[3]).split(":")
        letters, row = re.fullmatch(r"([A-Z]+)(\d+)", top).groups()
        axes = {k: v[0]["title"] for k, v in by_index.get(("setChartAxis", i), {}).items()}
        title = next(iter(by_index[("setChartTitle", i)]))
        categories = _local(by_index[("setChartXAxisValues", i)][sheet][0])
        kind = "bar" if args[1] == "ColumnClustered" else "line"
        charts.append((sheet, kind, title, categories, ((top, f"{letters}{int(row) + 1}:{bottom}"),),
                       axes.get("value", ""), axes.get("category", "")))
    return charts


def _memory(path: Path) -> OpenpyxlBook:
    return OpenpyxlBook(openpyxl.load_workbook(path))  # no source file: nothing is read from disk


def _file(path: Path) -> OpenpyxlBook:
    """openpyxl over a file (the route for packages the streamed adapter does not take)."""
    return OpenpyxlBook(openpyxl.load_workbook(path), source=path)


def _package(path: Path) -> PackageBook:
    """The command line's adapter: open_book streams an .xlsx package."""
    book = open_book(path)[0]
    assert isinstance(book, PackageBook)
    return book


def package_charts(book: PackageBook, sheet: str) -> list[Chart]:
    """The charts of a sheet the run made: drawn in the package book's scratch workbook, grafted in on save."""
    return openpyxl_charts(book.scratch, sheet)


def _json(path: Path) -> XlwingsBook:
    return XlwingsBook(jsonbook.book(path))


ADAPTERS = [Adapter("openpyxl-memory", _memory, openpyxl_charts), Adapter("openpyxl-file", _file, openpyxl_charts),
            Adapter("package-file", _package, package_charts), Adapter("xlwings-jsonbook", _json, json_charts)]


@pytest.fixture(params=ADAPTERS, ids=lambda a: a.name)
def adapter(request) -> Adapter:
    return request.param


def small_book(path: Path, settings_rows: list[list[Any]] | None = None, rows: int = 12) -> Path:
    """A customer table on 'Data' (and a settings sheet when rows are given), saved at `path`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Customer", "Revenue", "Orders", "Last purchase"])
    for i in range(rows):
        ws.append([f"c{i}", f"Customer {i}", 100.0 * (i + 1) ** 2, i % 5 + 1, dt.datetime(2024, 1 + i % 12, 1)])
    if settings_rows is not None:
        settings = wb.create_sheet("Settings")
        for row in settings_rows:
            settings.append(row)
    wb.save(path)
    return path


# ---------------------------------------------------------------- the port declares every call the run makes
def _calls_on_book(module) -> set[str]:
    tree = ast.parse(inspect.getsource(module))
    return {node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "book"}


PORT_METHODS = {name for name, _ in inspect.getmembers(WorkbookPort, inspect.isfunction) if not name.startswith("_")}


def test_every_call_the_run_makes_on_a_book_is_declared_on_the_port():
    called = set().union(*(_calls_on_book(m) for m in (run, summary_sheet, learned)))
    assert called and called <= PORT_METHODS, called - PORT_METHODS
    for name in PORT_METHODS:
        assert getattr(WorkbookPort, name).__doc__, f"WorkbookPort.{name} states no contract"


@pytest.mark.parametrize("cls", [OpenpyxlBook, PackageBook, XlwingsBook, RecordingBook])
def test_each_adapter_implements_every_port_method_with_its_parameters(cls):
    for name in PORT_METHODS:
        declared = list(inspect.signature(getattr(WorkbookPort, name)).parameters)
        assert list(inspect.signature(getattr(cls, name)).parameters)[:len(declared)] == declared, name


def test_no_private_attribute_of_a_dependency_in_the_package():
    """No `obj._name` in a module that imports openpyxl or xlwings (our own `self._…` aside)."""
    pattern = re.compile(r"((?:\w+\.)*\w+|[\])])\._[a-z]\w*")  # the dotted chain (or a ] or ) ) before ._name
    found = []
    for path in (ROOT / "xlcustseg").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import|from) (openpyxl|xlwings)", text, re.M):
            found += [(path.name, m.group(0)) for m in pattern.finditer(text)
                      if m.group(1) not in ("self", "cls") and not m.group(1).startswith("xlcustseg.")]
    assert found == []
    assert [m.group(1) for m in pattern.finditer("self.wb._cells; self.wb[s]._cells")] == ["self.wb", "]"]


# ---------------------------------------------------------------- reads see every write
VALUES = ["Header", "text", 3, np.int64(4), 2.5, None, float("nan"), dt.date(2024, 3, 5), pd.Timestamp("2024-03-06"),
          "=1+1", "+cmd", "-x", "@SUM(A1)", True, ""]
READ_BACK = ["Header", "text", 3.0, 4.0, 2.5, None, None, dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 6),
             "=1+1", "+cmd", "-x", "@SUM(A1)", True, None]


def _cells(data, row: int, col: int, rows: int, cols: int = 1) -> list[list[Any]]:
    grid = [r + [None] * (col + cols - data.first_col - len(r)) for r in data.rows]
    pad = [[None] * (col + cols - data.first_col)] * max(0, row + rows - data.first_row - len(grid))
    return [r[col - data.first_col:col - data.first_col + cols] for r in (grid + pad)[row - data.first_row:][:rows]]


def test_read_returns_what_was_written(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "w.xlsx"))
    long = [f"v{i}" if i % 3 else i for i in range(DEFER_ROWS + 40)]
    book.write_column("Data", 1, 7, VALUES)
    book.write_column("Data", 1, 8, ["Long", *long], "0")
    book.write_block("Data", 3, 10, [["a", "=1+2"], [1, dt.date(2024, 1, 2)], ["+x"]], [None, "0"])
    data = book.read("Data")
    assert [r[0] for r in _cells(data, 1, 7, len(VALUES))] == READ_BACK
    assert [r[0] for r in _cells(data, 2, 8, len(long))] == [v if isinstance(v, str) else float(v) for v in long]
    assert _cells(data, 3, 10, 3, 2) == [["a", "=1+2"], [1.0, dt.datetime(2024, 1, 2)], ["+x", None]]
    assert (data.first_row, data.first_col, len(data.rows)) == (1, 1, DEFER_ROWS + 41)
    assert data.rows[1][:3] == ["c0", "Customer 0", 100.0]


def test_writing_again_replaces_long_and_short_columns(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "w.xlsx"))
    book.write_column("Data", 1, 7, ["Long", *range(DEFER_ROWS + 10)])
    book.write_column("Data", 1, 7, ["Long", *[None] * 5, *range(DEFER_ROWS)])
    book.write_column("Data", 20, 7, ["x", "y"])
    column = [r[0] for r in _cells(book.read("Data"), 1, 7, DEFER_ROWS + 6)]
    expected = ["Long", *[None] * 5, *[float(v) for v in range(DEFER_ROWS)]]
    expected[19:21] = ["x", "y"]
    assert column == expected


def test_what_is_saved_reads_back_the_same(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "w.xlsx"))
    if not hasattr(book, "save"):
        pytest.skip(f"{adapter.name} writes to a live workbook: nothing to save")
    book.write_column("Data", 1, 7, VALUES)
    book.write_column("Data", 1, 8, ["Long", *[f"v{i}" for i in range(DEFER_ROWS + 40)]])
    before = book.read("Data")
    book.save(tmp_path / "saved.xlsx")
    book.save(tmp_path / "again.xlsx")  # saving leaves the book as it was
    for name in ("saved.xlsx", "again.xlsx"):
        after = open_book(tmp_path / name)[0].read("Data")
        assert (after.rows, after.first_row, after.first_col) == (before.rows, before.first_row, before.first_col)


# ---------------------------------------------------------------- sheets
def test_sheet_names_and_order_after_replace_and_import(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "w.xlsx", [["Key", "Value"]]))
    assert book.sheet_names() == ["Data", "Settings"] and book.active_sheet() == "Data"
    book.write_column("Settings", 1, 1, ["old", "values"])
    book.replace_sheet("Settings")
    assert book.sheet_names() == ["Data", "Settings"] and book.read("Settings").rows == []
    book.replace_sheet("Customers", after="Data")
    book.replace_sheet("Last")
    assert book.sheet_names() == ["Data", "Customers", "Settings", "Last"]
    book.import_sheet(template_path(), TEMPLATE_SHEET, "Summary")
    book.import_sheet(template_path(), TEMPLATE_SHEET, "Customers")
    assert book.sheet_names() == ["Data", "Customers", "Settings", "Last", "Summary"]


def test_import_sheet_gives_the_templates_anchors_and_values(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "w.xlsx"))
    template = openpyxl.load_workbook(template_path())
    places = book.import_sheet(template_path(), TEMPLATE_SHEET, "Summary")
    assert places == template_anchors(template, TEMPLATE_SHEET) and "xcs_tiers" in places
    ws = template[TEMPLATE_SHEET]
    expected = used_block(from_rows(ws.iter_rows(values_only=True)), 1, 1)
    data = book.read("Summary")
    assert (data.rows, data.first_row, data.first_col) == expected


# ---------------------------------------------------------------- the one-click run
@pytest.mark.parametrize("sample", [ZH, EN], ids=["customers_zh", "orders_en"])
def test_a_second_run_on_the_same_book_updates_in_place(adapter, sample):
    book = adapter.open(sample)
    first = segment_book(book)
    names = book.sheet_names()
    second = segment_book(book)
    assert book.sheet_names() == names
    assert second.result.table.equals(first.result.table)
    assert (second.output_sheet, dict(second.columns), second.summary_sheet, second.settings_sheet) == \
        (first.output_sheet, dict(first.columns), first.summary_sheet, first.settings_sheet)
    assert second.moved_share == (0.0 if first.output_sheet == first.input_sheet else None)


HEADERS = {"no header": [], "Key/Value": [["Key", "Value"]], "key/value": [["key", "value"]],
           "设置项/值": [["设置项", "值", "说明"]], "Setting/Value": [["Setting", "Value"]]}
SETTINGS_ROWS = [["tier.levels", 5], [None, None], ["rfm.bins", "4"], ["as_of", dt.datetime(2024, 12, 31)]]


@pytest.mark.parametrize("header", list(HEADERS))
def test_settings_sheet_with_or_without_a_header_row(adapter, tmp_path, header):
    rows = [[*row, *[None] * (3 - len(row))] for row in [*HEADERS[header], *SETTINGS_ROWS]]
    report = segment_book(adapter.open(small_book(tmp_path / "s.xlsx", rows)))
    settings = report.result.settings
    assert (settings["tier.levels"], settings["rfm.bins"], settings["as_of"]) == (5, 4, pd.Timestamp("2024-12-31"))
    assert Settings.from_table(pd.DataFrame(rows)) == settings  # the same table read as a DataFrame
    from xlcustseg.cli import _settings_file

    csv = tmp_path / "s.csv"
    pd.DataFrame(rows).to_csv(csv, header=False, index=False)
    assert Settings(_settings_file(csv)) == settings  # and as the command line's --settings file


def test_a_bad_setting_is_named_by_its_cell(adapter, tmp_path):
    book = adapter.open(small_book(tmp_path / "s.xlsx", [["Key", "Value"], ["tier.levels", 5], ["rfm.bins", "七"]]))
    with pytest.raises(run.WorkbookError, match=r"Setting rfm.bins in cell Settings!B3 "):
        segment_book(book)
    assert book.sheet_names() == ["Data", "Settings"]  # nothing written


def test_charts_have_the_same_titles_and_ranges(adapter):
    book = adapter.open(EN)
    report = segment_book(book)
    drawn = adapter.charts(book, report.summary_sheet)
    assert [c[2] for c in drawn] == ["Customers per tier", "Revenue per tier", "Pareto curve"]
    assert drawn == openpyxl_charts(_charts_reference(), "Summary")
    assert [c.title for c in report.charts] == [c[2] for c in drawn]


def _charts_reference() -> OpenpyxlBook:
    book = _memory(EN)
    segment_book(book)
    return book


def test_the_report_lists_what_was_written_where(adapter):
    book = adapter.open(EN)
    report = segment_book(book)
    pivots = ["Pivots"] if hasattr(book, "add_pivots") else []  # PivotTables: the file route's PackageBook only
    assert [w.sheet for w in report.written if w.kind in ("sheet", "template")] == \
        ["Customers", "Settings", "Summary", "Data quality", *pivots]
    customers = report.on("Customers")
    assert [w.label for w in customers if w.kind == "column"][:2] == ["Customer ID", "Customer"]
    tier = next(w for w in customers if w.label == "Tier")
    assert tier.first_col == report.columns["tier"] and tier.last_row == report.last_data_row
    assert [w.label for w in report.on("Summary") if w.kind == "chart"] == [c.title for c in report.charts]
    with pytest.raises(AttributeError):
        report.summary_sheet = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.columns["tier"] = 1  # type: ignore[index]


# ---------------------------------------------------------------- what the run must know not to overwrite or misread
def test_merged_ranges_are_reported_by_every_adapter_that_can_see_them(adapter, tmp_path):
    path = small_book(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Data"].merge_cells("F1:G1")
    wb["Data"].merge_cells("A20:C21")
    wb.save(path)
    book = adapter.open(path)
    expected = [] if adapter.name == "xlwings-jsonbook" else [(1, 6, 1, 7), (20, 1, 21, 3)]  # remote: unseen
    assert sorted(book.merged_ranges("Data")) == expected
    book.replace_sheet("New")
    assert book.merged_ranges("New") == []


def test_a_tables_totals_row_is_flagged(adapter, tmp_path):
    path = small_book(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Data"].append([None, None, 65000.0])
    wb["Data"].add_table(openpyxl.worksheet.table.Table(displayName="T", ref="A1:E14", totalsRowCount=1))
    wb.create_sheet("Plain").append(["a", "b"])
    wb["Plain"].add_table(openpyxl.worksheet.table.Table(displayName="P", ref="A1:B1"))
    wb.save(path)
    book = adapter.open(path)
    if adapter.name == "xlwings-jsonbook":
        pytest.skip("the test's JSON payload carries no Tables (tests/jsonbook.py)")
    data = book.read("Data")
    assert (data.table_bounds, data.table_totals) == ((1, 1, 14, 5), True)
    assert data.table().table_totals
    assert book.read("Plain").table_totals is False


def test_formulas_without_a_saved_result_are_listed(adapter, tmp_path):
    path = small_book(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Data"]["C3"] = "=1+1"  # openpyxl saves formulas without results
    wb["Data"]["E5"] = "=C3*2"
    wb.save(path)
    book = adapter.open(path)
    data = book.read("Data")
    if adapter.name in ("xlwings-jsonbook", "openpyxl-memory"):  # Excel calculates; no file: formulas read as text
        assert data.no_result == ()
        return
    assert tuple(sorted(data.no_result)) == ((3, 3), (5, 5))
    assert data.rows[2][2] is None and data.rows[4][4] is None
