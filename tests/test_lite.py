"""xlwings Lite: the built bundle run where only Lite's packages are, against the desktop answers.

A module fixture makes a fresh virtual environment with only xlwings, pandas, numpy,
openpyxl and scikit-learn from PyPI (the versions this process runs; no xlcustseg, no
python-calamine, no tqdm), writes the bundle with `xlcustseg lite build`, and runs one
driver there: outside the checkout, no PYTHONPATH, XLWINGS_LICENSE_KEY and
XLWINGS_ON_SERVER set before xlwings is imported. The driver imports the built main.py
as Lite does, lists its functions (custom_functions_meta), calls every function
(custom_functions_call) and runs the one-click script on a JSON book
(custom_scripts_call).

Arguments are shaped as Office.js hands them to Lite: every argument a 2-D list, dates
as Excel serial numbers, blanks as "", error cells as text ("#N/A"). The desktop answers
are computed here, from the same sheets as desktop Excel hands them (openpyxl's values:
datetimes, None for blanks), through xlcustseg.excel.functions.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonbook
import openpyxl
import pytest
from venvs import checked, clean_env, fresh_venv
from workbooks import with_settings

from xlcustseg import cli
from xlcustseg.excel import functions
from xlcustseg.excel import lite as lite_build
from xlcustseg.i18n import PIVOT_SHEET

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "workbook_templates"
ZH, EN = TEMPLATES / "客户名单示例.xlsx", TEMPLATES / "orders_sample.xlsx"
MOVED = "orders_sample_compared"  # the English sample with movement.compare_as_of on a Settings sheet
LITE_PACKAGES = ("xlwings", "pandas", "numpy", "openpyxl", "scikit-learn", "scipy")  # what Lite's runtime provides
ABSENT = ("xlcustseg", "python_calamine", "tqdm")  # what it does not
NAMES = ("CUSTTIER", "CUSTRFM", "CUSTRFMCLASS", "CUSTLIFECYCLE", "CUSTQUADRANT", "CUSTMAN", "CUSTGRADE",
         "CUSTNEXTCONTACT", "CUSTSCORE", "CUSTNATURE", "CUSTSTRATEGY", "CUSTCLUSTER", "CUSTMOVE")
EPOCH = dt.datetime(1899, 12, 30)  # Excel's serial 0 (1900 date system)
ERRORS = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
          "Ref": "#REF!", "Value": "#VALUE!"}

DRIVER = r"""
import asyncio, importlib.util, json, sys
bundle, request_file, answer_file = sys.argv[1:4]
request = json.load(open(request_file, encoding="utf-8"))
absent = {m: importlib.util.find_spec(m) is None for m in request["absent"]}  # before main.py brings xlcustseg
sys.path.insert(0, bundle)
import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_call
import main  # the built main.py, as Lite imports it

def names(module):
    return {f["name"]: [p["name"] for p in f["parameters"]] for f in custom_functions_meta(module)["functions"]}

source = open(main.__file__, encoding="utf-8").read()
as_text = importlib.util.module_from_spec(importlib.util.spec_from_loader("main", loader=None))
exec(source, as_text.__dict__)  # as xlwings' Wasm runtime reads main.py: from its text, without __file__
answer = {"absent": absent, "main": main.__file__, "xlcustseg": sys.modules["xlcustseg"].__file__,
          "meta": names(main), "meta_from_text": names(as_text), "calls": {}, "books": {}}
for key, (name, args) in request["calls"].items():
    data = {"func_name": name, "args": args, "caller_address": "Sheet1!A1", "formula_name": name.upper(),
            "version": xw.__version__, "runtime": "1.4", "culture_info_name": "zh-CN", "date_format": "yyyy/m/d",
            "client": "Office.js"}
    try:
        answer["calls"][key] = asyncio.run(custom_functions_call(data, main))
    except Exception as exc:
        answer["calls"][key] = {"error": repr(exc)}
for key, payload_file in request["books"].items():
    payload = json.load(open(payload_file, encoding="utf-8"))
    payload["version"] = xw.__version__
    book = xw.Book(json=payload)
    before = [s.name for s in book.sheets]
    asyncio.run(custom_scripts_call(main, "segment", typehint_to_value={xw.Book: book}))
    answer["books"][key] = {"sheets_before": before, "sheets": [s.name for s in book.sheets],
                            "actions": [a for a in book.json()["actions"]
                                        if a["func"] in ("setValues", "addSheet", "sheetDelete")]}
json.dump(answer, open(answer_file, "w", encoding="utf-8"), ensure_ascii=False, default=str)
"""


# ------------------------------------------------------------------ the samples, as each side receives them
def _columns(path: Path) -> dict[str, list[Any]]:
    """The table of the sample's active sheet by header (the first row with three texts), as openpyxl reads it."""
    rows = list(openpyxl.load_workbook(path, data_only=True).active.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if sum(isinstance(v, str) for v in r) >= 3)
    return {h: [r[j] for r in rows[top + 1:]] for j, h in enumerate(rows[top]) if h is not None}


def _customers(lines: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Order lines → first and last purchase, orders and revenue per customer (lines with a date and an amount)."""
    seen: dict[str, dict[str, Any]] = {}
    for cid, order, date, amount in zip(lines["Customer ID"], lines["Order ID"], lines["Order Date"],
                                        lines["Amount"], strict=True):
        if isinstance(cid, str) and isinstance(date, dt.datetime) and isinstance(amount, int | float):
            c = seen.setdefault(cid, {"first": date, "last": date, "orders": set(), "revenue": 0.0})
            c["first"], c["last"] = min(c["first"], date), max(c["last"], date)
            c["orders"].add(order)
            c["revenue"] += amount
    return {"first": [c["first"] for c in seen.values()], "last": [c["last"] for c in seen.values()],
            "orders": [len(c["orders"]) for c in seen.values()], "revenue": [c["revenue"] for c in seen.values()]}


def _col(*columns: list[Any]) -> list[list[Any]]:
    """Columns side by side as a range: a 2-D list, one row per cell."""
    return [list(row) for row in zip(*columns, strict=True)]


def _lite(value: Any) -> Any:
    """One cell as Office.js hands it to Lite: a date as its serial number, a blank as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (value - EPOCH) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float((value - EPOCH.date()).days)
    return value


def _lite_args(name: str, args: list[Any]) -> list[Any]:
    """The desktop arguments as Office.js sends them: every argument a 2-D list, omitted ones null."""
    out = [[[_lite(v) for v in row] for row in a] if isinstance(a, list) else [[_lite(a)]] for a in args]
    return out + [None] * (len(functions.PARAMETERS[name]) - len(out))


@dataclass(frozen=True)
class Samples:
    """The columns the calls take: the Chinese customer list, the English order lines, their customers."""

    zh: dict[str, list[Any]]
    en: dict[str, list[Any]]
    cu: dict[str, list[Any]]


Desktop = Callable[[str], list[list[Any]]]  # the desktop answer of an earlier call
ZH_REVENUE, ZH_ORDERS, ZH_FIRST, ZH_LAST = "销售额（元）", "订单数", "首次购买日期", "最近购买日期"

#: each call: key -> (function, desktop arguments); range arguments are 2-D lists, the others single values
CALLS: dict[str, Callable[[Samples, Desktop], tuple[str, list[Any]]]] = {
    "zh-custtier": lambda s, _: ("custtier", [_col(s.zh[ZH_REVENUE])]),
    "zh-custrfm": lambda s, _: ("custrfm", [_col(s.zh[ZH_LAST]), _col(s.zh[ZH_ORDERS]), _col(s.zh[ZH_REVENUE])]),
    "zh-custrfm-as-of": lambda s, _: ("custrfm", [_col(s.zh[ZH_LAST]), _col(s.zh[ZH_ORDERS]), _col(s.zh[ZH_REVENUE]),
                                                  dt.datetime(2024, 12, 31), 3]),
    "zh-custrfmclass": lambda s, _: ("custrfmclass", [_col(s.zh[ZH_LAST]), _col(s.zh[ZH_ORDERS]),
                                                      _col(s.zh[ZH_REVENUE])]),
    "zh-custlifecycle": lambda s, _: ("custlifecycle", [_col(s.zh[ZH_FIRST]), _col(s.zh[ZH_LAST]),
                                                        _col(s.zh[ZH_ORDERS])]),
    "zh-custquadrant": lambda s, _: ("custquadrant", [_col(s.zh[ZH_REVENUE]), _col(s.zh["需求程度"])]),
    "zh-custman": lambda s, _: ("custman", [_col(s.zh["有预算"]), _col(s.zh["决策权"]), _col(s.zh["有需求"])]),
    "zh-custgrade": lambda s, _: ("custgrade", [_col(s.zh["跟进状态"])]),
    "zh-custnextcontact": lambda s, desk: ("custnextcontact", [desk("zh-custgrade"), _col(s.zh["最近联系日期"])]),
    "zh-custscore": lambda s, _: ("custscore", [_col(s.zh[ZH_REVENUE], s.zh[ZH_ORDERS]), [[60, 40]]]),
    "zh-custnature": lambda s, _: ("custnature", [_col(s.zh["客户名称"])]),
    "zh-custstrategy": lambda s, desk: ("custstrategy", [desk("zh-custtier"), "tier"]),
    "zh-custcluster": lambda s, _: ("custcluster", [_col(s.zh[ZH_LAST], s.zh[ZH_ORDERS], s.zh[ZH_REVENUE]), 4]),
    "zh-custmove": lambda s, desk: ("custmove", [desk("zh-custtier")[::-1], desk("zh-custtier")]),
    "en-custtier": lambda s, _: ("custtier", [_col(s.en["Amount"])]),
    "en-custrfm": lambda s, _: ("custrfm", [_col(s.cu["last"]), _col(s.cu["orders"]), _col(s.cu["revenue"])]),
    "en-custrfmclass": lambda s, _: ("custrfmclass", [_col(s.cu["last"]), _col(s.cu["orders"]),
                                                      _col(s.cu["revenue"]), "rfm10", "en"]),
    "en-custlifecycle": lambda s, _: ("custlifecycle", [_col(s.cu["first"]), _col(s.cu["last"]),
                                                        _col(s.cu["orders"]), None, "en"]),
    "en-custquadrant": lambda s, _: ("custquadrant", [_col(s.cu["revenue"]), _col(s.cu["orders"]), None, "en"]),
    "en-custnextcontact": lambda s, desk: ("custnextcontact", [desk("en-custtier"), _col(s.en["Order Date"])]),
    "en-custscore": lambda s, _: ("custscore", [_col(s.cu["revenue"], s.cu["orders"]), [[50, 50]]]),
    "en-custnature": lambda s, _: ("custnature", [_col(s.en["Customer"]), "en"]),
    "en-custstrategy": lambda s, desk: ("custstrategy", [desk("en-custtier"), "tier", "en"]),
    "en-custcluster": lambda s, _: ("custcluster", [_col(s.cu["last"], s.cu["orders"], s.cu["revenue"]), None, "en"]),
}


# ------------------------------------------------------------------ comparing answers
def _as_date(value: Any) -> dt.date | Any:
    """A Lite date answer as a date: Office.js's FormattedNumber, a bare serial or ISO text; else unchanged."""
    if isinstance(value, dict) and value.get("type") == "FormattedNumber":
        value = value["basicValue"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (EPOCH + dt.timedelta(days=value)).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def _same_cell(desktop: Any, lite: Any) -> bool:
    """Whether two answers are the same cell. The one normalisation: blanks (None, "") are one blank, an
    Office.js error value is its text, a number is its value (3 == 3.0), and where the desktop answer
    is a date the Lite answer is read as a date (a FormattedNumber or serial from a function, ISO text
    from a JSON book), compared as dates."""
    if isinstance(lite, dict) and lite.get("type") == "Error":
        lite = ERRORS.get(lite.get("errorType"), lite)
    if desktop is None or desktop == "":
        return lite is None or lite == ""
    if isinstance(desktop, dt.date):
        return _as_date(lite) == (desktop.date() if isinstance(desktop, dt.datetime) else desktop)
    if isinstance(desktop, float) and isinstance(lite, int | float):
        return lite == pytest.approx(desktop, rel=1e-12, abs=1e-9)
    return desktop == lite


def _differences(desktop: list[list[Any]], lite: list[list[Any]]) -> list[tuple[int, int, Any, Any]]:
    """Cells (row, column, desktop, lite) that differ; a differing shape is one difference."""
    if [len(r) for r in desktop] != [len(r) for r in lite]:
        return [(-1, -1, f"{len(desktop)} rows", f"{len(lite)} rows")]
    return [(i, j, d, lv) for i, (dr, lr) in enumerate(zip(desktop, lite, strict=True))
            for j, (d, lv) in enumerate(zip(dr, lr, strict=True)) if not _same_cell(d, lv)]


# ------------------------------------------------------------------ the Lite side
@dataclass(frozen=True)
class Lite:
    """The venv with Lite's packages only, the built bundle, and what the driver answered there."""

    venv: Path
    bundle: Path
    work: Path  # the cwd of the driver, and its temporary folder
    answer: dict[str, Any]
    desktop: dict[str, list[list[Any]]]  # each call's desktop answer
    cli_outputs: dict[str, Path]  # each sample's `xlcustseg segment` output
    seconds: float  # making the venv


def _run(argv: list[str | Path], cwd: Path, timeout: int, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run outside the checkout without PYTHONPATH, with xlwings told it runs on a server (as in Lite)."""
    env = clean_env(XLWINGS_LICENSE_KEY="noncommercial", XLWINGS_ON_SERVER="true", **extra)
    return checked(subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=timeout))


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Lite:
    base = tmp_path_factory.mktemp("lite")
    venv, bundle, work = base / "venv", base / "bundle", base / "work"
    work.mkdir()
    started = time.perf_counter()
    pins = [f"{p}=={importlib.metadata.version(p)}" for p in LITE_PACKAGES]
    fresh_venv(venv, pins, work)
    seconds = time.perf_counter() - started
    print(f"venv with {', '.join(pins)} made in {seconds:.0f} s")
    assert cli.main(["lite", "build", str(bundle)]) == 0

    en = _columns(EN)
    samples, desktop, calls = Samples(_columns(ZH), en, _customers(en)), {}, {}
    for key, args_of in CALLS.items():
        name, args = args_of(samples, desktop.__getitem__)
        desktop[key] = getattr(functions, name)(*args)
        calls[key] = [name, _lite_args(name, args)]
    books, outputs = {}, {}
    moved = with_settings(EN, base / f"{MOVED}.xlsx", {"movement.compare_as_of": "2024-06-30"})
    for sample in (ZH, EN, moved):
        books[sample.stem] = work / f"{sample.stem}.json"
        books[sample.stem].write_text(json.dumps(jsonbook.payload(sample), ensure_ascii=False), encoding="utf-8")
        outputs[sample.stem] = base / f"{sample.stem}_cli.xlsx"
        assert cli.main(["segment", str(sample), "-o", str(outputs[sample.stem])]) == 0
    request = work / "request.json"
    request.write_text(json.dumps({"absent": ABSENT, "calls": calls, "books": {k: str(v) for k, v in books.items()}},
                                  ensure_ascii=False), encoding="utf-8")
    (work / "driver.py").write_text(DRIVER, encoding="utf-8")
    _run([venv / "bin" / "python", "-I", work / "driver.py", bundle, request, work / "answer.json"], work, 1200,
         TMPDIR=str(work))  # main.py unpacks its copy of xlcustseg here
    answer = json.loads((work / "answer.json").read_text(encoding="utf-8"))
    return Lite(venv, bundle, work, answer, desktop, outputs, seconds)


# ------------------------------------------------------------------ the tests
def test_the_venv_has_only_what_lite_has(lite):
    assert lite.answer["absent"] == dict.fromkeys(ABSENT, True)
    assert Path(lite.answer["main"]) == lite.bundle / "main.py"
    assert Path(lite.answer["xlcustseg"]).is_relative_to(lite.work)  # the copy main.py carries, unpacked
    assert (lite.bundle / "requirements.txt").read_text(encoding="utf-8").split() == list(LITE_PACKAGES)


def test_lite_lists_every_function_with_its_parameters(lite):
    expected = {name.upper(): list(params) for name, params in functions.PARAMETERS.items()}
    assert sorted(lite.answer["meta"]) == sorted(NAMES)
    assert lite.answer["meta"] == lite.answer["meta_from_text"] == expected


def test_the_bundle_is_the_same_bytes_each_time_and_carries_no_samples(tmp_path):
    first, second = lite_build.build(tmp_path / "a"), lite_build.build(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    carried = lite_build.package_files()
    assert {"xlcustseg/__init__.py", "xlcustseg/excel/functions.py", "xlcustseg/data/catalogue.tsv",
            "xlcustseg/workbook_templates/summary_template.xlsx"} <= set(carried)
    assert not [n for n in carried if n.endswith((ZH.name, EN.name)) or "/lite/" in n or "__pycache__" in n]


@pytest.mark.parametrize("key", CALLS)
def test_lite_answers_as_desktop_excel(lite, key):
    got = lite.answer["calls"][key]
    assert not isinstance(got, dict), got["error"]
    diff = _differences(lite.desktop[key], got)
    assert not diff, f"{len(diff)} cells differ (row, column, desktop, lite), the first: {diff[:5]}"


def _written(ran: dict[str, Any]) -> tuple[dict[str, dict[tuple[int, int], Any]], list[tuple[str, list[list[Any]]]]]:
    """The cells the script's setValues actions left, by sheet and 1-based (row, column) (later writes win), and
    each write's sheet and values; sheet positions are followed through the sheets added and deleted on the way."""
    names = list(ran["sheets_before"])
    cells: dict[str, dict[tuple[int, int], Any]] = {name: {} for name in ran["sheets"]}
    writes = []
    for action in ran["actions"]:
        if action["func"] == "addSheet":
            names.insert(action["args"][0], action["args"][1])
        elif action["func"] == "sheetDelete":
            names.pop(action["sheet_position"])
        else:
            name = names[action["sheet_position"]]
            writes.append((name, action["start_row"], action["values"]))
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    cells.setdefault(name, {})[action["start_row"] + 1 + i, action["start_column"] + 1 + j] = value
    assert names == ran["sheets"], "the sheets added and deleted do not lead to the sheets the book holds"
    return cells, writes


def _without_pivots_record(book: openpyxl.Workbook) -> None:
    """The command line's workbook as a route without PivotTables writes it: the record's 'pivots' row taken out,
    the record rows below it (four columns wide) moved up."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == "pivots" and sheet.cell(cell.row, cell.column + 1).value in PIVOT_SHEET:
                    below = f"{cell.offset(1, 0).coordinate}:{cell.offset(sheet.max_row, 3).coordinate}"  # 4 wide
                    sheet.move_range(below, rows=-1)
                    return


@pytest.mark.parametrize("stem", [ZH.stem, EN.stem, MOVED], ids=["zh", "en", "en-movement"])
def test_one_click_script_writes_what_the_command_line_writes(lite, stem):
    ran = lite.answer["books"][stem]
    expected = openpyxl.load_workbook(lite.cli_outputs[stem])
    pivots = set(PIVOT_SHEET)  # PivotTables are written by the file route's PackageBook only (docs/design.md)
    assert ran["sheets"] == [name for name in expected.sheetnames if name not in pivots]
    assert pivots & set(expected.sheetnames), "the command line wrote no PivotTables sheet"
    _without_pivots_record(expected)
    written, writes = _written(ran)
    diff = [(name, row, col, expected[name].cell(row, col).value, value)
            for name, cells in written.items() for (row, col), value in sorted(cells.items())
            if not _same_cell(expected[name].cell(row, col).value, value)]
    assert not diff, f"{len(diff)} cells differ (sheet, row, column, command line, Lite), the first: {diff[:5]}"
    whole = {header for name, start_row, values in writes  # columns written from the header to the last row
             if len(values) == expected[name].max_row - start_row for header in values[0]}
    zh, en = {"客户等级", "RFM得分", "RFM分群", "生命周期"}, {"Tier", "RFM", "RFM Class", "Lifecycle"}
    assert zh <= whole or en <= whole, f"tier, RFM and lifecycle columns not all written whole: {sorted(whole)}"
    if stem == MOVED:  # the movement the Settings sheet asks for, as the command line writes it
        assert "Movement" in ran["sheets"] and {"Previous Tier", "Tier Change"} <= whole
