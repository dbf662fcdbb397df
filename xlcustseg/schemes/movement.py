"""Movement between two snapshots: how a customer's value tier changed."""

from __future__ import annotations

import numpy as np
import pandas as pd


def tier_changes(previous: pd.Series, current: pd.Series, *, letters: tuple[str, ...]) -> pd.Series:
    """Per customer: 'up', 'down', 'same', or 'new' (no previous tier); NA without a current tier.

    `letters` are the tiers best first (A, B, C …): a move towards the first is up.
    Tiers not among `letters` count as missing.
    """
    order = {t: i for i, t in enumerate(letters)}
    before, now = previous.map(order), current.map(order)
    keys = np.select([now.isna().to_numpy(), before.isna().to_numpy(), (now < before).to_numpy(),
                      (now > before).to_numpy()], [None, "new", "up", "down"], default="same")
    return pd.Series(keys.astype(object), index=current.index, dtype=object)
