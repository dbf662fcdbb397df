"""The rule's numbers: the cut points a run classed by, and why one customer is in its classes (issue #12).

`cut_points` gathers what the steps used — the tier amounts of `schemes.tier_lows`,
the R/F/M edges of `schemes.rank_edges` (or the threshold limits), the rfm8/rfm4
High centres of `schemes.high_centres`, the lifecycle day limits — into the
result's `CutPoints`; nothing here computes a cut point a second way.

Three views of them, in the run's language:

- `cut_rows`: the 分层依据 / Cut points block of the summary and settings sheets
  (scheme, class, rule, cut point as a number);
- `why_texts`: the optional 分层依据 / Why column (setting output.why), one short
  text per row, built from one text per class and array look-ups;
- `explain`: every class of one customer with its values and the cut points
  that put it there (`xlcustseg segment FILE --explain ID`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.engine.result import CutPoints, SegmentResult
from xlcustseg.engine.steps import Lifecycle, Rfm, Tiers
from xlcustseg.engine.strategies import labels
from xlcustseg.i18n import COLON, EXPLAIN, SEPARATOR, pick
from xlcustseg.settings import Settings

STAGES = ("prospect", "new", "active", "dormant", "churned")


def say(key: str, lang: str, **values: object) -> str:
    """One of EXPLAIN's texts in `lang`, its placeholders filled."""
    return pick(EXPLAIN[key], lang).format(**values)


def cut_points(settings: Settings, tiers: Tiers, rfm: Rfm, lifecycle: Lifecycle, customers: int) -> CutPoints:
    """The cut points the steps classed by (their own numbers, as they used them)."""
    return CutPoints(
        tier_basis=settings["tier.basis"], tier_letters=tuple(settings.tier_letters()),
        tier_cutoffs=tuple(float(c) for c in settings.tier_cutoffs()),
        tier_lows=None if tiers.lows is None else tuple(float(v) for v in tiers.lows), customers=customers,
        rfm_method=settings["rfm.method"], rfm_bins=settings["rfm.bins"], rfm_monetary=settings["rfm.monetary"],
        rfm_edges=None if rfm.edges is None else tuple(tuple(float(v) for v in e) for e in rfm.edges),
        rfm_map=rfm.rfm_map, high_rule=settings["rfm.high_rule"], rfm_centres=rfm.centres,
        lifecycle_days=None if lifecycle.lifecycle.isna().all() else (
            settings["lifecycle.new_days"], settings["lifecycle.active_days"], settings["lifecycle.dormant_days"]))


# ---------------------------------------------------------------- numbers as text
def number(value: float, money: bool = False) -> str:
    """A cut point as the summary shows it: money as #,##0.00, counts and days without decimals when whole."""
    if money:
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _share(value: float) -> str:
    return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.1%}"


# ---------------------------------------------------------------- tiers
def tier_texts(cuts: CutPoints, lang: str) -> list[str]:
    """One rule text per tier (best first), then one for revenue ≤ 0 (the last tier whatever the rule)."""
    lows, letters = cuts.tier_lows or (), cuts.tier_letters
    texts = []
    for i, letter in enumerate(letters):
        if i < len(lows):
            texts.append(f"{letter}{pick(COLON, lang)}{_tier_rule(cuts, i, lang)}")
        else:
            finite = [v for v in lows if math.isfinite(v)]
            rest = say("tier_rest", lang, low=number(finite[-1], True)) if finite else say("tier_rest_all", lang)
            texts.append(f"{letter}{pick(COLON, lang)}{rest}")
    texts.append(f"{letters[-1]}{pick(COLON, lang)}{say('tier_not_positive', lang)}")
    return texts


def _tier_rule(cuts: CutPoints, i: int, lang: str) -> str:
    low = (cuts.tier_lows or ())[i]
    if not math.isfinite(low):
        return say("tier_empty", lang)
    rule = say("tier_low", lang, low=number(low, True))
    share = cuts.tier_cutoffs[i]
    if cuts.tier_basis == "count":
        k = math.ceil(round(share * cuts.customers, 9))
        return f"{rule}（{say('tier_count', lang, share=_share(share), k=k)}）" if lang == "zh" else \
            f"{rule} ({say('tier_count', lang, share=_share(share), k=k)})"
    if cuts.tier_basis == "revenue_share":
        note = say("tier_share", lang, share=_share(share))
        return f"{rule}（{note}）" if lang == "zh" else f"{rule} ({note})"
    return rule


def tier_codes(classes: pd.DataFrame, cuts: CutPoints) -> np.ndarray:
    """Per row: the tier's position, len(letters) for revenue ≤ 0, -1 without a tier."""
    codes = pd.Categorical(classes["tier"], categories=list(cuts.tier_letters)).codes.astype(int)
    revenue = classes["revenue"] if "revenue" in classes else pd.Series(np.nan, index=classes.index)
    not_positive = (revenue <= 0).fillna(False).to_numpy(dtype=bool) & (codes >= 0)
    return np.where(not_positive, len(cuts.tier_letters), codes)


# ---------------------------------------------------------------- R, F, M
def _what(dim: str, cuts: CutPoints, lang: str) -> str:
    return say(dim if dim != "m" else f"m_{cuts.rfm_monetary}", lang)


def score_texts(dim: str, cuts: CutPoints, lang: str) -> list[str]:
    """The range of values of each score 1..bins of one dimension, as the edges give it."""
    edges = (cuts.rfm_edges or ((), (), ()))["rfm".index(dim)]
    inclusive = cuts.rfm_method == "threshold"
    money = dim == "m"
    what = _what(dim, cuts, lang)
    texts = []
    for s in range(1, cuts.rfm_bins + 1):
        if dim == "r":  # fewer days is better: score s needs days below edges[bins - s]
            above = edges[cuts.rfm_bins - s - 1] if s < cuts.rfm_bins else None
            below = edges[cuts.rfm_bins - s] if s > 1 else None
            low_op, high_op = ("<", "≤") if inclusive else ("≤", "<")
        else:
            above = edges[s - 2] if s > 1 else None
            below = edges[s - 1] if s < cuts.rfm_bins else None
            low_op, high_op = ("≤", "<") if inclusive else ("<", "≤")
        texts.append(f"{dim.upper()}{s}{pick(COLON, lang)}{_range(what, above, low_op, below, high_op, money, lang)}")
    return texts


def _range(what: str, low: float | None, low_op: str, high: float | None, high_op: str, money: bool,
           lang: str) -> str:
    """`low < what ≤ high`, `what > low` or `what ≤ high` (infinite or missing bounds left out)."""
    lo = low if low is not None and math.isfinite(low) else None
    hi = high if high is not None and math.isfinite(high) else None
    if lo is not None and hi is not None:
        return say("tier_empty", lang) if lo >= hi else \
            f"{number(lo, money)} {low_op} {what} {high_op} {number(hi, money)}"
    if lo is not None:
        return f"{what} {_FLIPPED[low_op]} {number(lo, money)}"
    if hi is not None:
        return f"{what} {high_op} {number(hi, money)}"
    return say("all", lang)


_FLIPPED = {"<": ">", "≤": "≥"}


def high_texts(cuts: CutPoints, lang: str) -> list[tuple[str, float]]:
    """rfm8/rfm4: what High means for R, F and M, with its centre; empty for rfm10 or without RFM."""
    if cuts.rfm_centres is None:
        return []
    out = []
    for dim, centre in zip("rfm", cuts.rfm_centres, strict=True):
        if cuts.high_rule == "score_mean":
            rule = say("high_score", lang, dim=dim.upper(), centre=f"{centre:.2f}")
        else:
            rule = say(f"high_{cuts.high_rule}", lang, what=_what(dim, cuts, lang), op="≤" if dim == "r" else "≥",
                       centre=number(centre, dim == "m"))
        out.append((rule, centre))
    return out


# ---------------------------------------------------------------- lifecycle
def stage_texts(cuts: CutPoints, lang: str) -> list[str]:
    """The rule of each stage (STAGES order), with this run's day limits."""
    new, active, dormant = cuts.lifecycle_days or (0, 0, 0)
    return [say(stage, lang, new=new, active=active, dormant=dormant) for stage in STAGES]


# ---------------------------------------------------------------- the block on the summary and settings sheets
def cut_rows(result: SegmentResult) -> list[list[Any]]:
    """The 分层依据 / Cut points block: a title, a header, then (scheme, class, rule, cut point) rows.

    The cut point is a number (money for tiers and M); blank where a class has
    none (the last tier, score 1's lower end, prospects)."""
    cuts, lang = result.cuts, result.language
    rows: list[list[Any]] = [[say("title", lang)], say("header", lang).split("|")]
    if cuts is None:
        return rows
    scheme = say("tier", lang)
    texts = tier_texts(cuts, lang)
    for i, letter in enumerate(cuts.tier_letters):
        low = (cuts.tier_lows or ())[i] if i < len(cuts.tier_lows or ()) else None
        rows.append([scheme, letter, texts[i], low if low is not None and math.isfinite(low) else None])
    if cuts.rfm_edges is not None:
        for dim in "rfm":
            rule = say("rank_rule", lang, share=_share(1 / cuts.rfm_bins)) if cuts.rfm_method == "rank" else \
                say("threshold_rule", lang, dim=dim)
            texts = score_texts(dim, cuts, lang)
            edges = cuts.rfm_edges["rfm".index(dim)]
            for s in range(cuts.rfm_bins, 0, -1):
                edge = None if s == 1 else edges[cuts.rfm_bins - s] if dim == "r" else edges[s - 2]
                rows.append([f"{dim.upper()}（{rule}）" if lang == "zh" else f"{dim.upper()} ({rule})",
                             f"{dim.upper()}{s}", texts[s - 1],
                             edge if edge is not None and math.isfinite(edge) else None])
        for dim, (rule, centre) in zip("RFM", high_texts(cuts, lang), strict=False):
            rows.append([cuts.rfm_map, say("rfm_high", lang, dim=dim), rule, centre])
    if cuts.lifecycle_days is not None:
        names = labels(pd.Series(STAGES, dtype=object), "lifecycle", lang, result.settings)
        limits = (None, *cuts.lifecycle_days, cuts.lifecycle_days[-1])  # churned: past the dormant limit
        for name, rule, limit in zip(names, stage_texts(cuts, lang), limits, strict=True):
            rows.append([say("lifecycle", lang), name, rule, limit])
    return rows


# ---------------------------------------------------------------- the Why column
def why_texts(classes: pd.DataFrame, cuts: CutPoints | None, lang: str, settings: Settings) -> pd.Series:
    """One short text per row of `classes`: the rule of its tier, R, F and M scores and lifecycle stage.

    Each row's classes make one number (a digit per part, mixed radix); the few
    distinct numbers get their text once and the rows take theirs by look-up, so
    no text is built per row."""
    if cuts is None or classes.empty:
        return pd.Series(None, index=classes.index, dtype=object)
    parts: list[tuple[np.ndarray, list[str]]] = [(tier_codes(classes, cuts), tier_texts(cuts, lang))]
    if cuts.rfm_edges is not None:
        for dim in "rfm":
            parts.append((classes[dim].astype("Int64").fillna(0).to_numpy(dtype=int) - 1, score_texts(dim, cuts, lang)))
    if cuts.lifecycle_days is not None:
        names = labels(pd.Series(STAGES, dtype=object), "lifecycle", lang, settings)
        stage = pd.Categorical(classes["lifecycle"], categories=list(STAGES)).codes.astype(int)
        parts.append((stage, [f"{name}{pick(COLON, lang)}{rule}" for name, rule in
                              zip(names, stage_texts(cuts, lang), strict=True)]))
    number = np.zeros(len(classes), dtype=np.int64)
    for codes, texts in parts:  # digit len(texts): no class
        number = number * (len(texts) + 1) + np.where(codes >= 0, codes, len(texts))
    found, distinct = pd.factorize(number)
    separator = pick(SEPARATOR, lang)
    texts = [separator.join(_parts_of(int(value), parts)) or None for value in distinct]
    return pd.Series(np.asarray(texts, dtype=object)[found], index=classes.index, dtype=object)


def _parts_of(value: int, parts: list[tuple[np.ndarray, list[str]]]) -> list[str]:
    """The texts one mixed-radix number of `why_texts` stands for (its digits read back, last part first)."""
    out = []
    for _codes, texts in reversed(parts):
        value, digit = divmod(value, len(texts) + 1)
        if digit < len(texts):
            out.append(texts[digit])
    return out[::-1]


# ---------------------------------------------------------------- one customer
class NoSuchCustomer(ValueError):
    """No customer, or several, answer to the id or name asked for; the message says so in one sentence."""


def find_customer(result: SegmentResult, ids: pd.Series | None, names: pd.Series | None, who: str) -> int:
    """The row of the customer whose id (else name) is `who`, compared as text, trimmed; NoSuchCustomer (one
    sentence) when none or several match."""
    wanted = str(who).strip()

    def same(values: pd.Series | None) -> np.ndarray:
        if values is None:
            return np.zeros(len(result.classes), dtype=bool)
        text = values.astype(object).where(values.notna()).astype(str).str.strip()
        text = text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)  # an id read as 1001.0 is 1001
        return text.eq(wanted).to_numpy(dtype=bool) & values.notna().to_numpy()

    lang = result.language
    for hits in (same(ids), same(names)):
        rows = np.flatnonzero(hits)
        if len(rows) == 1:
            return int(rows[0])
        if len(rows) > 1:
            shown = ", ".join(_as_text(v) for v in (ids.iloc[rows[:5]] if ids is not None else rows[:5] + 1))
            shown += ", …" if len(rows) > 5 else ""
            raise NoSuchCustomer(say("ambiguous", lang, who=wanted, count=len(rows), matches=shown))
    raise NoSuchCustomer(say("not_found", lang, who=wanted))


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def explain(result: SegmentResult, row: int, who: str) -> str:
    """Every class of one customer, the values that decided it and the cut points (several lines)."""
    cuts, lang, c = result.cuts, result.language, result.classes.iloc[row]
    colon = pick(COLON, lang)
    lines = [say("customer", lang, who=who)]
    if cuts is None:
        return lines[0]
    revenue = c.get("revenue")
    lines.append(_line(say("tier", lang), c["tier"], say("revenue", lang), revenue, True,
                       tier_texts(cuts, lang), int(tier_codes(result.classes.iloc[[row]], cuts)[0]), lang))
    if cuts.rfm_edges is not None:
        raw = {"r": c["recency"], "f": c.get("frequency"), "m": c.get("monetary")}
        for dim in "rfm":
            score = c[dim]
            code = int(score) - 1 if pd.notna(score) else -1
            lines.append(_line(dim.upper(), score, _what(dim, cuts, lang), raw[dim], dim == "m",
                               score_texts(dim, cuts, lang), code, lang))
        rfm_label = labels(pd.Series([c["rfm_class"]], dtype=object), cuts.rfm_map, lang, result.settings).iloc[0]
        detail = _high_detail(c, cuts, lang) if pd.notna(c["rfm_class"]) else say("missing", lang)
        lines.append(f"RFM分群{colon}{rfm_label if pd.notna(c['rfm_class']) else '—'}（{detail}）" if lang == "zh"
                     else f"RFM class: {rfm_label if pd.notna(c['rfm_class']) else '—'} ({detail})")
    if cuts.lifecycle_days is not None:
        stage = c["lifecycle"]
        code = STAGES.index(stage) if isinstance(stage, str) and stage in STAGES else -1
        label = labels(pd.Series([stage], dtype=object), "lifecycle", lang, result.settings).iloc[0]
        days = pick(SEPARATOR, lang).join(
            f"{say(what, lang)} = {'—' if pd.isna(c[key]) else number(c[key])}"
            for what, key in (("first_days", "tenure"), ("r", "recency")))
        rule = stage_texts(cuts, lang)[code] if code >= 0 else say("missing", lang)
        lines.append(f"{say('lifecycle', lang)}{colon}{label if code >= 0 else '—'}（{days}；{rule}）" if lang == "zh"
                     else f"Lifecycle: {label if code >= 0 else '—'} ({days}; {rule})")
    if isinstance(c.get("notes"), str) and c["notes"]:
        lines.append(f"{say('notes', lang)}{colon}{c['notes']}")
    return "\n".join(lines)


def _line(scheme: str, klass: object, what: str, value: object, money: bool, texts: Sequence[str], code: int,
          lang: str) -> str:
    shown = "—" if value is None or pd.isna(value) else number(float(value), money)
    given = say("value", lang, what=what, value=shown)
    if code < 0:
        return f"{scheme}{pick(COLON, lang)}—（{given}；{say('missing', lang)}）" if lang == "zh" else \
            f"{scheme}: — ({given}; {say('missing', lang)})"
    rule = texts[code]
    return f"{scheme}{pick(COLON, lang)}{klass}（{given}；{rule}）" if lang == "zh" else \
        f"{scheme}: {klass} ({given}; {rule})"


def _high_detail(c: pd.Series, cuts: CutPoints, lang: str) -> str:
    """rfm8/rfm4: High or low on each dimension against its centre; rfm10: the grid look-up."""
    if cuts.rfm_centres is None:
        return say("rfm10", lang, r=int(c["r"]), f=int(c["f"]))
    parts = []
    values = {"r": c["recency"], "f": c.get("frequency"), "m": c.get("monetary")}
    for dim, centre in zip("rfm", cuts.rfm_centres, strict=True):
        by_score = cuts.high_rule == "score_mean"
        value = float(c[dim]) if by_score else float(values[dim])
        lower_better = dim == "r" and not by_score
        high = value <= centre if lower_better else value >= centre
        op = ("≤" if high else ">") if lower_better else ("≥" if high else "<")
        shown = (f"{value:g}", f"{centre:.2f}") if by_score else (number(value, dim == "m"),
                                                                   number(centre, dim == "m"))
        parts.append(say("rfm_side", lang, dim=dim.upper(), side=say("high" if high else "low", lang),
                         value=shown[0], op=op, centre=shown[1]))
    return pick(SEPARATOR, lang).join(parts)
