"""Movement between snapshots: which customers moved tier or RFM class since the previous run.

    >>> from xlcustseg import compare, segment
    >>> movement = compare(segment(last_quarter).table, segment(this_quarter).table)
    >>> movement.table        # per current customer: previous tier, previous RFM class, tier change
    >>> movement.tiers        # previous tier × current tier, with the 新增/New row and 流失/Lost column
    >>> compare(segment_as_of(lines, "2024-06-30").table, segment(lines).table)   # order lines, two dates

Customers are matched by the customer id (else by the customer name). A key that
occurs more than once on either side is paired in order of appearance (its
first occurrence before with its first occurrence now, …) and gets a note, so
every customer is counted once: matched, new (only now) or lost (only before).
The tier order is the settings' tier letters (A best); a customer matched with a
blank previous tier counts as new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlcustseg.engine.pipeline import segment
from xlcustseg.engine.result import CopiedFrame, SegmentationError, SegmentResult
from xlcustseg.fields.headers import find_table, match_fields, normalise_header
from xlcustseg.fields.values import parse_dates, parse_text
from xlcustseg.i18n import (
    MOVEMENT_COLUMNS,
    MOVEMENT_MARGINS,
    OUTPUT_COLUMNS,
    TIER_CHANGES,
    all_created_headers,
    pick,
    text,
)
from xlcustseg.schemes.movement import tier_changes
from xlcustseg.settings import DEFAULTS, TIER_LETTERS, Settings

#: every tier letter, best first (the 3- and 4-level letters are in the same order)
ALL_TIERS: tuple[str, ...] = TIER_LETTERS[5]


@dataclass(frozen=True, eq=False)
class Movement:
    """What `compare()` returns.

    table: one row per current customer (same order and index as `current`): the key it was
      matched by, previous_tier, previous_rfm_class, tier_change (labels in `language`), and
      matched (False: new).
    tiers, rfm: previous class (rows, then the 新增/New row) × current class (columns, then the
      流失/Lost column); counts of customers.
    lost: the previous rows no current customer matched (key, tier, rfm_class).
    notes: ambiguous matches and values that are not tiers, as sentences.
    matched_by: customer_id or customer_name.
    """

    table: pd.DataFrame = CopiedFrame()  # noqa: RUF009 (a descriptor, see result.py)
    tiers: pd.DataFrame = CopiedFrame()  # noqa: RUF009 (a descriptor, see result.py)
    rfm: pd.DataFrame = CopiedFrame()  # noqa: RUF009 (a descriptor, see result.py)
    lost: pd.DataFrame = CopiedFrame()  # noqa: RUF009 (a descriptor, see result.py)
    notes: tuple[str, ...]
    matched_by: str
    language: str


def tier_change(previous: pd.Series, current: pd.Series, lang: str,
                letters: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Per row: 升级/降级/持平/新客户 (Up/Down/Same/New) by `schemes.tier_changes`; blank without a current tier.

    Also returns, per row, the value that is not a tier (else None): such rows have no change.
    """
    upper = tuple(t.upper() for t in letters)
    before = parse_text(previous.reset_index(drop=True)).str.upper()
    now = parse_text(current.reset_index(drop=True)).str.upper()
    keys = tier_changes(before, now, letters=upper).to_numpy(dtype=object, copy=True)
    bad = np.where(before.notna() & ~before.isin(upper), previous.reset_index(drop=True), None).astype(object)
    bad = np.where(now.notna() & ~now.isin(upper), current.reset_index(drop=True), bad)
    keys[pd.notna(bad)] = None
    labels = {k: pick(v, lang) for k, v in TIER_CHANGES.items()}
    answer = np.array([labels.get(k) if k is not None else None for k in keys], dtype=object)
    return pd.Series(answer, index=current.index, dtype=object), pd.Series(bad, index=current.index, dtype=object)


def _column(frame: pd.DataFrame, key: str) -> str | None:
    """The column of one of our output columns (by its zh or en header), else None."""
    wanted = {normalise_header(h) for k, zh, en in OUTPUT_COLUMNS if k == key for h in (zh, en)}
    return next((c for c in frame.columns if normalise_header(c) in wanted), None)


def _key_column(frame: pd.DataFrame, field: str, given: str | None) -> str | None:
    if given is not None:
        return given if given in frame.columns else None
    position = match_fields(frame.columns).get(field)
    return None if position is None else frame.columns[position]


def _keys(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The cleaned key and its occurrence number (0 for the first time the key appears)."""
    key = parse_text(frame[column].reset_index(drop=True))
    occurrence = key.groupby(key, dropna=True).cumcount().reindex(key.index)
    return pd.DataFrame({"key": key, "occurrence": occurrence})


def _classes(frame: pd.DataFrame, key: str) -> pd.Series:
    column = _column(frame, key)
    if column is None:
        return pd.Series(None, index=range(len(frame)), dtype=object)
    values = parse_text(frame[column].reset_index(drop=True))
    return values.str.upper() if key == "tier" else values


def matrix(previous: pd.Series, current: pd.Series, new: pd.Series, lost: pd.Series, order: list[str],
           lang: str, every: bool = False) -> pd.DataFrame:
    """previous × current counts of matched customers, the new row and the lost column.

    Classes in `order` (all of them if `every`, else those that occur), then any others sorted.
    """
    present = set(previous.dropna()) | set(current.dropna()) | set(lost.dropna())
    seen = [c for c in order if every or c in present]
    classes = seen + sorted(present - set(seen))
    new_label, lost_label = (pick(MOVEMENT_MARGINS[k], lang) for k in ("new", "lost"))
    table = pd.DataFrame(0, index=[*classes, new_label], columns=[*classes, lost_label], dtype="int64")
    both = pd.DataFrame({"p": previous, "c": current}).dropna()
    for (p, c), n in both.value_counts().items():
        table.loc[p, c] += n
    for c, n in new.dropna().value_counts().items():
        table.loc[new_label, c] += n
    for p, n in lost.dropna().value_counts().items():
        table.loc[p, lost_label] += n
    table.index.name, table.columns.name = "previous", "current"
    return table


def compare(previous: pd.DataFrame, current: pd.DataFrame, *, id_column: str | None = None,
            name_column: str | None = None, lang: str = "zh", settings: Settings = DEFAULTS) -> Movement:
    """Match the customers of two snapshots and say who moved (see the module's docstring).

    `previous` and `current`: SegmentResult tables, or any tables with the customer id (or
    name) column and our tier/RFM class columns (客户等级/Tier, RFM分群/RFM Class).
    """
    matched_by, columns = None, None
    for field, given in (("customer_id", id_column), ("customer_name", name_column)):
        pair = (_key_column(previous, field, given), _key_column(current, field, given))
        if None not in pair and (given is not None or field == "customer_id" or id_column is None):
            matched_by, columns = field, pair
            break
    if columns is None:
        raise SegmentationError(text("no_match_column", "en", what="customer id or name"))
    before, now = _keys(previous, columns[0]), _keys(current, columns[1])
    lookup = pd.DataFrame({"row": np.arange(len(before)), "key": before["key"], "occurrence": before["occurrence"]}
                          ).dropna(subset=["key"]).set_index(["key", "occurrence"])["row"]
    index = pd.MultiIndex.from_frame(now[["key", "occurrence"]])
    row = lookup.reindex(index).to_numpy(dtype="float64")
    matched = ~np.isnan(row)
    pick_row = np.where(matched, row, 0).astype(int)

    notes = []
    counts_before, counts_now = before["key"].value_counts(), now["key"].value_counts()
    for key in sorted(set(counts_before[counts_before > 1].index) | set(counts_now[counts_now > 1].index)):
        if key in counts_before.index and key in counts_now.index:
            notes.append(text("ambiguous_match", lang, name=key, before=int(counts_before[key]),
                              now=int(counts_now[key])))

    tier_before, rfm_before = _classes(previous, "tier"), _classes(previous, "rfm_class")
    tier_now, rfm_now = _classes(current, "tier"), _classes(current, "rfm_class")

    def taken(values: pd.Series) -> pd.Series:
        out = values.to_numpy(dtype=object)[pick_row] if len(values) else np.full(len(now), None, dtype=object)
        out = np.where(matched, out, None)
        return pd.Series(out, dtype=object)

    previous_tier, previous_rfm = taken(tier_before), taken(rfm_before)
    change, bad = tier_change(previous_tier, tier_now, lang, settings.tier_letters())
    for value in dict.fromkeys(bad.dropna()):
        notes.append(text("unknown_tier", lang, value=value))
    headers = {k: pick((zh, en), lang) for k, zh, en in MOVEMENT_COLUMNS}
    table = pd.DataFrame({"key": now["key"], headers["previous_tier"]: previous_tier,
                          headers["previous_rfm_class"]: previous_rfm, headers["tier_change"]: change.to_numpy(),
                          "matched": matched})
    table.index = current.index

    was_taken = np.zeros(len(before), dtype=bool)
    was_taken[pick_row[matched]] = True
    lost = pd.DataFrame({"key": before["key"], "tier": tier_before, "rfm_class": rfm_before})[~was_taken]
    lost = lost[lost["key"].notna()].reset_index(drop=True)

    # a matched customer whose previous class is blank counts in the new row
    new_tier = pd.Series(np.where(previous_tier.isna(), tier_now, None), dtype=object)
    new_rfm = pd.Series(np.where(previous_rfm.isna(), rfm_now, None), dtype=object)
    rfm_order = list(dict.fromkeys([*rfm_now.dropna(), *rfm_before.dropna()]))
    return Movement(
        table=table,
        tiers=matrix(previous_tier, tier_now, new_tier, lost["tier"], list(settings.tier_letters()), lang,
                     every=True),
        rfm=matrix(previous_rfm, rfm_now, new_rfm, lost["rfm_class"], rfm_order, lang),
        lost=lost, notes=tuple(notes), matched_by=matched_by, language=lang)


def segment_as_of(table: pd.DataFrame, date: object, settings: Settings | dict | None = None, *,
                  origin: tuple[int, int] | None = None) -> SegmentResult:
    """The snapshot the same order lines gave on `date`: only the lines dated up to it, segmented as of it.

    `table`, `settings` and `origin` as for `segment()` (settings' as_of becomes `date`; CLV and
    clusters are off: a snapshot needs only the classes). Lines whose date cannot be read are kept,
    so their customers carry the same notes as in the full run. Raises SegmentationError (one
    sentence) when `date` is not a date, the table has no order date column, no line is dated up
    to `date`, or the cut lines no longer read as order lines (one line per customer, no order id).
    """
    settings = settings if isinstance(settings, Settings) else Settings(settings or {})
    when = parse_dates(pd.Series([date], dtype=object)).values.iloc[0]
    if pd.isna(when):
        raise SegmentationError(text("as_of_not_a_date", "en", value=date))
    when = pd.Timestamp(when).normalize()
    layout = find_table(table, settings.header_overrides(), ignore=all_created_headers())
    if "order_date" not in layout.fields:
        raise SegmentationError(text("as_of_needs_orders", "en"))
    start = 0 if layout.header_row is None else layout.header_row + 1
    dates = parse_dates(table.iloc[start:, layout.fields["order_date"]]).values
    keep = np.concatenate([np.ones(start, dtype=bool), ~(dates > when).to_numpy(dtype=bool)])
    if not dates.le(when).any():
        raise SegmentationError(text("as_of_no_lines", "en", date=when.date()))
    earlier = segment(table[keep].reset_index(drop=True),
                      settings.replace({"as_of": when, "clv.enabled": "no", "cluster.enabled": "no"}), origin=origin)
    if earlier.kind != "orders":
        raise SegmentationError(text("as_of_one_line_each", "en", date=when.date()))
    return earlier
