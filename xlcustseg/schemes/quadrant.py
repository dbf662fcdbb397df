"""4. Value × need quadrants (8 象限)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_high(values: pd.Series, threshold: float | str = "median", level_words: bool = False) -> pd.Series:
    """High/Low per row (nullable): ≥ threshold (a number or the median); with level words, 高 only."""
    x = values.astype("float64")
    if level_words:
        high = x >= 3
    else:
        limit = x.median() if threshold == "median" else float(threshold)
        high = x >= limit
    return pd.Series(high, index=values.index, dtype="boolean").where(x.notna())


def quadrants(value_high: pd.Series, need_high: pd.Series, potential_high: pd.Series,
              prospect: pd.Series) -> pd.Series:
    """q1 高价值/高需求 … q4 低价值/低需求 for customers with revenue;
    q5 … q8 (潜在高价值/高需求 …) for prospects, on their potential value instead."""
    is_prospect = prospect.astype("boolean").fillna(False).to_numpy(dtype=bool)
    value = np.where(is_prospect, potential_high.astype("boolean").to_numpy(dtype=object),
                     value_high.astype("boolean").to_numpy(dtype=object))
    need = need_high.astype("boolean").to_numpy(dtype=object)
    known = pd.notna(value) & pd.notna(need)
    number = 1 + np.where(is_prospect, 4, 0) + np.where(value == True, 0, 2) + np.where(need == True, 0, 1)  # noqa: E712
    keys = np.char.add("q", number.astype(str)).astype(object)
    return pd.Series(np.where(known, keys, None), index=value_high.index, dtype=object)
