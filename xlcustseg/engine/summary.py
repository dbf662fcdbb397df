"""The pivot-style summary of a segmentation, as pandas frames.

The workbook summary sheet shows the same figures as live formulas (its Pareto
curve included); these frames are what the formulas are checked against, and
what the run's message reports.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from xlcustseg.engine.result import Pareto, Summary
from xlcustseg.engine.strategies import labels
from xlcustseg.i18n import text
from xlcustseg.settings import Settings

SMALL_CLASS = 0.01


def build_summary(classes: pd.DataFrame, rfm_map: str, settings: Settings, lang: str) -> Summary:
    """Tiers, the Pareto share, tier × RFM class, lifecycle stages, and the quality warnings."""
    tier = classes["tier"]
    rfm = labels(classes["rfm_class"], rfm_map, lang, settings)
    return Summary(
        tiers=tier_table(classes, settings, lang), pareto=pareto(classes.get("revenue"), lang),
        tier_rfm=pd.crosstab(tier, rfm) if tier.notna().any() and rfm.notna().any() else pd.DataFrame(),
        lifecycle=distribution(classes["lifecycle"], "lifecycle", settings, lang),
        quality=quality_warnings(classes, rfm_map, settings, lang))


def tier_table(classes: pd.DataFrame, settings: Settings, lang: str) -> pd.DataFrame:
    """Per tier: label, customers, customer share, revenue, revenue share, average revenue."""
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


def pareto(revenue: pd.Series | None, lang: str, top: float = 0.20) -> Pareto:
    """Revenue share of the top 20% of customers (by revenue), and the sentence that says it."""
    if revenue is None or revenue.notna().sum() == 0:
        return Pareto(None, 0, "")
    values = revenue.dropna().sort_values(ascending=False)
    k = math.ceil(round(top * len(values), 9))
    total = values.sum()
    share = float(values.iloc[:k].sum() / total) if total > 0 else float("nan")
    shown = f"{share:.1%}" if total > 0 else "—"
    return Pareto(share, k, text("pareto", lang, top=top, customers=k, share=shown))


def distribution(keys: pd.Series, scheme: str, settings: Settings, lang: str) -> pd.DataFrame:
    """Per class of `scheme`, in catalogue order: label, customers, share."""
    order = settings.classes(scheme)
    counts = keys.value_counts().reindex(order, fill_value=0)
    n = counts.sum()
    return pd.DataFrame({"class": order, "label": labels(pd.Series(order), scheme, lang, settings).to_numpy(),
                         "customers": counts.to_numpy(),
                         "share": counts.to_numpy() / n if n else np.zeros(len(order))})


def quality_warnings(classes: pd.DataFrame, rfm_map: str, settings: Settings, lang: str) -> tuple[str, ...]:
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
                warnings.append(text("empty_class", lang, label=label))
            elif count / n < SMALL_CLASS:
                warnings.append(text("small_class", lang, label=label, count=count))
    return tuple(warnings)
