"""The strategy catalogue at work: labels, strategy text and cadence for class keys.

The catalogue itself is data (data/catalogue.tsv → the `class.*` settings);
this module only looks it up, vectorised over Series of class keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlcustseg.settings import Settings


def lookup(keys: pd.Series, scheme: str, attr: str, settings: Settings) -> pd.Series:
    """Map class keys of `scheme` to one catalogue attribute (label_zh, cadence_days …)."""
    table = {k: settings.class_info(scheme, k, attr) for k in settings.classes(scheme)}
    return keys.map(table)


def labels(keys: pd.Series, scheme: str, lang: str, settings: Settings) -> pd.Series:
    return lookup(keys, scheme, f"label_{lang}", settings).astype(object)


def combined_strategy(parts: list[tuple[pd.Series, str]], lang: str, settings: Settings,
                      show_key: tuple[bool, ...] = ()) -> pd.Series:
    """'A 关键客户：…；重要价值客户：…' — each present class's label and strategy, joined."""
    sep, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
    index = parts[0][0].index
    out = pd.Series("", index=index, dtype=object)
    for i, (keys, scheme) in enumerate(parts):
        label = labels(keys, scheme, lang, settings)
        if i < len(show_key) and show_key[i]:
            label = keys.astype(object) + " " + label
        text = lookup(keys, scheme, f"strategy_{lang}", settings)
        piece = (label + colon + text).where(keys.notna() & text.notna(), "")
        joiner = np.where((out != "") & (piece != ""), sep, "")
        out = out + joiner + piece
    return out.where(out != "")


def shortest_cadence(parts: list[tuple[pd.Series, str]], settings: Settings) -> pd.Series:
    """The most frequent contact any of the row's classes asks for (days)."""
    cadences = [lookup(keys, scheme, "cadence_days", settings).astype("float64")
                for keys, scheme in parts]
    return pd.concat(cadences, axis=1).min(axis=1, skipna=True).astype("Int64")
