"""The CLV step: P(alive), expected purchases and predicted value per customer from dated order lines.

By default (clv.enabled = auto) for dated order lines with amounts; yes also warns when a
customer table has none, no switches it off. The models are `xlcustseg.clv`'s BG/NBD
(whether and how often) and Gamma-Gamma (how much), fitted on the run's own order
lines, in weeks (the papers' unit; horizon = clv.horizon_days / 7, 52.18 weeks a
year for the annual discount rate). Whatever the data cannot support gives one
warning and no CLV columns, never a crash and never a column of blanks.

The calibration check is the papers': the history up to as_of is cut in two halves
at a cut-off day; the models are fitted on the lines up to the cut-off, and the
repeat purchases predicted for the second half are set against the ones customers
made, grouped by their repeat purchases before the cut-off (0, 1, …, 6, 7+).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlcustseg import clv
from xlcustseg.engine.steps import Step
from xlcustseg.fields.reader import FieldTable
from xlcustseg.i18n import CLV_MODELS, pick, text
from xlcustseg.settings import Settings

UNIT = "W"  # weeks, as in the papers
DAYS_PER_UNIT = clv.UNITS[UNIT]
UNITS_PER_YEAR = 52.18
BUCKETS = 8  # repeat purchases 0 … 6 and 7+ in the calibration table


@dataclass(frozen=True, eq=False)
class ClvReport:
    """What the CLV step fitted: parameters, standard errors, the calibration table.

    bgnbd / gamma_gamma: the fits as `xlcustseg.clv` returns them (parameters, "se", …).
    calibration: per bucket of repeat purchases before the cut-off: bucket ("0" … "7+"),
      customers, actual and predicted repeat purchases per customer after it; empty when
      the first half cannot be fitted (calibration_error says why).
    """

    unit: str
    horizon_days: int
    discount_rate: float
    bgnbd: dict
    gamma_gamma: dict
    cutoff: pd.Timestamp | None
    calibration: pd.DataFrame = field(repr=False)
    calibration_error: str = ""


@dataclass(frozen=True)
class Lifetime(Step):
    """活跃概率 / P(alive), 预计购买次数 / expected purchases, 预计客户价值 / predicted value."""

    p_alive: pd.Series | None = None
    expected_purchases: pd.Series | None = None
    predicted_value: pd.Series | None = None
    report: ClvReport | None = None


def lifetime(lines: FieldTable | None, line_customer: np.ndarray | None, n: int, as_of: pd.Timestamp | None,
             gaps: np.ndarray | None, settings: Settings, lang: str) -> Lifetime:
    """The CLV columns of the n customers from their order lines (line_customer: each line's customer)."""
    enabled = settings["clv.enabled"]
    if not enabled:
        return Lifetime()
    if lines is None or line_customer is None or lines.values.get("revenue") is None or as_of is None:
        # auto: a customer table (or undated lines) simply has no CLV; yes: say why not
        return Lifetime() if enabled == "auto" else Lifetime(warnings=(text("clv_needs_orders", lang),))
    ids, dates, amounts = _usable_lines(lines, line_customer)
    horizon_days, rate = settings["clv.horizon_days"], settings["clv.discount_rate"]
    try:
        table = clv.summary_from_orders(ids, dates, amounts, as_of, unit=UNIT)
        problem = _degenerate(table)
        if problem:
            return Lifetime(warnings=(text(problem, lang),))
        bgnbd = clv.fit_bgnbd(table["frequency"], table["recency"], table["T"])
        gg = clv.fit_gamma_gamma(table["frequency"], table["monetary_value"])
        x, t_x, age, m = (table[k].to_numpy() for k in ("frequency", "recency", "T", "monetary_value"))
        horizon = horizon_days / DAYS_PER_UNIT
        alive = clv.p_alive(bgnbd, x, t_x, age)
        purchases = clv.expected_purchases(bgnbd, horizon, x, t_x, age)
        value = clv.customer_value(bgnbd, gg, x, t_x, age, m, horizon=horizon, discount_rate=rate,
                                   unit_per_year=UNITS_PER_YEAR)
    except clv.ClvError as error:
        return Lifetime(warnings=(text("clv_no_fit", lang, reason=reason(error, lang)),))
    if not all(np.isfinite(v).all() for v in (alive, purchases, value)):
        return Lifetime(warnings=(text("clv_no_fit", lang, reason=text("clv_reason_not_finite", lang)),))
    cutoff, calibration, error = _calibration(ids, dates, amounts, as_of, lang)
    report = ClvReport(UNIT, horizon_days, rate, bgnbd, gg, cutoff, calibration, error)
    return Lifetime(*(_per_customer(table.index, v, n, gaps) for v in (np.clip(alive, 0.0, 1.0),
                                                                        np.maximum(purchases, 0.0),
                                                                        np.maximum(value, 0.0))),
                    report=report)


def reason(error: clv.ClvError, lang: str) -> str:
    """Why a model could not be fitted, in `lang` (the error's own English sentence when it names no reason)."""
    if not error.reason:
        return str(error)
    values = {k: pick(CLV_MODELS[v], lang) if k == "model" and v in CLV_MODELS else
              pick(("、", " and "), lang).join(v) if isinstance(v, tuple) else v for k, v in error.values.items()}
    return text(f"clv_reason_{error.reason}", lang, **values)


def _usable_lines(lines: FieldTable, line_customer: np.ndarray) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Customer row, date and amount of the lines with all three."""
    dates = lines.values["order_date"].astype("datetime64[ns]")
    amounts = lines.values["revenue"].astype("float64")
    ok = (line_customer >= 0) & dates.notna().to_numpy() & amounts.notna().to_numpy()
    return line_customer[ok], dates[ok].reset_index(drop=True), amounts.to_numpy()[ok]


def _degenerate(table: pd.DataFrame) -> str:
    """The warning's key when the data cannot carry the models, else ''."""
    if len(table) < clv.MIN_CUSTOMERS:
        return "clv_few_customers"
    if not (table["frequency"] > 0).any():
        return "clv_no_repeat"
    if int(((table["frequency"] > 0) & (table["monetary_value"] > 0)).sum()) < clv.MIN_SPENDERS:
        return "clv_no_spend"
    return ""


def _per_customer(rows: pd.Index, values: np.ndarray, n: int, gaps: np.ndarray | None) -> pd.Series:
    """Values of the summary's customers (by row) on positions 0..n-1; blank for the others."""
    out = np.full(n, np.nan)
    out[rows.to_numpy(dtype=np.int64)] = values
    if gaps is not None:
        out[np.asarray(gaps, dtype=bool)] = np.nan
    return pd.Series(out, index=pd.RangeIndex(n))


def _calibration(ids: np.ndarray, dates: pd.Series, amounts: np.ndarray, as_of: pd.Timestamp,
                 lang: str) -> tuple[pd.Timestamp | None, pd.DataFrame, str]:
    """Fit on the first half of the history, compare predicted and actual repeat purchases in the second."""
    empty = pd.DataFrame(columns=["bucket", "customers", "actual", "predicted"])
    start = dates.min().normalize()
    end = as_of.normalize()
    half_days = (end - start).days // 2
    if half_days < 1:
        return None, empty, text("clv_reason_short_history", lang)
    cutoff = start + pd.Timedelta(days=half_days)
    try:
        table = clv.summary_from_orders(ids, dates, amounts, cutoff, unit=UNIT)
        fit = clv.fit_bgnbd(table["frequency"], table["recency"], table["T"])
    except clv.ClvError as error:
        return cutoff, empty, reason(error, lang)
    later = pd.DataFrame({"customer": ids, "day": dates.dt.normalize()})
    later = later[(later["day"] > cutoff) & (later["day"] <= end)].drop_duplicates()
    actual = later.groupby("customer").size().reindex(table.index, fill_value=0).to_numpy(dtype=float)
    x = table["frequency"].to_numpy()
    predicted = clv.expected_purchases(fit, (end - cutoff).days / DAYS_PER_UNIT, x, table["recency"], table["T"])
    bucket = np.minimum(x, BUCKETS - 1).astype(int)
    rows = []
    for b in range(BUCKETS):
        chosen = bucket == b
        if chosen.any():
            rows.append({"bucket": f"{b}+" if b == BUCKETS - 1 else str(b), "customers": int(chosen.sum()),
                         "actual": float(actual[chosen].mean()), "predicted": float(predicted[chosen].mean())})
    return cutoff, pd.DataFrame(rows), ""
