"""The data-quality sheet 数据质量 / Data quality (issue #12 point 3), on generated workbooks.

The file route (read back with openpyxl, recalculated in LibreOffice) and the
button on xlwings' JSON book write the same sheet; its counts by reason equal a
pandas value_counts of the notes; each link points at the noted cell; duplicate
ids and revenue outliers are flagged as defined; accounts the setting
quality.exclude lists are left out (no classes) and counted.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlcustseg.cli import main as cli
from xlcustseg.engine import segment
from xlcustseg.engine.quality import duplicate_counts, listed, revenue_flags
from xlcustseg.i18n import ALL_REASONS, QUALITY_TEXTS
from xlcustseg.settings import Settings, SettingsError

N = 300
EXCLUDE = "TEST-1, Internal Ltd"
LINK = re.compile(r'^=HYPERLINK\("#\'((?:[^\']|\'\')+)\'!([A-Z]+[0-9]+)","([A-Z]+[0-9]+)"\)$')


def _frame(seed: int = 7) -> pd.DataFrame:
    """N customers with every kind of trouble: duplicate ids, negative and huge revenue, unreadable and
    formula-like cells, test and internal accounts."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Customer ID": [f"C{i:04d}" for i in range(N)],
        "Customer Name": [f"Shop {i}" for i in range(N)],
        "Revenue": rng.integers(100, 5000, N).astype(object),
        "Orders": rng.integers(1, 20, N),
        "Last Purchase Date": [dt.datetime(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, N)],
    })
    frame.loc[[11, 250], "Customer ID"] = "C0003"  # C0003 three times
    frame.loc[120, "Customer ID"] = "C0100"
    frame.loc[[5, 77], "Revenue"] = [-120, -3]
    frame.loc[[9, 200], "Revenue"] = [9_000_000, 2_500_000]
    frame.loc[40, "Revenue"] = "abc"
    frame.loc[41, "Revenue"] = "=1+1"  # looks like a formula: must stay text everywhere
    frame.loc[60, "Customer ID"] = "test-1"  # listed as TEST-1 (case ignored)
    frame.loc[61, "Customer Name"] = "Internal  Ltd"  # listed by name (spaces ignored)
    return frame


def _workbook(path: Path, frame: pd.DataFrame, settings: dict, user_sheet: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for r in range(2, N + 2):  # "=1+1" typed as text, as a user's cell holds it
        if ws.cell(r, 3).value == "=1+1":
            ws.cell(r, 3).data_type = "s"
    sheet = wb.create_sheet("Settings")
    for row in (["Key", "Value"], *settings.items()):
        sheet.append(list(row))
    if user_sheet:
        wb.create_sheet("Data quality")["A1"] = "my own notes"
    wb.active = 0
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The file route's output and the same table segmented by segment() (the notes to compare with)."""
    tmp = tmp_path_factory.mktemp("quality")
    frame = _frame()
    source = _workbook(tmp / "in.xlsx", frame, {"quality.exclude": EXCLUDE})
    assert cli(["segment", str(source), "-o", str(tmp / "out.xlsx")]) == 0
    result = segment(frame, {"quality.exclude": EXCLUDE})
    return tmp, source, tmp / "out.xlsx", frame, result


def _sections(ws) -> dict[str, list[list]]:
    """The sheet's sections by heading: the rows under the header until a blank row."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    en = {v[1]: k for k, v in QUALITY_TEXTS.items()}
    out: dict[str, list[list]] = {}
    i = 0
    while i < len(rows):
        first = rows[i][0] if rows[i] else None
        if first in en and en[first] in ("overview", "by_reason", "duplicate_ids", "outlier", "notes") \
                and (i == 0 or all(v is None for v in rows[i - 1])):
            body = []
            j = i + (1 if en[first] == "overview" else 2)
            while j < len(rows) and any(v is not None for v in rows[j]):
                body.append(rows[j])
                j += 1
            out[en[first]] = body
            i = j
        else:
            i += 1
    return out


def _link(value: str) -> tuple[str, str]:
    match = LINK.match(value)
    assert match, value
    assert match.group(2) == match.group(3)  # shows the address it points at
    return match.group(1).replace("''", "'"), match.group(2)


def test_counts_by_reason_equal_value_counts_of_the_notes_after_libreoffice_recalculates(run):
    from libreoffice import convert

    tmp, _source, out, _, result = run
    recalculated = openpyxl.load_workbook(convert(out, "xlsx", tmp / "lo"), data_only=True)
    got = {r[0]: r[1] for r in _sections(recalculated["Data quality"])["by_reason"]}
    expected = result.notes["reason"].map(lambda r: ALL_REASONS[r][1]).value_counts().to_dict()
    assert got == expected
    assert expected[ALL_REASONS["excluded"][1]] == 2 and expected[ALL_REASONS["not_number"][1]] == 2
    formulas = _sections(openpyxl.load_workbook(out)["Data quality"])["by_reason"]
    assert all(str(r[1]).startswith("=SUMPRODUCT(") for r in formulas)


def test_every_note_links_to_its_cell_and_formula_like_text_stays_text(run):
    _tmp, source, out, _, result = run
    wb = openpyxl.load_workbook(out)
    ws = wb["Data quality"]
    notes = _sections(ws)["notes"]
    assert len(notes) == len(result.notes)
    inputs = openpyxl.load_workbook(source)["Clients"]
    for (cell, reason, column, value, message), (_, note) in zip(notes, result.notes.iterrows(), strict=True):
        sheet, address = _link(cell)
        assert (sheet, address) == ("Clients", note["cell"])
        assert message.startswith(address + " " + column)
        assert inputs[address].value == value and reason == ALL_REASONS[note["reason"]][1]
    formula_like = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert formula_like and all(c.data_type == "s" for c in formula_like)


def test_duplicate_ids_flagged_with_their_rows(run):
    _tmp, _source, out, frame, _result = run
    rows = _sections(openpyxl.load_workbook(out)["Data quality"])["duplicate_ids"]
    kept = frame[~frame.index.isin([60, 61])]
    dup = kept[kept["Customer ID"].duplicated(keep=False)]
    expected = sorted((i, f"A{r + 2}", int(n)) for i, r, n in
                      zip(dup["Customer ID"], dup.index, dup["Customer ID"].map(dup["Customer ID"].value_counts()),
                          strict=True))
    got = sorted((r[0], _link(r[1])[1], r[2]) for r in rows)
    assert got == expected and len(got) == 5  # C0003 ×3, C0100 ×2


def test_outliers_negative_and_beyond_the_multiple_of_the_99th_percentile(run):
    _tmp, _source, out, _, result = run
    rows = _sections(openpyxl.load_workbook(out)["Data quality"])["outlier"]
    revenue = result.classes["revenue"].astype(float)
    limit = 10 * np.quantile(revenue.dropna(), 0.99)
    ids = result.table["Customer ID"]
    expected = {(ids[i], "negative") for i in np.flatnonzero(revenue < 0)}
    expected |= {(ids[i], "above the outlier limit") for i in np.flatnonzero(revenue > limit)}
    assert {(r[0], r[3]) for r in rows} == expected
    assert {r[0] for r in rows} == {"C0005", "C0077", "C0009", "C0200"}
    inputs = openpyxl.load_workbook(run[1])["Clients"]
    assert all(inputs[_link(r[1])[1]].value == r[2] for r in rows)  # each link is the revenue cell


def test_excluded_accounts_left_out_without_classes_and_counted(run):
    _tmp, _source, out, _, result = run
    wb = openpyxl.load_workbook(out)
    overview = {r[0]: r[1] for r in _sections(wb["Data quality"])["overview"]}
    assert overview["Rows left out (setting quality.exclude)"] == 2
    assert overview["Accounts left out"] == 2
    assert overview["Customers segmented"] == len(result.table) == N - 2
    clients = wb["Clients"]
    tier = [c.value for c in clients[1]].index("Tier") + 1
    assert clients.cell(62, tier).value is None and clients.cell(63, tier).value is None
    assert clients.cell(64, tier).value is not None
    assert {"test-1", "Internal  Ltd"} == set(result.notes.loc[result.notes["reason"].eq("excluded"), "value"])


def test_the_button_on_the_json_book_writes_the_same_sheet(run):
    import jsonbook

    from xlcustseg import main

    _tmp, source, out, _, _result = run
    book = jsonbook.book(source)
    main(book)
    names = [s.name for s in book.sheets]
    got: dict[tuple[int, int], object] = {}
    for action in book.json()["actions"]:
        if action["func"] == "setValues" and names[action["sheet_position"]] == "Data quality":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    got[action["start_row"] + 1 + i, action["start_column"] + 1 + j] = value
    ws = openpyxl.load_workbook(out)["Data quality"]
    want = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
    got = {k: v for k, v in got.items() if v not in (None, "")}
    assert want.keys() == got.keys()
    for key, value in want.items():
        button = got[key]
        if isinstance(value, str) and value == "=1+1":
            assert button == "'=1+1"  # Excel's text marker: written as text
        elif isinstance(value, float | int):
            assert button == pytest.approx(value)
        else:
            assert button == value, key


def test_a_user_sheet_named_data_quality_is_kept_and_ours_found_again(tmp_path):
    source = _workbook(tmp_path / "in.xlsx", _frame(), {}, user_sheet=True)
    assert cli(["segment", str(source), "-o", str(tmp_path / "out.xlsx")]) == 0
    assert cli(["segment", str(tmp_path / "out.xlsx"), "-o", str(tmp_path / "again.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "again.xlsx")
    assert wb["Data quality"]["A1"].value == "my own notes"
    ours = [n for n in wb.sheetnames if n.startswith("Data quality (xlcustseg")]
    assert ours == ["Data quality (xlcustseg)"] and wb[ours[0]]["A1"].value == "Data quality"


def test_our_sheet_is_found_again_by_its_content_without_the_record():
    from xlcustseg.workbook.quality_sheet import is_ours

    assert is_ours([["数据质量"], ["重复编号只做标记，不合并（设置 quality.duplicates = flag）"], [None]])
    assert not is_ours([["Data quality"], ["my own notes"]]) and not is_ours([])


def test_order_lines_outliers_link_to_the_customers_sheet_and_excluded_lines_are_left_out(tmp_path):
    lines = pd.DataFrame({"Customer ID": ["A", "A", "B", "QA", "C"] * 60,
                          "Order ID": [f"O{i}" for i in range(300)],
                          "Order date": [dt.datetime(2024, 1, 1) + dt.timedelta(days=i) for i in range(300)],
                          "Amount": [100.0] * 300})
    lines.loc[4, "Amount"] = -50_000.0  # C's total goes negative
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    for row in (list(lines.columns), *lines.itertuples(index=False)):
        ws.append(list(row))
    settings = wb.create_sheet("Settings")
    settings.append(["Key", "Value"])
    settings.append(["quality.exclude", "qa"])
    wb.save(tmp_path / "orders.xlsx")
    assert cli(["segment", str(tmp_path / "orders.xlsx"), "-o", str(tmp_path / "out.xlsx")]) == 0
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    sections = _sections(out["Data quality"])
    overview = {r[0]: r[1] for r in sections["overview"]}
    assert overview["Rows left out (setting quality.exclude)"] == 60 and overview["Accounts left out"] == 1
    assert overview["Customers segmented"] == 3
    [(customer, cell, revenue, flag, _)] = sections["outlier"]
    sheet, address = _link(cell)
    assert (customer, flag, sheet) == ("C", "negative", "Customers")
    assert out[sheet][address].value == revenue == 59 * 100.0 - 50_000.0


def test_quality_settings_are_validated():
    assert Settings({"quality.duplicates": "flag"})["quality.duplicates"] == "flag"
    with pytest.raises(SettingsError, match="merge is not available yet"):
        Settings({"quality.duplicates": "merge"})
    with pytest.raises(SettingsError, match="at least 1"):
        Settings({"quality.outlier_multiple": 0.5})
    assert Settings()["quality.outlier_multiple"] == 10 and Settings()["quality.exclude"] == ()


def test_rules_are_vectorised_functions_with_exact_answers():
    assert listed(pd.Series(["ＴＥＳＴ", 1001.0, None, "x"]), ["test", "1001"]).tolist() == [True, True, False, False]
    assert duplicate_counts(pd.Series(["a", "a ", None, "b", 2.0, "2"])).tolist() == [2, 2, 0, 1, 2, 2]
    revenue = pd.Series([1.0] * 199 + [-1.0, 1000.0])
    flags, limit = revenue_flags(revenue, 10)
    assert limit == pytest.approx(10 * np.quantile(revenue, 0.99))
    assert flags.iloc[-2:].tolist() == ["negative", "outlier"] and flags.iloc[:-2].isna().all()
    assert revenue_flags(pd.Series([0.0, -1.0]), 10)[1] is None  # no positive percentile: no outlier limit
