"""5. MAN lead qualification: money, authority, need."""

from __future__ import annotations

import numpy as np
import pandas as pd

_ACTIONS = {"MAn", "MaN", "mAN", "MAN", "man"}


def man_codes(money: pd.Series, authority: pd.Series, need: pd.Series) -> pd.Series:
    """'MAN', 'MaN', … 'man' (upper case = yes); NA when any answer is missing."""
    parts = []
    for flags, letter in ((money, "m"), (authority, "a"), (need, "n")):
        b = flags.astype("boolean")
        parts.append(np.where(b.fillna(False).to_numpy(dtype=bool), letter.upper(), letter))
    code = np.char.add(np.char.add(parts[0], parts[1]), parts[2]).astype(object)
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
