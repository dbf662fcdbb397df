"""Nothing of the user's is lost to where the run puts things (issue #15, "nothing of the user's lost").

Every workbook is made here. The placement rules run on the file route (the
command line's adapter, saved and opened again) and on xlwings' JSON book (the
engine of xlwings Lite and Server): a user column with one of our headers keeps
its place and values, ours are found again by the record on our settings sheet
(or, in an output of an earlier version, by our whole block of headers in our
order), a user sheet with one of our names is kept, the input sheet is never an
output. Merged ranges, an Excel Table's totals row and formulas without a saved
result are file cases (the JSON book has neither merges nor uncalculated
formulas in what a client sends).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonbook
import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table

from xlcustseg.cli import main as cli
from xlcustseg.i18n import OURS_SUFFIX, OUTPUT_COLUMNS, RECORD_MARK, all_created_headers, text
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.package_book import PackageBook
from xlcustseg.workbook.run import LAST_COLUMN, WorkbookError, segment_book
from xlcustseg.workbook.xlwings_book import XlwingsBook

HEADERS = ["Customer ID", "Customer", "Revenue", "Orders", "Last purchase"]
N = 12


def customers(ws: Any, extra: dict[str, Callable[[int], Any]] | None = None, first_col: int = 1) -> None:
    """N customers from row 1 on `ws`, with the user's own extra columns (header → value of row i) after ours."""
    extra = extra or {}
    for j, header in enumerate([*HEADERS, *extra]):
        ws.cell(row=1, column=first_col + j, value=header)
    for i in range(N):
        values = [f"c{i}", f"Customer {i}", 100.0 * (i + 1) ** 2, i % 5 + 1, dt.datetime(2024, 1 + i % 12, 1),
                  *(make(i) for make in extra.values())]
        for j, value in enumerate(values):
            ws.cell(row=2 + i, column=first_col + j, value=value)


def workbook(path: Path, extra: dict[str, Callable[[int], Any]] | None = None,
             sheets: dict[str, list[list[Any]]] | None = None, data: str = "Data") -> Path:
    """A customer table on `data` (plus the user's columns) and the user's other sheets, saved at `path`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = data
    customers(ws, extra)
    for name, rows in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in rows:
            other.append(row)
    wb.active = wb.index(ws)
    wb.save(path)
    return path


class Route:
    """One way to run: open a workbook file, run, and read a sheet of the result (after saving, on files)."""

    def __init__(self, name: str):
        self.name = name

    def open(self, path: Path) -> Any:
        return open_book(path)[0] if self.name == "file" else XlwingsBook(jsonbook.book(path))

    def rows(self, book: Any, sheet: str, tmp: Path) -> dict[tuple[int, int], Any]:
        """Every non-blank cell of `sheet` by (row, col): on files as saved and opened again."""
        if hasattr(book, "save"):
            out = tmp / f"saved-{len(list(tmp.iterdir()))}.xlsx"
            book.save(out)
            ws = openpyxl.load_workbook(out)[sheet]
            return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
        data = book.read(sheet)
        return {(data.first_row + i, data.first_col + j): v for i, r in enumerate(data.rows)
                for j, v in enumerate(r) if v is not None}

    def sheet_names(self, book: Any) -> list[str]:
        return book.sheet_names()


ROUTES = [Route("file"), Route("jsonbook")]
FILE_ADAPTERS = {"file": lambda path: open_book(path)[0], "package": PackageBook}  # the command line's, the streamed


@pytest.fixture(params=list(FILE_ADAPTERS), ids=list(FILE_ADAPTERS))
def file_adapter(request) -> Callable[[Path], Any]:
    return FILE_ADAPTERS[request.param]


@pytest.fixture(params=ROUTES, ids=lambda r: r.name)
def route(request) -> Route:
    return request.param


def header_of(cells: dict[tuple[int, int], Any], col: int) -> Any:
    return cells.get((1, col))


def column(cells: dict[tuple[int, int], Any], col: int) -> list[Any]:
    return [cells.get((r, col)) for r in range(2, 2 + N)]


def user_values(i: int) -> str:
    return f"call back {i}"


# ---------------------------------------------------------------- our columns never take a user column's place
def test_a_user_column_with_our_header_keeps_its_place_and_ours_get_the_suffix(route, tmp_path):
    extra = {"Notes": user_values, "Tier": lambda i: "gold" if i % 2 else "silver", "R": lambda i: i * 7}
    book = route.open(workbook(tmp_path / "in.xlsx", extra))
    report = segment_book(book, {"language": "en"})
    cells = route.rows(book, "Data", tmp_path)
    assert column(cells, 6) == [user_values(i) for i in range(N)]  # Notes, Tier, R: the user's, untouched
    assert column(cells, 7) == ["gold" if i % 2 else "silver" for i in range(N)]
    assert column(cells, 8) == [i * 7 for i in range(N)]
    assert [header_of(cells, c) for c in (6, 7, 8)] == ["Notes", "Tier", "R"]
    assert min(report.columns.values()) == 9  # ours right of everything the user has
    assert header_of(cells, report.columns["tier"]) == "Tier" + OURS_SUFFIX
    assert header_of(cells, report.columns["notes"]) == "Notes" + OURS_SUFFIX
    assert header_of(cells, report.columns["r"]) == "R" + OURS_SUFFIX
    assert header_of(cells, report.columns["f"]) == "F"  # a header no user column has stays plain
    assert set(column(cells, report.columns["tier"])) <= {"A", "B", "C"}


def test_a_rerun_finds_our_columns_by_the_record_and_adds_none(route, tmp_path):
    extra = {"Notes": user_values, "Tier": lambda i: "gold"}
    book = route.open(workbook(tmp_path / "in.xlsx", extra))
    first = segment_book(book, {"language": "en"})
    if route.name == "file":  # the command line opens the saved output again
        book.save(tmp_path / "out.xlsx")
        book = route.open(tmp_path / "out.xlsx")
    second = segment_book(book, {"language": "en"})
    assert dict(second.columns) == dict(first.columns)
    cells = route.rows(book, "Data", tmp_path)
    assert max(c for _, c in cells) == max(first.columns.values())  # no second block
    assert column(cells, 6) == [user_values(i) for i in range(N)]
    assert column(cells, 7) == ["gold"] * N
    assert second.moved_share == 0.0  # the previous tiers were read from our column, not the user's


def test_the_record_sits_on_our_settings_sheet(route, tmp_path):
    book = route.open(workbook(tmp_path / "in.xlsx"))
    report = segment_book(book, {"language": "en"})
    cells = route.rows(book, report.settings_sheet, tmp_path)
    (mark,) = [rc for rc, v in cells.items() if v == RECORD_MARK]
    record = {cells.get((r, mark[1])): [cells.get((r, mark[1] + j)) for j in (1, 2, 3)]
              for r in range(mark[0] + 1, mark[0] + 4)}
    assert record["summary"][0] == report.summary_sheet
    assert record["columns"][:2] == ["Data", 1]
    assert record["columns"][2].startswith("tier=F, r=G, f=H")


def test_an_output_of_an_earlier_version_is_found_by_its_block(file_adapter, tmp_path):
    """No record (an earlier version wrote it): our whole block of headers, in our order, is ours."""
    book = file_adapter(workbook(tmp_path / "in.xlsx"))
    first = segment_book(book, {"language": "en"})
    settings = book.read(first.settings_sheet)
    for col in range(4, settings.first_col + len(settings.rows[0])):  # drop the record: what an earlier version left
        book.write_column(first.settings_sheet, 1, col, [None] * len(settings.rows))
    book.save(tmp_path / "old.xlsx")
    old = file_adapter(tmp_path / "old.xlsx")
    assert RECORD_MARK not in {v for r in old.read(first.settings_sheet).rows for v in r}
    second = segment_book(old, {"language": "en"})
    assert dict(second.columns) == dict(first.columns)
    assert old.sheet_names() == book.sheet_names()  # the summary is ours again, no second one


def test_without_the_block_our_headers_on_the_users_sheet_are_the_users(route, tmp_path):
    """Our headers, but not as our block and with no record: the user's, kept."""
    extra = {header: user_values for _, _, header in OUTPUT_COLUMNS[:3]}  # Tier, R, F only
    book = route.open(workbook(tmp_path / "in.xlsx", extra))
    report = segment_book(book, {"language": "en"})
    cells = route.rows(book, "Data", tmp_path)
    for col in (6, 7, 8):
        assert column(cells, col) == [user_values(i) for i in range(N)]
    assert min(report.columns.values()) == 9


# ---------------------------------------------------------------- our sheets never replace a user's sheet
def test_a_user_sheet_named_as_our_summary_is_kept(route, tmp_path):
    mine = [["My summary", 42], ["kept", "yes"]]
    book = route.open(workbook(tmp_path / "in.xlsx", sheets={"Summary": mine}))
    report = segment_book(book, {"language": "en"})
    assert report.summary_sheet == "Summary" + OURS_SUFFIX
    assert route.rows(book, "Summary", tmp_path) == {(1, 1): "My summary", (1, 2): 42, (2, 1): "kept",
                                                    (2, 2): "yes"}
    again = segment_book(book, {"language": "en"})
    assert again.summary_sheet == report.summary_sheet  # found by the record: no third summary
    assert sum(n.startswith("Summary") for n in book.sheet_names()) == 2


def test_a_user_sheet_named_as_our_settings_sheet_is_kept_and_not_read(route, tmp_path):
    mine = [["Budget", "2025"], ["Owner", "Li"]]
    book = route.open(workbook(tmp_path / "in.xlsx", sheets={"Settings": mine}))
    report = segment_book(book, {"language": "en"})
    assert report.settings_sheet == "Settings" + OURS_SUFFIX
    assert route.rows(book, "Settings", tmp_path) == {(1, 1): "Budget", (1, 2): "2025", (2, 1): "Owner",
                                                     (2, 2): "Li"}


def test_a_settings_table_the_user_made_is_read_and_rebuilt(route, tmp_path):
    book = route.open(workbook(tmp_path / "in.xlsx", sheets={"Settings": [["tier.levels", 5]]}))
    report = segment_book(book, {"language": "en"})
    assert report.settings_sheet == "Settings"
    assert set(report.result.classes["tier"].dropna()) <= {"VIP", "A", "B", "C", "D"}
    assert "VIP" in set(report.result.classes["tier"])


@pytest.mark.parametrize("given", [True, False], ids=["--sheet", "active"])
def test_the_input_sheet_named_summary_keeps_its_table(route, tmp_path, given):
    book = route.open(workbook(tmp_path / "in.xlsx", data="Summary"))
    report = segment_book(book, {"language": "en"}, sheet="Summary" if given else None)
    assert report.input_sheet == report.output_sheet == "Summary"
    assert report.summary_sheet == "Summary" + OURS_SUFFIX
    cells = route.rows(book, "Summary", tmp_path)
    assert [cells[(1, c)] for c in range(1, 6)] == HEADERS
    assert column(cells, 3) == [100.0 * (i + 1) ** 2 for i in range(N)]
    assert header_of(cells, report.columns["tier"]) == "Tier"


def test_the_command_line_with_sheet_summary_keeps_the_customer_table(tmp_path):
    path = workbook(tmp_path / "in.xlsx", data="Summary")
    out = tmp_path / "out.xlsx"
    done = subprocess.run([sys.executable, "-m", "xlcustseg", "segment", str(path), "--sheet", "Summary",
                           "--lang", "en", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out)
    assert "Summary" + OURS_SUFFIX in wb.sheetnames
    ws = wb["Summary"]
    assert [ws.cell(row=1, column=c).value for c in range(1, 7)] == [*HEADERS, "Tier"]
    assert ws.cell(row=13, column=3).value == 100.0 * N ** 2


def test_order_lines_keep_a_user_sheet_named_customers(route, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Customer ID", "Order date", "Amount"])
    for i in range(40):
        ws.append([f"c{i % 9}", dt.datetime(2024, 1 + i % 12, 1 + i % 27), 10.0 * (i + 1)])
    wb.create_sheet("Customers").append(["my own list", "keep me"])
    wb.active = 0
    wb.save(tmp_path / "orders.xlsx")
    book = route.open(tmp_path / "orders.xlsx")
    report = segment_book(book, {"language": "en"})
    assert report.output_sheet == "Customers" + OURS_SUFFIX
    assert route.rows(book, "Customers", tmp_path) == {(1, 1): "my own list", (1, 2): "keep me"}
    again = segment_book(book, {"language": "en"})
    assert again.output_sheet == report.output_sheet  # found by the record
    assert sum(n.startswith("Customers") for n in book.sheet_names()) == 2


def test_our_own_sheet_is_refused_as_the_input(route, tmp_path):
    book = route.open(workbook(tmp_path / "in.xlsx"))
    report = segment_book(book, {"language": "en"})
    with pytest.raises(WorkbookError, match=f"'{report.summary_sheet}' is an output xlcustseg wrote"):
        segment_book(book, {"language": "en"}, sheet=report.summary_sheet)


# ---------------------------------------------------------------- the column limit and merged ranges
def test_a_table_at_the_column_limit_is_refused_with_a_sentence(route, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws, first_col=LAST_COLUMN - len(HEADERS) - 2)  # 2 free columns: our 13 do not fit
    wb.save(tmp_path / "wide.xlsx")
    book = route.open(tmp_path / "wide.xlsx")
    with pytest.raises(WorkbookError) as caught:
        segment_book(book, {"language": "en"})
    message = str(caught.value)
    assert message == ("Sheet 'Data' has no room for xlcustseg's 13 columns (they would go past XFD, Excel's last "
                       "column): copy the table to a new sheet and run again.")
    assert book.sheet_names() == ["Data"]  # refused before anything was written


@pytest.mark.parametrize("merged", ["F1:G1", "A14:L14"])
def test_our_columns_go_right_of_a_merged_range(file_adapter, tmp_path, merged):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws)
    first = merged.split(":")[0]
    ws[first] = "the user's merged note"
    ws.merge_cells(merged)
    wb.save(tmp_path / "merged.xlsx")
    book = file_adapter(tmp_path / "merged.xlsx")
    report = segment_book(book, {"language": "en"})
    last_merged = openpyxl.utils.cell.range_boundaries(merged)[2]
    assert min(report.columns.values()) == last_merged + 1
    book.save(tmp_path / "out.xlsx")
    saved = openpyxl.load_workbook(tmp_path / "out.xlsx")["Data"]
    assert saved[first].value == "the user's merged note"
    assert merged in {str(m) for m in saved.merged_cells.ranges}
    assert saved.cell(row=1, column=last_merged + 1).value == "Tier"


# ---------------------------------------------------------------- two silent wrong answers
def test_an_excel_tables_totals_row_is_left_out_with_a_note(file_adapter, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws)
    total = sum(100.0 * (i + 1) ** 2 for i in range(N))
    ws.append([None, None, total, None, None])  # the totals row, as a value (a formula has no saved result here)
    table = Table(displayName="Customers", ref=f"A1:E{N + 2}", totalsRowCount=1)
    ws.add_table(table)
    wb.save(tmp_path / "table.xlsx")
    book = file_adapter(tmp_path / "table.xlsx")
    report = segment_book(book, {"language": "en"})
    assert len(report.result.table) == N  # not N + 1: the totals row is no customer
    assert report.last_data_row == N + 1
    notes = book.read("Data").row_values(N + 2)[report.columns["notes"] - 1]
    assert notes == f"A{N + 2}: the Excel Table's totals row, left out of the segmentation"
    assert report.cell_notes == (notes,)
    assert "1 cells noted besides" in report.message()


def test_revenue_formulas_without_saved_results_are_noted_cell_by_cell(file_adapter, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws)
    for i in range(N):
        ws.cell(row=2 + i, column=3, value=f"={100 * (i + 1)}*{i + 1}")  # openpyxl saves no results
    wb.save(tmp_path / "formulas.xlsx")
    book = file_adapter(tmp_path / "formulas.xlsx")
    report = segment_book(book, {"language": "en"})
    notes_col = report.columns["notes"]
    data = book.read("Data")
    for i in range(N):
        note = data.row_values(2 + i)[notes_col - 1]
        assert f"C{2 + i}: formula without a saved result: open and save the file in Excel, or recalculate" in note
    assert len(report.cell_notes) == N


def test_plain_values_get_no_cell_notes(file_adapter, tmp_path):
    book = file_adapter(workbook(tmp_path / "in.xlsx"))
    report = segment_book(book, {"language": "en"})
    assert report.cell_notes == ()
    assert book.read("Data").no_result == ()


def test_our_suffixed_headers_are_never_read_as_the_users_data():
    """learn and the movement comparison skip our columns by header: the suffixed ones too."""
    ours = all_created_headers()
    assert {"Tier (xlcustseg)", "销售额(数值) (xlcustseg)", "Revenue (value) (xlcustseg)", "备注 (xlcustseg)"} <= ours
    assert "Revenue" not in ours and "销售额" not in ours


# ---------------------------------------------------------------- the movement and rules sheets (other commands)
def test_movement_keeps_a_user_sheet_named_movement(tmp_path):
    path = workbook(tmp_path / "in.xlsx")
    assert cli(["segment", str(path), "--lang", "en", "-o", str(tmp_path / "previous.xlsx")]) == 0
    mine = workbook(tmp_path / "mine.xlsx", sheets={"Movement": [["my movement log", 7]]})
    out = tmp_path / "out.xlsx"
    previous = ["--previous", str(tmp_path / "previous.xlsx")]
    assert cli(["segment", str(mine), "--lang", "en", "-o", str(out), *previous]) == 0
    wb = openpyxl.load_workbook(out)
    assert [[c.value for c in r] for r in wb["Movement"].iter_rows()] == [["my movement log", 7]]
    assert "Movement" + OURS_SUFFIX in wb.sheetnames
    again = tmp_path / "again.xlsx"
    assert cli(["segment", str(out), "--lang", "en", "-o", str(again), *previous]) == 0
    names = openpyxl.load_workbook(again).sheetnames
    assert sorted(n for n in names if n.startswith("Movement")) == ["Movement", "Movement" + OURS_SUFFIX]


def test_learn_keeps_a_user_sheet_named_rules_and_replaces_its_own(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Revenue", "Region", "Manual grade"])
    for i in range(120):
        revenue = 1000.0 * (i % 40 + 1)
        ws.append([f"k{i}", revenue, ["East", "North"][i % 2], "A" if revenue >= 30000 else "B" if i % 3 else None])
    wb.create_sheet("Rules").append(["house rules", "no shouting"])
    wb.active = 0
    wb.save(tmp_path / "graded.xlsx")
    out, again = tmp_path / "out.xlsx", tmp_path / "again.xlsx"
    assert cli(["learn", str(tmp_path / "graded.xlsx"), "--label", "Manual grade", "-o", str(out)]) == 0
    names = openpyxl.load_workbook(out).sheetnames
    assert [[c.value for c in r] for r in openpyxl.load_workbook(out)["Rules"].iter_rows()] == [
        ["house rules", "no shouting"]]
    assert "Rules" + OURS_SUFFIX in names
    assert cli(["learn", str(out), "--label", "Manual grade", "-o", str(again)]) == 0
    assert openpyxl.load_workbook(again).sheetnames == names  # ours found again by its title, no third sheet


@pytest.mark.parametrize("insert", ["column", "row"])
def test_our_columns_are_found_again_after_the_user_inserts_a_column_or_a_row(tmp_path, insert):
    book = open_book(workbook(tmp_path / "in.xlsx", {"Tier": lambda i: "gold"}))[0]
    first = segment_book(book, {"language": "en"})
    book.save(tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    if insert == "column":
        wb["Data"].insert_cols(1)
        wb["Data"]["A1"] = "Region"
    else:
        wb["Data"].insert_rows(1)
        wb["Data"]["A1"] = "Customer list, March"
    for table in wb["Data"].tables.values():  # Excel moves a Table with its cells; openpyxl does not
        c0, r0, c1, r1 = range_boundaries(table.ref)
        down, right = (0, 1) if insert == "column" else (1, 0)
        table.ref = f"{get_column_letter(c0 + right)}{r0 + down}:{get_column_letter(c1 + right)}{r1 + down}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    wb.save(tmp_path / "edited.xlsx")
    book = open_book(tmp_path / "edited.xlsx")[0]
    second = segment_book(book, {"language": "en"})
    shift = 1 if insert == "column" else 0
    assert dict(second.columns) == {k: c + shift for k, c in first.columns.items()}  # no second block
    data = book.read("Data")
    assert max(len(r) for r in data.rows) + data.first_col - 1 == max(first.columns.values()) + shift
    assert second.moved_share == 0.0


# ---------------------------------------------------------------- the other commands' columns (movement, learn)
def _header_cells(path: Path, sheet: str = "Data") -> dict[str, list[int]]:
    """Each header of row 1 → the columns holding it."""
    ws = openpyxl.load_workbook(path)[sheet]
    out: dict[str, list[int]] = {}
    for cell in ws[1]:
        if cell.value is not None:
            out.setdefault(str(cell.value), []).append(cell.column)
    return out


def test_movement_keeps_a_user_column_named_previous_tier_and_finds_its_own_by_the_record(tmp_path):
    path = workbook(tmp_path / "in.xlsx")
    assert cli(["segment", str(path), "--lang", "en", "-o", str(tmp_path / "previous.xlsx")]) == 0
    mine = workbook(tmp_path / "mine.xlsx", {"Previous Tier": user_values, "Tier Change": lambda i: i})
    previous = ["--previous", str(tmp_path / "previous.xlsx")]
    out, again = tmp_path / "out.xlsx", tmp_path / "again.xlsx"
    assert cli(["segment", str(mine), "--lang", "en", "-o", str(out), *previous]) == 0
    assert cli(["segment", str(out), "--lang", "en", "-o", str(again), *previous]) == 0
    for saved in (out, again):
        headers = _header_cells(saved)
        assert headers["Previous Tier"] == [6] and headers["Tier Change"] == [7]  # the user's, in place
        ws = openpyxl.load_workbook(saved)["Data"]
        assert [ws.cell(row=2 + i, column=6).value for i in range(N)] == [user_values(i) for i in range(N)]
        assert [ws.cell(row=2 + i, column=7).value for i in range(N)] == list(range(N))
        ours = headers["Previous Tier" + OURS_SUFFIX]
        assert len(ours) == 1 and ours[0] > 7
        assert headers["Tier Change" + OURS_SUFFIX] == [ours[0] + 2]
        assert headers["Previous RFM Class"] == [ours[0] + 1]  # no user column has it: plain
        assert {ws.cell(row=2 + i, column=ours[0]).value for i in range(N)} <= {"A", "B", "C"}
        assert {ws.cell(row=2 + i, column=ours[0] + 2).value for i in range(N)} == {"Same"}
    assert _header_cells(again) == _header_cells(out)  # the re-run found ours again: no second set
    settings = openpyxl.load_workbook(again)["Settings"]
    record = [[c.value for c in r] for r in settings.iter_rows() if any(c.value == "columns" for c in r)]
    assert any("previous_tier=" in str(v) for r in record for v in r)


def test_learn_keeps_a_user_column_named_predicted_grade_and_finds_its_own_by_the_record(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["客户编号", "销售额", "区域", "人工等级", "预测等级", "置信度"])
    for i in range(120):
        revenue = 1000.0 * (i % 40 + 1)
        ws.append([f"k{i}", revenue, ["华东", "华北"][i % 2], "A" if revenue >= 30000 else "B" if i % 3 else None,
                   f"我的预测 {i}", i])
    wb.save(tmp_path / "graded.xlsx")
    out, again = tmp_path / "out.xlsx", tmp_path / "again.xlsx"
    assert cli(["learn", str(tmp_path / "graded.xlsx"), "--label", "人工等级", "-o", str(out)]) == 0
    assert cli(["learn", str(out), "--label", "人工等级", "-o", str(again)]) == 0
    for saved in (out, again):
        headers = _header_cells(saved, "数据")
        assert headers["预测等级"] == [5] and headers["置信度"] == [6]
        assert headers["预测等级" + OURS_SUFFIX] == [7] and headers["置信度" + OURS_SUFFIX] == [8]
        data = openpyxl.load_workbook(saved)["数据"]
        assert [data.cell(row=2 + i, column=5).value for i in range(120)] == [f"我的预测 {i}" for i in range(120)]
        assert [data.cell(row=2 + i, column=6).value for i in range(120)] == list(range(120))
        assert {data.cell(row=2 + i, column=7).value for i in range(120)} <= {"A", "B", None}
        assert data.max_column == 8
    rules = openpyxl.load_workbook(again)["规则"]
    cells = [c.value for r in rules.iter_rows() for c in r]
    assert RECORD_MARK in cells and "predicted=G, confidence=H" in cells


def test_learn_finds_its_columns_of_an_earlier_version_by_their_block(tmp_path):
    """An output of a version without the record: our rules sheet (by its title) marks it, and the two
    headers side by side are ours, so a re-run writes over them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Revenue", "Region", "Manual grade", "Predicted", "Confidence"])
    for i in range(120):
        revenue = 1000.0 * (i % 40 + 1)
        ws.append([f"k{i}", revenue, ["East", "North"][i % 2], "A" if revenue >= 30000 else "B" if i % 3 else None,
                   "old", 0.5])
    wb.create_sheet("Rules").append([text("learn_title", "en")])
    wb.active = 0
    wb.save(tmp_path / "old.xlsx")
    out = tmp_path / "out.xlsx"
    assert cli(["learn", str(tmp_path / "old.xlsx"), "--label", "Manual grade", "-o", str(out)]) == 0
    headers = _header_cells(out)
    assert headers == {**{h: [j + 1] for j, h in enumerate(["Customer ID", "Revenue", "Region", "Manual grade"])},
                       "Predicted": [5], "Confidence": [6]}
    assert "old" not in {r[4] for r in openpyxl.load_workbook(out)["Data"].iter_rows(min_row=2, values_only=True)}


# ---------------------------------------------------------------- a total row's note in its own notes cell
@pytest.mark.parametrize("adapter", ["file", "package", "jsonbook"])
def test_a_total_row_gets_its_note_in_its_own_notes_cell_and_no_classes(tmp_path, adapter):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws)
    ws.append([None, "Total", sum(100.0 * (i + 1) ** 2 for i in range(N)), None, None])
    ws.append(["c99", "Customer 99", 50.0, 1, dt.datetime(2024, 3, 1)])  # a customer below it
    wb.save(tmp_path / "total.xlsx")
    path = tmp_path / "total.xlsx"
    book = XlwingsBook(jsonbook.book(path)) if adapter == "jsonbook" else FILE_ADAPTERS[adapter](path)
    report = segment_book(book, {"language": "en"})
    data = book.read("Data")
    row = data.row_values(N + 2)
    assert row[report.columns["notes"] - 1] == f"B{N + 2} Customer 'Total' is a total row: left out of the segmentation"
    assert [row[c - 1] for k, c in report.columns.items() if k != "notes"] == [None] * (len(report.columns) - 1)
    assert data.row_values(N + 3)[report.columns["tier"] - 1] in {"A", "B", "C"}  # the next customer is classed
    assert report.cell_notes == ()  # said once, in the run's warnings, not again as a cell note
    assert any(w.startswith(f"B{N + 2} Customer 'Total'") for w in report.result.warnings)


# ---------------------------------------------------------------- the placement refusals in the run's language
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_column_limit_refusal_is_in_the_runs_language(route, tmp_path, lang):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    customers(ws, first_col=LAST_COLUMN - len(HEADERS) - 2)
    if lang == "zh":  # the table's own language: Chinese headers, language left at auto
        for j, header in enumerate(["客户编号", "客户名称", "销售额", "订单数", "最近购买日期"]):
            ws.cell(row=1, column=LAST_COLUMN - len(HEADERS) - 2 + j, value=header)
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(WorkbookError) as caught:
        segment_book(route.open(tmp_path / "wide.xlsx"))
    assert str(caught.value) == text("column_limit", lang, sheet="Data", count=13)
    assert ("XFD" in str(caught.value)) and (("放不下" in str(caught.value)) == (lang == "zh"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_our_own_sheet_as_the_input_is_refused_in_the_language_set(route, tmp_path, lang):
    book = route.open(workbook(tmp_path / "in.xlsx"))
    report = segment_book(book, {"language": lang})
    with pytest.raises(WorkbookError) as caught:
        segment_book(book, {"language": lang}, sheet=report.summary_sheet)
    assert str(caught.value) == text("our_sheet", lang, sheet=report.summary_sheet)


def test_our_own_sheet_refused_on_the_command_line_in_chinese(tmp_path, capsys):
    path = workbook(tmp_path / "in.xlsx")
    assert cli(["segment", str(path), "--lang", "zh", "-o", str(tmp_path / "out.xlsx")]) == 0
    capsys.readouterr()
    assert cli(["segment", str(tmp_path / "out.xlsx"), "--sheet", "分层汇总", "-o", str(tmp_path / "again.xlsx")]) == 1
    assert capsys.readouterr().err.strip() == "xlcustseg: " + text("our_sheet", "zh", sheet="分层汇总")
