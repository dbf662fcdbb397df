"""Customer lifetime value in the segmentation run (setting clv.enabled; docs/clv.md).

The positive cases run on the CDNOW sample (tests/data, the papers' data) written as
English order lines, where the models are known to fit, and on the bundled English sample
(orders_sample.xlsx, whose customers buy and leave as the BG/NBD says). Data the models
cannot carry (degenerate, or customers who never seem to leave) give a warning in the
run's language and no CLV columns.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlcustseg import clv
from xlcustseg.engine.lifetime import DAYS_PER_UNIT, UNITS_PER_YEAR
from xlcustseg.engine.pipeline import segment
from xlcustseg.i18n import CLV_COLUMNS, MESSAGES
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
EN_ORDERS = ROOT / "workbook_templates" / "orders_sample.xlsx"
ZH_CUSTOMERS = ROOT / "workbook_templates" / "客户名单示例.xlsx"
sys.path.insert(0, str(Path(__file__).parent))

AS_OF = "1998-06-30"  # the end of the CDNOW sample's 78 weeks
ON = {"clv.enabled": "yes", "as_of": AS_OF}
EN = [en for _, _, en in CLV_COLUMNS]
ZH = [zh for _, zh, _ in CLV_COLUMNS]


def _message(key: str, lang: str) -> str:
    """The warning's fixed start (before any placeholder)."""
    return MESSAGES[key][0 if lang == "zh" else 1].split("{")[0]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    lines = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype={"date": str},
                        names=["master_id", "id", "date", "cds", "amount"])
    return pd.DataFrame({"Customer ID": [f"C{i:05d}" for i in lines["id"]],
                         "Order Date": pd.to_datetime(lines["date"], format="%Y%m%d"),
                         "Amount": lines["amount"]})


@pytest.fixture(scope="module")
def direct(cdnow) -> pd.DataFrame:
    """The three figures by calling xlcustseg.clv directly on the same order lines (weeks, 365 days, 10 %)."""
    table = clv.summary_from_orders(cdnow["Customer ID"], cdnow["Order Date"], cdnow["Amount"], AS_OF, unit="W")
    bgnbd = clv.fit_bgnbd(table["frequency"], table["recency"], table["T"])
    gg = clv.fit_gamma_gamma(table["frequency"], table["monetary_value"])
    x, t_x, age, m = (table[k] for k in ("frequency", "recency", "T", "monetary_value"))
    horizon = 365 / DAYS_PER_UNIT
    return pd.DataFrame({
        "P(alive)": clv.p_alive(bgnbd, x, t_x, age),
        "Expected Purchases": clv.expected_purchases(bgnbd, horizon, x, t_x, age),
        "Predicted Value": clv.customer_value(bgnbd, gg, x, t_x, age, m, horizon=horizon, discount_rate=0.10,
                                              unit_per_year=UNITS_PER_YEAR),
    }, index=table.index)


@pytest.fixture(scope="module")
def cdnow_book(cdnow, tmp_path_factory) -> Path:
    """The CDNOW lines as an English order-lines workbook, with a settings sheet switching CLV on."""
    path = tmp_path_factory.mktemp("clv") / "cdnow_orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(list(cdnow.columns))
    for cid, day, amount in cdnow.itertuples(index=False):
        ws.append([cid, day.to_pydatetime(), float(amount)])
    settings = wb.create_sheet("Settings")
    for row in (["Key", "Value"], ["clv.enabled", "yes"], ["as_of", AS_OF]):
        settings.append(row)
    wb.active = 0
    wb.save(path)
    return path


def _check(table: pd.DataFrame, headers: list[str], direct: pd.DataFrame, id_header: str) -> None:
    alive, purchases, value = (pd.to_numeric(table[h]) for h in headers)
    for column in (alive, purchases, value):
        assert np.isfinite(column.to_numpy(dtype=float)).all()
    assert alive.between(0, 1).all() and (purchases >= 0).all() and (value >= 0).all()
    expected = direct.loc[table[id_header].to_numpy()]
    for h, column in zip(EN, (alive, purchases, value), strict=True):
        np.testing.assert_allclose(column.to_numpy(dtype=float), expected[h].to_numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- the engine
def test_clv_columns_equal_the_models_called_directly(cdnow, direct):
    result = segment(cdnow, ON)
    assert list(result.table.columns[-3:]) == EN
    _check(result.table, EN, direct, "Customer ID")
    assert not any("lifetime" in w for w in result.warnings)


def test_the_result_holds_parameters_standard_errors_and_the_calibration_check(cdnow):
    report = segment(cdnow, ON).clv
    assert report.unit == "W" and report.horizon_days == 365 and report.discount_rate == pytest.approx(0.10)
    assert report.bgnbd["r"] == pytest.approx(0.2536, abs=1e-3) and set(report.bgnbd["se"]) == {"r", "alpha", "a", "b"}
    assert set(report.gamma_gamma["se"]) == {"p", "q", "v"}
    # the cut-off halves 1997-01-01 … 1998-06-30: the papers' 39 + 39 weeks, so docs/clv.md's table
    assert report.cutoff == pd.Timestamp("1997-09-30")
    calibration = report.calibration
    assert calibration["bucket"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert calibration["customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    np.testing.assert_allclose(calibration["actual"], [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359],
                               atol=6e-4)
    np.testing.assert_allclose(calibration["predicted"], [0.225, 0.523, 1.044, 1.520, 2.164, 2.654, 3.504, 6.157],
                               atol=6e-4)


def test_horizon_and_discount_settings_are_used(cdnow):
    base = segment(cdnow, ON).table
    longer = segment(cdnow, {**ON, "clv.horizon_days": 730, "clv.discount_rate": 0}).table
    assert (longer["Expected Purchases"] >= base["Expected Purchases"] - 1e-12).all()
    assert longer["Predicted Value"].sum() > base["Predicted Value"].sum()


def test_on_by_default_for_order_lines_off_with_no(cdnow, direct):
    result = segment(cdnow, {"as_of": AS_OF})  # clv.enabled = auto
    _check(result.table, EN, direct, "Customer ID")
    off = segment(cdnow, {"as_of": AS_OF, "clv.enabled": "否"})
    assert not set(EN) & set(off.table.columns) and off.clv is None
    assert "p_alive" not in off.classes


def test_by_default_a_customer_table_has_no_clv_and_no_warning():
    frame = pd.read_excel(ZH_CUSTOMERS, header=None, engine="openpyxl")
    result = segment(frame)
    assert not (set(EN) | set(ZH)) & set(result.table.columns) and result.clv is None
    assert not [w for w in result.warnings if "终身价值" in w or "lifetime" in w]


def test_chinese_headers(cdnow, direct):
    result = segment(cdnow, {**ON, "language": "zh"})
    assert list(result.table.columns[-3:]) == ZH
    _check(result.table, ZH, direct, "Customer ID")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_customer_table_gives_the_warning(lang):
    frame = pd.read_excel(ZH_CUSTOMERS, header=None, engine="openpyxl")
    result = segment(frame, {"clv.enabled": "yes", "language": lang})
    assert any(w.startswith(_message("clv_needs_orders", lang)) for w in result.warnings)
    assert not (set(EN) | set(ZH)) & set(result.table.columns) and result.clv is None


def _lines(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Order lines (with order ids, so that a table of one-time buyers is still read as order lines)."""
    frame = pd.DataFrame(rows, columns=["Customer ID", "Order Date", "Amount"])
    return frame.assign(**{"Order Date": pd.to_datetime(frame["Order Date"])}).assign(
        **{"Order ID": [f"SO{i}" for i in range(len(frame))]})


def _one_time(n: int = 20) -> list[tuple[str, str, float]]:
    return [(f"C{i}", f"2024-0{1 + i % 9}-1{i % 10}", 10.0 + i) for i in range(n)]


def _repeats(amount: float) -> list[tuple[str, str, float]]:
    rows = _one_time()
    rows += [(f"C{i}", f"2024-1{i % 3}-0{1 + i % 9}", amount) for i in range(10)]
    return rows


DEGENERATE = {
    "all one-time buyers": (_one_time(), "clv_no_repeat"),
    "one customer": ([("C1", "2024-01-05", 10.0), ("C1", "2024-03-05", 12.0), ("C1", "2024-06-01", 9.0)],
                     "clv_few_customers"),
    "zero spend": (_repeats(0.0), "clv_no_spend"),
    "negative spend": (_repeats(-5.0), "clv_no_spend"),
    "same-day repeats": (_one_time() + [(f"C{i}", f"2024-0{1 + i % 9}-1{i % 10}", 3.0) for i in range(20)],
                         "clv_no_repeat"),
}


@pytest.mark.parametrize("case", DEGENERATE)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("enabled", ["yes", "auto"])
def test_degenerate_data_warn_and_give_no_columns(case, lang, enabled):
    rows, key = DEGENERATE[case]
    result = segment(_lines(rows), {"clv.enabled": enabled, "language": lang})
    assert any(w.startswith(_message(key, lang)) for w in result.warnings), result.warnings
    assert not (set(EN) | set(ZH)) & set(result.table.columns) and result.clv is None


def _never_leaving() -> pd.DataFrame:
    """40 customers who buy like clockwork every 60 days to the end: nobody seems to leave, so the
    BG/NBD's a and b run off (what the bundled English sample did before it was given churn)."""
    rows = [(f"C{i}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=i % 7 + 60 * k), 10.0 + i + k)
            for i in range(40) for k in range(1 + i % 5)]
    return pd.DataFrame(rows, columns=["Customer ID", "Order Date", "Amount"])


CANNOT_FIT = {"en": "(these customers cannot pin down the purchase (BG/NBD) model (a and b run off to 0 or infinity)",
              "zh": "（这些客户无法确定购买模型（BG/NBD）（参数 a、b 趋于 0 或无穷大）"}


@pytest.mark.parametrize(("lang", "reason"), CANNOT_FIT.items())
def test_a_model_that_cannot_be_fitted_says_why_in_the_run_language(lang, reason):
    result = segment(_never_leaving(), {"language": lang, "as_of": "2024-12-31"})
    warning = next(w for w in result.warnings if w.startswith(_message("clv_no_fit", lang)))
    assert reason in warning
    assert not (set(EN) | set(ZH)) & set(result.table.columns) and result.clv is None


# ---------------------------------------------------------------- the routes
def _sheet_table(path: Path, sheet: str) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.parametrize(("lang", "headers", "sheet", "id_header"),
                         [("en", EN, "Customers", "Customer ID"), ("zh", ZH, "客户分层", "Customer ID")])
def test_file_route_writes_the_columns_and_the_summary_block(cdnow_book, direct, tmp_path, lang, headers, sheet,
                                                            id_header):
    book, _ = open_book(cdnow_book)
    report = segment_book(book, {"language": lang})
    out = tmp_path / "out.xlsx"
    book.save(out)
    table = _sheet_table(out, report.output_sheet)
    assert report.output_sheet == sheet and list(table.columns[-3:]) == headers
    _check(table, headers, direct, id_header)
    summary = openpyxl.load_workbook(out)[report.summary_sheet]
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    assert "BG/NBD" in texts and "Gamma-Gamma" in texts and "7+" in texts


def _json_book_columns(book) -> dict[str, list]:
    """The columns the one-click run wrote on a JSON book, by header (single-column and block writes)."""
    columns: dict[str, list] = {}
    for action in book.json()["actions"]:
        if action["func"] == "setValues" and action["start_row"] == 0:
            for j, header in enumerate(action["values"][0]):
                columns[header] = [row[j] for row in action["values"][1:]]
    return columns


def test_english_sample_fits_and_every_route_writes_the_same_clv_columns(tmp_path):
    """The bundled sample's customers leave as the BG/NBD says (scripts/make_samples.py): by default the file
    route, the button's route (xlwings' JSON book, as Lite runs it) and the engine give the same figures."""
    import jsonbook

    from xlcustseg import main

    engine = segment(pd.read_excel(EN_ORDERS, engine="openpyxl"))
    assert engine.clv is not None and len(engine.clv.calibration) >= 5 and not engine.clv.calibration_error
    book, _ = open_book(EN_ORDERS)
    report = segment_book(book)
    book.save(tmp_path / "en.xlsx")
    file_route = _sheet_table(tmp_path / "en.xlsx", report.output_sheet)
    json_book = jsonbook.book(EN_ORDERS)
    main(json_book)
    button = _json_book_columns(json_book)
    for header in ("Customer ID", *EN):
        want = engine.table[header].tolist()
        got_file, got_button = file_route[header].tolist(), button[header][:len(want)]
        if header == "Customer ID":
            assert got_file == want and got_button == want
        else:
            np.testing.assert_allclose(np.asarray(got_file, dtype=float), want, rtol=1e-12, equal_nan=True)
            np.testing.assert_allclose(np.asarray([np.nan if v == "" else v for v in got_button], dtype=float),
                                       want, rtol=1e-12, equal_nan=True)


def test_json_book_route_writes_the_columns(cdnow_book, direct):
    import jsonbook

    from xlcustseg import main

    book = jsonbook.book(cdnow_book)
    main(book)
    actions = book.json()["actions"]
    columns = {a["values"][0][0]: [row[0] for row in a["values"][1:]] for a in actions
               if a["func"] == "setValues" and a["start_row"] == 0 and len(a["values"][0]) == 1}
    assert set(EN) <= set(columns)
    frame = pd.DataFrame({h: columns[h] for h in ("Customer ID", *EN)})
    _check(frame, EN, direct, "Customer ID")
