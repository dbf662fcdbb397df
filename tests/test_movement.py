"""Movement between snapshots: compare(), =CUSTMOVE and the --previous route."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from libreoffice import convert
from workbooks import with_settings

from xlcustseg import SegmentationError, compare, segment
from xlcustseg.cli import main as cli
from xlcustseg.excel import functions
from xlcustseg.settings import DEFAULTS

#: every kind of move: 1 down, 2 up, 3 same, 4 lost, 5 twice before (ambiguous), 6 new, 7 blank before (new)
PREVIOUS = pd.DataFrame({
    "客户编号": ["1", "2", "3", "4", "5", "5", "7"],
    "客户名称": ["甲", "乙", "丙", "丁", "戊", "戊", "庚"],
    "客户等级": ["A", "B", "C", "B", "C", "B", None],
    "RFM分群": ["重要价值客户", "重要发展客户", "一般挽留客户", "重要发展客户", "重要价值客户", "一般挽留客户", None],
})
CURRENT = pd.DataFrame({
    "客户编号": ["1", "2", "3", "6", "5", "7"],
    "客户名称": ["甲", "乙", "丙", "己", "戊", "庚"],
    "客户等级": ["B", "A", "C", "A", "c", "B"],
    "RFM分群": ["重要发展客户", "重要发展客户", "一般挽留客户", "重要价值客户", "重要价值客户", "一般挽留客户"],
})


def _matched_crosstab(movement, previous, current, column):
    """A pandas crosstab of the matched customers' previous × current class."""
    matched = movement.table["matched"].to_numpy()
    before = movement.table[{"客户等级": "上期等级", "RFM分群": "上期RFM分群"}[column]][matched]
    now = current[column][matched].str.upper() if column == "客户等级" else current[column][matched]
    return pd.crosstab(before.rename("previous"), now.rename("current"))


def test_every_kind_of_move():
    m = compare(PREVIOUS, CURRENT)
    assert m.matched_by == "customer_id"
    assert m.table["等级变动"].tolist() == ["降级", "升级", "持平", "新客户", "持平", "新客户"]
    assert m.table["上期等级"].tolist() == ["A", "B", "C", None, "C", None]
    assert m.table["matched"].tolist() == [True, True, True, False, True, True]
    assert m.lost["key"].tolist() == ["4", "5"]  # 4 left; the second 5 had no partner now
    assert len(m.notes) == 1 and "5" in m.notes[0]
    en = compare(PREVIOUS, CURRENT, lang="en")
    assert en.table["Tier Change"].tolist() == ["Down", "Up", "Same", "New", "Same", "New"]
    assert list(en.tiers.index)[-1] == "New" and list(en.tiers.columns)[-1] == "Lost"


@pytest.mark.parametrize("column, matrix", [("客户等级", "tiers"), ("RFM分群", "rfm")])
def test_the_matrix_is_the_crosstab_and_counts_each_customer_once(column, matrix):
    m = compare(PREVIOUS, CURRENT)
    table = getattr(m, matrix)
    inner = table.drop(index="新增", columns="流失")
    want = _matched_crosstab(m, PREVIOUS, CURRENT, column)
    got = inner.loc[want.index, want.columns]
    assert (got.to_numpy() == want.to_numpy()).all()
    assert inner.to_numpy().sum() == want.to_numpy().sum()  # nothing else inside
    # each customer once: matched + new = now, matched + lost = before
    assert table.drop(index="新增").to_numpy().sum() == len(PREVIOUS.dropna(subset=[column]))
    assert table.drop(columns="流失").to_numpy().sum() == len(CURRENT)


def test_tier_order_is_the_settings_letters():
    assert list(compare(PREVIOUS, CURRENT).tiers.index) == ["A", "B", "C", "新增"]
    five = pd.DataFrame({"客户编号": ["1", "2"], "客户等级": ["VIP", "D"]})
    after = pd.DataFrame({"客户编号": ["1", "2"], "客户等级": ["A", "VIP"]})
    m = compare(five, after, settings=DEFAULTS.replace({"tier.levels": 5}))
    assert m.table["等级变动"].tolist() == ["降级", "升级"]
    assert list(m.tiers.index) == ["VIP", "A", "B", "C", "D", "新增"]


def test_match_by_name_when_there_is_no_id():
    by_name = compare(PREVIOUS.drop(columns="客户编号"), CURRENT.drop(columns="客户编号"))
    assert by_name.matched_by == "customer_name"
    assert by_name.table["等级变动"].tolist() == ["降级", "升级", "持平", "新客户", "持平", "新客户"]
    assert any("戊" in note for note in by_name.notes)  # 戊 twice before: an ambiguous match, noted


def test_no_common_key_is_one_sentence():
    with pytest.raises(SegmentationError, match="customer id or name"):
        compare(PREVIOUS[["客户等级"]], CURRENT[["客户等级"]])


def test_segment_result_tables_compare():
    frame = pd.DataFrame({"客户编号": [f"K{i}" for i in range(40)], "销售额": list(range(100, 4100, 100))})
    before, now = segment(frame).table, segment(frame.iloc[::-1].assign(销售额=list(range(100, 4100, 100)))).table
    m = compare(before, now)
    assert m.table["matched"].all() and set(m.table["等级变动"]) >= {"升级", "降级"}
    assert m.tiers.drop(index="新增", columns="流失").to_numpy().sum() == 40


def test_custmove_equals_compare():
    m = compare(PREVIOUS, CURRENT)
    previous = [[v] for v in m.table["上期等级"]]
    current = [[v] for v in CURRENT["客户等级"]]
    got = [r[0] for r in functions.custmove(previous, current)]
    assert got == m.table["等级变动"].tolist()
    assert [r[0] for r in functions.custmove(previous, current, "en")] == compare(
        PREVIOUS, CURRENT, lang="en").table["Tier Change"].tolist()
    assert functions.custmove([["Z"]], [["A"]])[0][0].startswith("#VALUE!")
    assert functions.custmove([["A", "C"]], [["B", "B"]]) == [["降级", "升级"]]  # a row in, a row out


# ------------------------------------------------------------------ the command line: --previous
SAMPLE = Path(__file__).resolve().parents[1] / "workbook_templates" / "客户名单示例.xlsx"
TIER_COL, RFM_COL, HEADER_ROW = 15, 20, 4  # 客户等级 and RFM分群 in the sample's output; headers on row 4


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """The sample segmented against a changed copy of its own output: 40 tiers moved, 20 customers removed
    (new now), 5 customers added (lost now)."""
    tmp = tmp_path_factory.mktemp("movement")
    assert cli(["segment", str(SAMPLE), "-o", str(tmp / "old.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp / "old.xlsx")
    ws = wb["客户名单"]
    for r in range(5, 45):
        cell = ws.cell(r, TIER_COL)
        cell.value = {"A": "C", "B": "A", "C": "B"}.get(cell.value, cell.value)
    ws.delete_rows(60, 20)
    last = ws.max_row
    for i in range(5):
        ws.cell(last + 1 + i, 1, f"OLD{i}")
        ws.cell(last + 1 + i, TIER_COL, "ABC"[i % 3])
        ws.cell(last + 1 + i, RFM_COL, "重要价值客户")
    wb.save(tmp / "previous.xlsx")
    assert cli(["segment", str(SAMPLE), "-o", str(tmp / "new.xlsx"), "--previous", str(tmp / "previous.xlsx")]) == 0
    read = {"header": HEADER_ROW - 1, "dtype": object, "engine": "calamine"}
    return SimpleNamespace(tmp=tmp, new=tmp / "new.xlsx",
                           previous=pd.read_excel(tmp / "previous.xlsx", "客户名单", **read),
                           now=pd.read_excel(tmp / "new.xlsx", "客户名单", **read))


def test_cli_adds_the_columns_and_the_sheet(moved):
    now = moved.now
    assert {"上期等级", "上期RFM分群", "等级变动"} <= set(now.columns)
    assert "迁移矩阵" in openpyxl.load_workbook(moved.new, read_only=True).sheetnames
    change = now["等级变动"].value_counts()
    assert change["新客户"] == 20 and change["升级"] > 0 and change["降级"] > 0
    expected = compare(moved.previous, now.drop(columns=["上期等级", "上期RFM分群", "等级变动"]))
    assert now["等级变动"].tolist() == expected.table["等级变动"].tolist()
    assert expected.lost["key"].tolist() == [f"OLD{i}" for i in range(5)]


def _recalculated_block(ws, top: int, matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix at sheet row `top` (its header row) as LibreOffice computed it."""
    rows = [[c.value for c in ws[top + 1 + i]][:len(matrix.columns) + 1] for i in range(len(matrix.index))]
    got = pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows],
                       columns=[c.value for c in ws[top]][1:len(matrix.columns) + 1])
    return got.fillna(0).astype("int64")


def test_movement_sheet_recalculated_in_libreoffice_equals_the_crosstab(moved):
    calc = openpyxl.load_workbook(convert(moved.new, "xlsx", moved.tmp / "calc"), data_only=True)
    ws = calc["迁移矩阵"]
    expected = compare(moved.previous, moved.now.drop(columns=["上期等级", "上期RFM分群", "等级变动"]))
    now = moved.now
    top = 2
    for matrix, before, current in ((expected.tiers, "上期等级", "客户等级"), (expected.rfm, "上期RFM分群", "RFM分群")):
        got = _recalculated_block(ws, top, matrix)
        assert list(got.index) == list(matrix.index) and list(got.columns) == list(matrix.columns)
        assert (got.to_numpy() == matrix.to_numpy()).all(), (got, matrix)
        crosstab = pd.crosstab(now[before].dropna(), now[current])
        inner = got.loc[crosstab.index, crosstab.columns]
        assert (inner.to_numpy() == crosstab.to_numpy()).all()
        top += len(matrix.index) + 4


def test_cli_previous_without_tier_column_is_one_sentence(tmp_path, capsys):
    plain = tmp_path / "plain.xlsx"
    pd.DataFrame({"客户编号": ["K1"], "销售额": [100]}).to_excel(plain, index=False)
    assert cli(["segment", str(SAMPLE), "-o", str(tmp_path / "x.xlsx"), "--previous", str(plain)]) == 1
    err = capsys.readouterr().err.strip()
    assert "客户等级/Tier" in err and err.count("\n") == 0
    assert cli(["segment", str(SAMPLE), "-o", str(tmp_path / "x.xlsx"), "--previous", str(tmp_path / "no.xlsx")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_cli_rerun_on_its_output_updates_the_columns_in_place(moved):
    again = moved.tmp / "again.xlsx"
    assert cli(["segment", str(moved.new), "-o", str(again), "--previous", str(moved.tmp / "previous.xlsx")]) == 0
    read = {"header": HEADER_ROW - 1, "dtype": object, "engine": "calamine"}
    first, second = moved.now, pd.read_excel(again, "客户名单", **read)
    assert list(second.columns) == list(first.columns)  # no second set of movement columns
    assert second["等级变动"].tolist() == first["等级变动"].tolist()
    assert openpyxl.load_workbook(again, read_only=True).sheetnames.count("迁移矩阵") == 1


def test_cli_english_order_lines_against_their_own_output(tmp_path):
    orders = SAMPLE.with_name("orders_sample.xlsx")
    assert cli(["segment", str(orders), "-o", str(tmp_path / "old.xlsx")]) == 0
    new = ["segment", str(orders), "-o", str(tmp_path / "new.xlsx"), "--previous", str(tmp_path / "old.xlsx")]
    assert cli(new) == 0
    now = pd.read_excel(tmp_path / "new.xlsx", "Customers", dtype=object, engine="calamine")
    assert set(now["Tier Change"].dropna()) == {"Same"}
    same = now.fillna("")
    assert (same["Previous Tier"] == same["Tier"]).all() and (same["Previous RFM Class"] == same["RFM Class"]).all()
    sheet = openpyxl.load_workbook(tmp_path / "new.xlsx")["Movement"]
    assert sheet["A1"].value.startswith("Tier movement") and sheet["A6"].value == "New"


def test_tier_change_rule_hand_computed():
    from xlcustseg.schemes import tier_changes

    previous = pd.Series(["B", "A", "C", None, "B", "A"])
    current = pd.Series(["A", "B", "C", "B", None, "Z"])
    got = tier_changes(previous, current, letters=("A", "B", "C")).tolist()
    assert got == ["up", "down", "same", "new", None, None]


# ------------------------------------------------------------------ the command line: --compare-as-of
#: hand-made order lines: by 2024-03-31 C01 is the big spender (A, bought twice), C09 second (B); after it C02 spends
#: 5,000 (C → A), C01 falls to B, C09 to C, and C10 buys for the first time (new)
ORDER_LINES = pd.DataFrame(
    [(f"C{i:02d}", f"2024-0{1 + i % 3}-1{i}", 1000 if i == 1 else 10 * i) for i in range(1, 10)]
    + [("C01", "2024-03-20", 10), ("C02", "2024-05-10", 5000), ("C03", "2024-05-11", 20), ("C10", "2024-06-01", 800),
       ("C01", "2024-06-20", 5)],
    columns=["Customer ID", "Order Date", "Amount"])
CUT = "2024-03-31"


def _customers(path: Path) -> pd.DataFrame:
    frame = pd.read_excel(path, "Customers", dtype=object, engine="calamine").set_index("Customer ID")
    return frame.astype(object).where(frame.notna(), None)


def _cells(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_compare_as_of_hand_made_orders(tmp_path, capsys):
    lines = tmp_path / "orders.xlsx"
    ORDER_LINES.to_excel(lines, index=False, sheet_name="Orders")
    assert cli(["segment", str(lines), "-o", str(tmp_path / "now.xlsx"), "--compare-as-of", CUT]) == 0
    assert "1 up, 2 down, 6 same, 1 new, 0 lost" in capsys.readouterr().out
    now = _customers(tmp_path / "now.xlsx")
    assert now["Previous Tier"].to_dict() == {"C01": "A", "C02": "C", "C03": "C", "C04": "C", "C05": "C",
                                              "C06": "C", "C07": "C", "C08": "C", "C09": "B", "C10": None}
    assert now["Tier Change"].to_dict() == HAND_CHANGES
    # the same as --previous with the earlier lines segmented as of the cut by hand
    early = tmp_path / "early.xlsx"
    ORDER_LINES[pd.to_datetime(ORDER_LINES["Order Date"]) <= CUT].to_excel(early, index=False, sheet_name="Orders")
    assert cli(["segment", str(early), "-o", str(tmp_path / "old.xlsx"), "--as-of", CUT]) == 0
    assert cli(["segment", str(lines), "-o", str(tmp_path / "via_file.xlsx"),
                "--previous", str(tmp_path / "old.xlsx")]) == 0
    via_file = _customers(tmp_path / "via_file.xlsx")
    pd.testing.assert_frame_equal(now, via_file)
    assert _cells(tmp_path / "now.xlsx", "Movement") == _cells(tmp_path / "via_file.xlsx", "Movement")


HAND_CHANGES = {"C01": "Down", "C02": "Up", "C03": "Same", "C04": "Same", "C05": "Same", "C06": "Same",
                "C07": "Same", "C08": "Same", "C09": "Down", "C10": "New"}


def test_python_route_segment_as_of_then_compare():
    from xlcustseg import segment_as_of

    earlier = segment_as_of(ORDER_LINES, CUT)
    assert earlier.as_of == pd.Timestamp(CUT) and earlier.kind == "orders" and earlier.clv is None
    assert earlier.table["Customer ID"].tolist() == [f"C{i:02d}" for i in range(1, 10)]  # C10 came later
    assert earlier.table["Revenue"].tolist() == [1010.0, *[10.0 * i for i in range(2, 10)]]
    moved = compare(earlier.table, segment(ORDER_LINES).table, lang="en")
    assert dict(zip(moved.table["key"], moved.table["Tier Change"], strict=True)) == HAND_CHANGES
    with pytest.raises(SegmentationError, match="No order lines on or before 2023-01-01"):
        segment_as_of(ORDER_LINES, "2023-01-01")
    with pytest.raises(SegmentationError, match="needs dated order lines"):
        segment_as_of(CURRENT, CUT)


def test_compare_as_of_errors_are_one_sentence(tmp_path, capsys):
    lines = tmp_path / "orders.xlsx"
    ORDER_LINES.to_excel(lines, index=False)
    out = str(tmp_path / "x.xlsx")
    for argv, words in ((["--compare-as-of", "2024-12-31"], "before the analysis date 2024-06-20"),
                        (["--compare-as-of", "2023-01-01"], "2023-01-01"),
                        (["--compare-as-of", "someday"], "is not a date"),
                        (["--compare-as-of", CUT, "--previous", out], "not both")):
        assert cli(["segment", str(lines), "-o", out, *argv]) == 1
        err = capsys.readouterr().err.strip()
        assert words in err and err.count("\n") == 0, err
    assert cli(["segment", str(SAMPLE), "-o", out, "--compare-as-of", CUT]) == 1
    assert "needs dated order lines" in capsys.readouterr().err


# ------------------------------------------------------------------ the button (xlwings' JSON book) and Lite
ORDERS_SAMPLE = SAMPLE.with_name("orders_sample.xlsx")


def _with_settings(path: Path, settings: dict[str, str], extra: pd.DataFrame | None = None) -> Path:
    """The English order sample with a Settings sheet (and an extra sheet holding `extra`), saved at `path`."""
    return with_settings(ORDERS_SAMPLE, path, settings, extra)


def _button_cells(path: Path) -> tuple[dict[str, dict[tuple[int, int], object]], str]:
    """What the one-click run (xlcustseg.main on xlwings' JSON book, as Lite runs it) wrote, by sheet and
    (row, column), later writes winning; and the message it showed."""
    import jsonbook

    from xlcustseg import main

    names = list(openpyxl.load_workbook(path, read_only=True).sheetnames)
    book = jsonbook.book(path)
    main(book)
    cells: dict[str, dict[tuple[int, int], object]] = {n: {} for n in [s.name for s in book.sheets]}
    message = ""
    for action in book.json()["actions"]:  # sheet positions as they were at each action
        if action["func"] == "addSheet":
            names.insert(action["args"][0], action["args"][1])
        elif action["func"] == "sheetDelete":
            names.pop(action["sheet_position"])
        elif action["func"] == "setValues":
            sheet = cells[names[action["sheet_position"]]]
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    sheet[action["start_row"] + 1 + i, action["start_column"] + 1 + j] = value
        elif action["func"] == "alert":
            message = action["args"][0]
    return cells, message


def _same(file_value: object, button_value: object) -> bool:
    blank = (None, "")
    if file_value in blank or button_value in blank:
        return file_value in blank and button_value in blank
    if isinstance(file_value, int | float) and isinstance(button_value, int | float):
        return abs(file_value - button_value) <= 1e-9 * max(1.0, abs(file_value))
    return file_value == button_value


def _last_quarter() -> pd.DataFrame:
    """An earlier customer sheet: the sample's own classes with 30 tiers moved, 10 customers missing (new now)
    and 3 who have since gone (lost)."""
    table = segment(pd.read_excel(ORDERS_SAMPLE, engine="openpyxl")).table[["Customer ID", "Tier", "RFM Class"]]
    table = table.iloc[10:].reset_index(drop=True)
    table.loc[:29, "Tier"] = table.loc[:29, "Tier"].map({"A": "C", "B": "A", "C": "B"})
    gone = pd.DataFrame({"Customer ID": ["OLD-1", "OLD-2", "OLD-3"], "Tier": ["A", "B", "C"],
                         "RFM Class": ["Champions", "At Risk", "Lost"]})
    return pd.concat([table, gone], ignore_index=True).astype(object).where(lambda f: f.notna(), None)


@pytest.mark.parametrize("case", ["compare_as_of", "previous_sheet"])
def test_the_button_writes_the_movement_the_file_route_writes(tmp_path, case, capsys):
    settings, extra = (({"movement.compare_as_of": "2024-06-30"}, None) if case == "compare_as_of"
                       else ({"movement.previous": "Last quarter"}, _last_quarter()))
    source = _with_settings(tmp_path / "orders.xlsx", settings, extra)
    assert cli(["segment", str(source), "-o", str(tmp_path / "out.xlsx")]) == 0
    printed = capsys.readouterr().out
    expected = openpyxl.load_workbook(tmp_path / "out.xlsx")
    button, message = _button_cells(source)
    movement_line = next(line for line in printed.splitlines() if line.startswith("Compared with"))
    assert movement_line in message
    if case == "previous_sheet":
        # 30 moved (3 up, 27 down: A→C, B→A, C→B over mostly C customers); of the 10 left out, CUST-0001 has no
        # tier now (a line without a date), so 9 are new
        assert "3 up, 27 down" in movement_line and "9 new, 3 lost" in movement_line
    customers = expected["Customers"]
    headers = [c.value for c in customers[1]]
    for header in ("Previous Tier", "Previous RFM Class", "Tier Change"):
        col = headers.index(header) + 1
        want = [customers.cell(r, col).value for r in range(1, customers.max_row + 1)]
        got = [button["Customers"].get((r, col)) for r in range(1, customers.max_row + 1)]
        assert all(_same(w, g) for w, g in zip(want, got, strict=True)), header
        assert sum(v is not None for v in want[1:]) >= 300  # filled, not blank
    sheet = expected["Movement"]
    want = {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    got = {k: v for k, v in button["Movement"].items() if v not in (None, "")}
    assert want.keys() == got.keys() and all(_same(want[k], got[k]) for k in want)
    assert str(want[1, 1]).startswith("Tier movement") and any(str(v).startswith("=COUNTIFS(") for v in want.values())


def test_a_missing_previous_sheet_stops_the_button_before_anything_is_written(tmp_path):
    source = _with_settings(tmp_path / "orders.xlsx", {"movement.previous": "No such sheet"})
    cells, message = _button_cells(source)
    assert "Customers" not in cells and not any(cells.values())
    assert message == ("Setting movement.previous = 'No such sheet' names neither a sheet of this workbook nor a "
                       "workbook file (.xlsx).")


def test_setting_movement_previous_names_a_file_beside_the_input(tmp_path, monkeypatch):
    lines, early = tmp_path / "orders.xlsx", tmp_path / "early.xlsx"
    ORDER_LINES.to_excel(lines, index=False, sheet_name="Orders")
    ORDER_LINES[pd.to_datetime(ORDER_LINES["Order Date"]) <= CUT].to_excel(early, index=False, sheet_name="Orders")
    assert cli(["segment", str(early), "-o", str(tmp_path / "old.xlsx"), "--as-of", CUT]) == 0
    (tmp_path / "settings.csv").write_text("key,value\nmovement.previous,old.xlsx\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a relative path is the input's folder's, not the current one's
    settings = str(tmp_path / "settings.csv")
    assert cli(["segment", str(lines), "-o", str(tmp_path / "now.xlsx"), "--settings", settings]) == 0
    assert _customers(tmp_path / "now.xlsx")["Tier Change"].to_dict() == HAND_CHANGES
