"""Counting customers strictly below/above each value: the core of every rank rule.

One `np.unique` (a sort) per column gives, for every value, how many values
are smaller, equal and larger; missing values are left out of the counts and
get NaN. Exact on ties, and much faster than pandas' rank on a million rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def tie_counts(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(strictly below, equal including itself, strictly above) for each value."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(x)
    below = np.full(len(x), np.nan)
    equal, above = below.copy(), below.copy()
    if present.any():
        _, inverse, counts = np.unique(x[present], return_inverse=True, return_counts=True)
        upto = np.cumsum(counts)
        below[present] = (upto - counts)[inverse]
        equal[present] = counts[inverse]
        above[present] = (upto[-1] - upto)[inverse]
    return below, equal, above


def count_below(values: pd.Series) -> np.ndarray:
    return tie_counts(values)[0]


def count_above(values: pd.Series) -> np.ndarray:
    return tie_counts(values)[2]
