"""The strategy catalogue at work: labels, strategy text and cadence for class keys.

The catalogue itself is data (data/catalogue.tsv → the `class.*` settings);
this module only looks it up, vectorised over Series of class keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlcustseg.i18n import COLON, SEPARATOR, pick
from xlcustseg.settings import Settings


def lookup(keys: pd.Series, scheme: str, attr: str, settings: Settings) -> pd.Series:
    """Map class keys of `scheme` to one catalogue attribute (label_zh, cadence_days …)."""
    table = {k: settings.class_info(scheme, k, attr) for k in settings.classes(scheme)}
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)  # few classes, many rows
    mapped = np.array([table.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=keys.index, dtype=object)


def labels(keys: pd.Series, scheme: str, lang: str, settings: Settings) -> pd.Series:
    """The label in `lang` of each class key of `scheme`."""
    return lookup(keys, scheme, f"label_{lang}", settings).astype(object)


def combined_strategy(parts: list[tuple[pd.Series, str]], lang: str, settings: Settings,
                      show_key: tuple[bool, ...] = ()) -> pd.Series:
    """'A 关键客户：…；重要价值客户：…' — each present class's label and strategy, joined.

    Built once per distinct combination of classes (there are few), then spread
    over the rows.
    """
    sep, colon = pick(SEPARATOR, lang), pick(COLON, lang)
    index = parts[0][0].index
    codes, combos_frame = _combinations([k for k, _ in parts])
    out = pd.Series("", index=combos_frame.index, dtype=object)
    for i, (_, scheme) in enumerate(parts):
        combo_keys = combos_frame.iloc[:, i]
        label = labels(combo_keys, scheme, lang, settings)
        if i < len(show_key) and show_key[i]:
            label = combo_keys.astype(object) + " " + label
        text = lookup(combo_keys, scheme, f"strategy_{lang}", settings)
        piece = (label + colon + text).where(combo_keys.notna() & text.notna(), "")
        joiner = np.where((out != "") & (piece != ""), sep, "")
        out = out + joiner + piece
    per_combo = out.where(out != "").to_numpy(dtype=object)
    result = per_combo[codes] if len(per_combo) else np.full(len(codes), None, dtype=object)
    return pd.Series(result, index=index, dtype=object)


def _combinations(columns: list[pd.Series]) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes of each row's combination of keys, and the distinct combinations (NA kept)."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    per_column = []
    for keys in columns:
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)
        per_column.append(np.append(np.asarray(uniques, dtype=object), None))
        combined = combined * (len(uniques) + 1) + (codes + 1)
    row_codes, distinct = pd.factorize(combined)
    frame = pd.DataFrame(index=range(len(distinct)))
    remaining = np.asarray(distinct, dtype=np.int64)
    for i in range(len(columns) - 1, -1, -1):
        base = len(per_column[i])
        frame[i] = per_column[i][(remaining % base) - 1]
        remaining = remaining // base
    return row_codes, frame[list(range(len(columns)))]


def shortest_cadence(parts: list[tuple[pd.Series, str]], settings: Settings) -> pd.Series:
    """The most frequent contact any of the row's classes asks for (days)."""
    cadences = [lookup(keys, scheme, "cadence_days", settings).astype("float64")
                for keys, scheme in parts]
    return pd.concat(cadences, axis=1).min(axis=1, skipna=True).astype("Int64")
