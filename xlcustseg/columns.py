"""Headers of the columns and sheets we create (SCHEMES.md "Output columns")."""

from __future__ import annotations

#: key, Chinese header, English header — in the order they are written.
OUTPUT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("tier", "客户等级", "Tier"),
    ("r", "R值", "R"),
    ("f", "F值", "F"),
    ("m", "M值", "M"),
    ("rfm_code", "RFM得分", "RFM"),
    ("rfm_class", "RFM分群", "RFM Class"),
    ("lifecycle", "生命周期", "Lifecycle"),
    ("customer_type", "客户类型", "Customer Type"),
    ("strategy", "策略", "Strategy"),
    ("cadence", "回访周期(天)", "Cadence (days)"),
    ("next_contact", "下次回访日期", "Next Contact"),
    ("notes", "备注", "Notes"),
)

#: the revenue as read, as a number: what the summary sheet's SUMIFS add up (customer tables
#: only; the customer sheet made from order lines has its own revenue column).
REVENUE_VALUE = ("revenue_value", "销售额(数值)", "Revenue (value)")

#: optional columns of the learned segments
CLUSTER_COLUMN = ("cluster", "聚类", "Cluster")
PREDICTED_COLUMNS = (("predicted", "预测等级", "Predicted"), ("confidence", "置信度", "Confidence"))

#: the customer sheet made from order lines: aggregated columns before the output ones.
AGGREGATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("first_date", "首次购买日期", "First Purchase"),
    ("last_date", "最近购买日期", "Last Purchase"),
    ("orders", "订单数", "Orders"),
    ("revenue", "销售额", "Revenue"),
    ("recency", "最近购买天数", "Recency (days)"),
)

SHEETS = {
    "customers": ("客户分层", "Customers"),
    "settings": ("设置", "Settings"),
    "summary": ("分层汇总", "Summary"),
    "rules": ("规则", "Rules"),
}


def header(key: str, lang: str, table: tuple[tuple[str, str, str], ...] = OUTPUT_COLUMNS) -> str:
    for k, zh, en in table:
        if k == key:
            return zh if lang == "zh" else en
    raise KeyError(key)


def output_headers(lang: str) -> list[str]:
    return [zh if lang == "zh" else en for _, zh, en in OUTPUT_COLUMNS]


def all_created_headers() -> set[str]:
    """Every header we may have written, in either language (skipped on a re-run)."""
    ours = (*OUTPUT_COLUMNS, REVENUE_VALUE, CLUSTER_COLUMN, *PREDICTED_COLUMNS)
    return {h for _, zh, en in ours for h in (zh, en)}


def sheet_name(key: str, lang: str) -> str:
    zh, en = SHEETS[key]
    return zh if lang == "zh" else en
