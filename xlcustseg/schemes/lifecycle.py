"""3. Lifecycle stage (生命周期): prospect, new, active, dormant, churned."""

from __future__ import annotations

import numpy as np
import pandas as pd


def lifecycle_stages(first_age: pd.Series, last_age: pd.Series, purchased: pd.Series, *,
                     new_days: int, active_days: int, dormant_days: int) -> pd.Series:
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
    with np.errstate(invalid="ignore"):  # a code per row (4: none), then one look-up in the six stage names
        code = np.select([first <= new_days, last <= active_days, last <= dormant_days, last > dormant_days],
                         [0, 1, 2, 3], default=4)
    known = bought.notna().to_numpy()
    code[known & ~bought.fillna(True).to_numpy(dtype=bool)] = 5
    code[~known] = 4
    return pd.Series(_STAGES[code], index=purchased.index, dtype=object)


_STAGES = np.array(["new", "active", "dormant", "churned", None, "prospect"], dtype=object)


def purchase_on_record(evidence: list[pd.Series], amounts: list[pd.Series], unreadable: np.ndarray) -> pd.Series:
    """True / False / NA: has the customer bought at all?

    evidence: columns whose presence proves a purchase (first/last date, recency);
    amounts: columns proving it when positive (orders, revenue); unreadable: rows where
    one of those cells could not be read — unknown unless other evidence proves a purchase.
    """
    n = len(unreadable)
    yes = np.zeros(n, dtype=bool)
    for series in evidence:
        yes |= series.notna().to_numpy()
    for series in amounts:
        yes |= (series.astype("float64") > 0).fillna(False).to_numpy(dtype=bool)
    result = pd.Series(yes, dtype="boolean")
    result[unreadable & ~yes] = pd.NA
    return result
