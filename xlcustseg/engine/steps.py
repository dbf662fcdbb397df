"""One typed step per scheme: the customers (and the settings) in, the scheme's columns out.

Each step is named after what it returns, reads only its parameters and
returns a frozen dataclass: its columns (Series on positions 0..n-1; None for
an optional column the table cannot give), the notes it makes on cells and its
table-level warnings. No step changes what it is given. The rules themselves
live in `xlcustseg.schemes`; a step picks the inputs and settings a scheme
needs, and skips the scheme (blank columns and one warning) when the table
lacks them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.engine.prepare import Customers
from xlcustseg.engine.result import SecondaryClass
from xlcustseg.engine.strategies import combined_strategy, lookup, shortest_cadence
from xlcustseg.i18n import text
from xlcustseg.settings import Settings

BEHAVIOUR_SIGNALS = ("discount_share", "service_requests", "new_product_share")


@dataclass(frozen=True, kw_only=True)
class Step:
    """What every step returns besides its columns: notes on cells and table-level warnings."""

    notes: tuple[pd.DataFrame, ...] = ()
    warnings: tuple[str, ...] = ()

    def columns(self) -> dict[str, pd.Series]:
        """The step's columns by name, in field order (optional ones it could not give left out)."""
        return {f.name: v for f in fields(self) if isinstance(v := getattr(self, f.name), pd.Series)}


def _blank(c: Customers) -> pd.Series:
    return pd.Series(None, index=pd.RangeIndex(c.n), dtype=object)


def _warn(key: str, c: Customers, **values: object) -> tuple[str, ...]:
    return (text(key, c.language, **values),)


# ---------------------------------------------------------------- 1, 2, 3: tiers, RFM, lifecycle
@dataclass(frozen=True)
class Tiers(Step):
    """Each customer's value tier: A/B/C, or VIP/A/B/C/D."""

    tier: pd.Series
    lows: np.ndarray | None = None  # the lowest revenue of each tier but the last: what classed them


def tiers(c: Customers, settings: Settings) -> Tiers:
    """Value tiers (ABC / VIP–D) from revenue; a negative revenue is noted."""
    if c.revenue is None:
        return Tiers(_blank(c), warnings=_warn("no_revenue", c))
    lows = schemes.tier_lows(c.revenue, basis=settings["tier.basis"], cutoffs=settings.tier_cutoffs())
    tier = schemes.value_tiers(c.revenue, basis=settings["tier.basis"], cutoffs=settings.tier_cutoffs(),
                               letters=settings.tier_letters(), lows=lows)
    return Tiers(tier, lows, notes=revenue_notes(c))


def revenue_notes(c: Customers) -> tuple[pd.DataFrame, ...]:
    """The tiers step's notes (a worksheet function wanting another class makes them too): negative
    revenues (tiered as they are), and blank ones where other rows have revenue."""
    if c.revenue is None:
        return ()
    return c.fields.notes("revenue", (c.revenue < 0).to_numpy(), "negative_revenue") + _blank_revenue_notes(c)


def _blank_revenue_notes(c: Customers) -> tuple[pd.DataFrame, ...]:
    """Notes on blank revenue cells (blank, '-', 'N/A' …) of a customer table whose other rows have revenue.

    A blank in a column that holds amounts elsewhere is a gap the user should see
    (that row gets no tier and no RFM). A column blank in every row is a table
    without amounts (a prospect list): one note per row would only repeat that,
    so it gets none. Order lines are noted line by line when read; prospects (no
    purchase on record) have no revenue by nature.
    """
    if c.revenue is None or "revenue" not in c.fields.raw or c.revenue.isna().all():
        return ()
    unreadable = c.fields.problems.get("revenue", np.zeros(c.n, dtype=bool))
    blank = c.revenue.isna().to_numpy() & ~unreadable & ~c.purchased.eq(False).fillna(False).to_numpy(dtype=bool)
    return c.fields.notes("revenue", blank, "no_revenue_value")


@dataclass(frozen=True)
class Rfm(Step):
    """R, F, M scores, their code and class; the raw F and M scored; the class map used."""

    r: pd.Series
    f: pd.Series
    m: pd.Series
    rfm_code: pd.Series
    rfm_class: pd.Series
    frequency: pd.Series | None
    monetary: pd.Series | None
    rfm_map: str
    edges: tuple[np.ndarray, ...] | None = None  # R, F, M bin edges that scored them (ascending)
    centres: tuple[float, ...] | None = None  # rfm8/rfm4: what High means for R, F, M


def rfm_map(settings: Settings, lang: str) -> str:
    """The RFM class map: the setting, or rfm8 for Chinese tables and rfm10 for English ones."""
    chosen = settings["rfm.map"]
    return ("rfm8" if lang == "zh" else "rfm10") if chosen == "auto" else chosen


def rfm(c: Customers, settings: Settings) -> Rfm:
    """R, F and M scores of the customers with a purchase, their code and class; prospects are noted."""
    mapping = rfm_map(settings, c.language)
    if c.revenue is None or not c.has("orders") or c.recency.isna().all():
        blank = _blank(c)
        return Rfm(blank, blank, blank, blank, blank, None, None, mapping, warnings=_warn("no_rfm", c))
    bought = c.purchased.fillna(False).to_numpy(dtype=bool)
    orders = c.column("orders")
    monetary = c.revenue / orders.where(orders > 0) if settings["rfm.monetary"] == "average" else c.revenue
    r_raw, f_raw, m_raw = (s.where(bought) for s in (c.recency, orders, monetary))
    edges = _edges(r_raw, f_raw, m_raw, settings)
    r, f, m = _scores(r_raw, f_raw, m_raw, settings, edges)
    centres = None if mapping == "rfm10" else schemes.high_centres(r, f, m, settings["rfm.high_rule"],
                                                                  (r_raw, f_raw, m_raw))
    classes = schemes.rfm_classes(r, f, m, mapping=mapping, high_rule=settings["rfm.high_rule"],
                                  recency_days=r_raw, frequency=f_raw, monetary=m_raw, centres=centres)
    return Rfm(r, f, m, schemes.rfm_codes(r, f, m), classes, f_raw, m_raw, mapping, edges, centres,
               notes=_rfm_notes(c, bought))


def _edges(r_raw: pd.Series, f_raw: pd.Series, m_raw: pd.Series, settings: Settings) -> tuple[np.ndarray, ...]:
    """The R, F, M bin edges (ascending): this run's rank edges, or the threshold limits."""
    if settings["rfm.method"] == "rank":
        return tuple(schemes.rank_edges(raw, settings["rfm.bins"], higher_is_better=up)
                     for raw, up in ((r_raw, False), (f_raw, True), (m_raw, True)))
    return tuple(np.asarray(settings[f"rfm.{x}_thresholds"], dtype=float) for x in "rfm")


def _scores(r_raw: pd.Series, f_raw: pd.Series, m_raw: pd.Series, settings: Settings,
            edges: tuple[np.ndarray, ...]) -> list[pd.Series]:
    """R, F, M scores by their edges: rank edges are beaten strictly, threshold limits reached."""
    inclusive = settings["rfm.method"] == "threshold"
    return [schemes.binned_scores(raw, e, up, inclusive)
            for raw, e, up in zip((r_raw, f_raw, m_raw), edges, (False, True, True), strict=True)]


def _rfm_notes(c: Customers, bought: np.ndarray) -> tuple[pd.DataFrame, ...]:
    """Prospects (no RFM), and buyers whose last purchase date is blank."""
    prospects = c.purchased.eq(False).fillna(False).to_numpy(dtype=bool)
    notes = c.fields.notes("orders", prospects, "prospect") if prospects.any() else ()
    no_date = bought & c.recency.isna().to_numpy() & ~c.fields.problems.get("last_date", np.zeros(c.n, bool))
    if no_date.any() and c.has("last_date"):
        notes += c.fields.notes("last_date", no_date, "no_purchase_date")
    return notes


@dataclass(frozen=True)
class Lifecycle(Step):
    """Each customer's lifecycle stage key."""

    lifecycle: pd.Series


def lifecycle(c: Customers, settings: Settings) -> Lifecycle:
    """Prospect, new, active, dormant or churned, from the days since the first and last purchase."""
    if not (c.has("last_date") or c.has("recency")):
        return Lifecycle(_blank(c), warnings=_warn("no_lifecycle", c))
    stages = schemes.lifecycle_stages(c.tenure, c.recency, c.purchased, new_days=settings["lifecycle.new_days"],
                                      active_days=settings["lifecycle.active_days"],
                                      dormant_days=settings["lifecycle.dormant_days"])
    return Lifecycle(stages, warnings=() if c.has("first_date") else _warn("no_first_date", c))


# ---------------------------------------------------------------- 4, 5, 6, 7: quadrants, MAN, follow-up, scorecard
@dataclass(frozen=True)
class Quadrants(Step):
    """Each customer's value × need quadrant, q1–q8."""

    quadrant: pd.Series


def quadrants(c: Customers, settings: Settings) -> Quadrants:
    """Value × need quadrants 1–4; prospects (no revenue) on their potential, 5–8."""
    if c.revenue is None or not c.has("need"):
        return Quadrants(_blank(c))
    prospect = schemes.without_revenue(c.revenue, c.fields.problems.get("revenue", np.zeros(c.n, dtype=bool)))
    words = c.fields.level_words
    value_high = schemes.is_high(c.revenue.where(~prospect), settings["quadrant.value_threshold"], False)
    need_high = schemes.is_high(c.column("need"), settings["quadrant.need_threshold"], words.get("need", False))
    potential = c.column("potential")
    if potential is None:
        potential = pd.Series(np.nan, index=pd.RangeIndex(c.n))
    potential_high = schemes.is_high(potential.where(prospect), settings["quadrant.potential_threshold"],
                                     words.get("potential", False))
    return Quadrants(schemes.quadrants(value_high, need_high, potential_high, prospect))


@dataclass(frozen=True)
class Man(Step):
    """MAN code (MaN …), grade (A–D) and action key."""

    man_code: pd.Series
    man_grade: pd.Series
    man_action: pd.Series


def man(c: Customers) -> Man:
    """MAN code, grade and action from money, authority and need (a yes/no column, else a need score)."""
    codes = man_codes(c)
    if codes is None:
        blank = _blank(c)
        return Man(blank, blank, blank)
    return Man(codes, schemes.man_grades(codes), schemes.man_actions(codes))


def man_codes(c: Customers) -> pd.Series | None:
    """The MAN code alone (CUSTMAN's answer); None when the table lacks money, authority or a need."""
    if not c.has("money", "authority") or not (c.has("need_flag") or c.has("need")):
        return None
    need = c.column("need_flag")
    if need is None:
        need = schemes.need_flags(c.column("need"), c.fields.level_words.get("need", False))
    return schemes.man_codes(c.column("money"), c.column("authority"), need)


@dataclass(frozen=True)
class Followup(Step):
    """Follow-up grade (S–D), the suggested grade, and the grade's next follow-up date."""

    followup: pd.Series
    suggested_grade: pd.Series
    followup_next: pd.Series | None  # the grade's own next follow-up (needs a last-contact column)


def followup(c: Customers, settings: Settings) -> Followup:
    """Follow-up grade from the stage, the suggested grade, and the grade's next follow-up date."""
    if not c.has("stage"):
        blank = _blank(c)
        return Followup(blank, blank, None)
    stage = c.column("stage")
    grades = schemes.followup_grades(stage, settings["followup.stage_map"])
    suggested = schemes.suggested_grades(grades, c.days_since("last_contact"),
                                         settings["followup.demote_after_days"])
    following = None
    if c.has("last_contact"):
        cadence = lookup(grades, "followup", "cadence_days", settings).astype("float64")
        last = c.column("last_contact").astype("datetime64[ns]")
        following = schemes.next_followup(last.dt.normalize(), cadence)
    unknown = c.fields.notes("stage", (stage.notna() & grades.isna()).to_numpy(), "unknown_stage")
    return Followup(grades, suggested, following, notes=unknown)


@dataclass(frozen=True)
class Scorecard(Step):
    """Weighted score (0–100) and its grade."""

    score: pd.Series
    score_grade: pd.Series


def scorecard(c: Customers, settings: Settings) -> Scorecard:
    """Weighted percentile score of the weighted columns present, and its grade; unreadable → no score."""
    weights = settings["score.weights"]
    present = {k: c.column(k) for k in weights if c.has(k)}
    if not present:
        blank = _blank(c)
        return Scorecard(blank, blank)
    missing = [k for k in weights if k not in present]
    warnings = _warn("weights_renormalised", c, missing=", ".join(missing)) if missing else ()
    unreadable = np.zeros(c.n, dtype=bool)  # a component we could not read: no score (blank ones renormalise)
    for k in present:
        unreadable |= c.fields.problems.get(k, np.zeros(c.n, dtype=bool))
    score = schemes.weighted_score(present, weights).where(~unreadable)
    return Scorecard(score, schemes.score_grades(score, settings["score.cutoffs"]), warnings=warnings)


# ---------------------------------------------------------------- 8, 9: customer type, personality
@dataclass(frozen=True)
class CustomerType(Step):
    """Behaviour type or customer nature, and which of the two schemes gave it."""

    customer_type: pd.Series
    scheme: str  # behaviour, or nature when the table has no behaviour signals


def customer_type(c: Customers, settings: Settings) -> CustomerType:
    """Behaviour type when the table has behaviour signals, else the nature from the name."""
    if any(c.has(s) for s in BEHAVIOUR_SIGNALS):
        return CustomerType(_behaviour(c, settings), "behaviour")
    if not (c.has("customer_name") or c.has("customer_kind")):
        return CustomerType(_blank(c), "nature")
    keywords = {k: settings[f"nature.{k}"] for k in schemes.nature.ORDER}
    names = c.column("customer_name")
    kinds = schemes.customer_nature(_blank(c) if names is None else names, keywords,
                                    consumer_suffixes=settings["nature.consumer_suffixes"],
                                    kinds=c.column("customer_kind"))
    return CustomerType(kinds, "nature")


def _behaviour(c: Customers, settings: Settings) -> pd.Series:
    orders = c.column("orders")
    average = None if orders is None or c.revenue is None else c.revenue / orders.where(orders > 0)
    return schemes.behaviour_types(
        discount_share=c.column("discount_share"), tenure_days=c.tenure, orders=orders,
        service_requests=c.column("service_requests"), new_product_share=c.column("new_product_share"),
        average_order=average, index=pd.RangeIndex(c.n), discount_min=settings["behaviour.discount_share"],
        loyal_days=settings["behaviour.loyal_days"], loyal_orders=settings["behaviour.loyal_orders"],
        service_min=settings["behaviour.service_requests"],
        new_product_min=settings["behaviour.new_product_share"],
        brand_quantile=settings["behaviour.brand_quantile"])


@dataclass(frozen=True)
class Personality(Step):
    """The catalogue key of the personality staff typed."""

    personality: pd.Series


def personality(c: Customers, settings: Settings) -> Personality:
    """The catalogue key of a personality staff typed; an unknown one is noted."""
    if not c.has("personality"):
        return Personality(_blank(c))
    typed = c.column("personality")
    keys = schemes.personality_keys(typed, settings.classes("personality"))
    return Personality(keys, notes=c.fields.notes("personality", (typed.notna() & keys.isna()).to_numpy(),
                                                  "unknown_personality"))


# ---------------------------------------------------------------- strategy, cadence, next contact
@dataclass(frozen=True)
class Strategy(Step):
    """Strategy text, cadence in days, next contact date, overdue flag; the class paired with the tier."""

    strategy: pd.Series
    cadence: pd.Series
    next_contact: pd.Series
    overdue: pd.Series | None  # needs an analysis date
    secondary: SecondaryClass


def strategy(c: Customers, settings: Settings, tier: Tiers, rfm: Rfm, stage: Lifecycle, personality: Personality,
             grade: Followup, kind: CustomerType | None = None) -> Strategy:
    """The tier's strategy with the RFM class's (or the lifecycle stage's), the shortest cadence of the
    row's classes, and the next contact: last contact (or last purchase) + cadence.

    A row with neither a tier nor that class (its revenue blank or unreadable)
    still gets the strategies and cadences of the classes that do not need
    revenue: its lifecycle stage, follow-up grade and customer type.
    """
    secondary = SecondaryClass("rfm_class", rfm.rfm_map)
    if settings["strategy.secondary"] == "lifecycle" or rfm.rfm_class.isna().all():
        secondary = SecondaryClass("lifecycle", "lifecycle")
    second = rfm.rfm_class if secondary.column == "rfm_class" else stage.lifecycle
    parts = [(tier.tier, "tier"), (second, secondary.scheme)]
    if personality.personality.notna().any():
        parts.append((personality.personality, "personality"))
    parts += _without_revenue(tier, second, secondary, stage, grade, kind)
    advice = combined_strategy(parts, c.language, settings, show_key=(True,))
    graded = [(grade.followup, "followup")] if grade.followup.notna().any() else []
    cadence = shortest_cadence([*parts, *graded], settings)
    base = pd.Series(pd.NaT, index=pd.RangeIndex(c.n), dtype="datetime64[ns]")
    for name in ("last_contact", "last_date"):
        if c.has(name):
            base = base.fillna(c.column(name).astype("datetime64[ns]"))
    next_contact = schemes.next_followup(base.dt.normalize(), cadence)
    overdue = None if c.as_of is None else next_contact < c.as_of
    return Strategy(advice, cadence, next_contact, overdue, secondary)


def _without_revenue(tier: Tiers, second: pd.Series, secondary: SecondaryClass, stage: Lifecycle, grade: Followup,
                     kind: CustomerType | None) -> list[tuple[pd.Series, str]]:
    """The classes that do not need revenue, kept only on rows with neither a tier nor the paired class."""
    unserved = tier.tier.isna() & second.isna()
    if not unserved.any():
        return []
    others = [(grade.followup, "followup")]
    if secondary.scheme != "lifecycle":
        others.insert(0, (stage.lifecycle, "lifecycle"))
    if kind is not None:
        others.append((kind.customer_type, kind.scheme))
    return [(keys.where(unserved), scheme) for keys, scheme in others if (keys.notna() & unserved).any()]
