"""What `segment()` returns: SegmentResult (immutable), its Summary, and SegmentationError.

A result cannot be changed by whoever holds it: the dataclasses are frozen, and
every table is handed out as a copy (pandas copies on write, so a copy costs
nothing until someone writes to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from xlcustseg.fields.headers import TableLayout
from xlcustseg.settings import Settings


class SegmentationError(ValueError):
    """The table cannot be segmented at all; the message says why in one sentence."""


class CopiedFrame:
    """A DataFrame field of a frozen dataclass that hands out a copy at every read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.private = f"_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame:
        if obj is None:
            raise AttributeError(self.private[1:])  # a field without a default
        return getattr(obj, self.private).copy(deep=False)

    def __set__(self, obj: object, value: pd.DataFrame) -> None:
        object.__setattr__(obj, self.private, value)


class SecondaryClass(NamedTuple):
    """The class combined with the tier in the strategy text: its classes column and its scheme."""

    column: str  # rfm_class or lifecycle
    scheme: str  # rfm8, rfm4, rfm10 or lifecycle


@dataclass(frozen=True)
class Pareto:
    """The revenue share of the top 20% of customers, and the sentence that says it."""

    top_share: float | None
    customers: int
    statement: str


@dataclass(frozen=True, eq=False)
class Summary:
    """The pivot-style summary (what the summary sheet's formulas must equal).

    tiers: per tier: label, customers, customer_share, revenue, revenue_share, average.
    tier_rfm: tier × RFM class label cross-tab (empty without either).
    lifecycle: per stage: class, label, customers, share.
    quality: warnings about empty classes and classes under 1% of customers.
    """

    tiers: pd.DataFrame = CopiedFrame()
    pareto: Pareto
    tier_rfm: pd.DataFrame = CopiedFrame()
    lifecycle: pd.DataFrame = CopiedFrame()
    quality: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class CutPoints:
    """The cut points this run classed by, taken from the rules that classed (issue #12: "show the rule's numbers").

    tier_basis, tier_letters, tier_cutoffs: the tier rule as set (shares of
      customers, shares of revenue, or amounts); tier_lows: the lowest revenue of
      each tier but the last, best first — revenue ≥ tier_lows[i] (and > 0) is
      tier i or better; inf where a tier takes nobody. customers: with a revenue.
    rfm_method: rank or threshold; rfm_edges: R, F, M edges, ascending (None: no
      RFM) — rank: beaten strictly (F/M > edge, R days < edge), threshold:
      reached (F/M ≥ limit, R days ≤ limit); F/M score s needs edges[s − 2], R
      score s needs edges[bins − s]. rfm_map, high_rule and rfm_centres (rfm8/rfm4:
      High is score ≥ centre, or R days ≤ / F, M ≥ centre for the value rules).
    lifecycle_days: new, active, dormant day limits (None: no lifecycle).
    """

    tier_basis: str
    tier_letters: tuple[str, ...]
    tier_cutoffs: tuple[float, ...]
    tier_lows: tuple[float, ...] | None
    customers: int
    rfm_method: str
    rfm_bins: int
    rfm_monetary: str
    rfm_edges: tuple[tuple[float, ...], ...] | None
    rfm_map: str
    high_rule: str
    rfm_centres: tuple[float, ...] | None
    lifecycle_days: tuple[int, int, int] | None


@dataclass(frozen=True, eq=False)
class SegmentResult:
    """What `segment()` returns.

    table: one row per customer — the customer-id column (and, for order lines,
      the aggregated columns) followed by the output columns of SCHEMES.md.
    classes: every scheme's class keys and intermediate values, same rows.
    notes: one row per note: row (position in `table`), cell, column, value,
      reason (code), message.
    summary: the summary frames.
    warnings: table-level notes (a scheme skipped, weights renormalised …).
    kind: customers (a customer table) or orders (order lines).
    source_rows: for a customer table, the frame row of each customer; for
      order lines, the customer row of each line (-1: no customer). Read-only.
    rfm_map: the RFM class map used (rfm8, rfm4 or rfm10).
    secondary: the class the strategy text combines with the tier.
    clv: the CLV models' parameters, standard errors and calibration table
      (engine.lifetime.ClvReport), or None (clv.enabled is no, or no fit).
    cuts: the cut points the tiers, RFM scores and lifecycle stages were given by (CutPoints).
    """

    table: pd.DataFrame = CopiedFrame()
    classes: pd.DataFrame = CopiedFrame()
    notes: pd.DataFrame = CopiedFrame()
    summary: Summary
    warnings: tuple[str, ...]
    language: str
    kind: str
    as_of: pd.Timestamp | None
    layout: TableLayout
    source_rows: np.ndarray
    rfm_map: str
    secondary: SecondaryClass
    settings: Settings = field(repr=False)
    clv: Any = field(default=None, repr=False)  # engine.lifetime.ClvReport when clv.enabled and the fits worked
    cuts: CutPoints | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        rows = np.array(self.source_rows, copy=True)
        rows.flags.writeable = False
        object.__setattr__(self, "source_rows", rows)
