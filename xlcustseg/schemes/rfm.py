"""2. RFM: scores, codes and the rfm8 / rfm4 / rfm10 class maps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RFM8 = {  # (R high, F high, M high) -> class
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_win_back",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_win_back",
}
RFM4 = {
    "important_value": "high_value",
    "important_development": "potential", "general_value": "potential",
    "general_development": "potential",
    "important_retention": "general", "general_retention": "general",
    "important_win_back": "churned", "general_win_back": "churned",
}
_G = {  # rfm10 grid rows R5, R4, R3, R1-2; columns F1..F5
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
}
_G[1] = _G[2]


def rank_scores(values: pd.Series, bins: int, higher_is_better: bool) -> pd.Series:
    """score = 1 + floor(bins × w / n); w = customers strictly worse, n = customers with a value.

    Ties share a score; heavy ties never fail. For recency (days) pass
    higher_is_better=False: more days is worse. The scores are given by
    `rank_edges` alone: a value beats an edge or not.
    """
    return binned_scores(values, rank_edges(values, bins, higher_is_better), higher_is_better, inclusive=False)


def rank_edges(values: pd.Series, bins: int, higher_is_better: bool) -> np.ndarray:
    """The bin edges of `rank_scores` in this column, ascending (as the threshold limits are).

    score ≥ s ⇔ w ≥ k = ceil((s − 1) × n / bins) ⇔ the value is strictly better
    than the k-th worst value, which is the edge: F/M score s when value >
    edges[s − 2]; R (days) score s when days < edges[bins − s]. ±inf when no
    customer needs beating (k = 0).
    """
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    x = x[~np.isnan(x)]
    n = len(x)
    k = -((-np.arange(1, bins) * n) // bins)  # ceil, in integers
    edges = np.full(bins - 1, -np.inf if higher_is_better else np.inf)
    taken = k > 0
    if taken.any():
        at = k[taken] - 1 if higher_is_better else n - k[taken]  # the k-th smallest, or the k-th largest
        edges[taken] = np.partition(x, at)[at]
    return edges if higher_is_better else edges[::-1]


def binned_scores(values: pd.Series, edges: Sequence[float], higher_is_better: bool, inclusive: bool) -> pd.Series:
    """1 + the edges (ascending) a value passes: value ≥ edge (inclusive) or > edge; for lower-is-better
    values (R days) value ≤ edge or < edge. NA where the value is missing."""
    x = values.astype("float64").to_numpy()
    e = np.asarray(edges, dtype=float)
    if higher_is_better:
        passed = np.searchsorted(e, x, side="right" if inclusive else "left")
    else:
        passed = len(e) - np.searchsorted(e, x, side="left" if inclusive else "right")
    return pd.Series(1 + passed, index=values.index).astype("Int64").where(~np.isnan(x))


def threshold_scores(values: pd.Series, limits: Sequence[float], higher_is_better: bool) -> pd.Series:
    """Fixed limits (ascending). F/M: 1 + limits reached (value ≥ limit).

    R (days, higher_is_better=False): best score while days ≤ the first limit, e.g.
    ≤30 → 5, ≤90 → 4, ≤180 → 3, ≤365 → 2, older → 1.
    """
    return binned_scores(values, limits, higher_is_better, inclusive=True)


def rfm_codes(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """'545'-style code; NA unless all three scores exist."""
    ok = r.notna() & f.notna() & m.notna()
    number = (r.fillna(0) * 100 + f.fillna(0) * 10 + m.fillna(0)).to_numpy(dtype="int64")
    codes, distinct = pd.factorize(number)  # at most 125 codes: each written as text once
    text = np.array([str(v) for v in distinct], dtype=object)[codes]
    return pd.Series(text, index=r.index, dtype=object).where(ok)


def high_centres(r: pd.Series, f: pd.Series, m: pd.Series, high_rule: str,
                 raws: Sequence[pd.Series | None] | None = None) -> tuple[float, ...]:
    """What High means in rfm8/rfm4, for R, F and M, over the customers with all three scores.

    score_mean: the mean score (High: score ≥ it); value_mean / value_median: the
    raw value's mean / median (High: R days ≤ it, F and M ≥ it).
    """
    ok = r.notna() & f.notna() & m.notna()
    if high_rule == "score_mean":
        return tuple(float(s[ok].astype(float).mean()) for s in (r, f, m))
    kept = [s[ok] for s in raws or () if s is not None]
    if len(kept) < 3:
        raise ValueError(f"high_rule {high_rule!r} needs the raw recency, frequency and monetary values")
    return tuple(float(s.mean() if high_rule == "value_mean" else s.median()) for s in kept)


def _high(score: pd.Series, raw: pd.Series | None, rule: str, centre: float, lower_is_better: bool) -> pd.Series:
    if rule == "score_mean":
        return score >= centre
    return raw <= centre if lower_is_better else raw >= centre


def rfm_classes(r: pd.Series, f: pd.Series, m: pd.Series, *, mapping: str,
                high_rule: str, recency_days: pd.Series | None = None,
                frequency: pd.Series | None = None, monetary: pd.Series | None = None,
                centres: Sequence[float] | None = None) -> pd.Series:
    """Class key per customer under `mapping` (rfm8, rfm4 or rfm10); NA without all scores.

    rfm8: a dimension is High when its score ≥ the mean of that score over the
    scored customers (or, with high_rule value_mean/value_median, when the raw
    value beats its mean/median; fewer days is better for R): `high_centres`,
    unless given as `centres`.
    """
    ok = r.notna() & f.notna() & m.notna()
    if mapping == "rfm10":
        rows = r.fillna(1).clip(1, 5).astype(int).to_numpy()
        cols = f.fillna(1).clip(1, 5).astype(int).to_numpy() - 1
        grid = np.array([_G[i] for i in range(1, 6)], dtype=object)
        return pd.Series(grid[rows - 1, cols], index=r.index, dtype=object).where(ok)
    rs, fs, ms = r[ok].astype(float), f[ok].astype(float), m[ok].astype(float)
    raws = [s[ok] if s is not None else None for s in (recency_days, frequency, monetary)]
    centres = high_centres(r, f, m, high_rule, (recency_days, frequency, monetary)) if centres is None else centres
    highs = [
        _high(rs, raws[0], high_rule, centres[0], lower_is_better=True),
        _high(fs, raws[1], high_rule, centres[1], lower_is_better=False),
        _high(ms, raws[2], high_rule, centres[2], lower_is_better=False),
    ]
    if mapping not in ("rfm8", "rfm4"):
        raise ValueError(f"unknown RFM map {mapping!r}")
    code = sum(h.to_numpy(dtype=bool).astype(np.int8) << shift for h, shift in zip(highs, (2, 1, 0), strict=True))
    table = np.array([RFM8[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)], dtype=object)
    if mapping == "rfm4":
        table = np.array([RFM4[key] for key in table], dtype=object)
    classes = pd.Series(table[code], index=rs.index, dtype=object)  # eight classes: a look-up by code, not a map
    return classes.reindex(r.index).astype(object)
