"""The rules that do not aggregate, as small look-up tables made by the pandas schemes themselves.

A class that follows from a customer's own values alone (the class a combination
of scores names, the lifecycle stage of a pair of day counts, a name's nature,
the strategy text and cadence of a combination of classes, every label) is not
written again in SQL: the scheme function of `xlcustseg.schemes` (or the
catalogue look-up of `engine/strategies.py`) runs on the few distinct inputs,
and the engine joins its answer to every customer. One definition, and the
engine never hands millions of rows to pandas.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.engine import steps
from xlcustseg.engine.prepare import Customers
from xlcustseg.engine.strategies import labels
from xlcustseg.fields.reader import FieldTable
from xlcustseg.schemes.rfm import RFM4, RFM8
from xlcustseg.settings import Settings

#: the DDL of each look-up, as both engines read it
SCHEMAS = {
    "xl_rfm": "r INT, f INT, m INT, r_high INT, f_high INT, m_high INT, rfm_key STRING, rfm_class STRING",
    "xl_lifecycle": "tenure INT, recency INT, stage STRING, lifecycle STRING",
    "xl_strategy": "tier STRING, rfm STRING, stage STRING, kind STRING, strategy STRING, cadence INT",
    "xl_nature": "customer_name STRING, kind STRING, customer_type STRING",
    "xl_excluded": "value STRING",
}


def rfm_table(bins: int, mapping: str, lang: str, settings: Settings) -> pd.DataFrame:
    """Every combination of scores and High/Low flags → the class key and label of `mapping`."""
    combos = pd.DataFrame(list(itertools.product(range(1, bins + 1), repeat=3)), columns=["r", "f", "m"])
    combos = combos.merge(pd.DataFrame(list(itertools.product((0, 1), repeat=3)),
                                       columns=["r_high", "f_high", "m_high"]), how="cross")
    if mapping == "rfm10":  # a grid on the scores themselves: the scheme function answers it
        scores = [combos[x].astype("Int64") for x in ("r", "f", "m")]
        keys = schemes.rfm_classes(*scores, mapping="rfm10", high_rule="score_mean")
    else:  # rfm8 / rfm4 on High/Low: the mean is an aggregate (sql.highs); the class is the scheme's table
        highs = zip(*(combos[x].astype(bool) for x in ("r_high", "f_high", "m_high")), strict=True)
        keys = pd.Series([RFM8[h] for h in highs], index=combos.index, dtype=object)
        if mapping == "rfm4":
            keys = keys.map(RFM4)
    combos["rfm_key"] = keys.astype(object)
    combos["rfm_class"] = labels(combos["rfm_key"], mapping, lang, settings)
    return combos


def lifecycle_cap(settings: Settings) -> int:
    """One more than the largest day threshold of the lifecycle stages.

    `lifecycle_stages` only compares tenure and recency with new_days, active_days and
    dormant_days (`x <= threshold`), so every count of days at or beyond this cap gets the stage
    the cap gets: the engines look up LEAST(days, cap) and the table keeps few rows.
    """
    return max(settings[f"lifecycle.{k}_days"] for k in ("new", "active", "dormant")) + 1


def lifecycle_table(days: pd.DataFrame, lang: str, settings: Settings) -> pd.DataFrame:
    """Distinct (tenure, recency) pairs of the customers with a purchase (capped at `lifecycle_cap`)
    → stage key and label."""
    days = days.dropna().astype("int64").reset_index(drop=True)
    stages = schemes.lifecycle_stages(days["tenure"].astype(float), days["recency"].astype(float),
                                      pd.Series(True, index=days.index, dtype="boolean"),
                                      new_days=settings["lifecycle.new_days"],
                                      active_days=settings["lifecycle.active_days"],
                                      dormant_days=settings["lifecycle.dormant_days"])
    return days.assign(stage=stages, lifecycle=labels(stages, "lifecycle", lang, settings))


def strategy_table(letters: tuple[str, ...], mapping: str, secondary: str, has_kind: bool, lang: str,
                   settings: Settings) -> pd.DataFrame:
    """Every (tier, RFM class, lifecycle stage, customer type) combination, blanks included → the strategy
    text and cadence that `engine.steps.strategy` gives it (the one definition of how classes combine).

    secondary: rfm or lifecycle, the class paired with the tier. Blank keys are '' (SQL joins on
    COALESCE(key, '')).
    """
    kinds = [*settings.classes("nature"), None] if has_kind else [None]
    combos = pd.DataFrame(list(itertools.product([*letters, None], [*settings.classes(mapping), None],
                                                 [*settings.classes("lifecycle"), None], kinds)),
                          columns=["tier", "rfm", "stage", "kind"], dtype=object)
    n = len(combos)
    blank = pd.Series(None, index=combos.index, dtype=object)
    rfm_classes = combos["rfm"] if secondary == "rfm" else blank  # all blank: strategy() pairs the lifecycle
    customers = Customers(FieldTable(n=n), lang, None, *(pd.Series(np.nan, index=combos.index),) * 2,
                          pd.Series(True, index=combos.index, dtype="boolean"), None)
    rfm = steps.Rfm(blank, blank, blank, blank, rfm_classes, None, None, mapping)
    made = steps.strategy(customers, settings, steps.Tiers(combos["tier"]), rfm, steps.Lifecycle(combos["stage"]),
                          steps.Personality(blank), steps.Followup(blank, blank, None),
                          steps.CustomerType(combos["kind"], "nature"))
    keys = combos.fillna("")
    cadence = made.cadence.astype(object).where(made.cadence.notna(), None)
    return pd.DataFrame({"tier": keys["tier"], "rfm": keys["rfm"], "stage": keys["stage"], "kind": keys["kind"],
                         "strategy": made.strategy, "cadence": cadence})


def nature_table(names: pd.Series, lang: str, settings: Settings) -> pd.DataFrame:
    """Distinct customer names → the label of their nature (the customer type of order lines)."""
    names = names.dropna().astype(object).reset_index(drop=True)
    keywords = {k: settings[f"nature.{k}"] for k in schemes.nature.ORDER}
    kinds = schemes.customer_nature(names, keywords, consumer_suffixes=settings["nature.consumer_suffixes"])
    return pd.DataFrame({"customer_name": names, "kind": kinds,
                         "customer_type": labels(kinds, "nature", lang, settings)})

