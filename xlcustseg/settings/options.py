"""The options table: every setting with its default, its reader and what it means.

This is the one place a default lives. Thresholds, cut-offs, keyword lists and
mappings are rows here; every class's label, strategy text, cadence, service
level and owner comes from the strategy catalogue (data/catalogue.tsv) as
`class.<scheme>.<key>.<attribute>` rows. The schemes take each value as an
argument and carry no default of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from xlcustseg import resources
from xlcustseg.fields.headers import SYNONYMS
from xlcustseg.settings import readers


@dataclass(frozen=True)
class Option:
    """One setting: its key, its default as typed in the settings sheet, its reader, what it means."""

    key: str
    default: Any
    read: Callable[[Any], Any]
    description: str


_STAGE_MAP = "已成交=S；已付意向金=A；已选定=A；有明确意向=B；有效沟通=C；已拜访=D；未联系=D"

_OPTIONS: list[Option] = [
    Option("language", "auto", readers.choice("auto", "zh", "en"), "Labels and headers: auto (follow the table's headers), zh or en"),
    Option("as_of", "auto", readers.as_of, "Analysis date: auto (latest purchase date in the data), today, or a date"),
    Option("tier.basis", "count", readers.choice("count", "revenue_share", "threshold"), "Tier rule: count (top 5%/20% of customers), revenue_share (80%/95% of revenue) or threshold (money amounts)"),
    Option("tier.levels", 3, readers.integer(3, 5), "3 tiers (A/B/C) or 5 tiers (VIP/A/B/C/D)"),
    Option("tier.count_cutoffs", "auto", readers.shares_ascending, "Shares of customers closing each tier; auto = 5%, 20% (3 levels) or 1%, 5%, 20%, 50% (5 levels)"),
    Option("tier.share_cutoffs", "auto", readers.shares_ascending, "Cumulative revenue shares closing each tier; auto = 80%, 95% (3 levels) or 50%, 80%, 95%, 99% (5 levels)"),
    Option("tier.thresholds", "", readers.numbers_list("desc"), "Money amounts, highest first, for basis = threshold (revenue ≥ amount)"),
    Option("rfm.bins", 5, readers.integer(3, 5), "Number of R/F/M scores (3, 4 or 5)"),
    Option("rfm.method", "rank", readers.choice("rank", "threshold"), "rank (score = 1 + floor(bins·w/n)) or threshold (the fixed limits below)"),
    Option("rfm.map", "auto", readers.choice("auto", "rfm8", "rfm4", "rfm10"), "Class map: auto (rfm8 for Chinese, rfm10 for English), rfm8, rfm4 or rfm10"),
    Option("rfm.high_rule", "score_mean", readers.choice("score_mean", "value_mean", "value_median"), "High/low in rfm8: score ≥ mean score, or raw value against its mean or median"),
    Option("rfm.monetary", "total", readers.choice("total", "average"), "M is total revenue or average per order"),
    Option("rfm.r_thresholds", "30, 90, 180, 365", readers.numbers_list("asc"), "Threshold method: days since last purchase for the top scores (≤ 30 → best)"),
    Option("rfm.f_thresholds", "2, 3, 5, 10", readers.numbers_list("asc"), "Threshold method: orders needed for score 2, 3, …"),
    Option("rfm.m_thresholds", "1000, 5000, 10000, 50000", readers.numbers_list("asc"), "Threshold method: revenue needed for score 2, 3, …"),
    Option("lifecycle.new_days", 90, readers.integer(1, 36500), "New: first purchase within this many days"),
    Option("lifecycle.active_days", 180, readers.integer(1, 36500), "Active: last purchase within this many days"),
    Option("lifecycle.dormant_days", 365, readers.integer(1, 36500), "Dormant: last purchase within this many days (older: churned)"),
    Option("quadrant.value_threshold", "median", readers.median_or_number, "High value: revenue ≥ this (median or an amount)"),
    Option("quadrant.need_threshold", "median", readers.median_or_number, "High need: need score ≥ this (median or a score); 高 is always high"),
    Option("quadrant.potential_threshold", "median", readers.median_or_number, "Prospects' high potential value: potential ≥ this"),
    Option("followup.stage_map", _STAGE_MAP, readers.mapping, "Stage text → follow-up grade (S/A/B/C/D)"),
    Option("followup.demote_after_days", 30, readers.integer(1, 3650), "Suggest A → B when an A has had no contact for this many days"),
    Option("score.weights", "revenue=40, orders=20, profit=20, potential=20", readers.weights, "Scorecard components and weights (renormalised over those present)"),
    Option("score.cutoffs", "90, 75, 50, 25", readers.numbers_list("desc"), "Scorecard grade cut-offs for VIP, A, B, C"),
    Option("nature.government", "人民政府, 政府, 委员会, 街道办, 管委会, 局, 厅, 署, 办公室, government, ministry, council", readers.words, "Keywords of government customers"),
    Option("nature.nonprofit", "大学, 学院, 学校, 中学, 小学, 幼儿园, 医院, 卫生院, 协会, 学会, 基金会, 研究所, 研究院, university, school, hospital, association, foundation", readers.words, "Keywords of non-profit customers"),
    Option("nature.channel", "经销, 代理, 批发, 分销, 贸易商, distributor, dealer, wholesale, reseller", readers.words, "Keywords of channel customers"),
    Option("nature.enterprise", "有限公司, 有限责任公司, 股份, 集团, 公司, 工厂, 厂, 企业, 商行, 工作室, co., ltd, inc, llc, gmbh, corp, plc, company", readers.words, "Keywords of enterprise customers"),
    Option("nature.consumer_suffixes", "先生, 女士, 小姐, mr, mrs, ms", readers.words, "Words that mark a personal name"),
    Option("behaviour.discount_share", 0.5, readers.share, "Price-sensitive: discount order share ≥ this"),
    Option("behaviour.loyal_days", 365, readers.integer(1, 36500), "Loyal: customer for at least this many days …"),
    Option("behaviour.loyal_orders", 5, readers.integer(1, 100000), "… and at least this many orders"),
    Option("behaviour.service_requests", 5, readers.number(0), "Service-oriented: service requests ≥ this"),
    Option("behaviour.new_product_share", 0.3, readers.share, "Innovation-oriented: new-product share ≥ this"),
    Option("behaviour.brand_quantile", 0.8, readers.share, "Brand-oriented: average order value in the top (1 − this) of customers"),
    Option("cluster.enabled", "no", readers.yes_no, "Add a 聚类 / Cluster column and a cluster profile to the one-click run"),
    Option("cluster.k", "auto", readers.k_or_auto, "Number of clusters, or auto (the best silhouette over 2–8)"),
    Option("cluster.features", "", readers.words, "Extra numeric columns (headers) to cluster on besides R, F and M"),
    Option("clv.enabled", "auto", readers.auto_yes_no, "Add 活跃概率 / P(alive), 预计购买次数 / Expected Purchases and 预计客户价值 / Predicted Value: auto (for dated order lines with amounts; a warning instead when the data cannot carry the models), yes (also warn when the table has no order lines) or no (docs/clv.md)"),
    Option("clv.horizon_days", 365, readers.integer(1, 3650), "CLV: days ahead the expected purchases and the predicted value cover"),
    Option("clv.discount_rate", 0.10, readers.number(0), "CLV: annual discount rate of the predicted value (0.10 = 10% a year)"),
    Option("movement.previous", "", readers.text, "Compare with an earlier snapshot: a sheet of this workbook (e.g. last quarter's customer sheet, or 客户分层 / Customers to compare with the previous run) or a workbook file; adds 上期等级 / Previous Tier, 上期RFM分群 / Previous RFM Class, 等级变动 / Tier Change and the 迁移矩阵 / Movement sheet"),
    Option("movement.compare_as_of", "", readers.date_or_blank, "Order lines: compare with the same orders as of this earlier date (only orders up to it); blank: no comparison"),
    Option("output.why", "no", readers.yes_no, "Add a 分层依据 / Why column: for each row, the cut points that put it in its tier, R/F/M scores and lifecycle stage (the summary's 分层依据 / Cut points block lists them all)"),
    Option("strategy.secondary", "rfm", readers.choice("rfm", "lifecycle"), "The class combined with the tier in the strategy text"),
    Option("total_row.labels", "合计, 总计, 小计, Total, Grand Total, Subtotal", readers.words, "A row whose customer id or name is one of these (case, width and spaces ignored) is a total row: left out of the segmentation, with a note"),
    Option("quality.exclude", "", readers.words, "Accounts to leave out (internal, test): customer ids or names, comma-separated; their rows get no classes and a note, and the 数据质量 / Data quality sheet counts them"),
    Option("quality.duplicates", "flag", readers.choice("flag", "merge"), "Duplicate customer ids: flag (listed with their rows on the 数据质量 / Data quality sheet; merge is not available yet)"),
    Option("quality.outlier_multiple", 10, readers.number(1), "Revenue outlier: above this multiple of the 99th percentile (negative revenue is flagged too), listed on the 数据质量 / Data quality sheet"),
]
_OPTIONS += [
    Option(f"header.{field}", "", readers.text, f"Header of the {field} column when detection misses it")
    for field in SYNONYMS
]


@cache
def catalogue() -> pd.DataFrame:
    """The default strategy catalogue: one row per class of every scheme."""
    with resources.catalogue().open(encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", dtype={"cadence_days": int}, keep_default_na=False)


#: what the catalogue says of every class
CLASS_ATTRIBUTES = ("label_zh", "label_en", "strategy_zh", "strategy_en", "cadence_days",
                    "service_zh", "service_en", "owner_zh", "owner_en")


def _catalogue_options() -> list[Option]:
    options = []
    for row in catalogue().itertuples(index=False):
        for attr in CLASS_ATTRIBUTES:
            read = readers.integer(0, 3650) if attr == "cadence_days" else readers.text
            options.append(Option(f"class.{row.scheme}.{row.key}.{attr}", getattr(row, attr),
                                  read, f"{attr} of {row.scheme} class {row.key}"))
    return options


#: every setting by key: the one place a default lives
OPTIONS: dict[str, Option] = {o.key: o for o in _OPTIONS + _catalogue_options()}

#: the tier letters by number of levels
TIER_LETTERS = {3: ("A", "B", "C"), 4: ("A", "B", "C", "D"), 5: ("VIP", "A", "B", "C", "D")}
#: tier cut-offs when tier.count_cutoffs / tier.share_cutoffs say 'auto', by basis and number of levels
AUTO_CUTOFFS = {
    "count": {3: (0.05, 0.20), 4: (0.05, 0.20, 0.50), 5: (0.01, 0.05, 0.20, 0.50)},
    "revenue_share": {3: (0.80, 0.95), 4: (0.50, 0.80, 0.95), 5: (0.50, 0.80, 0.95, 0.99)},
}
