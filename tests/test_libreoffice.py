"""LibreOffice recalculates the summary's live formulas; every figure must equal pandas'."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from libreoffice import convert

from xlcustseg.cli import main as cli
from xlcustseg.engine.strategies import labels
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book
from xlcustseg.workbook.summary_sheet import CURVE_POINTS
from xlcustseg.workbook.template import anchors as template_anchors

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"


def recalculated(source: Path, tmp: Path):
    """Segment `source` (as the command line does), recalculate in LibreOffice, read values."""
    book, _ = open_book(source)
    report = segment_book(book)
    out = tmp / "segmented.xlsx"
    book.save(out)
    calc = convert(out, "xlsx", tmp / "calc")
    values = openpyxl.load_workbook(calc, data_only=True)
    anchors = template_anchors(openpyxl.load_workbook(out), report.summary_sheet)
    return report, values[report.summary_sheet], anchors


def block(ws, at, n_rows: int, n_cols: int, skip_header: bool = True) -> list[list]:
    r0 = at[0] + (1 if skip_header else 0)
    return [[ws.cell(r0 + i, at[1] + j).value for j in range(n_cols)] for i in range(n_rows)]


@pytest.fixture(scope="module", params=["客户名单示例.xlsx", "orders_sample.xlsx"])
def calculated(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lo")
    return recalculated(SAMPLES / request.param, tmp)


def test_tier_table_matches_pandas(calculated):
    report, ws, anchors = calculated
    expected = report.result.summary.tiers
    got = block(ws, anchors["xcs_tiers"], len(expected), 7)
    for row, (_, exp) in zip(got, expected.iterrows(), strict=True):
        assert row[0] == exp["tier"] and row[1] == exp["label"]
        assert row[2] == exp["customers"]
        assert row[3] == pytest.approx(exp["customer_share"], abs=1e-9)
        assert row[4] == pytest.approx(exp["revenue"], rel=1e-9)
        assert row[5] == pytest.approx(exp["revenue_share"], abs=1e-9)
        assert row[6] == pytest.approx(exp["average"], rel=1e-9)
    total = block(ws, (anchors["xcs_tiers"][0] + len(expected), anchors["xcs_tiers"][1]), 1, 7)[0]
    assert total[2] == expected["customers"].sum() and total[4] == pytest.approx(expected["revenue"].sum())


def test_pareto_matches_pandas(calculated):
    report, ws, anchors = calculated
    pareto = report.result.summary.pareto
    row, col = anchors["xcs_pareto"]
    assert ws.cell(row, col).value == pareto.statement
    assert ws.cell(row + 1, col).value is None  # the share is computed inside the sentence: no helper cell
    revenue = report.result.classes["revenue"].dropna().sort_values(ascending=False)
    curve = block(ws, anchors["xcs_curve"], len(CURVE_POINTS), 2)
    for (share, value), p in zip(curve, CURVE_POINTS, strict=True):
        k = math.ceil(round(len(revenue) * p, 9))
        assert share == pytest.approx(p) and value == pytest.approx(revenue.iloc[:k].sum() / revenue.sum(), abs=1e-9)


def test_cross_tab_matches_pandas(calculated):
    report, ws, anchors = calculated
    result = report.result
    rfm_map = result.rfm_map
    names = list(labels(pd.Series(result.settings.classes(rfm_map)), rfm_map, result.language, result.settings))
    tiers = list(result.settings.tier_letters())
    expected = result.summary.tier_rfm.reindex(index=tiers, columns=names, fill_value=0)
    got = block(ws, anchors["xcs_cross"], len(tiers), len(names) + 1)
    assert [r[0] for r in got] == tiers
    assert np.array([r[1:] for r in got]).tolist() == expected.to_numpy().tolist()
    assert sum(map(sum, [r[1:] for r in got])) == result.classes["rfm_class"].notna().sum()


def test_lifecycle_matches_pandas(calculated):
    report, ws, anchors = calculated
    expected = report.result.summary.lifecycle
    got = block(ws, anchors["xcs_lifecycle"], len(expected), 3)
    assert [r[0] for r in got] == expected["label"].tolist()
    assert [r[1] for r in got] == expected["customers"].tolist()
    for r, share in zip(got, expected["share"], strict=True):
        assert r[2] == pytest.approx(share, abs=1e-9)


def test_strategy_counts_match_pandas(calculated):
    report, ws, anchors = calculated
    classes = report.result.classes
    column, _ = report.result.secondary
    counts = classes.groupby(["tier", column]).size()
    row = anchors["xcs_strategies"][0] + 1
    col = anchors["xcs_strategies"][1]
    seen = 0
    while ws.cell(row, col).value:
        tier, count, text = ws.cell(row, col).value, ws.cell(row, col + 2).value, ws.cell(row, col + 4).value
        label = ws.cell(row, col + 1).value
        keys = classes.loc[(classes["tier"] == tier) & classes["strategy"].eq(text), column]
        assert len(keys) == count and count == counts[(tier, keys.iloc[0])], (tier, label)
        seen += count
        row += 1
    assert seen == (classes["tier"].notna() & classes[column].notna()).sum()


def test_live_formulas_follow_an_edit(tmp_path):
    """Change one customer's tier in the table: LibreOffice's counts move with it."""
    src = tmp_path / "orders.xlsx"
    shutil.copy(SAMPLES / "orders_sample.xlsx", src)
    out = tmp_path / "orders_segmented.xlsx"
    assert cli(["segment", str(src), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Customers"]
    tier_col = [c.value for c in ws[1]].index("Tier") + 1
    tiers = pd.Series([ws.cell(r, tier_col).value for r in range(2, ws.max_row + 1)])
    row = 2 + int(tiers[tiers == "C"].index[0])
    ws.cell(row, tier_col).value = "A"
    wb.save(out)
    before = openpyxl.load_workbook(convert(out, "xlsx", tmp_path / "a"), data_only=True)
    summary = before["Summary"]
    anchor = template_anchors(openpyxl.load_workbook(out), "Summary")["xcs_tiers"]
    counts = {summary.cell(anchor[0] + 1 + i, anchor[1]).value: summary.cell(anchor[0] + 1 + i, anchor[1] + 2).value
              for i in range(3)}
    expected = tiers.value_counts()
    assert counts == {"A": expected["A"] + 1, "B": expected["B"], "C": expected["C"] - 1}


def test_xls_input_is_read_and_written_as_xlsx(tmp_path, capsys):
    xls = convert(SAMPLES / "orders_sample.xlsx", "xls", tmp_path)
    out = tmp_path / "from_xls.xlsx"
    assert cli(["segment", str(xls), "-o", str(out)]) == 0
    assert "Customers" in openpyxl.load_workbook(out).sheetnames
    assert cli(["segment", str(xls)]) == 0
    assert (tmp_path / "orders_sample_segmented.xlsx").exists()
