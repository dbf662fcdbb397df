"""The Excel side on Linux: worksheet functions, the one-click run on xlwings' JSON Book."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonbook
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcustseg import main
from xlcustseg.excel import udfs
from xlcustseg.excel.functions import FUNCTIONS
from xlcustseg.settings import DEFAULTS
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"
ZH, EN = SAMPLES / "客户名单示例.xlsx", SAMPLES / "orders_sample.xlsx"


def column(path: Path, sheet: str, header_row: int, header: str) -> list[list]:
    """A column as Excel hands it to a function: a 2-D list, None for blanks."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[header_row]]
    j = headers.index(header) + 1
    return [[ws.cell(r, j).value] for r in range(header_row + 1, ws.max_row + 1)]


def flat(cells: list[list]) -> list:
    return [None if v == "" else v for r in cells for v in r]


def file_pipeline(source: Path, folder: Path):
    """The command line's run on a sample: its report and the saved output."""
    book, _ = open_book(source)
    report = segment_book(book)
    book.save(folder / "out.xlsx")
    return report, folder / "out.xlsx"


@pytest.fixture(scope="module")
def zh_pipeline(tmp_path_factory):
    return file_pipeline(ZH, tmp_path_factory.mktemp("zh"))


@pytest.fixture(scope="module")
def en_pipeline(tmp_path_factory):
    return file_pipeline(EN, tmp_path_factory.mktemp("en"))


def udfs_labels(keys: pd.Series, scheme: str) -> pd.Series:
    from xlcustseg.engine.strategies import labels
    from xlcustseg.settings import DEFAULTS

    return labels(keys, scheme, "zh", DEFAULTS)


def assert_same(got: list, expected: pd.Series) -> None:
    """Where the pipeline has a class the function gives it; elsewhere blank or an error text."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if pd.isna(e):
            assert g is None or str(g).startswith("#"), (g, e)
        else:
            assert str(g) == str(e), (g, e)


def test_functions_give_the_pipelines_classes_on_the_chinese_sample(zh_pipeline):
    report, _ = zh_pipeline
    t = report.result.table
    headers = ("销售额（元）", "订单数", "首次购买日期", "最近购买日期", "客户名称")
    col = {h: column(ZH, "客户名单", 4, h) for h in headers}
    assert_same(flat(udfs.custtier(col["销售额（元）"])), t["客户等级"])
    assert_same(flat(udfs.custrfm(col["最近购买日期"], col["订单数"], col["销售额（元）"])), t["RFM得分"])
    assert_same(flat(udfs.custrfmclass(col["最近购买日期"], col["订单数"], col["销售额（元）"])), t["RFM分群"])
    assert_same(flat(udfs.custlifecycle(col["首次购买日期"], col["最近购买日期"], col["订单数"])), t["生命周期"])
    assert_same(flat(udfs.custnature(col["客户名称"])), t["客户类型"])
    tiers = [[v] for v in t["客户等级"]]
    for strategy, text in zip(flat(udfs.custstrategy(tiers)), t["策略"], strict=True):
        if strategy is None:  # no tier: at most the strategies of the classes that need no revenue
            assert pd.isna(text) or not _starts_with_a_tier(text, "zh")
        else:
            assert text.split("；")[0].endswith(strategy)
    classes = report.result.classes
    need, stage = column(ZH, "客户名单", 4, "需求程度"), column(ZH, "客户名单", 4, "跟进状态")
    assert_same(flat(udfs.custquadrant(col["销售额（元）"], need)),
                udfs_labels(classes["quadrant"], "quadrant"))
    assert_same(flat(udfs.custgrade(stage)), classes["followup"])
    contact = column(ZH, "客户名单", 4, "最近联系日期")
    grades = [[g if pd.notna(g) else None] for g in classes["followup"]]
    for got, want in zip(flat(udfs.custnextcontact(grades, contact)), classes["followup_next"], strict=True):
        assert (got is None or str(got).startswith("#")) if pd.isna(want) else pd.Timestamp(got) == want
    money, authority, need_flag = (column(ZH, "客户名单", 4, h) for h in ("有预算", "决策权", "有需求"))
    assert_same(flat(udfs.custman(money, authority, need_flag)), classes["man_code"])
    components = [[r[0], o[0]] for r, o in zip(col["销售额（元）"], col["订单数"], strict=True)]
    scores = flat(udfs.custscore(components, [[40, 20]]))
    for got, want in zip(scores, classes["score"], strict=True):
        assert (got is None or str(got).startswith("#")) if pd.isna(want) else got == pytest.approx(want, abs=0.01)
    first = col["销售额（元）"][0][0]
    assert udfs.custtier(first, col["销售额（元）"]) == [[t["客户等级"].iloc[0]]]  # one cell against its column


def test_functions_give_the_pipelines_classes_on_the_english_sample(en_pipeline):
    report, out = en_pipeline
    t = report.result.table
    col = {h: column(out, "Customers", 1, h) for h in ("First Purchase", "Last Purchase", "Orders", "Revenue")}
    assert_same(flat(udfs.custtier(col["Revenue"])), t["Tier"])
    assert_same(flat(udfs.custrfm(col["Last Purchase"], col["Orders"], col["Revenue"])), t["RFM"])
    assert_same(flat(udfs.custrfmclass(col["Last Purchase"], col["Orders"], col["Revenue"], "rfm10", "en")),
                t["RFM Class"])
    assert_same(flat(udfs.custlifecycle(col["First Purchase"], col["Last Purchase"], col["Orders"], None, "en")),
                t["Lifecycle"])


def test_every_function_with_a_class_gives_it_on_the_english_sample(en_pipeline):
    """Order lines → the Customers sheet: each function whose class segment() gives here, row by row."""
    report, out = en_pipeline
    t, classes = report.result.table, report.result.classes
    col = {h: column(out, "Customers", 1, h) for h in ("Customer", "Tier", "Orders", "Revenue")}
    assert_same(flat(udfs.custnature(col["Customer"], "en")), t["Customer Type"])
    for tier, got, text in zip(t["Tier"], flat(udfs.custstrategy(col["Tier"], None, "en")), t["Strategy"],
                               strict=True):
        label = DEFAULTS.class_info("tier", tier, "label_en")
        if got is None:  # no tier: at most the strategies of the classes that need no revenue
            assert pd.isna(text) or not _starts_with_a_tier(text, "en")
        else:
            assert text.startswith(f"{tier} {label}: {got}")
    components = [[r[0], o[0]] for r, o in zip(col["Revenue"], col["Orders"], strict=True)]
    weights = [[DEFAULTS["score.weights"][k] for k in ("revenue", "orders")]]  # profit, potential: none here
    for got, want in zip(flat(udfs.custscore(components, weights)), classes["score"], strict=True):
        assert (got is None or str(got).startswith("#")) if pd.isna(want) else got == pytest.approx(want, abs=0.01)
    # tier, RFM code and class, lifecycle: the test above; no other function has a class on order lines
    compared = {"custtier", "custrfm", "custrfmclass", "custlifecycle", "custnature", "custstrategy", "custscore"}
    without = {"custquadrant": "quadrant", "custman": "man_code", "custgrade": "followup",
               "custnextcontact": "followup_next", "custcluster": "cluster", "custmove": "tier_change"}
    assert compared | set(without) == {f.__name__ for f in FUNCTIONS}
    assert all(key not in classes or classes[key].isna().all() for key in without.values())


def test_blank_in_blank_out_and_readable_errors():
    assert udfs.custtier([[None], [None]]) == [[""]]  # nothing used: one blank cell, not a spill of blanks
    got = flat(udfs.custtier([[100], ["abc"], ["#N/A"], [None], [50], [None], [None]]))
    assert got[0] == "A" and got[1].startswith("#VALUE! 不是数字") and got[2].startswith("#VALUE! 是 Excel 错误值")
    assert got[3] is None and got[4] == "C" and len(got) == 5  # a blank inside stays blank; trailing rows trimmed
    column = [v[0] for v in udfs.custtier([[v] for v in range(1, 41)])]
    assert udfs.custtier([list(range(1, 41))]) == [column]  # a row in, a row out
    assert udfs.custstrategy("Z")[0][0].startswith("#N/A")
    assert udfs.custscore([[1, 2]], [[1]])[0][0].startswith("#VALUE!")
    assert udfs.custnextcontact([["A"]], [[dt.datetime(2024, 1, 1)]]) == [[dt.datetime(2024, 1, 4)]]


excel_value = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32),
                        st.text(max_size=6), st.sampled_from(["#N/A", "#DIV/0!", "是", "否", "高", "A", "1.2万"]),
                        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1)),
                        st.booleans())
excel_range = st.one_of(excel_value, st.lists(st.lists(excel_value, min_size=1, max_size=3), min_size=1,
                                              max_size=12).map(lambda rows: [r[:1] for r in rows]))
ANY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_matrix(result) -> bool:
    return isinstance(result, list) and all(isinstance(r, list) for r in result)


@ANY
@given(excel_range, excel_range, excel_range, excel_value)
def test_no_function_ever_raises(a, b, c, d):
    calls = [
        lambda: udfs.custtier(a), lambda: udfs.custtier(a, b), lambda: udfs.custtier(a, d, d),
        lambda: udfs.custrfm(a, b, c), lambda: udfs.custrfm(a, b, c, d, d), lambda: udfs.custrfmclass(a, b, c, d, d),
        lambda: udfs.custlifecycle(a, b, c, d), lambda: udfs.custquadrant(a, b, c), lambda: udfs.custman(a, b, c),
        lambda: udfs.custgrade(a), lambda: udfs.custnextcontact(a, b), lambda: udfs.custscore(a, b),
        lambda: udfs.custnature(a), lambda: udfs.custstrategy(a, d, d), lambda: udfs.custcluster(a, d),
    ]
    for call in calls:
        assert _is_matrix(call())


def test_one_click_on_the_json_book_writes_the_pipelines_values(zh_pipeline):
    report, out = zh_pipeline
    book = jsonbook.book(ZH)
    clicked = main(book)
    actions = book.json()["actions"]
    assert clicked is not None and clicked.result.table.equals(report.result.table)
    writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 0]
    expected = openpyxl.load_workbook(out)["客户名单"]
    assert len(writes) == 1 and writes[0]["column_count"] >= 13  # our adjacent columns: one array write
    for write in writes:  # every cell we wrote holds the file pipeline's value, headers included
        for i, row in enumerate(write["values"]):
            for j, got in enumerate(row):
                want = expected.cell(write["start_row"] + 1 + i, write["start_column"] + 1 + j).value
                if isinstance(want, dt.datetime | dt.date):
                    assert str(got).startswith(want.strftime("%Y-%m-%d"))
                elif isinstance(want, float):
                    assert float(got) == pytest.approx(want)
                else:
                    assert (got if got not in ("", None) else None) == want
    assert writes[0]["start_column"] == 14  # O… : right of the table
    assert any(a["func"] == "alert" for a in actions)


def test_second_click_updates_in_place():
    book = jsonbook.book(EN)
    main(book)
    first = book.json()["actions"]
    sheets = [s.name for s in book.sheets]
    main(book)
    second = book.json()["actions"]  # the actions of the second run only
    assert [s.name for s in book.sheets] == sheets == ["Orders", "Customers", "Settings", "Summary", "Data quality"]
    cols = lambda acts: sorted({(a["sheet_position"], a["start_column"]) for a in acts if a["func"] == "setValues"})  # noqa: E731
    assert cols(second) == cols(first)


SERVER_SCRIPT = r"""
import asyncio, datetime as dt, json, os, sys
os.environ["XLWINGS_ON_SERVER"] = "true"
import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta
import xlcustseg.excel.udfs as udfs
meta = custom_functions_meta(udfs)
def call(name, *args):
    data = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "Sheet1!A1", "formula_name": name.upper(), "version": xw.__version__,
            "runtime": "1.4", "culture_info_name": "zh-CN", "date_format": "yyyy/m/d", "client": "Office.js"}
    return asyncio.run(custom_functions_call(data, udfs))
results = {
    "custtier": call("custtier", [[100], [50], ["abc"], [None]]),
    "custnature": call("custnature", [["北京大学"], ["张伟"]]),
    "custstrategy": call("custstrategy", [["A"]], "tier", "en"),
    "custgrade": call("custgrade", [["已选定"], ["有明确意向"]]),
    "custman": call("custman", [["是"]], [["否"]], [["是"]]),
}
direct = {
    "custtier": udfs.custtier([[100], [50], ["abc"], [None]]),
    "custnature": udfs.custnature([["北京大学"], ["张伟"]]),
    "custstrategy": udfs.custstrategy([["A"]], "tier", "en"),
    "custgrade": udfs.custgrade([["已选定"], ["有明确意向"]]),
    "custman": udfs.custman([["是"]], [["否"]], [["是"]]),
}
print(json.dumps({"meta": meta, "results": results, "direct": direct}, default=str, ensure_ascii=False))
"""


def test_xlwings_server_metadata_and_calls():
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    done = subprocess.run([sys.executable, "-c", SERVER_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout.strip().splitlines()[-1])
    functions = {f["name"]: f for f in data["meta"]["functions"]}
    expected = {"CUSTTIER", "CUSTRFM", "CUSTRFMCLASS", "CUSTLIFECYCLE", "CUSTQUADRANT", "CUSTMAN", "CUSTGRADE",
                "CUSTNEXTCONTACT", "CUSTSCORE", "CUSTNATURE", "CUSTSTRATEGY", "CUSTCLUSTER"}
    assert expected <= set(functions)
    tier = functions["CUSTTIER"]
    assert [p["name"] for p in tier["parameters"]] == ["revenues", "basis", "cutoffs"]
    assert tier["description"].startswith("客户等级") and tier["parameters"][0]["description"]
    assert all(f["description"] for f in functions.values())
    for name, result in data["results"].items():
        assert result == data["direct"][name], name


def _starts_with_a_tier(text: str, lang: str) -> bool:
    """Does a strategy text start with a tier's part ('A 关键客户：…', 'A Key: …')?"""
    tiers = DEFAULTS.classes("tier")
    return any(text.startswith(f"{k} {DEFAULTS.class_info('tier', k, f'label_{lang}')}") for k in tiers)
