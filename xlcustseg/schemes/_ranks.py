"""Counting customers strictly below/above each value: the core of every rank rule.

One sort per column gives, for every value, how many values are smaller, equal
and larger; missing values are left out of the counts and get NaN. Exact on
ties, and much faster than pandas' rank on a million rows. `count_below` and
`count_above` do only the passes their one count needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The values as floats, which are present, the order sorting the present ones, and a mark
    on each sorted position that starts a run of equal values."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(x)
    found = x if present.all() else x[present]
    order = np.argsort(found)
    ordered = found[order]
    starts = np.empty(len(ordered), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return x, present, order, starts


def _spread(x: np.ndarray, present: np.ndarray, order: np.ndarray, sorted_counts: np.ndarray) -> np.ndarray:
    """Counts given per sorted position, back on the values' own positions (NaN where missing)."""
    counts = np.empty(len(order))
    counts[order] = sorted_counts
    if len(counts) == len(x):
        return counts
    out = np.full(len(x), np.nan)
    out[present] = counts
    return out


def _run_first(starts: np.ndarray) -> np.ndarray:
    """For each sorted position, the position where its run of equal values begins."""
    first = np.where(starts, np.arange(len(starts)), 0)
    return np.maximum.accumulate(first) if len(first) else first


def _run_last(starts: np.ndarray) -> np.ndarray:
    """For each sorted position, the position where its run of equal values ends."""
    n = len(starts)
    ends = np.append(starts[1:], True)
    last = np.where(ends, np.arange(n), n)
    return np.minimum.accumulate(last[::-1])[::-1] if n else last


def tie_counts(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(strictly below, equal including itself, strictly above) for each value."""
    x, present, order, starts = _sorted(values)
    first, last = _run_first(starts), _run_last(starts)
    below = _spread(x, present, order, first)
    equal = _spread(x, present, order, last - first + 1)
    above = _spread(x, present, order, len(starts) - 1 - last)
    return below, equal, above


def count_below(values: pd.Series) -> np.ndarray:
    """How many values are strictly below each value (NaN for a missing one)."""
    x, present, order, starts = _sorted(values)
    return _spread(x, present, order, _run_first(starts))


def count_above(values: pd.Series) -> np.ndarray:
    """How many values are strictly above each value (NaN for a missing one)."""
    x, present, order, starts = _sorted(values)
    return _spread(x, present, order, len(starts) - 1 - _run_last(starts))
