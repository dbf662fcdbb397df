"""1. Value tiers — ABC / customer pyramid (客户价值分级)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from xlcustseg.schemes._ranks import count_above


def value_tiers(revenue: pd.Series, *, basis: str, cutoffs: Sequence[float], letters: Sequence[str]) -> pd.Series:
    """Tier letter per customer; NA where revenue is missing.

    basis = "count": rank by revenue descending (ties share the better rank);
      tier i while rank ≤ ceil(cutoffs[i] × n), n = customers with a revenue.
    basis = "revenue_share": tier i while the revenue share of the customers
      ranked above is < cutoffs[i]; the customer that crosses a boundary stays
      in the upper tier; ties share a tier.
    basis = "threshold": tier i when revenue ≥ cutoffs[i] (amounts, highest first).
    Zero and negative revenue always fall in the last tier.
    """
    if len(cutoffs) != len(letters) - 1:
        raise ValueError(f"{len(letters)} tiers need {len(letters) - 1} cut-offs, got {len(cutoffs)}")
    values = revenue.astype("float64")
    if basis == "count":
        position = _count_position(values, cutoffs)
    elif basis == "revenue_share":
        position = _share_position(values, cutoffs)
    elif basis == "threshold":
        position = _threshold_position(values, cutoffs)
    else:
        raise ValueError(f"unknown tier basis {basis!r}")
    last = len(letters) - 1
    position = np.where(values.to_numpy() <= 0, last, position)
    result = np.asarray(letters, dtype=object)[np.nan_to_num(position, nan=0).astype(int)]
    return pd.Series(result, index=revenue.index, dtype=object).where(values.notna())


def _count_position(values: pd.Series, cutoffs: Sequence[float]) -> np.ndarray:
    n = int(values.notna().sum())
    bounds = np.array([math.ceil(round(c * n, 9)) for c in cutoffs])
    rank = count_above(values) + 1  # rank method "min": ties share the better rank
    return np.searchsorted(bounds, rank, side="left").astype(float)


def _share_position(values: pd.Series, cutoffs: Sequence[float]) -> np.ndarray:
    positive = values.where(values > 0)
    total = positive.sum()
    ordered = positive.dropna().sort_values(ascending=False, kind="stable")
    before = ordered.cumsum() - ordered
    above = before.groupby(ordered.to_numpy()).transform("min")  # ties: share above the first
    share = (above / total).round(12) if total > 0 else above * 0
    position = pd.Series(np.searchsorted(np.asarray(cutoffs), share.to_numpy(), side="right"),
                         index=share.index, dtype=float)
    return position.reindex(values.index).to_numpy()


def _threshold_position(values: pd.Series, thresholds: Sequence[float]) -> np.ndarray:
    ascending = np.sort(np.asarray(thresholds, dtype=float))
    return (len(ascending) - np.searchsorted(ascending, values.to_numpy(), side="right")).astype(float)
