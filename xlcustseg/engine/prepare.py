"""From the frame a spreadsheet hands over to the typed inputs every step reads.

The table is located (its header row and fields), its cells read (an unreadable
cell becomes a note), order lines aggregated to one row per customer, the
language chosen, the analysis date fixed, and the days since each customer's
first and last purchase counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.engine.orders import aggregate
from xlcustseg.engine.quality import left_out, without_excluded
from xlcustseg.engine.result import SegmentationError
from xlcustseg.fields.headers import TableLayout, find_table, has_cjk
from xlcustseg.fields.reader import FieldTable, body_of, read_fields
from xlcustseg.fields.values import is_label, shared_factorizing
from xlcustseg.i18n import NO_TABLE, all_created_headers
from xlcustseg.notes import NoteBook
from xlcustseg.settings import Settings

#: the fields some scheme can use; a table with none of them has nothing to segment.
USEFUL = ("revenue", "orders", "last_date", "first_date", "recency", "order_date", "need",
          "money", "authority", "stage", "customer_name", "customer_kind", "profit",
          "discount_share", "service_requests", "new_product_share", "personality")


@dataclass(frozen=True)
class Customers:
    """One row per customer (positions 0..n-1): the typed inputs of every step.

    fields: the input columns read from the table (values, headers, cells, problems).
    recency / tenure: days from the last / first purchase to the analysis date (NaN: unknown).
    purchased: True / False / NA — a purchase on record (the lifecycle scheme's rule).
    revenue: the revenue column, None when the table has none.
    """

    fields: FieldTable
    language: str
    as_of: pd.Timestamp | None
    recency: pd.Series
    tenure: pd.Series
    purchased: pd.Series
    revenue: pd.Series | None

    @property
    def n(self) -> int:
        """The number of customers."""
        return self.fields.n

    def has(self, *names: str) -> bool:
        """Does the table have all these fields?"""
        return self.fields.has(*names)

    def column(self, name: str) -> pd.Series | None:
        """One input column on positions 0..n-1, None when the table lacks it."""
        series = self.fields.get(name)
        return None if series is None else series.reset_index(drop=True)

    def days_since(self, name: str) -> pd.Series:
        """Days from each date of column `name` to the analysis date (NaN when either is unknown)."""
        return days_before(self.as_of, self.fields.get(name), self.n)


@dataclass(frozen=True)
class Prepared:
    """The customers, where they came from, and the notes made while reading them."""

    customers: Customers
    layout: TableLayout
    kind: str  # customers or orders
    source_rows: np.ndarray
    notes: tuple[pd.DataFrame, ...]
    lines: FieldTable | None = None  # the order lines as read (order lines only; source_rows: their customers)


def prepare(table: pd.DataFrame, settings: Settings, origin: tuple[int, int] | None) -> Prepared:
    """Locate and read the table (see `segment()` for `origin`); aggregate order lines."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"segment() takes a pandas DataFrame, not {type(table).__name__}")
    layout = find_table(table, settings.header_overrides(), ignore=all_created_headers())
    if not any(f in layout.fields for f in USEFUL):
        raise SegmentationError(NO_TABLE)
    row0, col0 = origin or ((1, 1) if isinstance(table.columns, pd.RangeIndex) else (2, 1))
    with shared_factorizing():  # the id column: checked for total rows, then read, hashed once
        return _prepare(table, settings, layout, (row0, col0))


def _prepare(table: pd.DataFrame, settings: Settings, layout: TableLayout, origin: tuple[int, int]) -> Prepared:
    row0, col0 = origin
    body, positions = body_of(table, layout)
    body, positions, totals = _without_total_rows(body, positions, layout, settings, (row0, col0))
    body, positions, excluded = without_excluded(body, positions, layout, settings["quality.exclude"], (row0, col0))
    notes = NoteBook()
    found = read_fields(body, layout, row0 + positions, col0, notes)
    kind, fields, source_rows = "customers", found, positions
    if _is_order_lines(found):
        fields, source_rows = aggregate(found)
        _note_lines_left_out(found, source_rows, notes)
        notes.remap_rows(source_rows)
        kind = "orders"
    customers = _customers(fields, _language(settings, layout), _analysis_date(fields, settings))
    future = _future_dates(customers)
    return Prepared(customers, layout, kind, source_rows, (*notes.parts, *future, *totals, *excluded),
                    found if kind == "orders" else None)


def _without_total_rows(body: pd.DataFrame, positions: np.ndarray, layout: TableLayout, settings: Settings,
                        origin: tuple[int, int]) -> tuple[pd.DataFrame, np.ndarray, tuple[pd.DataFrame, ...]]:
    """The body without its total rows (customer id or name one of `total_row.labels`: 合计, Total …):
    a total row is no customer, so it is left out with a note naming its cell."""
    labels = settings["total_row.labels"]
    return left_out(body, positions, layout, origin, lambda values: is_label(values, labels), "total_row")


def days_before(as_of: pd.Timestamp | None, dates: pd.Series | None, n: int) -> pd.Series:
    """Whole days from each date to `as_of`; NaN without a date or an analysis date."""
    if dates is None or as_of is None:
        return pd.Series(np.nan, index=pd.RangeIndex(n))
    days = (as_of - dates.astype("datetime64[ns]").dt.normalize()).dt.days
    return days.astype("float64").reset_index(drop=True)


def _customers(fields: FieldTable, language: str, as_of: pd.Timestamp | None) -> Customers:
    recency = days_before(as_of, fields.get("last_date"), fields.n)
    if fields.has("recency"):
        recency = recency.fillna(fields.values["recency"].reset_index(drop=True))
    revenue = fields.get("revenue")
    return Customers(fields, language, as_of, recency, days_before(as_of, fields.get("first_date"), fields.n),
                     _purchased(fields, recency), None if revenue is None else revenue.reset_index(drop=True))


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


def _analysis_date(customers: FieldTable, settings: Settings) -> pd.Timestamp | None:
    """The as_of setting; by default the latest purchase (or contact) date in the data."""
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


def _purchased(c: FieldTable, recency: pd.Series) -> pd.Series:
    """True / False / NA (unknown because a cell could not be read): the lifecycle scheme's rule."""
    unreadable = np.zeros(c.n, dtype=bool)
    for name in ("last_date", "first_date", "orders", "revenue", "recency"):
        if name in c.problems:
            unreadable |= c.problems[name]
    evidence = [c.values[n].reset_index(drop=True) for n in ("last_date", "first_date") if c.has(n)] + [recency]
    amounts = [c.values[n].reset_index(drop=True) for n in ("orders", "revenue") if c.has(n)]
    return schemes.purchase_on_record(evidence, amounts, unreadable)


def _future_dates(c: Customers) -> tuple[pd.DataFrame, ...]:
    """Notes on last purchase dates after the analysis date (they are classed as they are)."""
    if not (c.has("last_date") and "last_date" in c.fields.raw):
        return ()
    return c.fields.notes("last_date", (c.recency < 0).to_numpy(), "future_date")
