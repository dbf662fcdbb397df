"""Finding the customer table in a sheet: its header row and what each column holds.

Headers are matched to canonical fields through zh/en synonyms after
normalising case, spaces, punctuation, full-width forms and units in brackets
(`销售额（元）` reads as `销售额`). Matching goes from strict to loose: the whole
header equals a synonym; the header ends with one; the header contains a long
one. Each field takes at most one column, the leftmost best match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import pandas as pd

#: canonical field -> typical headers (SCHEMES.md "Input columns").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": ("客户编号", "客户ID", "客户代码", "客户号", "会员号", "会员编号", "会员ID",
                    "Customer ID", "Cust ID", "Customer No", "Customer Number", "Client ID", "ID"),
    "customer_name": ("客户名称", "客户", "客户名", "公司名称", "单位名称", "姓名", "名称",
                      "Customer", "Customer Name", "Name", "Company", "Client"),
    "revenue": ("销售额", "消费金额", "交易金额", "累计金额", "采购额", "金额", "销售金额", "成交金额",
                "订单金额", "实付金额", "消费总额", "营业额", "Revenue", "Sales", "Amount",
                "Monetary", "Spend", "Total Spend", "Sales Amount"),
    "profit": ("利润", "毛利", "利润贡献", "毛利额", "Profit", "Margin", "Gross Profit"),
    "orders": ("订单数", "购买次数", "交易次数", "频次", "消费次数", "下单次数", "Orders",
               "Frequency", "Purchases", "Order Count", "Number of Orders"),
    "first_date": ("首次购买日期", "首次交易日期", "首购日期", "首单日期", "首次消费时间",
                   "First purchase", "First Purchase Date", "First Order Date"),
    "last_date": ("最近购买日期", "最后购买日期", "最近交易日期", "最近消费时间", "最近消费日期",
                  "末次购买日期", "Last purchase", "Last Purchase Date", "Last order date"),
    "recency": ("最近购买天数", "距今天数", "未购天数", "Recency", "Days Since Last Purchase"),
    "order_date": ("下单日期", "交易日期", "日期", "订单日期", "下单时间", "Order date", "Date",
                   "Invoice Date", "Transaction Date"),
    "order_id": ("订单号", "订单编号", "单号", "Order ID", "Order No", "Invoice", "Invoice No"),
    "need": ("需求", "需求程度", "需求度", "Need", "Need Score"),
    "potential": ("潜力", "成长潜力", "潜在价值", "Potential", "Growth Potential"),
    "relationship": ("关系", "合作紧密度", "关系紧密度", "Relationship"),
    "money": ("购买力", "有预算", "预算", "Money", "Budget"),
    "authority": ("决策权", "决策人", "Authority", "Decision Maker"),
    "need_flag": ("有需求", "需求(是否)", "Has Need", "Need Flag"),
    "stage": ("阶段", "意向", "跟进状态", "客户阶段", "意向程度", "Stage", "Status", "Lead Status"),
    "last_contact": ("最近联系日期", "最近回访日期", "上次联系日期", "最后联系日期",
                     "Last Contact", "Last Contact Date"),
    "discount_share": ("折扣订单占比", "优惠使用率", "折扣占比", "Discount Share", "Discount Rate"),
    "complaints": ("投诉次数", "投诉", "Complaints"),
    "new_product_share": ("新品占比", "新品购买占比", "New Product Share"),
    "service_requests": ("服务请求次数", "服务次数", "咨询次数", "Service Requests",
                         "Service Contacts"),
    "return_rate": ("退货率", "Return Rate"),
    "referrals": ("转介绍人数", "转介绍", "推荐人数", "Referrals"),
    "industry": ("行业", "所属行业", "Industry"),
    "region": ("地区", "省份", "城市", "区域", "Region", "Province", "City"),
    "customer_kind": ("客户性质", "单位性质", "客户类别", "Customer Kind", "Account Type"),
    "personality": ("性格", "客户性格", "性格类型", "个性", "Personality"),
}

_BRACKETED = re.compile(r"[(\[【{].*?[)\]】}]")
_PUNCT = re.compile(r"[\s_\-:;,./\\|'\"`~!?*#&+=<>，。、；：？！“”‘’·（）()\[\]【】{}]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise_header(text: object) -> str:
    """Comparable form of a header: NFKC, lower case, no units in brackets, no punctuation."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    raw = unicodedata.normalize("NFKC", str(text)).strip().lower()
    stripped = _BRACKETED.sub("", raw)
    return _PUNCT.sub("", stripped or raw)


def _exact(text: object) -> str:
    """Looser than equality only in width, case and surrounding spaces (for our own headers)."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def has_cjk(text: object) -> bool:
    return bool(_CJK.search(str(text)))


def _synonym_index(overrides: Mapping[str, str]) -> list[tuple[str, str]]:
    """(normalised synonym, field) pairs, explicit overrides first."""
    return _cached_index(tuple(sorted(overrides.items())))


@cache
def _cached_index(overrides: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    pairs = [(normalise_header(h), f) for f, h in overrides if h]
    pairs += [(normalise_header(s), f) for f, syns in SYNONYMS.items() for s in syns]
    return pairs


def _match(header: str, index: list[tuple[str, str]]) -> tuple[int, str] | None:
    """Best (strength, field) for one normalised header; higher strength is stricter."""
    if not header:
        return None
    for synonym, field in index:
        if header == synonym:
            return (3, field)
    ends = [(len(s), f) for s, f in index if len(s) >= 2 and header.endswith(s)]
    if ends:
        return (2, max(ends)[1])
    contains = [(len(s), f) for s, f in index if len(s) >= 4 and s in header]
    if contains:
        return (1, max(contains)[1])
    return None


def match_fields(headers: Iterable[object], overrides: Mapping[str, str] | None = None,
                 ignore: Iterable[str] = ()) -> dict[str, int]:
    """Map canonical field -> column position for a row of headers."""
    index = _synonym_index(overrides or {})
    ignored = {_exact(h) for h in ignore}
    candidates: list[tuple[int, int, str]] = []
    for pos, header in enumerate(headers):
        norm = normalise_header(header)
        if _exact(header) in ignored:
            continue
        forced = [f for f, h in (overrides or {}).items() if h and normalise_header(h) == norm]
        hit = (4, forced[0]) if forced else _match(norm, index)
        if hit:
            candidates.append((-hit[0], pos, hit[1]))
    fields: dict[str, int] = {}
    taken: set[int] = set()
    for _, pos, field in sorted(candidates):
        if field not in fields and pos not in taken:
            fields[field] = pos
            taken.add(pos)
    return fields


@dataclass(frozen=True)
class TableLayout:
    """Where the table is inside the frame a spreadsheet handed over."""

    header_row: int | None  # frame row holding the headers; None: the frame's own columns
    headers: list[str]
    fields: dict[str, int]  # canonical field -> column position


def find_table(frame: pd.DataFrame, overrides: Mapping[str, str] | None = None,
               ignore: Iterable[str] = (), scan_rows: int = 50) -> TableLayout:
    """Find the header row (the frame's columns or one of its first rows) by synonym hits."""
    ignore = list(ignore)
    best = TableLayout(None, [_label(c) for c in frame.columns],
                       match_fields(frame.columns, overrides, ignore))
    top = frame.head(scan_rows)
    for i in range(len(top)):
        row = top.iloc[i].tolist()
        if sum(1 for v in row if isinstance(v, str) and v.strip()) < 2:
            continue
        fields = match_fields(row, overrides, ignore)
        if len(fields) > len(best.fields):
            best = TableLayout(i, [_label(v) for v in row], fields)
    return best


def _label(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()
