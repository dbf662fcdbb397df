"""The pivot-style summary of a segmentation, as pandas frames.

The workbook summary sheet shows the same figures as live formulas; these
frames are what the formulas are checked against, and what the command line
prints.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.settings import Settings
from xlcustseg.strategies import labels

SMALL_CLASS = 0.01


def build_summary(table: pd.DataFrame, classes: pd.DataFrame, settings: Settings,
                  lang: str) -> dict[str, Any]:
    """tiers, pareto (dict), tier_rfm (cross-tab), lifecycle, strategies, quality (warnings)."""
    summary: dict[str, Any] = {}
    summary["tiers"] = tier_table(classes, settings, lang)
    summary["pareto"] = pareto(classes.get("revenue"), lang)
    rfm_map = classes.attrs.get("rfm_map", "rfm8")
    tier = classes["tier"]
    rfm = labels(classes["rfm_class"], rfm_map, lang, settings)
    summary["tier_rfm"] = pd.crosstab(tier, rfm) if tier.notna().any() and rfm.notna().any() else pd.DataFrame()
    summary["lifecycle"] = distribution(classes["lifecycle"], "lifecycle", settings, lang)
    summary["strategies"] = strategy_table(classes, settings, lang)
    summary["quality"] = quality_warnings(classes, rfm_map, settings, lang)
    return summary


def tier_table(classes: pd.DataFrame, settings: Settings, lang: str) -> pd.DataFrame:
    letters = list(settings.tier_letters())
    tier = classes["tier"]
    revenue = classes["revenue"] if "revenue" in classes else pd.Series(np.nan, index=classes.index)
    counts = tier.value_counts().reindex(letters, fill_value=0)
    sums = revenue.groupby(tier).sum().reindex(letters, fill_value=0.0)
    n, total = counts.sum(), sums.sum()
    frame = pd.DataFrame({
        "tier": letters,
        "label": labels(pd.Series(letters), "tier", lang, settings).to_numpy(),
        "customers": counts.to_numpy(),
        "customer_share": counts.to_numpy() / n if n else np.zeros(len(letters)),
        "revenue": sums.to_numpy(),
        "revenue_share": sums.to_numpy() / total if total else np.zeros(len(letters)),
    })
    frame["average"] = np.where(frame["customers"] > 0, frame["revenue"] / frame["customers"].clip(lower=1), 0.0)
    return frame


def pareto(revenue: pd.Series | None, lang: str, top: float = 0.20) -> dict[str, Any]:
    """Revenue share of the top 20% of customers (by revenue), and the sentence that says it."""
    if revenue is None or revenue.notna().sum() == 0:
        return {"top_share": None, "customers": 0, "statement": ""}
    values = revenue.dropna().sort_values(ascending=False)
    k = math.ceil(round(top * len(values), 9))
    total = values.sum()
    share = float(values.iloc[:k].sum() / total) if total > 0 else float("nan")
    pct = f"{share:.1%}" if total > 0 else "—"
    statement = (f"前 {top:.0%} 的客户（{k} 位）贡献了 {pct} 的销售额" if lang == "zh"
                 else f"The top {top:.0%} of customers ({k}) bring {pct} of revenue")
    curve = values.cumsum() / total if total > 0 else values * 0
    return {"top_share": share, "customers": k, "statement": statement,
            "curve": pd.DataFrame({"customer_share": np.arange(1, len(values) + 1) / len(values),
                                   "revenue_share": curve.to_numpy()})}


def distribution(keys: pd.Series, scheme: str, settings: Settings, lang: str) -> pd.DataFrame:
    order = settings.classes(scheme)
    counts = keys.value_counts().reindex(order, fill_value=0)
    n = counts.sum()
    return pd.DataFrame({"class": order, "label": labels(pd.Series(order), scheme, lang, settings).to_numpy(),
                         "customers": counts.to_numpy(),
                         "share": counts.to_numpy() / n if n else np.zeros(len(order))})


def strategy_table(classes: pd.DataFrame, settings: Settings, lang: str) -> pd.DataFrame:
    if classes["strategy"].isna().all():
        return pd.DataFrame(columns=["tier", "strategy", "cadence", "customers"])
    keys = pd.DataFrame({"tier": pd.Categorical(classes["tier"]), "strategy": pd.Categorical(classes["strategy"]),
                         "cadence": classes["cadence"]})
    grouped = keys.groupby(["tier", "strategy"], observed=True).agg(
        cadence=("cadence", "min"), customers=("cadence", "size")).reset_index()
    grouped[["tier", "strategy"]] = grouped[["tier", "strategy"]].astype(object)
    return grouped.sort_values(["tier", "customers"], ascending=[True, False]).reset_index(drop=True)


def quality_warnings(classes: pd.DataFrame, rfm_map: str, settings: Settings, lang: str) -> list[str]:
    """Empty classes and classes under 1% of customers (seed 003: large enough)."""
    warnings = []
    for column, scheme in (("tier", "tier"), ("rfm_class", rfm_map), ("lifecycle", "lifecycle")):
        keys = classes[column]
        n = keys.notna().sum()
        if n == 0:
            continue
        expected = settings.tier_letters() if scheme == "tier" else settings.classes(scheme)
        counts = keys.value_counts().reindex(expected, fill_value=0)
        for key, count in counts.items():
            label = settings.class_info(scheme, key, f"label_{lang}")
            if count == 0:
                warnings.append(f"{label}：没有客户" if lang == "zh" else f"{label}: no customers")
            elif count / n < SMALL_CLASS:
                warnings.append(f"{label}：仅 {count} 位客户（不足 1%）" if lang == "zh"
                                else f"{label}: only {count} customers (under 1%)")
    return warnings
