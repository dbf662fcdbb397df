"""The summary sheet: the template copied in, its named places filled with live formulas.

The template (workbook_templates/summary_template.xlsx) is a real workbook that
staff can restyle in Excel. The filler finds where each block goes by the
template's defined names, never by fixed cells:

    xcs_title       title and subtitle (two cells down)
    xcs_pareto      the Pareto sentence (its share computed inside the one formula: no helper cell)
    xcs_tiers       tier table: tier, label, customers, share, revenue, share, average
    xcs_cross       tier × RFM class cross-tab (as many columns as the scheme has classes)
    xcs_heatmap     (optional) R × F grid of customer counts (else 3 rows below the strategy table)
    xcs_heatmap_m   (optional) R × F grid of the average M score (else right of the counts)
    xcs_lifecycle   lifecycle distribution
    xcs_strategies  strategy table
    xcs_curve       Pareto curve data (customer share, revenue share)
    xcs_quality     segment-quality warnings
    xcs_charts      where the charts go
    xcs_clusters    (optional) the cluster profile, when the run clusters
    xcs_clv         (optional) the CLV models, when clv.enabled (else 14 rows below the cluster profile)

Counts and sums are COUNTIFS/SUMIFS over the output columns, so they follow
later edits of the table. Each formula is a `cells.Formula`: any other text
(labels, strategies, warnings, the user's sheet name) is written as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlcustseg import resources
from xlcustseg.cells import Formula
from xlcustseg.engine import SegmentResult
from xlcustseg.engine.strategies import labels
from xlcustseg.i18n import CLV_SUMMARY, SUMMARY_HEADERS, SUMMARY_TEXTS, pick
from xlcustseg.workbook.port import ChartSpec, WorkbookPort, column_letter, quote_sheet

CURVE_POINTS = tuple(round(p / 20, 2) for p in range(1, 21))  # 5%, 10%, … 100% of customers
PERCENT, MONEY, INTEGER = "0.0%", "#,##0.00", "0"
R_SCORE, F_SCORE, M_AVERAGE = '"R"0', '"F"0', "0.00"  # the heatmaps' headers hold the scores, shown as R5 / F1
TEMPLATE_SHEET = "Summary"
ANCHORS = ("xcs_title", "xcs_pareto", "xcs_tiers", "xcs_cross", "xcs_lifecycle", "xcs_strategies",
           "xcs_curve", "xcs_quality", "xcs_charts")


def template_path() -> Path:
    """The bundled template (workbook_templates/summary_template.xlsx) as a file on disk."""
    return resources.summary_template_path()


@dataclass(frozen=True)
class DataColumns:
    """Where the summary's formulas look: the data sheet and its output columns' ranges."""

    sheet: str
    first_row: int
    last_row: int
    columns: dict[str, int]  # output key -> sheet column

    def range(self, key: str) -> str:
        letter = column_letter(self.columns[key])
        return f"{quote_sheet(self.sheet)}!${letter}${self.first_row}:${letter}${max(self.last_row, self.first_row)}"


def fill_summary(book: WorkbookPort, sheet_name: str, result: SegmentResult, data: DataColumns,
                 template: Path | None = None, extra_warnings: list[str] | None = None,
                 clusters: pd.DataFrame | None = None) -> None:
    """Copy the template in as `sheet_name` and fill every block."""
    anchors = book.import_sheet(template or template_path(), TEMPLATE_SHEET, sheet_name)
    missing = [a for a in ANCHORS if a not in anchors]
    if missing:
        raise ValueError(f"the summary template lacks the defined names {', '.join(missing)}")
    lang = result.language
    zh = lang == "zh"
    tier_rows = _tiers(book, sheet_name, anchors["xcs_tiers"], result, data)
    _title(book, sheet_name, anchors["xcs_title"], result, data)
    curve = _curve(book, sheet_name, anchors["xcs_curve"], data, zh)
    _pareto(book, sheet_name, anchors["xcs_pareto"], data, zh)
    _cross(book, sheet_name, anchors["xcs_cross"], result, data)
    _lifecycle(book, sheet_name, anchors["xcs_lifecycle"], result, data)
    n_strategies = _strategies(book, sheet_name, anchors["xcs_strategies"], result, data)
    strategies_row, strategies_col = anchors["xcs_strategies"]
    counts_at = anchors.get("xcs_heatmap", (strategies_row + n_strategies + 4, strategies_col))
    bins = result.settings["rfm.bins"]
    _heatmap(book, sheet_name, counts_at, anchors.get("xcs_heatmap_m", (counts_at[0], counts_at[1] + bins + 2)),
             bins, data)
    warnings = [*result.summary.quality, *result.warnings, *(extra_warnings or [])]
    book.write_block(sheet_name, *anchors["xcs_quality"], [[w] for w in warnings] or [["—"]])
    _charts(book, sheet_name, anchors["xcs_charts"], anchors["xcs_tiers"], tier_rows, curve, zh)
    if clusters is not None:
        at = anchors.get("xcs_clusters", (anchors["xcs_curve"][0] + 24, anchors["xcs_curve"][1]))
        _clusters(book, sheet_name, at, clusters, data, zh)
    elif "xcs_clusters" in anchors:
        hint = pick(SUMMARY_TEXTS["no_clusters"], lang)
        row, col = anchors["xcs_clusters"]
        book.write_block(sheet_name, row + 1, col, [[hint]])  # under the (empty) header: a note, not a header
    if result.clv is not None:  # optional anchor xcs_clv, else below the cluster profile's place
        curve_row, curve_col = anchors["xcs_curve"]
        at = anchors.get("xcs_clv", (anchors.get("xcs_clusters", (curve_row + 24, curve_col))[0] + 14, curve_col))
        _clv(book, sheet_name, at, result.clv, lang)
    _cut_points(book, sheet_name, anchors.get("xcs_cuts", (anchors["xcs_title"][0], anchors["xcs_curve"][1] + 3)),
                result)


def _cut_points(book, sheet, at, result: SegmentResult) -> None:
    """The 分层依据 / Cut points block (optional anchor xcs_cuts, else right of the Pareto curve's data): the
    tier amounts, R/F/M edges, rfm8 High centres and lifecycle day limits this run classed by, as static values
    (engine.explain.cut_rows: the settings sheet shows the same)."""
    from xlcustseg.engine.explain import cut_rows

    book.write_block(sheet, at[0], at[1], cut_rows(result), [None, None, None, MONEY])


def _clv(book, sheet, at, report, lang: str) -> None:
    """The CLV models' parameters with standard errors, then the calibration table (static values)."""
    row0, col0 = at
    rows: list[list] = [[pick(CLV_SUMMARY["title"], lang)],
                        [pick(CLV_SUMMARY["terms"], lang).format(days=report.horizon_days, rate=report.discount_rate)],
                        pick(CLV_SUMMARY["parameters"], lang).split("|")]
    for model, fit, names in (("BG/NBD", report.bgnbd, ("r", "alpha", "a", "b")),
                              ("Gamma-Gamma", report.gamma_gamma, ("p", "q", "v"))):
        rows += [[model, name, fit[name], fit["se"][name]] for name in names]
    book.write_block(sheet, row0, col0, rows, [None, None, "0.000", "0.000"])
    row = row0 + len(rows) + 1
    if report.calibration.empty:
        book.write_block(sheet, row, col0, [[pick(CLV_SUMMARY["no_calibration"], lang).format(
            reason=report.calibration_error)]])
        return
    table = [[pick(CLV_SUMMARY["calibration"], lang).format(cutoff=report.cutoff.date().isoformat())],
             pick(CLV_SUMMARY["calibration_columns"], lang).split("|")]
    table += [[b.bucket, b.customers, b.actual, b.predicted] for b in report.calibration.itertuples(index=False)]
    book.write_block(sheet, row, col0, table, [None, INTEGER, "0.000", "0.000"])


def _clusters(book, sheet, at, profile: pd.DataFrame, data: DataColumns, zh: bool) -> None:
    """Size, share and revenue share live; the means of R, F, M as computed (static)."""
    header = SUMMARY_HEADERS["clusters"][0 if zh else 1]
    row0, col0 = at
    first, last = row0 + 1, row0 + len(profile)
    size = column_letter(col0 + 1)
    name_col = column_letter(col0)
    rows = []
    for i, item in enumerate(profile.itertuples(index=False)):
        r = first + i
        rows.append([
            item.name, Formula(f"=COUNTIF({data.range('cluster')},{name_col}{r})"),
            Formula(f"=IFERROR({size}{r}/SUM({size}${first}:{size}${last}),0)"),
            getattr(item, "mean_R", None), getattr(item, "mean_F", None), getattr(item, "mean_M", None),
            Formula(f"=IFERROR(SUMIFS({data.range('revenue_value')},{data.range('cluster')},{name_col}{r})/"
                    f"SUMIFS({data.range('revenue_value')},{data.range('cluster')},\"<>\"),0)"),
        ])
    book.write_block(sheet, row0, col0, [header])
    book.write_block(sheet, first, col0, rows, [None, INTEGER, PERCENT, "0.0", "0.0", MONEY, PERCENT])


def _title(book, sheet, at, result: SegmentResult, data: DataColumns) -> None:
    as_of = result.as_of.strftime("%Y-%m-%d") if result.as_of is not None else "—"
    title = pick(SUMMARY_TEXTS["title"], result.language)
    sub = pick(SUMMARY_TEXTS["subtitle"], result.language).format(sheet=data.sheet, customers=len(result.table),
                                                                 as_of=as_of)
    book.write_block(sheet, at[0], at[1], [[title], [None], [sub]])


def _tiers(book, sheet, at, result: SegmentResult, data: DataColumns) -> int:
    header = pick(SUMMARY_HEADERS["tiers"], result.language)
    table = result.summary.tiers
    row0, col0 = at
    first, last = row0 + 1, row0 + len(table)
    cust, rev = column_letter(col0 + 2), column_letter(col0 + 4)
    tier_range, revenue_range = data.range("tier"), data.range("revenue_value")
    rows = []
    for i, (tier, label) in enumerate(zip(table["tier"], table["label"], strict=True)):
        r = first + i
        key = f"{column_letter(col0)}{r}"
        rows.append([
            tier, label,
            Formula(f"=COUNTIF({tier_range},{key})"),
            Formula(f"=IFERROR({cust}{r}/SUM({cust}${first}:{cust}${last}),0)"),
            Formula(f"=SUMIFS({revenue_range},{tier_range},{key})"),
            Formula(f"=IFERROR({rev}{r}/SUM({rev}${first}:{rev}${last}),0)"),
            Formula(f"=IFERROR({rev}{r}/{cust}{r},0)"),
        ])
    total = pick(SUMMARY_TEXTS["total"], result.language)
    rows.append([total, None, Formula(f"=SUM({cust}{first}:{cust}{last})"),
                 Formula(f"=SUM({column_letter(col0 + 3)}{first}:{column_letter(col0 + 3)}{last})"),
                 Formula(f"=SUM({rev}{first}:{rev}{last})"),
                 Formula(f"=SUM({column_letter(col0 + 5)}{first}:{column_letter(col0 + 5)}{last})"),
                 Formula(f"=IFERROR({rev}{last + 1}/{cust}{last + 1},0)")])
    formats = [None, None, INTEGER, PERCENT, MONEY, PERCENT, MONEY]
    book.write_block(sheet, row0, col0, [header])
    book.write_block(sheet, first, col0, rows, formats)
    return len(table)


def _top_share(data: DataColumns, share: float) -> str:
    """Revenue share of the top `share` of customers: the k largest values summed without a volatile array.

    With t the k-th largest value, the top k sum to every value above t plus t once
    for each of the k places those do not fill (ties at t count once each). Linear
    in the rows; no INDIRECT/OFFSET, so Excel recalculates it only when the column changes.
    """
    rev = data.range("revenue_value")
    k = f"ROUNDUP(COUNT({rev})*{share},0)"
    t = f"LARGE({rev},{k})"
    return f"IFERROR((SUMIF({rev},\">\"&{t})+({k}-COUNTIF({rev},\">\"&{t}))*{t})/SUM({rev}),0)"


def _pareto(book, sheet, at, data: DataColumns, zh: bool) -> None:
    rev = data.range("revenue_value")
    k = f"ROUNDUP(COUNT({rev})*0.2,0)"
    share = f"TEXT({_top_share(data, 0.2)},\"0.0%\")"
    text = Formula(SUMMARY_TEXTS["pareto_formula"][0 if zh else 1].format(k=k, share=share))
    book.write_block(sheet, at[0], at[1], [[text]])


def _curve(book, sheet, at, data: DataColumns, zh: bool) -> tuple[int, int, int]:
    header = SUMMARY_HEADERS["curve"][0 if zh else 1]
    rows = [[p, Formula(f"={_top_share(data, p)}")] for p in CURVE_POINTS]
    book.write_block(sheet, at[0], at[1], [header])
    book.write_block(sheet, at[0] + 1, at[1], rows, [PERCENT, PERCENT])
    return at[0], at[0] + len(rows), at[1]


def _cross(book, sheet, at, result: SegmentResult, data: DataColumns) -> None:
    settings, lang = result.settings, result.language
    rfm_map = result.rfm_map
    classes = settings.classes(rfm_map)
    names = list(labels(pd.Series(classes, dtype=object), rfm_map, lang, settings))
    tiers = list(settings.tier_letters())
    corner = pick(SUMMARY_TEXTS["cross_corner"], lang)
    rows: list[list] = [[corner, *names]]
    tier_range, class_range = data.range("tier"), data.range("rfm_class")
    row0, col0 = at
    for i, tier in enumerate(tiers):
        r = row0 + 1 + i
        rows.append([tier, *[Formula(f"=COUNTIFS({tier_range},${column_letter(col0)}{r},{class_range},"
                                     f"{column_letter(col0 + 1 + j)}${row0})") for j in range(len(names))]])
    book.write_block(sheet, row0, col0, rows, [None] + [INTEGER] * len(names))


def _lifecycle(book, sheet, at, result: SegmentResult, data: DataColumns) -> None:
    zh = result.language == "zh"
    frame = result.summary.lifecycle
    row0, col0 = at
    header = SUMMARY_HEADERS["lifecycle"][0 if zh else 1]
    first, last = row0 + 1, row0 + len(frame)
    count = column_letter(col0 + 1)
    rows = [[label, Formula(f"=COUNTIF({data.range('lifecycle')},{column_letter(col0)}{first + i})"),
             Formula(f"=IFERROR({count}{first + i}/SUM({count}${first}:{count}${last}),0)")]
            for i, label in enumerate(frame["label"])]
    book.write_block(sheet, row0, col0, [header])
    book.write_block(sheet, first, col0, rows, [None, INTEGER, PERCENT])


def _strategies(book, sheet, at, result: SegmentResult, data: DataColumns) -> int:
    """One row per tier and class present: its customers (live), cadence and strategy; returns the row count."""
    zh = result.language == "zh"
    classes, settings = result.classes, result.settings
    column, scheme = result.secondary
    key = "rfm_class" if column == "rfm_class" else "lifecycle"
    combos = (pd.DataFrame({"tier": classes["tier"], "cls": classes[column], "strategy": classes["strategy"],
                            "cadence": classes["cadence"]})
              .dropna(subset=["tier", "cls"]).drop_duplicates(["tier", "cls"]).sort_values(["tier", "cls"]))
    combos["label"] = labels(combos["cls"], scheme, result.language, settings).to_numpy()
    header = SUMMARY_HEADERS["strategies"][0 if zh else 1]
    row0, col0 = at
    rows = [[t, label, Formula(f"=COUNTIFS({data.range('tier')},{column_letter(col0)}{row0 + 1 + i},"
                               f"{data.range(key)},{column_letter(col0 + 1)}{row0 + 1 + i})"), cadence, text]
            for i, (t, label, cadence, text) in enumerate(
                zip(combos["tier"], combos["label"], combos["cadence"], combos["strategy"], strict=True))]
    book.write_block(sheet, row0, col0, [header])
    if rows:
        book.write_block(sheet, row0 + 1, col0, rows, [None, None, INTEGER, INTEGER, None])
    return len(rows)


def _heatmap(book, sheet, counts_at, average_at, bins: int, data: DataColumns) -> None:
    """The R × F heatmaps: customers per R and F score (COUNTIFS) and their average M score (AVERAGEIFS, "-"
    where no customer), R from best to worst down, F from worst to best across. The headers are the scores
    themselves shown as R5 / F1, so each formula looks them up; the template's colour scale colours the grids."""
    r_range, f_range, m_range = data.range("r"), data.range("f"), data.range("m")
    for (row0, col0), average in ((counts_at, False), (average_at, True)):
        corner = column_letter(col0)
        rows = []
        for i, r_score in enumerate(range(bins, 0, -1)):
            r = row0 + 1 + i
            cells = []
            for j in range(bins):
                where = f"{r_range},${corner}{r},{f_range},{column_letter(col0 + 1 + j)}${row0}"
                cells.append(Formula(f"=IFERROR(AVERAGEIFS({m_range},{where}),\"-\")" if average
                                     else f"=COUNTIFS({where})"))
            rows.append([r_score, *cells])
        book.write_block(sheet, row0, col0, [["R \\ F", *range(1, bins + 1)]], [None] + [F_SCORE] * bins)
        book.write_block(sheet, row0 + 1, col0, rows, [R_SCORE] + [M_AVERAGE if average else INTEGER] * bins)


def _charts(book, sheet, at, tiers_at, n_tiers: int, curve: tuple[int, int, int], zh: bool) -> None:
    def say(key: str) -> str:
        return SUMMARY_TEXTS[key][0 if zh else 1]

    row0, col0 = tiers_at
    last = row0 + n_tiers
    book.add_chart(sheet, ChartSpec(
        "bar", say("chart_customers"), (row0 + 1, last, col0),
        [(row0, last, col0 + 2)], at, y_title=say("axis_customers")))
    book.add_chart(sheet, ChartSpec(
        "bar", say("chart_revenue"), (row0 + 1, last, col0),
        [(row0, last, col0 + 4)], (at[0] + 16, at[1]), y_title=say("axis_revenue")))
    header_row, last_row, col = curve
    book.add_chart(sheet, ChartSpec(
        "line", say("chart_pareto"), (header_row + 1, last_row, col),
        [(header_row, last_row, col + 1)], (at[0] + 32, at[1]),
        y_title=say("axis_cumulative"), x_title=say("axis_share"), percent_axis=True))
