"""1. Value tiers — ABC / customer pyramid (客户价值分级)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def value_tiers(revenue: pd.Series, *, basis: str, cutoffs: Sequence[float], letters: Sequence[str],
                lows: np.ndarray | None = None) -> pd.Series:
    """Tier letter per customer; NA where revenue is missing.

    basis = "count": rank by revenue descending (ties share the better rank);
      tier i while rank ≤ ceil(cutoffs[i] × n), n = customers with a revenue.
    basis = "revenue_share": tier i while the revenue share of the customers
      ranked above is < cutoffs[i]; the customer that crosses a boundary stays
      in the upper tier; ties share a tier.
    basis = "threshold": tier i when revenue ≥ cutoffs[i] (amounts, highest first).
    Zero and negative revenue always fall in the last tier.

    Every basis comes down to `tier_lows`: a customer is in tier i or better
    when its revenue ≥ lows[i]; the tiers are given by those amounts alone
    (pass `lows` when you already have them, e.g. to show them).
    """
    if len(cutoffs) != len(letters) - 1:
        raise ValueError(f"{len(letters)} tiers need {len(letters) - 1} cut-offs, got {len(cutoffs)}")
    values = revenue.astype("float64")
    position = _threshold_position(values, tier_lows(values, basis=basis, cutoffs=cutoffs) if lows is None else lows)
    last = len(letters) - 1
    position = np.where(values.to_numpy() <= 0, last, position)
    result = np.asarray(letters, dtype=object)[np.nan_to_num(position, nan=0).astype(int)]
    return pd.Series(result, index=revenue.index, dtype=object).where(values.notna())


def tier_lows(revenue: pd.Series, *, basis: str, cutoffs: Sequence[float]) -> np.ndarray:
    """The lowest revenue of each tier but the last, best tier first: the amounts `value_tiers` classes by.

    count: the revenue of the customer ranked ceil(cutoff × n) (ties share the
    better rank, so everyone with at least that revenue is in); revenue_share:
    the lowest revenue whose customers above bring less than the cutoff share;
    threshold: the amounts as given. inf where a tier takes nobody.
    """
    values = revenue.astype("float64")
    if basis == "count":
        return _count_lows(values, cutoffs)
    if basis == "revenue_share":
        return _share_lows(values, cutoffs)
    if basis == "threshold":
        return np.asarray(cutoffs, dtype=float)
    raise ValueError(f"unknown tier basis {basis!r}")


def _count_lows(values: pd.Series, cutoffs: Sequence[float]) -> np.ndarray:
    """Rank ≤ k (rank method min) ⇔ fewer than k customers have more ⇔ revenue ≥ the k-th largest."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    x = x[~np.isnan(x)]
    bounds = np.array([math.ceil(round(c * len(x), 9)) for c in cutoffs], dtype=int)
    lows = np.full(len(bounds), np.inf)
    taken = bounds > 0
    if taken.any():
        kth = np.partition(x, len(x) - bounds[taken])  # the k-th largest sits at n - k
        lows[taken] = kth[len(x) - bounds[taken]]
    return lows


def _share_lows(values: pd.Series, cutoffs: Sequence[float]) -> np.ndarray:
    """The lowest positive revenue whose customers ranked above (ties: above the first of them) bring less
    than each cutoff share of the positive revenue."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    ordered = -np.sort(-x[x > 0])
    total = ordered.sum()
    before = np.maximum.accumulate(np.cumsum(ordered) - ordered) if len(ordered) else ordered
    share = np.round(before / total, 12) if total > 0 else before * 0
    taken = np.searchsorted(share, np.asarray(cutoffs, dtype=float), side="left")  # customers with share < cutoff
    return np.where(taken > 0, ordered[np.maximum(taken - 1, 0)] if len(ordered) else np.inf, np.inf)


def _threshold_position(values: pd.Series, thresholds: Sequence[float]) -> np.ndarray:
    ascending = np.sort(np.asarray(thresholds, dtype=float))
    return (len(ascending) - np.searchsorted(ascending, values.to_numpy(), side="right")).astype(float)
