"""Hostile and everyday-odd values (issue 15, the value and text points): every input is made here.

- dates outside pandas' nanosecond range are unreadable cells with a note, the row still served;
- blank or unreadable revenue gets a note and every class that does not need revenue, with its
  strategy, cadence and next contact; infinite numbers are unreadable;
- total rows (合计, Grand Total …) are left out with a note naming the cell;
- NaN and infinite settings are refused naming the setting (and the cell);
- no text we write becomes a formula we did not author, on the file route (openpyxl and LibreOffice
  read it back), on xlwings' JSON book, and in the worksheet functions' answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonbook
import numpy as np
import openpyxl
import pandas as pd
import pytest
from libreoffice import convert

from xlcustseg import main, segment
from xlcustseg.cells import FORMULA_LIKE, Formula, FormulaLikeText, to_cell, to_cells
from xlcustseg.cli import main as cli
from xlcustseg.excel import udfs
from xlcustseg.notes import note_part, notes_frame
from xlcustseg.settings import DEFAULTS, Settings, SettingsError, readers
from xlcustseg.settings.options import OPTIONS

AS_OF = "2024-06-30"
HEADERS = ["Customer ID", "Customer", "Revenue", "Orders", "Last purchase", "First purchase", "Stage"]


def customers(n: int = 12) -> list[list]:
    """n ordinary customers: revenues 100·(i+1), dated in the first half of 2024, a follow-up stage each."""
    stages = ["已成交", "有明确意向", "有效沟通", "未联系"]
    return [[f"C{i:03d}", f"Customer {i}", 100.0 * (i + 1), float(i % 5 + 1), dt.datetime(2024, 1 + i % 6, 10),
             dt.datetime(2022, 1 + i % 12, 1), stages[i % 4]] for i in range(n)]


def frame(rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=HEADERS, dtype=object)


def row_of(result, customer_id: str) -> pd.Series:
    table = result.table
    return table[table["Customer ID"] == customer_id].iloc[0]


# ---------------------------------------------------------------- 1. dates outside pandas' range
FAR_DATES = [dt.datetime(9999, 12, 31), dt.datetime(2300, 1, 1), dt.datetime(1, 1, 1), dt.date(9999, 12, 31),
             2958465.0, 146000.0, "9999-12-31", "2300-01-01", "0001-01-01", "9999/12/31", "31/12/9999"]


@pytest.mark.parametrize("value", FAR_DATES, ids=repr)
def test_a_date_out_of_range_is_noted_and_the_row_served(value):
    rows = customers()
    rows[3][4] = value  # last purchase of C003, sheet row 5 (header in row 1)
    result = segment(frame(rows), {"as_of": AS_OF})
    row = row_of(result, "C003")
    assert len(result.table) == 12
    assert "E5 " in row["Notes"] and "too far away" in row["Notes"]
    assert row["Tier"] in ("A", "B", "C")  # its revenue is fine: it is tiered
    assert pd.isna(result.classes["lifecycle"].iloc[3])  # no last purchase date: no stage
    assert result.classes["lifecycle"].drop(index=3).notna().all()


def test_dates_out_of_range_in_a_file_do_not_stop_the_run(tmp_path):
    rows = customers()
    rows[1][4], rows[2][5], rows[4][4] = dt.datetime(9999, 12, 31), dt.datetime(1, 1, 1), "2300-01-01"
    src = _book(tmp_path / "far.xlsx", rows)
    out = tmp_path / "far_out.xlsx"
    assert cli(["segment", str(src), "-o", str(out), "--settings", str(_csv(tmp_path, {"as_of": AS_OF}))]) == 0
    notes = _column(out, "Notes")
    assert "E3 " in notes[1] and "F4 " in notes[2] and "E6 " in notes[4]
    assert all(t in ("A", "B", "C") for t in _column(out, "Tier"))


def test_zh_note_for_a_far_date():
    rows = customers()
    rows[0][4] = dt.datetime(9999, 12, 31)
    table = frame(rows).rename(columns={"Customer ID": "客户编号", "Revenue": "销售额",
                                        "Last purchase": "最近购买日期"})
    result = segment(table, {"as_of": AS_OF})
    assert "E2 最近购买日期「9999-12-31」日期过远" in result.table["备注"].iloc[0]


# ---------------------------------------------------------------- 2. blank, unreadable and infinite revenue
UNREADABLE_REVENUE = ["#N/A", "abc", "1e309", float("inf"), float("-inf")]
BLANK_REVENUE = [None, "", "-", "N/A", float("nan")]


@pytest.mark.parametrize("value", UNREADABLE_REVENUE + BLANK_REVENUE, ids=repr)
def test_a_row_without_revenue_gets_a_note_and_every_class_that_needs_none(value):
    rows = customers()
    rows[5][2] = value  # revenue of C005, sheet row 7
    result = segment(frame(rows), {"as_of": AS_OF, "language": "en"})
    row, classes = row_of(result, "C005"), result.classes.iloc[5]
    assert row["Notes"] and row["Notes"].startswith("C7 Revenue")
    assert pd.isna(classes["tier"]) and pd.isna(classes["rfm_class"])
    assert classes["lifecycle"] == "active" and classes["followup"] == "B"
    assert row["Strategy"].startswith("Active: ") and "B (clear intent): " in row["Strategy"]
    assert row["Cadence (days)"] == 7  # the shortest of active (30) and follow-up grade B (7)
    assert row["Next Contact"] == pd.Timestamp(2024, 6, 10) + pd.Timedelta(days=7)
    others = result.table.drop(index=5)
    assert others["Tier"].notna().all() and not others["Notes"].notna().any()
    assert np.isfinite(result.summary.pareto.top_share)


def test_infinite_revenue_is_not_tier_a_and_the_pareto_line_stays_finite():
    rows = customers()
    rows[0][2] = float("inf")
    result = segment(frame(rows), {"as_of": AS_OF})
    assert pd.isna(result.classes["tier"].iloc[0])
    assert "nan" not in result.summary.pareto.statement and "inf" not in result.summary.pareto.statement
    assert "not a finite number" in result.table["Notes"].iloc[0]


def test_a_revenue_column_blank_throughout_is_no_gap_to_note():
    rows = customers()
    for row in rows:
        row[2] = None
    result = segment(frame(rows), {"as_of": AS_OF})
    assert result.table["Notes"].isna().all() and result.classes["tier"].isna().all()
    assert result.table["Strategy"].notna().all() and result.table["Next Contact"].notna().all()


def test_revenue_in_a_file_as_error_text_blank_and_an_infinite_number(tmp_path):
    rows = customers()
    rows[1][2], rows[2][2], rows[3][2], rows[4][2], rows[5][2] = "#N/A", "abc", None, "-", 123456789.0
    src = _book(tmp_path / "rev.xlsx", rows)
    _replace_in_sheet(src, "<v>123456789</v>", "<v>1E309</v>")  # a number cell Excel cannot hold: inf when read
    out = tmp_path / "rev_out.xlsx"
    assert cli(["segment", str(src), "-o", str(out), "--settings", str(_csv(tmp_path, {"as_of": AS_OF}))]) == 0
    notes, tiers, strategies = _column(out, "Notes"), _column(out, "Tier"), _column(out, "Strategy")
    cadence, next_contact = _column(out, "Cadence (days)"), _column(out, "Next Contact")
    for i in range(1, 6):
        assert notes[i].startswith(f"C{i + 2} Revenue"), notes[i]
        assert tiers[i] is None and strategies[i] and cadence[i] and next_contact[i]
    assert "not a finite number" in notes[5]


# ---------------------------------------------------------------- 3. total rows
@pytest.mark.parametrize("label", ["合计", "总计", "小计", "Total", "Grand Total", "Subtotal", " grand  TOTAL ",
                                   "ＴＯＴＡＬ", "合计：", "total:"])
def test_a_total_row_is_left_out_with_a_note(label):
    rows = customers()
    plain = segment(frame(rows), {"as_of": AS_OF})
    total = [None, label, sum(r[2] for r in rows), sum(r[3] for r in rows), None, None, None]
    result = segment(frame([*rows, total]), {"as_of": AS_OF})
    assert len(result.table) == 12 and result.classes["tier"].value_counts().equals(
        plain.classes["tier"].value_counts())
    assert result.summary.pareto.top_share == plain.summary.pareto.top_share
    note = result.notes[result.notes["reason"] == "total_row"]
    assert list(note["cell"]) == ["B14"] and note["row"].isna().all()
    assert any(w.startswith("B14 Customer") and "total row" in w for w in result.warnings)


def test_a_total_row_in_the_id_column_and_labels_from_the_settings():
    rows = customers()
    total = ["Summe", None, sum(r[2] for r in rows), None, None, None, None]
    kept = segment(frame([*rows, total]), {"as_of": AS_OF})
    assert len(kept.table) == 13  # not a default label: a customer like any other
    left = segment(frame([*rows, total]), {"as_of": AS_OF, "total_row.labels": "Summe, Gesamt"})
    assert len(left.table) == 12 and list(left.notes["cell"]) == ["A14"]


def test_a_total_row_on_the_file_route_gets_no_classes(tmp_path):
    rows = customers(10)
    rows.append([None, "Total", sum(r[2] for r in rows), None, None, None, None])
    src = _book(tmp_path / "total.xlsx", rows)
    out = tmp_path / "total_out.xlsx"
    assert cli(["segment", str(src), "-o", str(out), "--settings", str(_csv(tmp_path, {"as_of": AS_OF}))]) == 0
    assert _column(out, "Tier")[-1] is None and _column(out, "Strategy")[-1] is None
    assert _column(out, "Tier")[:10].count("A") == 1  # 5% of 10 customers rounds up to one
    summary = [c.value for row in openpyxl.load_workbook(out)["Summary"].iter_rows() for c in row]
    assert any(isinstance(v, str) and v.startswith("B12 Customer 'Total'") for v in summary)


# ---------------------------------------------------------------- 4. settings: NaN and infinite numbers
NOT_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", float("inf"), float("-inf"), float("nan")]


def number_settings() -> list[str]:
    """Every option whose default reads as a number, a tuple of numbers or weights (new ones come in by themselves)."""
    def numeric(v) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    keys = []
    for key in OPTIONS:
        value = DEFAULTS[key]
        if numeric(value) or (isinstance(value, tuple) and value and all(map(numeric, value))) or (
                isinstance(value, dict) and value and all(map(numeric, value.values()))):
            keys.append(key)
    return keys


def test_the_number_settings_are_found():
    keys = number_settings()
    assert {"rfm.bins", "score.weights", "rfm.m_thresholds", "clv.discount_rate", "behaviour.discount_share",
            "class.tier.A.cadence_days"} <= set(keys)


@pytest.mark.parametrize("key", number_settings())
def test_nan_and_infinite_settings_are_refused_naming_the_key(key):
    for bad in NOT_FINITE:
        value = bad
        if isinstance(DEFAULTS[key], tuple):
            value = ", ".join([*map(str, DEFAULTS[key][:-1]), str(bad)])
        elif isinstance(DEFAULTS[key], dict):
            value = ", ".join(f"{k}={bad if i == 0 else w}" for i, (k, w) in enumerate(DEFAULTS[key].items()))
        with pytest.raises(SettingsError) as caught:
            Settings({key: value})
        assert caught.value.key == key


def test_weights_that_overflow_are_refused():
    with pytest.raises(SettingsError, match="finite"):
        Settings({"score.weights": "revenue=1e308, orders=1e308"})
    assert Settings({"score.weights": "revenue=1e307, orders=1e307"})["score.weights"]["revenue"] == 1e307


def test_a_far_analysis_date_is_refused():
    for bad in ("9999-12-31", dt.datetime(9999, 12, 31), "0001-01-01"):
        with pytest.raises(SettingsError, match="1678 to 2261"):
            Settings({"as_of": bad})


def test_an_infinite_number_on_the_settings_sheet_names_its_cell(tmp_path, capsys):
    src = _book(tmp_path / "s.xlsx", customers())
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("Settings")
    ws.append(["Key", "Value"])
    ws.append(["as_of", AS_OF])
    ws.append(["rfm.r_thresholds", 123456789.0])
    wb.save(src)
    _replace_in_sheet(src, "<v>123456789</v>", "<v>1E309</v>", sheet=2)
    assert cli(["segment", str(src), "-o", str(tmp_path / "x.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "Settings!B3" in err and "rfm.r_thresholds" in err and "finite" in err and "Traceback" not in err


def test_a_nan_setting_in_a_settings_file_names_its_row(tmp_path, capsys):
    src = _book(tmp_path / "s.xlsx", customers())
    settings = _csv(tmp_path, {"as_of": AS_OF, "lifecycle.new_days": "nan"})
    assert cli(["segment", str(src), "-o", str(tmp_path / "x.xlsx"), "--settings", str(settings)]) == 1
    err = capsys.readouterr().err
    assert "row 3" in err and "lifecycle.new_days" in err and "Traceback" not in err


def test_function_arguments_refuse_infinite_numbers():
    for cutoffs in ("5%, inf", "nan, 20%", "5%, 1e309"):
        answer = udfs.custtier([[100], [50], [20]], "count", cutoffs)
        assert answer == [["#VALUE! 参数 tier.count_cutoffs 无效 (bad argument tier.count_cutoffs: is not a finite "
                           "number)"]]


def test_custscore_with_huge_weights_is_the_score_with_small_ones():
    components = [[1, 5], [2, 4], [3, 3], [4, 1]]
    huge, small = udfs.custscore(components, [[1e308, 1e308]]), udfs.custscore(components, [[1, 1]])
    assert huge == small and all(np.isfinite(r[0]) for r in huge)
    for bad in ([["1e309", 1]], [[float("inf"), 1]], [[0, 0]], [[-1, 2]], [["abc", 1]]):
        answer = udfs.custscore(components, bad)
        assert len(answer) == 1 and answer[0][0].startswith("#VALUE!") and "weights" in answer[0][0]


# ---------------------------------------------------------------- 5. no formula we did not author
#: OWASP's formula-injection prefixes: = + - @, and a tab or return before them
INJECTIONS = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://example.com/x","click")', "+1+1", "-1+1", "@SUM(1,1)",
              "=1+1", "\t=2+2", "\r=3+3")
PAYLOADS = tuple(i.strip() for i in INJECTIONS)


#: text settings that name a sheet or file of the user's: a value that names none stops the run with a sentence
REFERENCES = ("movement.previous",)


def text_settings() -> list[str]:
    """Every setting whose value is free text or a list of words, and every catalogue text (labels,
    strategies, service levels, owners): new ones come in by themselves."""
    return [key for key, option in OPTIONS.items()
            if key not in REFERENCES and (option.read in (readers.text, readers.words)
                                          or (key.startswith("class.") and isinstance(DEFAULTS[key], str)))]


def injected() -> dict[str, str]:
    """Each text setting set to one of the injections, in turn (shifted each round, so that the classes'
    labels, which come 8 keys apart, do not all get the same one)."""
    n = len(INJECTIONS)
    return {key: INJECTIONS[(i + i // n) % n] for i, key in enumerate(text_settings())}


def test_the_text_settings_are_found():
    keys = text_settings()
    assert {"class.tier.A.label_en", "class.tier.A.strategy_zh", "class.lifecycle.active.label_zh",
            "class.followup.B.strategy_en", "nature.enterprise", "total_row.labels", "header.revenue"} <= set(keys)


def test_the_guard_lets_only_our_formulas_through():
    assert type(to_cell(Formula("=SUM(A1:A2)"))) is Formula
    for text in INJECTIONS:
        assert isinstance(to_cell(text), FormulaLikeText)
        assert all(isinstance(v, FormulaLikeText) for v in to_cells(pd.Series([text, text])))
    assert type(to_cell("Acme =1")) is str and to_cell("") == ""
    with pytest.raises(ValueError):
        Formula("SUM(A1)")
    assert set("=+-@\t\r") == {p[0] for p in FORMULA_LIKE}


def _injected_run(tmp_path: Path, language: str) -> Path:
    src = _book(tmp_path / f"inj_{language}.xlsx", customers())
    out = tmp_path / f"inj_{language}_out.xlsx"
    settings = _csv(tmp_path, {"as_of": AS_OF, "language": language, **injected()})
    assert cli(["segment", str(src), "-o", str(out), "--settings", str(settings)]) == 0
    return out


def _no_live_injection(path: Path) -> int:
    """No formula cell holds an injection; every injected text is a text cell. Returns how many there are."""
    wb = openpyxl.load_workbook(path)
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f":
                    assert not any(p in str(value) for p in PAYLOADS), f"{ws.title}!{cell.coordinate}: {value}"
                elif isinstance(value, str) and any(p in value for p in PAYLOADS):
                    assert cell.data_type in ("s", "inlineStr"), f"{ws.title}!{cell.coordinate}"
                    found += ws.title != "Settings"
    return found


@pytest.mark.parametrize("language", ["zh", "en"])
def test_injected_labels_and_strategies_stay_text_on_the_file_route(tmp_path, language):
    out = _injected_run(tmp_path, language)
    assert _no_live_injection(out) > 20  # labels, strategies in the table, the summary's blocks
    summary = openpyxl.load_workbook(out)["分层汇总" if language == "zh" else "Summary"]
    texts = {c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(t.startswith(PAYLOADS) for t in texts)  # a label alone in its cell, starting with the payload
    ours = [c for row in summary.iter_rows() for c in row if c.data_type == "f"]
    assert len(ours) > 30  # our own formulas are still formulas


def test_libreoffice_recalculation_does_not_evaluate_injected_text(tmp_path):
    out = _injected_run(tmp_path, "en")
    recalculated = convert(out, "xlsx", tmp_path / "lo")
    _no_live_injection(recalculated)
    values = openpyxl.load_workbook(recalculated, data_only=True)["Summary"]
    shown = {c.value for row in values.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"=cmd|' /C calc'!A0", "=1+1", "+1+1", "@SUM(1,1)"} <= shown  # labels alone in a cell, as typed


def test_injected_settings_stay_text_on_the_json_book(tmp_path):
    src = _book(tmp_path / "json.xlsx", customers())
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("Settings")
    ws.append(["Key", "Value"])
    for key, value in {"as_of": AS_OF, "language": "en", **injected()}.items():
        ws.append([key, value])
    for row in ws.iter_rows(min_col=2):
        row[0].data_type = "s"
    wb.save(src)
    book = jsonbook.book(src)
    assert main(book) is not None
    written = [v for a in book.json()["actions"] if a["func"] == "setValues" for r in a["values"] for v in r]
    texts = [v for v in written if isinstance(v, str)]
    live = [v for v in texts if v.startswith(FORMULA_LIKE) and any(p in v for p in PAYLOADS)]
    assert not live, live[:3]
    guarded = [v for v in texts if v.startswith("'") and v[1:].startswith(PAYLOADS)]
    assert len(guarded) > 20
    assert any(v.startswith("=COUNTIF") for v in texts)  # ours still go in as formulas


FUNCTION_CALLS = {
    "custtier": lambda x: udfs.custtier(x),
    "custnature": lambda x: udfs.custnature(x),
    "custgrade": lambda x: udfs.custgrade(x),
    "custlifecycle": lambda x: udfs.custlifecycle(x, x, x),
    "custman": lambda x: udfs.custman(x, x, x),
}


@pytest.mark.parametrize("name", FUNCTION_CALLS)
def test_worksheet_functions_never_answer_with_formula_text(name):
    cells = [[text] for text in INJECTIONS]
    answers = [v for row in FUNCTION_CALLS[name](cells) for v in row]
    assert answers and not any(isinstance(v, str) and v.startswith(FORMULA_LIKE) for v in answers), answers


SERVER_SCRIPT = r"""
import asyncio, json, os, sys
os.environ["XLWINGS_ON_SERVER"] = "true"
import xlwings as xw
from xlwings.server import custom_functions_call
import xlcustseg.excel.udfs as udfs
cells = json.loads(sys.argv[1])
def call(name, *args):
    data = {"func_name": name, "args": list(args), "caller_address": "Sheet1!A1", "formula_name": name.upper(),
            "version": xw.__version__, "runtime": "1.4", "culture_info_name": "en-US", "date_format": "m/d/yyyy",
            "client": "Office.js"}
    return asyncio.run(custom_functions_call(data, udfs))
print(json.dumps({"server": call("custstrategy", cells, [["tier"]], [["en"]]),
                  "direct": udfs.custstrategy(cells, "tier", "en")}, default=str))
"""


def test_functions_answer_the_same_text_through_office_js():
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    cells = [["A"], [INJECTIONS[0]], ["B"]]
    done = subprocess.run([sys.executable, "-c", SERVER_SCRIPT, json.dumps(cells)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["server"] == got["direct"]
    assert got["direct"][0][0].startswith("Dedicated account manager")
    assert not any(str(row[0]).startswith(FORMULA_LIKE) for row in got["direct"])


# ---------------------------------------------------------------- helpers
def _book(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        if cell.value == "#N/A":
            cell.data_type = "e"
    wb.save(path)
    return path


def _replace_in_sheet(path: Path, old: str, new: str, sheet: int = 1) -> None:
    """Rewrite one sheet part's XML (to hold what openpyxl will not write, such as the number 1E309)."""
    part = f"xl/worksheets/sheet{sheet}.xml"
    with zipfile.ZipFile(path) as z:
        contents = {n: z.read(n) for n in z.namelist()}
    xml = contents[part].decode("utf-8")
    assert old in xml
    contents[part] = xml.replace(old, new).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in contents.items():
            z.writestr(name, data)


def _csv(tmp_path: Path, values: dict[str, object]) -> Path:
    path = tmp_path / f"settings_{len(list(tmp_path.glob('settings_*')))}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["key", "value"])
        writer.writerows(values.items())
    return path


def _column(path: Path, header: str) -> list:
    """The values under `header` on the Data sheet (row 1 holds the headers)."""
    ws = openpyxl.load_workbook(path)["Data"]
    headers = [c.value for c in ws[1]]
    col = headers.index(header) + 1
    return [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]


def test_a_note_shows_any_date_as_a_spreadsheet_does_and_a_missing_one_blank():
    dates = np.array([dt.datetime(1, 1, 1), pd.Timestamp("9999-12-31"), pd.NaT, dt.date(2024, 3, 5)], dtype=object)
    part = note_part(np.arange(4), ["E2", "E3", "E4", "E5"], "Last purchase", dates, "no_purchase_date")
    shown = notes_frame(part, "en")["message"].str.split("'").str[1].tolist()
    assert shown == ["0001-01-01", "9999-12-31", "", "2024-03-05"]
