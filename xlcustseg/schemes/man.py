"""5. MAN lead qualification: money, authority, need."""

from __future__ import annotations

import numpy as np
import pandas as pd

_ACTIONS = {"MAn", "MaN", "mAN", "MAN", "man"}
#: 高/中/低 are read as 3/2/1: the top of the level words' scale
LEVEL_TOP = 3.0


def need_flags(scores: pd.Series, level_words: bool) -> pd.Series:
    """N from a need score (when the table has no yes/no need column): yes in the scale's top third.

    The scale runs from 1 (or the lowest score, if lower) to its top: 3 for
    高/中/低, else the highest score in the column. A need is yes when its score
    is at or above two thirds of the way up: 高 (not 中) on 高/中/低, 7–9 on a
    1–9 score, 1 on a 0/1 column. NA where there is no score.
    """
    x = scores.astype("float64")
    top = LEVEL_TOP if level_words else x.max()
    bottom = min(1.0, x.min())
    yes = x >= bottom + (top - bottom) * 2 / 3
    return pd.Series(yes, index=scores.index, dtype="boolean").where(x.notna())


def man_codes(money: pd.Series, authority: pd.Series, need: pd.Series) -> pd.Series:
    """'MAN', 'MaN', … 'man' (upper case = yes); NA when any answer is missing."""
    yes = [flags.astype("boolean").fillna(False).to_numpy(dtype=bool) for flags in (money, authority, need)]
    table = np.array([f"{'mM'[i >> 2 & 1]}{'aA'[i >> 1 & 1]}{'nN'[i & 1]}" for i in range(8)], dtype=object)
    code = table[yes[0] * 4 + yes[1] * 2 + yes[2]]  # the eight codes looked up, not built row by row
    known = money.notna() & authority.notna() & need.notna()
    return pd.Series(code, index=money.index, dtype=object).where(known)


def man_grades(codes: pd.Series) -> pd.Series:
    """A (all three) / B (two) / C (one) / D (none)."""
    yes = codes.fillna("").str.count(r"[MAN]")
    grade = pd.Series(np.array(["D", "C", "B", "A"], dtype=object)[yes.to_numpy()], index=codes.index)
    return grade.where(codes.notna())


def man_actions(codes: pd.Series) -> pd.Series:
    """The action key for each code: MAn, MaN, mAN, MAN, man, or 'other'."""
    action = codes.where(codes.isin(_ACTIONS), "other")
    return action.where(codes.notna())
