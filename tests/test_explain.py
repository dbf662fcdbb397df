"""The rule's numbers (issue #12 point 2): cut points, `segment --explain ID` and the 分层依据 / Why column.

The cut points must be the ones that classed: every class is recomputed here
from the printed numbers alone with plain pandas (and the rank rules with
pandas' own rank), on both bundled samples and several settings.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlcustseg import segment
from xlcustseg.cli import main as cli
from xlcustseg.engine.explain import cut_rows
from xlcustseg.schemes.rfm import RFM8

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"
ZH, EN = SAMPLES / "客户名单示例.xlsx", SAMPLES / "orders_sample.xlsx"
RULES = [{}, {"tier.basis": "revenue_share"}, {"tier.levels": 5}, {"rfm.method": "threshold"},
         {"rfm.bins": 4, "rfm.map": "rfm8", "rfm.high_rule": "value_median"},
         {"tier.basis": "threshold", "tier.thresholds": "50000, 5000", "rfm.high_rule": "value_mean"}]


def _frame(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_excel(path, header=None, dtype=object)


@pytest.fixture(scope="module")
def frames() -> dict[Path, pd.DataFrame]:
    return {ZH: _frame(ZH), EN: _frame(EN)}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: ",".join(f"{k}={v}" for k, v in r.items()) or "defaults")
@pytest.mark.parametrize("sample", [ZH, EN], ids=["customers_zh", "orders_en"])
def test_the_classes_follow_from_the_printed_cut_points_alone(frames, sample, rule):
    result = segment(frames[sample], rule)
    cuts, c = result.cuts, result.classes
    revenue = c["revenue"]
    # tiers: revenue ≥ the tier's printed amount (and > 0), else a lower tier
    letters = list(cuts.tier_letters)
    tier = pd.Series(letters[-1], index=c.index, dtype=object)
    for letter, low in reversed(list(zip(letters, cuts.tier_lows, strict=False))):
        tier = tier.mask((revenue >= low) & (revenue > 0), letter)
    assert tier.where(revenue.notna()).fillna("-").equals(c["tier"].fillna("-"))
    # the count basis, from pandas' own rank (method min): the printed amounts are that rule's
    if cuts.tier_basis == "count":
        rank = revenue.rank(method="min", ascending=False)
        n = int(revenue.notna().sum())
        for letter, share in zip(letters, cuts.tier_cutoffs, strict=False):
            upto = rank <= math.ceil(round(share * n, 9))
            assert (upto & (revenue > 0)).sum() == ((revenue >= cuts.tier_lows[letters.index(letter)])
                                                     & (revenue > 0)).sum()
    # R, F, M: the printed edges
    raws = {"r": c["recency"].where(c["r"].notna()), "f": c["frequency"], "m": c["monetary"]}
    for dim, edges in zip("rfm", cuts.rfm_edges, strict=True):
        x = raws[dim].astype(float)
        if dim == "r":
            passed = sum((x <= e) if cuts.rfm_method == "threshold" else (x < e) for e in edges)
        else:
            passed = sum((x >= e) if cuts.rfm_method == "threshold" else (x > e) for e in edges)
        assert (1 + passed).where(x.notna()).astype("Float64").equals(c[dim].astype("Float64")), dim
        if cuts.rfm_method == "rank":  # 1 + floor(bins × w / n), w from pandas' rank
            worse = x.rank(method="min", ascending=dim != "r") - 1  # R: more days is worse
            own = 1 + np.floor(cuts.rfm_bins * worse / x.notna().sum())
            assert own.astype("Float64").equals(c[dim].astype("Float64")), dim
    # rfm8 / rfm4: High against the printed centres
    if cuts.rfm_centres is not None and cuts.rfm_map == "rfm8":
        scored = c["rfm_class"].notna()
        if cuts.high_rule == "score_mean":
            high = [c[d][scored].astype(float) >= centre for d, centre in zip("rfm", cuts.rfm_centres, strict=True)]
        else:
            r, f, m = (raws[d][scored] for d in "rfm")
            high = [r <= cuts.rfm_centres[0], f >= cuts.rfm_centres[1], m >= cuts.rfm_centres[2]]
        want = [RFM8[(bool(a), bool(b), bool(d))] for a, b, d in zip(*high, strict=True)]
        assert want == list(c.loc[scored, "rfm_class"])
    # lifecycle: the printed day limits
    new, active, dormant = cuts.lifecycle_days
    stage = np.select([c["tenure"] <= new, c["recency"] <= active, c["recency"] <= dormant, c["recency"] > dormant],
                      ["new", "active", "dormant", "churned"], default=None)
    stage = pd.Series(stage, index=c.index, dtype=object).mask(c["purchased"].eq(False).fillna(False), "prospect")
    known = c["lifecycle"].notna()
    assert stage[known].equals(c.loc[known, "lifecycle"])


def test_the_block_prints_the_same_numbers(frames):
    result = segment(frames[ZH], {"tier.basis": "revenue_share"})
    rows = cut_rows(result)
    assert rows[0] == ["分层依据（本次运行的分界值）"]
    tier_rows = [r for r in rows if r[0] == "客户等级"]
    assert [r[3] for r in tier_rows] == [*result.cuts.tier_lows, None]
    assert tier_rows[0][2].startswith("A：销售额 ≥ ") and "累计贡献前 80% 的销售额" in tier_rows[0][2]
    m5 = next(r for r in rows[2:] if r[1] == "M5")
    assert m5[3] == result.cuts.rfm_edges[2][-1] and m5[2] == f"M5：销售额 > {m5[3]:,.2f}"


# ---------------------------------------------------------------- --explain
def _book(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _tied(tmp_path: Path) -> Path:
    """20 customers: two tie for the top (A takes ceil(5% × 20) = 1 rank: both share it), two tie at rank 4."""
    revenue = [1000, 1000, 900, 800, 800, 700, *range(600, 0, -40)][:20]
    rows = [["客户编号", "客户名称", "销售额", "订单数", "最近购买日期"]]
    rows += [[f"K{i:02d}", f"客户{i}", v, 1 + i % 4, f"2024-0{1 + i % 6}-15"] for i, v in enumerate(revenue, 1)]
    rows[-1][1] = "客户1"  # a second customer named 客户1
    return _book(tmp_path / "tied.xlsx", rows)


def test_explain_names_the_cut_point_a_tie_at_the_boundary_shares(tmp_path, capsys):
    source = _tied(tmp_path)
    assert cli(["segment", str(source), "--explain", "K05"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "客户 K05 / 客户5"
    assert "客户等级：B（销售额 = 800.00；B：销售额 ≥ 800.00（销售额前 20% 的客户，本次 4 位））" in out
    assert cli(["segment", str(source), "--explain", "K02"]) == 0
    top = "客户等级：A（销售额 = 1,000.00；A：销售额 ≥ 1,000.00（销售额前 5% 的客户，本次 1 位））"
    assert top in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tied.xlsx"]  # nothing written
    result = segment(_frame(source))
    assert list(result.classes["tier"][:6]) == ["A", "A", "B", "B", "B", "C"]


def test_explain_by_name_and_order_lines(tmp_path, capsys):
    source = _tied(tmp_path)
    assert cli(["segment", str(source), "--explain", "客户7"]) == 0
    assert capsys.readouterr().out.startswith("客户 K07 / 客户7\n")
    assert cli(["segment", str(EN), "--explain", "CUST-0002"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Customer CUST-0002 / Stark Co. #1\nTier: C (revenue = 45.89; C: revenue < ")
    assert "RFM class: Hibernating (looked up from R1 and F1 (rfm10 grid))" in out


@pytest.mark.parametrize(("who", "sentence"), [
    ("K99", "xlcustseg: 找不到客户“K99”：没有客户编号或名称与之相同。"),
    ("客户1", "xlcustseg: “客户1”对应 2 位客户（K01, K20）：请用客户编号。"),
])
def test_an_unknown_or_ambiguous_customer_is_one_sentence(tmp_path, capsys, who, sentence):
    assert cli(["segment", str(_tied(tmp_path)), "--explain", who]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == sentence and captured.out == ""


# ---------------------------------------------------------------- the Why column
def _headers(path: Path, sheet: str) -> list:
    return [c.value for c in openpyxl.load_workbook(path, read_only=True)[sheet][1]]


def test_the_why_column_is_off_by_default_and_written_with_the_setting(tmp_path, frames):
    plain = segment(frames[ZH])
    assert "分层依据" not in plain.table.columns
    source = _tied(tmp_path)
    assert cli(["segment", str(source), "-o", str(tmp_path / "plain.xlsx")]) == 0
    assert "分层依据" not in _headers(tmp_path / "plain.xlsx", "客户")
    settings = tmp_path / "why.csv"
    settings.write_text("output.why,是\n", encoding="utf-8")
    assert cli(["segment", str(source), "-o", str(tmp_path / "why.xlsx"), "--settings", str(settings)]) == 0
    ws = openpyxl.load_workbook(tmp_path / "why.xlsx")["客户"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "分层依据"
    why = [ws.cell(row, len(headers)).value for row in range(2, 22)]
    assert why[0].startswith("A：销售额 ≥ 1,000.00（销售额前 5% 的客户，本次 1 位）；R")
    assert why[4].startswith("B：销售额 ≥ 800.00")
    result = segment(_frame(source), {"output.why": "yes"})
    assert list(result.table["分层依据"]) == why


def test_the_why_column_on_order_lines_and_in_english(frames):
    result = segment(frames[EN], {"output.why": "yes"})
    why = result.table["Why"]
    assert why.isna().sum() == 1  # the customer whose undated line leaves it without classes
    tier = result.classes["tier"]
    assert why[tier.eq("A")].str.startswith("A: revenue ≥ ").all()
    assert why.dropna().str.contains(r"; R\d: .*; F\d: .*; M\d: .*; ").all()


def test_the_why_column_on_the_json_book(tmp_path):
    import jsonbook
    from workbooks import with_settings

    from xlcustseg import main

    book = jsonbook.book(with_settings(ZH, tmp_path / "why.xlsx", {"output.why": "yes"}))
    main(book)
    written = [v for action in book.json()["actions"] if action["func"] == "setValues"
               for row in action["values"] for v in row]
    assert "分层依据" in written
    assert any(isinstance(v, str) and v.startswith("A：销售额 ≥ ") for v in written)


# ---------------------------------------------------------------- the summary and settings sheets
def test_the_summary_and_settings_sheets_show_the_cut_points(tmp_path, frames):
    out = tmp_path / "out.xlsx"
    assert cli(["segment", str(ZH), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    cuts = segment(frames[ZH]).cuts
    for sheet in ("分层汇总", "设置"):
        cells = {c.value: c for row in wb[sheet].iter_rows() for c in row if isinstance(c.value, str)}
        title = cells["分层依据（本次运行的分界值）"]
        ws = wb[sheet]
        block = [[ws.cell(title.row + i, title.column + j).value for j in range(4)] for i in range(1, 6)]
        assert block[0] == ["方案", "类别", "规则", "分界值"]
        assert [b[1] for b in block[1:4]] == ["A", "B", "C"]
        assert [b[3] for b in block[1:3]] == pytest.approx(cuts.tier_lows)
        assert block[3][3] is None and block[4][1] == "R5"
