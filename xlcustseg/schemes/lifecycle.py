"""3. Lifecycle stage (生命周期): prospect, new, active, dormant, churned."""

from __future__ import annotations

import numpy as np
import pandas as pd


def lifecycle_stages(first_age: pd.Series, last_age: pd.Series, purchased: pd.Series, *,
                     new_days: int = 90, active_days: int = 180, dormant_days: int = 365) -> pd.Series:
    """Stage per customer; the first matching rule wins.

    first_age / last_age: days from the first / last purchase to the analysis
    date (NaN when unknown). purchased: True / False / NA (unknown).
    Prospect: no purchase; New: first purchase ≤ new_days ago; Active: last
    purchase ≤ active_days ago; Dormant: ≤ dormant_days; Churned: older.
    NA when a purchaser's last purchase date is unknown.
    """
    bought = purchased.astype("boolean")
    first = first_age.astype("float64").to_numpy()
    last = last_age.astype("float64").to_numpy()
    with np.errstate(invalid="ignore"):
        stage = np.select(
            [first <= new_days, last <= active_days, last <= dormant_days, last > dormant_days],
            ["new", "active", "dormant", "churned"],
            default=None,
        )
    result = pd.Series(stage, index=purchased.index, dtype=object)
    result[bought.eq(False).fillna(False).to_numpy()] = "prospect"
    result[bought.isna().to_numpy()] = None
    return result
