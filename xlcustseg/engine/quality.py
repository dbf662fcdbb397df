"""Data-quality rules, vectorised: accounts left out, duplicate customer ids, revenue outliers.

Every route that segments through `segment()` uses them: `prepare` leaves out
the accounts the setting `quality.exclude` lists (with a note each, as it does
for total rows), and the data-quality sheet (`xlcustseg.workbook.quality_sheet`)
flags duplicate ids and outlying revenue with `duplicate_counts` and
`revenue_flags`. Nothing here changes a class: duplicates and outliers are
flagged, not merged or dropped (`quality.duplicates` = flag).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from xlcustseg.fields.headers import TableLayout
from xlcustseg.fields.values import factorize_text, label_key
from xlcustseg.notes import cell_names, note_part

#: the flags `revenue_flags` gives, in the order the quality sheet lists them
NEGATIVE, OUTLIER = "negative", "outlier"
#: the percentile the outlier limit is a multiple of
OUTLIER_PERCENTILE = 0.99


def listed(values: pd.Series, accounts: Sequence[str]) -> np.ndarray:
    """Which cells hold one of `accounts` (compared as labels: width, case and spaces ignored; 1001.0 is '1001')."""
    if not len(accounts):
        return np.zeros(len(values), dtype=bool)
    codes, uniques = factorize_text(values.reset_index(drop=True))
    wanted = set(label_key(pd.Series(list(accounts), dtype=object)))
    hit = np.append(label_key(pd.Series(uniques, dtype=object)).isin(wanted).to_numpy(dtype=bool), False)
    return hit[codes]  # code -1 (a blank) takes the last slot: False


def without_excluded(body: pd.DataFrame, positions: np.ndarray, layout: TableLayout, accounts: Sequence[str],
                     origin: tuple[int, int]) -> tuple[pd.DataFrame, np.ndarray, tuple[pd.DataFrame, ...]]:
    """The body without the rows whose customer id or name is one of `accounts` (setting quality.exclude)."""
    if not len(accounts):
        return body, positions, ()
    return left_out(body, positions, layout, origin, lambda values: listed(values, accounts), "excluded")


def left_out(body: pd.DataFrame, positions: np.ndarray, layout: TableLayout, origin: tuple[int, int],
             match: Callable[[pd.Series], np.ndarray], reason: str
             ) -> tuple[pd.DataFrame, np.ndarray, tuple[pd.DataFrame, ...]]:
    """The body without the rows whose customer id or name `match`es (total rows, excluded accounts).

    Each row left out gets a note naming its cell with `reason`, on no customer's
    row (the note's row is NA), so it gets no classes.
    """
    out = np.zeros(len(body), dtype=bool)
    notes: tuple[pd.DataFrame, ...] = ()
    for name in ("customer_id", "customer_name"):
        if name not in layout.fields:
            continue
        pos = layout.fields[name]
        hit = np.asarray(match(body.iloc[:, pos]), dtype=bool) & ~out
        rows = np.flatnonzero(hit)
        cells = cell_names(origin[0] + positions[rows], origin[1] + pos)
        notes += note_part(np.full(len(rows), None, dtype=object), cells, layout.headers[pos],
                           body.iloc[rows, pos].to_numpy(dtype=object), reason)
        out |= hit
    if not out.any():
        return body, positions, ()
    return body.iloc[np.flatnonzero(~out)], positions[~out], notes


def duplicate_counts(ids: pd.Series) -> np.ndarray:
    """How often each row's customer id occurs in the table (0 for a blank id); > 1 flags a duplicate.

    Ids are compared as cleaned text ('C1 ' and 'C1' are one id; 1001.0 is '1001').
    """
    codes, _uniques = factorize_text(ids.reset_index(drop=True))
    known = codes >= 0
    counts = np.zeros(len(codes), dtype=np.int64)
    counts[known] = np.bincount(codes[known])[codes[known]] if known.any() else []
    return counts


def outlier_limit(revenue: pd.Series, multiple: float) -> float | None:
    """`multiple` × the 99th percentile of the known revenues; None when that is not positive (nothing to scale)."""
    known = revenue.dropna().astype("float64")
    if known.empty:
        return None
    p99 = float(np.quantile(known.to_numpy(), OUTLIER_PERCENTILE))
    return multiple * p99 if p99 > 0 else None


def revenue_flags(revenue: pd.Series, multiple: float) -> tuple[pd.Series, float | None]:
    """Each customer's flag: NEGATIVE (below 0), OUTLIER (above `outlier_limit`), else None; and the limit."""
    values = revenue.astype("float64").reset_index(drop=True)
    limit = outlier_limit(values, multiple)
    flags = np.full(len(values), None, dtype=object)
    flags[(values < 0).to_numpy()] = NEGATIVE
    if limit is not None:
        flags[(values > limit).to_numpy()] = OUTLIER
    return pd.Series(flags, dtype=object), limit
