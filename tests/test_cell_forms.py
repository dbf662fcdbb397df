"""One answer per cell, whatever form the value arrives in and whatever the shape of the range.

Desktop Excel hands a date over as a datetime, xlwings Lite and Office.js as a
serial number, and a typed-in date may be text: every worksheet function gives
the same R, RFM class, lifecycle and next contact for all three. A whole-column
reference answers for its used rows; a row answers as a row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from xlcustseg.cells import Grid
from xlcustseg.excel import functions
from xlcustseg.excel.functions import FUNCTIONS, PARAMETERS
from xlcustseg.fields.values import SERIAL_DATE_FLOOR, looks_like_dates

ZH = Path(__file__).resolve().parents[1] / "workbook_templates" / "客户名单示例.xlsx"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
EXCEL_ROWS = 1_048_576


def serial(value):
    return (value - EXCEL_EPOCH).days if isinstance(value, dt.datetime) else value


def as_text(value):
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.datetime) else value


def as_chinese_text(value):
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, dt.datetime) else value


def lite_cell(value):
    """A cell as xlwings Lite hands it over: dates as serial numbers, blanks as ""."""
    return "" if value is None else serial(value)


@pytest.fixture(scope="module")
def sample() -> dict[str, list[list]]:
    """The Chinese sample's columns as desktop Excel hands them to a function."""
    ws = openpyxl.load_workbook(ZH)["客户名单"]
    headers = [c.value for c in ws[4]]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    return {h: [[r[j]] for r in rows] for j, h in enumerate(headers) if h}


def forms(column: list[list]) -> dict[str, list[list]]:
    return {"datetime": column,
            "serial": [[serial(v)] for (v,) in column],
            "text": [[as_text(v)] for (v,) in column],
            "chinese text": [[as_chinese_text(v)] for (v,) in column],
            "lite": [[lite_cell(v)] for (v,) in column]}


def test_the_sample_really_holds_dates(sample):
    dates = [v for (v,) in sample["最近购买日期"] if isinstance(v, dt.datetime)]
    assert len(dates) > 500  # so the forms below differ from one another (the rest: messy text and serials)


@pytest.mark.parametrize("as_of", [None, dt.datetime(2024, 12, 31), 45657, "2024-12-31", "2024年12月31日"])
def test_rfm_is_the_same_for_every_form_of_date(sample, as_of):
    orders, revenue = sample["订单数"], sample["销售额（元）"]
    answers = {name: functions.custrfm(last, orders, revenue, as_of)
               for name, last in forms(sample["最近购买日期"]).items()}
    assert sum(str(v[0]).isdigit() for v in answers["datetime"]) > 1000
    for name, got in answers.items():
        assert got == answers["datetime"], name
    classes = {name: functions.custrfmclass(last, orders, revenue, "rfm8", "zh", as_of)
               for name, last in forms(sample["最近购买日期"]).items()}
    for name, got in classes.items():
        assert got == classes["datetime"], name


def test_recency_as_days_is_not_mistaken_for_dates(sample):
    """R from the dates equals R from the days before the analysis date, given as numbers."""
    as_of = dt.datetime(2024, 12, 31)
    dated = [i for i, (v,) in enumerate(sample["最近购买日期"]) if isinstance(v, dt.datetime)]
    last, orders, revenue = ([sample[h][i] for i in dated] for h in ("最近购买日期", "订单数", "销售额（元）"))
    days = [[(as_of - v).days] for (v,) in last]
    assert looks_like_dates([v for (v,) in last]) and not looks_like_dates([v for (v,) in days])
    from_dates = functions.custrfm(last, orders, revenue, as_of)
    assert sum(str(v[0]).isdigit() for v in from_dates) > 500
    assert functions.custrfm(days, orders, revenue, as_of) == from_dates


def test_serial_floor_separates_days_from_dates():
    assert looks_like_dates([45000.0, SERIAL_DATE_FLOOR]) and not looks_like_dates([45000.0, SERIAL_DATE_FLOOR - 1])
    assert looks_like_dates([12.0, "2024-03-05"]) and not looks_like_dates([12.0, "abc", None])


@pytest.mark.parametrize("as_of", [None, dt.datetime(2024, 12, 31), 45657, "2024/12/31"])
def test_lifecycle_is_the_same_for_every_form_of_date(sample, as_of):
    first_forms, last_forms = forms(sample["首次购买日期"]), forms(sample["最近购买日期"])
    answers = {name: functions.custlifecycle(first_forms[name], last_forms[name], sample["订单数"], as_of)
               for name in first_forms}
    assert len({str(v[0]) for v in answers["datetime"]}) >= 3
    for name, got in answers.items():
        assert got == answers["datetime"], name


def test_next_contact_is_the_same_for_every_form_of_date():
    last = [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 2, 29)], [None]]
    grades = [["A"], ["C"], ["B"]]
    answers = {name: functions.custnextcontact(grades, column) for name, column in forms(last).items()}
    assert answers["datetime"][:2] == [[dt.datetime(2024, 1, 4)], [dt.datetime(2024, 3, 30)]]
    for name, got in answers.items():
        assert got == answers["datetime"], name


def test_cluster_recency_is_the_same_for_dates_and_serials(sample):
    rows = [[last, orders, revenue] for (last,), (orders,), (revenue,)
            in zip(sample["最近购买日期"], sample["订单数"], sample["销售额（元）"], strict=True)][:400]
    as_serials = [[serial(a), b, c] for a, b, c in rows]
    assert functions.custcluster(rows, 3) == functions.custcluster(as_serials, 3)


def test_a_whole_column_answers_for_its_used_rows_only():
    used = [[float(i)] for i in range(1, 1001)]
    whole_column = used + [[None]] * (EXCEL_ROWS - len(used))
    got = functions.custtier(whole_column)
    assert got == functions.custtier(used) and len(got) == 1000
    lite_column = used + [[""]] * (EXCEL_ROWS - len(used))
    assert functions.custtier(lite_column) == got


def test_every_function_trims_a_whole_column(sample):
    n = len(sample["订单数"])
    pad = [[None]] * 5000
    for plain in FUNCTIONS:
        if plain is functions.custcluster or plain is functions.custscore:
            continue
        ranges = [name for name, (_, is_range) in PARAMETERS[plain.__name__].items() if is_range]
        args = [sample["订单数"] + pad if name != "basis" else None for name in ranges]
        got = plain(*args)
        assert len(got) == n, plain.__name__


#: the functions that answer each cell of a range (CUSTSCORE and CUSTCLUSTER take a block: a row is one customer)
PER_CELL = [f for f in FUNCTIONS if f not in (functions.custscore, functions.custcluster)]


@pytest.mark.parametrize("plain", PER_CELL, ids=lambda f: f.__name__)
def test_every_function_answers_a_row_with_a_row(plain):
    values = [12000, 3, 500, None, 45000]
    ranges = [name for name, (_, is_range) in PARAMETERS[plain.__name__].items() if is_range]
    args = [[values] if name != "basis" else None for name in ranges]
    got = plain(*args)
    assert len(got) == 1 and len(got[0]) == len(values), got
    vertical = plain(*[[[v] for v in values] if name != "basis" else None for name in ranges])
    assert got[0] == [v[0] for v in vertical]


@pytest.mark.parametrize("plain", FUNCTIONS, ids=lambda f: f.__name__)
def test_every_function_takes_two_d_input_and_answers_errors_as_text(plain):
    ranges = [name for name, (_, is_range) in PARAMETERS[plain.__name__].items() if is_range]
    odd = [["#N/A"], [""], ["abc"], [{"not": "a cell"}]]
    got = plain(*[odd for _ in ranges])
    assert isinstance(got, list) and all(isinstance(r, list) for r in got)
    texts = [v for r in got for v in r if isinstance(v, str) and v]
    assert texts and all(t.startswith("#") or not t.startswith(("=", "+", "@")) for t in texts)


def test_population_form_computes_the_cutoffs_once():
    population = [[float(v)] for v in range(1, 5001)]
    functions.POPULATIONS.clear()
    answers = [functions.custtier([[float(v)]], [list(r) for r in population])[0][0] for v in range(1, 5001)]
    assert functions.POPULATIONS.computed == 1  # each call got a fresh copy, as from Excel
    assert answers == [v[0] for v in functions.custtier(population)]
    assert functions.custtier([[7.5]], population)[0][0].startswith("#N/A")
    lite_population = [[v] for (v,) in population] + [[""]] * 100
    assert functions.custtier([[5000.0]], lite_population) == [["A"]] and functions.POPULATIONS.computed == 2
    assert functions.custtier(5000.0, population) == [["A"]] and functions.POPULATIONS.computed == 2
    changed = [*population[:-1], [9999.0]]
    assert functions.custtier([[9999.0]], changed) == [["A"]] and functions.POPULATIONS.computed == 3


def test_grid_keeps_shapes():
    assert Grid.of(5).back(["A"]) == [["A"]]
    assert Grid.of([[1, 2, 3]]).back(["A", "B", "C"]) == [["A", "B", "C"]]
    assert Grid.of([[1, 2], [3, 4]]).back(["A", "B", "C", "D"], per_cell=True) == [["A", "B"], ["C", "D"]]
    assert Grid.of([[None], [""]]).back([]) == [[""]]


def test_every_function_documents_each_parameter_in_order():
    import inspect

    for plain in FUNCTIONS:
        assert list(inspect.signature(plain).parameters) == list(PARAMETERS[plain.__name__]), plain.__name__
        assert plain.__doc__ and all(doc for doc, _ in PARAMETERS[plain.__name__].values())


def test_a_block_function_answers_one_customer_per_row():
    one_row = functions.custscore([[12000, 3]], [[60, 40]])
    assert len(one_row) == 1 and len(one_row[0]) == 1 and isinstance(one_row[0][0], float)
