"""4. Value × need quadrants (8 象限)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_high(values: pd.Series, threshold: float | str, level_words: bool) -> pd.Series:
    """High/Low per row (nullable): ≥ threshold (a number or the median); with level words, 高 only."""
    x = values.astype("float64")
    if level_words:
        high = x >= 3
    else:
        median = x.median() if x.notna().any() else np.nan  # none: no row is high (pandas 2 warned on empty)
        limit = median if threshold == "median" else float(threshold)
        high = x >= limit
    return pd.Series(high, index=values.index, dtype="boolean").where(x.notna())


def quadrants(value_high: pd.Series, need_high: pd.Series, potential_high: pd.Series,
              prospect: pd.Series) -> pd.Series:
    """q1 高价值/高需求 … q4 低价值/低需求 for customers with revenue;
    q5 … q8 (潜在高价值/高需求 …) for prospects, on their potential value instead."""
    is_prospect = prospect.astype("boolean").fillna(False).to_numpy(dtype=bool)
    value = pd.Series(np.where(is_prospect, potential_high.astype("boolean"), value_high.astype("boolean")),
                      dtype="boolean")
    need = need_high.astype("boolean").reset_index(drop=True)
    known = (value.notna() & need.notna()).to_numpy()
    high_value = value.fillna(False).to_numpy(dtype=bool)
    high_need = need.fillna(False).to_numpy(dtype=bool)
    number = 1 + np.where(is_prospect, 4, 0) + np.where(high_value, 0, 2) + np.where(high_need, 0, 1)
    keys = np.array([f"q{i}" for i in range(1, 9)] + [None], dtype=object)  # the last: unknown
    return pd.Series(keys[np.where(known, number - 1, 8)], index=value_high.index, dtype=object)


def without_revenue(revenue: pd.Series, unreadable: np.ndarray) -> pd.Series:
    """Prospects of the quadrant scheme: no revenue (blank or zero); an unreadable revenue is not 'none'."""
    return (revenue.astype("float64").fillna(0) == 0) & ~pd.Series(unreadable, index=revenue.index)
