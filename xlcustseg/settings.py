"""Every threshold, cut-off, label, keyword list, mapping and strategy text, as data.

`OPTIONS` is the one place defaults live. A `Settings` is an immutable,
validated mapping from dotted keys (`rfm.bins`, `tier.basis`,
`class.tier.A.strategy_zh` …) to typed values. It converts to and from the
two-column key/value table that the workbook's settings sheet holds; values in
that table are text as a person types them (`5%, 20%`, `已付意向金=A；有明确意向=B`).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from xlcustseg import resources
from xlcustseg.fields.headers import SYNONYMS


class SettingsError(ValueError):
    """A setting has a value we cannot use. `key` names it; `row` is its table row if known."""

    def __init__(self, key: str, value: object, reason: str, row: int | None = None):
        self.key, self.value, self.reason, self.row = key, value, reason, row
        super().__init__(f"setting '{key}' = {value!r}: {reason}")


# ---------------------------------------------------------------- value readers
_SPLIT = re.compile(r"\s*[,，、;；|\n]\s*")


def _items(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p for p in _SPLIT.split(str(value).strip()) if p]


def _scalar_number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        pass
    from xlcustseg.fields.values import parse_numbers

    parsed = parse_numbers(pd.Series([value], dtype=object))
    number = parsed.values.iloc[0]
    if pd.isna(number):
        raise ValueError("is not a number")
    return float(number)


def _share(value: Any) -> float:
    text = str(value).strip()
    number = _scalar_number(value)
    if not text.endswith(("%", "％")) and number > 1:
        number /= 100.0  # "20" in a share setting means 20%
    if not 0 < number < 1:
        raise ValueError("must be a share between 0% and 100%")
    return number


def choice(*choices: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return read


def integer(lo: int, hi: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        number = _scalar_number(value)
        if number != int(number) or not lo <= number <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return int(number)

    return read


def number(lo: float | None = None) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        result = _scalar_number(value)
        if lo is not None and result < lo:
            raise ValueError(f"must be at least {lo:g}")
        return result

    return read


def share(value: Any) -> float:
    return _share(value)


def shares_ascending(value: Any) -> tuple[float, ...] | str:
    """`5%, 20%` → (0.05, 0.2); 'auto' keeps the default for the number of levels."""
    if str(value).strip().lower() == "auto":
        return "auto"
    result = tuple(_share(v) for v in _items(value))
    if not result or any(b <= a for a, b in itertools.pairwise(result)):
        raise ValueError("must be shares in increasing order, e.g. 5%, 20%")
    return result


def numbers_list(order: str) -> Callable[[Any], tuple[float, ...]]:
    def read(value: Any) -> tuple[float, ...]:
        result = tuple(_scalar_number(v) for v in _items(value))
        pairs = list(itertools.pairwise(result))
        bad = any(b >= a for a, b in pairs) if order == "desc" else any(b <= a for a, b in pairs)
        if bad:
            raise ValueError(f"must be numbers in {'de' if order == 'desc' else 'in'}creasing order")
        return result

    return read


def median_or_number(value: Any) -> float | str:
    if str(value).strip().lower() in ("median", "中位数"):
        return "median"
    return _scalar_number(value)


def words(value: Any) -> tuple[str, ...]:
    return tuple(_items(value))


def text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def mapping(value: Any) -> dict[str, str]:
    """`已付意向金=A；有明确意向=B` → {'已付意向金': 'A', '有明确意向': 'B'}."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    result: dict[str, str] = {}
    for item in _items(value):
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"'{item}' is not of the form name=value")
        result[key.strip()] = target.strip()
    return result


def weights(value: Any) -> dict[str, float]:
    result = {k: _scalar_number(v) for k, v in mapping(value).items()}
    if not result or any(w < 0 for w in result.values()) or sum(result.values()) <= 0:
        raise ValueError("must be field=weight pairs with positive weights")
    return result


def yes_no(value: Any) -> bool:
    from xlcustseg.fields.values import parse_yes_no

    if isinstance(value, bool):
        return value
    parsed = parse_yes_no(pd.Series([value], dtype=object)).values.iloc[0]
    if pd.isna(parsed):
        raise ValueError("must be yes or no (是/否)")
    return bool(parsed)


def k_or_auto(value: Any) -> int | str:
    if str(value).strip().lower() in ("auto", ""):
        return "auto"
    return integer(2, 20)(value)


def as_of(value: Any) -> str | pd.Timestamp:
    if str(value).strip().lower() in ("auto", "today", ""):
        return str(value).strip().lower() or "auto"
    if isinstance(value, _dt.date | pd.Timestamp):
        return pd.Timestamp(value).normalize()
    from xlcustseg.fields.values import parse_dates

    parsed = parse_dates(pd.Series([value], dtype=object)).values.iloc[0]
    if pd.isna(parsed):
        raise ValueError("must be a date, 'auto' (latest purchase in the data) or 'today'")
    return pd.Timestamp(parsed).normalize()


# ---------------------------------------------------------------- the options
@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    read: Callable[[Any], Any]
    description: str


_STAGE_MAP = "已成交=S；已付意向金=A；已选定=A；有明确意向=B；有效沟通=C；已拜访=D；未联系=D"

_OPTIONS: list[Option] = [
    Option("language", "auto", choice("auto", "zh", "en"), "Labels and headers: auto (follow the table's headers), zh or en"),
    Option("as_of", "auto", as_of, "Analysis date: auto (latest purchase date in the data), today, or a date"),
    Option("tier.basis", "count", choice("count", "revenue_share", "threshold"), "Tier rule: count (top 5%/20% of customers), revenue_share (80%/95% of revenue) or threshold (money amounts)"),
    Option("tier.levels", 3, integer(3, 5), "3 tiers (A/B/C) or 5 tiers (VIP/A/B/C/D)"),
    Option("tier.count_cutoffs", "auto", shares_ascending, "Shares of customers closing each tier; auto = 5%, 20% (3 levels) or 1%, 5%, 20%, 50% (5 levels)"),
    Option("tier.share_cutoffs", "auto", shares_ascending, "Cumulative revenue shares closing each tier; auto = 80%, 95% (3 levels) or 50%, 80%, 95%, 99% (5 levels)"),
    Option("tier.thresholds", "", numbers_list("desc"), "Money amounts, highest first, for basis = threshold (revenue ≥ amount)"),
    Option("rfm.bins", 5, integer(3, 5), "Number of R/F/M scores (3, 4 or 5)"),
    Option("rfm.method", "rank", choice("rank", "threshold"), "rank (score = 1 + floor(bins·w/n)) or threshold (the fixed limits below)"),
    Option("rfm.map", "auto", choice("auto", "rfm8", "rfm4", "rfm10"), "Class map: auto (rfm8 for Chinese, rfm10 for English), rfm8, rfm4 or rfm10"),
    Option("rfm.high_rule", "score_mean", choice("score_mean", "value_mean", "value_median"), "High/low in rfm8: score ≥ mean score, or raw value against its mean or median"),
    Option("rfm.monetary", "total", choice("total", "average"), "M is total revenue or average per order"),
    Option("rfm.r_thresholds", "30, 90, 180, 365", numbers_list("asc"), "Threshold method: days since last purchase for the top scores (≤ 30 → best)"),
    Option("rfm.f_thresholds", "2, 3, 5, 10", numbers_list("asc"), "Threshold method: orders needed for score 2, 3, …"),
    Option("rfm.m_thresholds", "1000, 5000, 10000, 50000", numbers_list("asc"), "Threshold method: revenue needed for score 2, 3, …"),
    Option("lifecycle.new_days", 90, integer(1, 36500), "New: first purchase within this many days"),
    Option("lifecycle.active_days", 180, integer(1, 36500), "Active: last purchase within this many days"),
    Option("lifecycle.dormant_days", 365, integer(1, 36500), "Dormant: last purchase within this many days (older: churned)"),
    Option("quadrant.value_threshold", "median", median_or_number, "High value: revenue ≥ this (median or an amount)"),
    Option("quadrant.need_threshold", "median", median_or_number, "High need: need score ≥ this (median or a score); 高 is always high"),
    Option("quadrant.potential_threshold", "median", median_or_number, "Prospects' high potential value: potential ≥ this"),
    Option("followup.stage_map", _STAGE_MAP, mapping, "Stage text → follow-up grade (S/A/B/C/D)"),
    Option("followup.demote_after_days", 30, integer(1, 3650), "Suggest A → B when an A has had no contact for this many days"),
    Option("score.weights", "revenue=40, orders=20, profit=20, potential=20", weights, "Scorecard components and weights (renormalised over those present)"),
    Option("score.cutoffs", "90, 75, 50, 25", numbers_list("desc"), "Scorecard grade cut-offs for VIP, A, B, C"),
    Option("nature.government", "人民政府, 政府, 委员会, 街道办, 管委会, 局, 厅, 署, 办公室, government, ministry, council", words, "Keywords of government customers"),
    Option("nature.nonprofit", "大学, 学院, 学校, 中学, 小学, 幼儿园, 医院, 卫生院, 协会, 学会, 基金会, 研究所, 研究院, university, school, hospital, association, foundation", words, "Keywords of non-profit customers"),
    Option("nature.channel", "经销, 代理, 批发, 分销, 贸易商, distributor, dealer, wholesale, reseller", words, "Keywords of channel customers"),
    Option("nature.enterprise", "有限公司, 有限责任公司, 股份, 集团, 公司, 工厂, 厂, 企业, 商行, 工作室, co., ltd, inc, llc, gmbh, corp, plc, company", words, "Keywords of enterprise customers"),
    Option("nature.consumer_suffixes", "先生, 女士, 小姐, mr, mrs, ms", words, "Words that mark a personal name"),
    Option("behaviour.discount_share", 0.5, share, "Price-sensitive: discount order share ≥ this"),
    Option("behaviour.loyal_days", 365, integer(1, 36500), "Loyal: customer for at least this many days …"),
    Option("behaviour.loyal_orders", 5, integer(1, 100000), "… and at least this many orders"),
    Option("behaviour.service_requests", 5, number(0), "Service-oriented: service requests ≥ this"),
    Option("behaviour.new_product_share", 0.3, share, "Innovation-oriented: new-product share ≥ this"),
    Option("behaviour.brand_quantile", 0.8, share, "Brand-oriented: average order value in the top (1 − this) of customers"),
    Option("cluster.enabled", "no", yes_no, "Add a 聚类 / Cluster column and a cluster profile to the one-click run"),
    Option("cluster.k", "auto", k_or_auto, "Number of clusters, or auto (the best silhouette over 2–8)"),
    Option("cluster.features", "", words, "Extra numeric columns (headers) to cluster on besides R, F and M"),
    Option("strategy.secondary", "rfm", choice("rfm", "lifecycle"), "The class combined with the tier in the strategy text"),
]
_OPTIONS += [
    Option(f"header.{field}", "", text, f"Header of the {field} column when detection misses it")
    for field in SYNONYMS
]


@cache
def catalogue() -> pd.DataFrame:
    """The default strategy catalogue: one row per class of every scheme."""
    with resources.catalogue().open(encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", dtype={"cadence_days": int}, keep_default_na=False)


CLASS_ATTRIBUTES = ("label_zh", "label_en", "strategy_zh", "strategy_en", "cadence_days",
                    "service_zh", "service_en", "owner_zh", "owner_en")


def _catalogue_options() -> list[Option]:
    options = []
    for row in catalogue().itertuples(index=False):
        for attr in CLASS_ATTRIBUTES:
            read = integer(0, 3650) if attr == "cadence_days" else text
            options.append(Option(f"class.{row.scheme}.{row.key}.{attr}", getattr(row, attr),
                                  read, f"{attr} of {row.scheme} class {row.key}"))
    return options


OPTIONS: dict[str, Option] = {o.key: o for o in _OPTIONS + _catalogue_options()}

TIER_LETTERS = {3: ("A", "B", "C"), 4: ("A", "B", "C", "D"), 5: ("VIP", "A", "B", "C", "D")}
_AUTO_CUTOFFS = {
    "count": {3: (0.05, 0.20), 4: (0.05, 0.20, 0.50), 5: (0.01, 0.05, 0.20, 0.50)},
    "revenue_share": {3: (0.80, 0.95), 4: (0.50, 0.80, 0.95), 5: (0.50, 0.80, 0.95, 0.99)},
}


# ---------------------------------------------------------------- Settings
class Settings(Mapping[str, Any]):
    """Validated, immutable settings. `Settings({"rfm.bins": 4})`; `s["rfm.bins"]`."""

    def __init__(self, values: Mapping[str, Any] | None = None, *, _rows: Mapping[str, int] | None = None):
        rows = _rows or {}
        parsed = dict(_parsed_defaults())
        for key, raw in (values or {}).items():
            option = OPTIONS.get(key)
            if option is None:
                continue
            try:
                parsed[key] = option.read(raw)
            except ValueError as exc:
                raise SettingsError(key, raw, str(exc), rows.get(key)) from None
        unknown = sorted(set(values or {}) - set(OPTIONS))
        if unknown:
            raise SettingsError(unknown[0], (values or {})[unknown[0]], "is not a setting",
                                rows.get(unknown[0]))
        self._values = parsed
        self._raw = {k: (values or {}).get(k, o.default) for k, o in OPTIONS.items()}
        self._check_together(rows)

    def _check_together(self, rows: Mapping[str, int]) -> None:
        levels = self["tier.levels"]
        for key in ("tier.count_cutoffs", "tier.share_cutoffs"):
            value = self._values[key]
            if value != "auto" and len(value) != levels - 1:
                raise SettingsError(key, self._raw[key], f"needs {levels - 1} cut-offs for {levels} tiers", rows.get(key))
        if self["tier.basis"] == "threshold" and len(self["tier.thresholds"]) != levels - 1:
            raise SettingsError("tier.thresholds", self._raw["tier.thresholds"],
                                f"needs {levels - 1} amounts for {levels} tiers", rows.get("tier.thresholds"))
        if self["rfm.map"] == "rfm10" and self["rfm.bins"] != 5:
            raise SettingsError("rfm.map", "rfm10", "the rfm10 grid needs rfm.bins = 5", rows.get("rfm.map"))
        if self["rfm.method"] == "threshold":
            for key in ("rfm.r_thresholds", "rfm.f_thresholds", "rfm.m_thresholds"):
                if len(self[key]) != self["rfm.bins"] - 1:
                    raise SettingsError(key, self._raw[key], f"needs {self['rfm.bins'] - 1} limits for {self['rfm.bins']} scores", rows.get(key))
        if not self["lifecycle.active_days"] < self["lifecycle.dormant_days"]:
            raise SettingsError("lifecycle.dormant_days", self._raw["lifecycle.dormant_days"],
                                "must be more than lifecycle.active_days", rows.get("lifecycle.dormant_days"))
        if len(self["score.cutoffs"]) != 4:
            raise SettingsError("score.cutoffs", self._raw["score.cutoffs"], "needs 4 cut-offs (VIP, A, B, C)", rows.get("score.cutoffs"))
        bad = sorted(set(self["followup.stage_map"].values()) - {"S", "A", "B", "C", "D"})
        if bad:
            raise SettingsError("followup.stage_map", self._raw["followup.stage_map"],
                                f"grade {bad[0]} is not one of S, A, B, C, D", rows.get("followup.stage_map"))

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: self._raw[k] for k, o in OPTIONS.items() if self._raw[k] != o.default}
        return f"Settings({changed!r})"

    def replace(self, values: Mapping[str, Any]) -> Settings:
        """A copy with some values changed (validated again)."""
        return Settings({**self.changed(), **values})

    def changed(self) -> dict[str, Any]:
        """The settings that differ from the defaults, as given."""
        return {k: self._raw[k] for k, o in OPTIONS.items() if self._raw[k] != o.default}

    # derived values
    def tier_letters(self) -> tuple[str, ...]:
        return TIER_LETTERS[self["tier.levels"]]

    def tier_cutoffs(self) -> tuple[float, ...]:
        basis = self["tier.basis"]
        if basis == "threshold":
            return self["tier.thresholds"]
        key = "tier.count_cutoffs" if basis == "count" else "tier.share_cutoffs"
        value = self[key]
        return _AUTO_CUTOFFS[basis][self["tier.levels"]] if value == "auto" else value

    def header_overrides(self) -> dict[str, str]:
        return {k.split(".", 1)[1]: v for k, v in self._values.items() if k.startswith("header.") and v}

    def class_info(self, scheme: str, key: str, attr: str) -> Any:
        return self._values.get(f"class.{scheme}.{key}.{attr}")

    def classes(self, scheme: str) -> list[str]:
        prefix = f"class.{scheme}."
        seen: dict[str, None] = {}
        for k in self._values:
            if k.startswith(prefix):
                seen[k[len(prefix):].rsplit(".", 1)[0]] = None
        return list(seen)

    # the settings sheet
    def to_table(self, lang: str = "en", descriptions: bool = False) -> pd.DataFrame:
        """Two columns, key and value (text as a person would type it)."""
        key_h, value_h = ("设置项", "值") if lang == "zh" else ("Key", "Value")
        frame = pd.DataFrame({key_h: list(OPTIONS), value_h: [_as_text(self._raw[k]) for k in OPTIONS]})
        if descriptions:
            frame["说明" if lang == "zh" else "Description"] = [o.description for o in OPTIONS.values()]
        return frame

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Settings:
        """Read the first two columns as key/value; rows with an empty key are skipped.

        A bad value raises SettingsError whose `row` is the table's 0-based row.
        """
        values, rows = {}, {}
        for i, (key, value) in enumerate(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True)):
            if key is None or (isinstance(key, float) and pd.isna(key)) or not str(key).strip():
                continue
            key = str(key).strip()
            if key in ("Key", "设置项", "key"):
                continue
            values[key] = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            rows[key] = i
        return cls(values, _rows=rows)


def _as_text(value: Any) -> Any:
    if isinstance(value, pd.Timestamp | _dt.date):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return value


@cache
def _parsed_defaults() -> dict[str, Any]:
    parsed = {}
    for key, option in OPTIONS.items():
        try:
            parsed[key] = option.read(option.default)
        except ValueError as exc:  # a broken default is a bug in this file
            raise RuntimeError(f"default of {key} is invalid: {exc}") from None
    return parsed


DEFAULTS = Settings()
