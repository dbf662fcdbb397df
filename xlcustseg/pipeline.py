"""segment(table, settings) → the classes, strategies, notes and summary of every customer.

Every entry point (worksheet functions, the ribbon, the command line) ends
here or in `xlcustseg.schemes`; this module only prepares the inputs each
scheme needs, runs it, and lays the answers out as the output columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.fields.headers import TableLayout, find_table, has_cjk
from xlcustseg.fields.reader import FieldTable, body_of, read_fields
from xlcustseg.i18n import AGGREGATE_COLUMNS, OUTPUT_COLUMNS, all_created_headers
from xlcustseg.notes import NoteBook, per_row
from xlcustseg.orders import aggregate
from xlcustseg.settings import Settings
from xlcustseg.strategies import combined_strategy, labels, lookup, shortest_cadence
from xlcustseg.summary import build_summary

#: the fields some scheme can use; a table with none of them has nothing to segment.
USEFUL = ("revenue", "orders", "last_date", "first_date", "recency", "order_date", "need",
          "money", "authority", "stage", "customer_name", "customer_kind", "profit",
          "discount_share", "service_requests", "new_product_share", "personality")
BEHAVIOUR_SIGNALS = ("discount_share", "service_requests", "new_product_share")


class SegmentationError(ValueError):
    """The table cannot be segmented at all; the message says why in one sentence."""


@dataclass
class SegmentResult:
    """What `segment()` returns.

    table: one row per customer — the customer-id column (and, for order lines,
      the aggregated columns) followed by the output columns of SCHEMES.md.
    classes: every scheme's class keys and intermediate values, same rows.
    notes: one row per note: row (position in `table`), cell, column, value,
      reason (code), message.
    summary: the summary frames (see `xlcustseg.summary`).
    warnings: table-level notes (a scheme skipped, weights renormalised …).
    """

    table: pd.DataFrame
    classes: pd.DataFrame
    notes: pd.DataFrame
    summary: dict[str, Any]
    warnings: list[str]
    language: str
    kind: str
    as_of: pd.Timestamp | None
    layout: TableLayout
    source_rows: np.ndarray  # frame row of each customer (customer tables); line → customer for orders
    settings: Settings = field(repr=False)

    @property
    def fields(self) -> dict[str, str]:
        """Canonical field → the header it was read from."""
        return {f: self.layout.headers[p] for f, p in self.layout.fields.items()}


def segment(table: pd.DataFrame, settings: Settings | Mapping[str, Any] | None = None, *,
            origin: tuple[int, int] | None = None) -> SegmentResult:
    """Segment a customer table or order lines as a spreadsheet hands them over.

    table: a DataFrame whose columns are the headers, or whose header is one
      of its first rows (title rows above it are skipped).
    settings: a Settings, a mapping of setting keys to values, or None.
    origin: the sheet row and column (1-based) of the frame's first row and
      column, used to name cells in notes; by default (2, 1) when the frame's
      columns are the header (read from row 1), else (1, 1).
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"segment() takes a pandas DataFrame, not {type(table).__name__}")
    settings = settings if isinstance(settings, Settings) else Settings(settings or {})
    layout = find_table(table, settings.header_overrides(), ignore=all_created_headers())
    if not any(f in layout.fields for f in USEFUL):
        raise SegmentationError(
            "No customer table found: no column header names revenue, orders, purchase dates or "
            "customers (e.g. 销售额/Revenue, 订单数/Orders, 最近购买日期/Last purchase).")
    lang = _language(settings, layout)
    row0, col0 = origin or ((1, 1) if isinstance(table.columns, pd.RangeIndex) else (2, 1))
    body, positions = body_of(table, layout)
    notes = NoteBook()
    found = read_fields(body, layout, row0 + positions, col0, notes)
    warnings: list[str] = []

    if _is_order_lines(found):
        customers, line_customer = aggregate(found)
        _note_lines_left_out(found, line_customer, notes)
        notes.remap_rows(line_customer)
        kind, source_rows = "orders", line_customer
    else:
        customers, kind, source_rows = found, "customers", positions

    as_of = _analysis_date(customers, settings, warnings, lang)
    classes = _classify(customers, settings, as_of, lang, notes, warnings)
    notes_frame = notes.frame(lang)
    classes["notes"] = per_row(notes_frame, customers.n)
    out = _output_table(customers, classes, lang, kind, settings)
    summary = build_summary(out, classes, settings, lang)
    return SegmentResult(out, classes, notes_frame, summary, warnings, lang, kind, as_of,
                         layout, source_rows, settings)


# ---------------------------------------------------------------- inputs
def _language(settings: Settings, layout: TableLayout) -> str:
    if settings["language"] != "auto":
        return settings["language"]
    used = [layout.headers[p] for p in layout.fields.values()]
    return "zh" if any(has_cjk(h) for h in used) else "en"


def _is_order_lines(found: FieldTable) -> bool:
    if not found.has("order_date", "customer_id") or found.has("last_date") or found.has("orders"):
        return False
    return found.has("order_id") or found.values["customer_id"].dropna().duplicated().any()


def _note_lines_left_out(lines: FieldTable, line_customer: np.ndarray, notes: NoteBook) -> None:
    has_id = line_customer >= 0
    no_id = np.flatnonzero(~has_id)
    if len(no_id):
        notes.add(no_id, lines.cells("customer_id", no_id), lines.headers["customer_id"],
                  np.full(len(no_id), None), "no_customer_id")
    for name in ("order_date", "revenue"):
        if name in lines.values:
            blank = lines.values[name].isna().to_numpy() & has_id & ~lines.problems[name]
            rows = np.flatnonzero(blank)
            notes.add(rows, lines.cells(name, rows), lines.headers[name], np.full(len(rows), None),
                      "line_left_out")


def _analysis_date(customers: FieldTable, settings: Settings, warnings: list[str],
                   lang: str) -> pd.Timestamp | None:
    chosen = settings["as_of"]
    if isinstance(chosen, pd.Timestamp):
        return chosen
    if chosen == "today":
        return pd.Timestamp.today().normalize()
    for name in ("last_date", "first_date", "last_contact"):
        series = customers.get(name)
        if series is not None and series.notna().any():
            return pd.Timestamp(series.max()).normalize()
    return None


def _days_before(as_of: pd.Timestamp | None, dates: pd.Series | None, n: int) -> pd.Series:
    if dates is None or as_of is None:
        return pd.Series(np.nan, index=pd.RangeIndex(n))
    days = (as_of - dates.astype("datetime64[ns]").dt.normalize()).dt.days
    return days.astype("float64").reset_index(drop=True)


def _purchased(c: FieldTable, recency: pd.Series) -> pd.Series:
    """True / False / NA (unknown because a cell could not be read): the lifecycle scheme's rule."""
    unreadable = np.zeros(c.n, dtype=bool)
    for name in ("last_date", "first_date", "orders", "revenue", "recency"):
        if name in c.problems:
            unreadable |= c.problems[name]
    evidence = [_col(c, n) for n in ("last_date", "first_date") if c.has(n)] + [recency]
    amounts = [_col(c, n) for n in ("orders", "revenue") if c.has(n)]
    return schemes.purchase_on_record(evidence, amounts, unreadable)


# ---------------------------------------------------------------- schemes
def _classify(c: FieldTable, settings: Settings, as_of: pd.Timestamp | None, lang: str,
              notes: NoteBook, warnings: list[str]) -> pd.DataFrame:
    index = pd.RangeIndex(c.n)
    out = pd.DataFrame(index=index)
    out.attrs["as_of"] = as_of
    recency = _days_before(as_of, c.get("last_date"), c.n)
    if c.has("recency"):
        recency = recency.fillna(c.values["recency"].reset_index(drop=True))
    out["recency"] = recency
    out["tenure"] = _days_before(as_of, c.get("first_date"), c.n)
    out["purchased"] = _purchased(c, recency)
    _note_future(c, recency, notes)

    for step in (_tiers, _rfm, _lifecycle, _quadrants, _man, _followup, _scorecard,
                 _customer_type, _personality):
        step(c, out, settings, lang, notes, warnings)
    _strategy(c, out, settings, lang, as_of)
    return out


def _skip(warnings: list[str], lang: str, zh: str, en: str) -> None:
    warnings.append(zh if lang == "zh" else en)


def _note_future(c: FieldTable, recency: pd.Series, notes: NoteBook) -> None:
    if c.has("last_date") and "last_date" in c.raw:
        rows = np.flatnonzero((recency < 0).to_numpy())
        notes.add(rows, c.cells("last_date", rows), c.headers["last_date"],
                  c.raw["last_date"].iloc[rows], "future_date")


def _note_rows(c: FieldTable, name: str, mask: np.ndarray, notes: NoteBook, reason: str) -> None:
    rows = np.flatnonzero(mask)
    cells = c.cells(name, rows)
    shown = c.raw.get(name, c.values[name])
    notes.add(rows, cells, c.headers.get(name, name), shown.iloc[rows], reason)


def _tiers(c, out, settings, lang, notes, warnings) -> None:
    if not c.has("revenue"):
        _skip(warnings, lang, "缺少销售额列：未做客户等级。", "No revenue column: no value tiers.")
        out["tier"] = None
        return
    revenue = c.values["revenue"].reset_index(drop=True)
    out["revenue"] = revenue
    out["tier"] = schemes.value_tiers(revenue, basis=settings["tier.basis"],
                                      cutoffs=settings.tier_cutoffs(),
                                      letters=settings.tier_letters())
    _note_rows(c, "revenue", (revenue < 0).to_numpy(), notes, "negative_revenue")


def _rfm(c, out, settings, lang, notes, warnings) -> None:
    mapping = settings["rfm.map"]
    if mapping == "auto":
        mapping = "rfm8" if lang == "zh" else "rfm10"
    out.attrs["rfm_map"] = mapping
    for col in ("r", "f", "m", "rfm_code", "rfm_class"):
        out[col] = None
    if not c.has("revenue") or not c.has("orders") or out["recency"].isna().all():
        _skip(warnings, lang, "缺少最近购买日期、订单数或销售额：未做 RFM。",
              "No last purchase date, orders or revenue column: no RFM.")
        return
    bought = out["purchased"].fillna(False).to_numpy(dtype=bool)
    orders = c.values["orders"].reset_index(drop=True)
    monetary = out["revenue"]
    if settings["rfm.monetary"] == "average":
        monetary = monetary / orders.where(orders > 0)
    r_raw, f_raw, m_raw = (s.where(bought) for s in (out["recency"], orders, monetary))
    bins = settings["rfm.bins"]
    if settings["rfm.method"] == "rank":
        r = schemes.rank_scores(r_raw, bins, higher_is_better=False)
        f = schemes.rank_scores(f_raw, bins, higher_is_better=True)
        m = schemes.rank_scores(m_raw, bins, higher_is_better=True)
    else:
        r = schemes.threshold_scores(r_raw, settings["rfm.r_thresholds"], higher_is_better=False)
        f = schemes.threshold_scores(f_raw, settings["rfm.f_thresholds"], higher_is_better=True)
        m = schemes.threshold_scores(m_raw, settings["rfm.m_thresholds"], higher_is_better=True)
    out["r"], out["f"], out["m"] = r, f, m
    out["frequency"], out["monetary"] = f_raw, m_raw
    out["rfm_code"] = schemes.rfm_codes(r, f, m)
    out["rfm_class"] = schemes.rfm_classes(r, f, m, mapping=mapping, high_rule=settings["rfm.high_rule"],
                                           recency_days=r_raw, frequency=f_raw, monetary=m_raw)
    prospects = out["purchased"].eq(False).fillna(False).to_numpy(dtype=bool)
    if prospects.any():
        _note_rows(c, "orders", prospects, notes, "prospect")
    no_date = bought & out["recency"].isna().to_numpy() & ~c.problems.get("last_date", np.zeros(c.n, bool))
    if no_date.any() and c.has("last_date"):
        _note_rows(c, "last_date", no_date, notes, "no_purchase_date")


def _lifecycle(c, out, settings, lang, notes, warnings) -> None:
    if not (c.has("last_date") or c.has("recency")):
        _skip(warnings, lang, "缺少最近购买日期：未做生命周期。",
              "No last purchase date column: no lifecycle stage.")
        out["lifecycle"] = None
        return
    if not c.has("first_date"):
        _skip(warnings, lang, "缺少首次购买日期：生命周期不区分新客户。",
              "No first purchase date column: the lifecycle does not tell new customers apart.")
    out["lifecycle"] = schemes.lifecycle_stages(
        out["tenure"], out["recency"], out["purchased"],
        new_days=settings["lifecycle.new_days"], active_days=settings["lifecycle.active_days"],
        dormant_days=settings["lifecycle.dormant_days"])


def _quadrants(c, out, settings, lang, notes, warnings) -> None:
    if not c.has("revenue", "need"):
        out["quadrant"] = None
        return
    prospect = schemes.without_revenue(out["revenue"], c.problems.get("revenue", np.zeros(c.n, dtype=bool)))
    value_high = schemes.is_high(out["revenue"].where(~prospect), settings["quadrant.value_threshold"], False)
    need_high = schemes.is_high(c.values["need"].reset_index(drop=True),
                                settings["quadrant.need_threshold"], c.level_words.get("need", False))
    potential = c.values.get("potential", pd.Series(np.nan, index=out.index)).reset_index(drop=True)
    potential_high = schemes.is_high(potential.where(prospect), settings["quadrant.potential_threshold"],
                                     c.level_words.get("potential", False))
    out["quadrant"] = schemes.quadrants(value_high, need_high, potential_high, prospect)


def _man(c, out, settings, lang, notes, warnings) -> None:
    if not c.has("money", "authority") or not (c.has("need_flag") or c.has("need")):
        out["man_code"] = out["man_grade"] = out["man_action"] = None
        return
    need = c.values.get("need_flag")
    if need is None:
        need = schemes.need_flags(c.values["need"], c.level_words.get("need", False))
    codes = schemes.man_codes(c.values["money"].reset_index(drop=True),
                              c.values["authority"].reset_index(drop=True), need.reset_index(drop=True))
    out["man_code"], out["man_grade"], out["man_action"] = (
        codes, schemes.man_grades(codes), schemes.man_actions(codes))


def _followup(c, out, settings, lang, notes, warnings) -> None:
    if not c.has("stage"):
        out["followup"] = out["suggested_grade"] = None
        return
    stage = c.values["stage"].reset_index(drop=True)
    grades = schemes.followup_grades(stage, settings["followup.stage_map"])
    out["followup"] = grades
    _note_rows(c, "stage", (stage.notna() & grades.isna()).to_numpy(), notes, "unknown_stage")
    since = _days_before(out.attrs["as_of"], c.get("last_contact"), c.n)
    out["suggested_grade"] = schemes.suggested_grades(grades, since, settings["followup.demote_after_days"])
    if c.has("last_contact"):  # the grade's own next follow-up (the output's next contact weighs every class)
        cadence = lookup(grades, "followup", "cadence_days", settings).astype("float64")
        last = c.values["last_contact"].reset_index(drop=True).astype("datetime64[ns]")
        out["followup_next"] = schemes.next_followup(last.dt.normalize(), cadence)


def _scorecard(c, out, settings, lang, notes, warnings) -> None:
    weights = settings["score.weights"]
    present = {k: c.values[k].reset_index(drop=True) for k in weights if c.has(k)}
    if not present:
        out["score"] = out["score_grade"] = None
        return
    missing = [k for k in weights if k not in present]
    if missing:
        _skip(warnings, lang, f"评分卡缺少 {', '.join(missing)}：权重按现有项重新归一。",
              f"Scorecard: {', '.join(missing)} missing; weights renormalised over the rest.")
    unreadable = np.zeros(c.n, dtype=bool)  # a component we could not read: no score (blank ones renormalise)
    for k in present:
        unreadable |= c.problems.get(k, np.zeros(c.n, dtype=bool))
    out["score"] = schemes.weighted_score(present, weights).where(~unreadable)
    out["score_grade"] = schemes.score_grades(out["score"], settings["score.cutoffs"])


def _customer_type(c, out, settings, lang, notes, warnings) -> None:
    if any(c.has(s) for s in BEHAVIOUR_SIGNALS):
        orders = c.get("orders")
        average = out["revenue"] / orders.reset_index(drop=True).where(orders > 0) if (
            orders is not None and "revenue" in out) else None
        out["type_scheme"] = "behaviour"
        out["customer_type"] = schemes.behaviour_types(
            discount_share=_col(c, "discount_share"), tenure_days=out["tenure"],
            orders=_col(c, "orders"), service_requests=_col(c, "service_requests"),
            new_product_share=_col(c, "new_product_share"), average_order=average, index=out.index,
            discount_min=settings["behaviour.discount_share"], loyal_days=settings["behaviour.loyal_days"],
            loyal_orders=settings["behaviour.loyal_orders"],
            service_min=settings["behaviour.service_requests"],
            new_product_min=settings["behaviour.new_product_share"],
            brand_quantile=settings["behaviour.brand_quantile"])
        return
    out["type_scheme"] = "nature"
    if not (c.has("customer_name") or c.has("customer_kind")):
        out["customer_type"] = None
        return
    keywords = {k: settings[f"nature.{k}"] for k in schemes.nature.ORDER}
    names = _col(c, "customer_name")
    if names is None:
        names = pd.Series(None, index=out.index, dtype=object)
    out["customer_type"] = schemes.customer_nature(
        names, keywords, consumer_suffixes=settings["nature.consumer_suffixes"],
        kinds=_col(c, "customer_kind"))


def _personality(c, out, settings, lang, notes, warnings) -> None:
    if not c.has("personality"):
        out["personality"] = None
        return
    typed = c.values["personality"].reset_index(drop=True)
    keys = schemes.personality_keys(typed, settings.classes("personality"))
    out["personality"] = keys
    _note_rows(c, "personality", (typed.notna() & keys.isna()).to_numpy(), notes, "unknown_personality")


def _col(c: FieldTable, name: str) -> pd.Series | None:
    series = c.get(name)
    return None if series is None else series.reset_index(drop=True)


def _strategy(c, out, settings, lang, as_of) -> None:
    secondary = ("rfm_class", out.attrs["rfm_map"])
    if settings["strategy.secondary"] == "lifecycle" or out["rfm_class"].isna().all():
        secondary = ("lifecycle", "lifecycle")
    out.attrs["secondary"] = secondary
    parts = [(out["tier"], "tier"), (out[secondary[0]], secondary[1])]
    if "personality" in out and out["personality"].notna().any():
        parts.append((out["personality"], "personality"))
    out["strategy"] = combined_strategy(parts, lang, settings, show_key=(True,))
    cadence_parts = [*parts]
    if "followup" in out and out["followup"].notna().any():
        cadence_parts.append((out["followup"], "followup"))
    out["cadence"] = shortest_cadence(cadence_parts, settings)
    base = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    if c.has("last_contact"):
        base = c.values["last_contact"].reset_index(drop=True).astype("datetime64[ns]")
    if c.has("last_date"):
        base = base.fillna(c.values["last_date"].reset_index(drop=True).astype("datetime64[ns]"))
    out["next_contact"] = schemes.next_followup(base.dt.normalize(), out["cadence"])
    if as_of is not None:
        out["overdue"] = out["next_contact"] < as_of


# ---------------------------------------------------------------- output
def _output_table(c: FieldTable, classes: pd.DataFrame, lang: str, kind: str,
                  settings: Settings) -> pd.DataFrame:
    i = 0 if lang == "zh" else 1
    out = pd.DataFrame(index=classes.index)
    id_header = c.headers.get("customer_id", "客户编号" if lang == "zh" else "Customer ID")
    if c.has("customer_id"):
        out[id_header] = c.values["customer_id"].reset_index(drop=True)
    if kind == "orders":
        if c.has("customer_name"):
            out[c.headers["customer_name"]] = c.values["customer_name"].reset_index(drop=True)
        aggregated = {"first_date": c.values["first_date"], "last_date": c.values["last_date"],
                      "orders": c.values["orders"].astype("Int64"), "revenue": c.values["revenue"],
                      "recency": classes["recency"].astype("Int64")}
        for key, zh, en in AGGREGATE_COLUMNS:
            out[(zh, en)[i]] = aggregated[key].reset_index(drop=True)
    rfm_map = classes.attrs.get("rfm_map", "rfm8")
    type_scheme = classes["type_scheme"].iloc[0] if len(classes) else "nature"
    values = {
        "tier": classes["tier"],
        "r": classes["r"], "f": classes["f"], "m": classes["m"],
        "rfm_code": classes["rfm_code"],
        "rfm_class": labels(classes["rfm_class"], rfm_map, lang, settings),
        "lifecycle": labels(classes["lifecycle"], "lifecycle", lang, settings),
        "customer_type": labels(classes["customer_type"], type_scheme, lang, settings),
        "strategy": classes["strategy"],
        "cadence": classes["cadence"],
        "next_contact": classes["next_contact"],
        "notes": classes["notes"],
    }
    for key, zh, en in OUTPUT_COLUMNS:
        out[(zh, en)[i]] = values[key]
    return out
