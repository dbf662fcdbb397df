"""7. Weighted scorecard (客户价值评估)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from xlcustseg.schemes._ranks import tie_counts

GRADES = ("VIP", "A", "B", "C", "D")


def percentile_rank(values: pd.Series) -> pd.Series:
    """0–100: 100 × (customers below + ½ × customers tied, self included) / n."""
    below, tied, _ = tie_counts(values)
    n = int((~np.isnan(below)).sum())
    return pd.Series(100.0 * (below + 0.5 * tied) / max(n, 1), index=values.index)


def weighted_score(components: Mapping[str, pd.Series], weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the components' percentile ranks, renormalised per row
    over the components that row has."""
    index = next(iter(components.values())).index
    total = pd.Series(0.0, index=index)
    weight = pd.Series(0.0, index=index)
    for name, series in components.items():
        p = percentile_rank(series)
        w = float(weights.get(name, 0))
        total += (p * w).fillna(0)
        weight += p.notna() * w
    return (total / weight).where(weight > 0)


def score_grades(scores: pd.Series, cutoffs: Sequence[float]) -> pd.Series:
    """VIP, A, B, C at or above each cut-off (highest first, e.g. 90, 75, 50, 25), D below."""
    ascending = np.sort(np.asarray(cutoffs, dtype=float))
    position = len(ascending) - np.searchsorted(ascending, scores.to_numpy(dtype=float), side="right")
    grade = np.asarray(GRADES, dtype=object)[position]
    return pd.Series(grade, index=scores.index, dtype=object).where(scores.notna())
