"""The steps' answers laid out: the notes, the classes frame and the output table.

`classes` holds every step's columns side by side, after the days each customer
was read with; the output table is what a workbook gets: the customer id (and,
for order lines, the aggregated columns), then the output columns of SCHEMES.md
with class keys turned into labels in the table's language.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from xlcustseg.engine.prepare import Customers, Prepared
from xlcustseg.engine.steps import Step
from xlcustseg.engine.strategies import labels
from xlcustseg.i18n import AGGREGATE_COLUMNS, CLV_COLUMNS, OUTPUT_COLUMNS, pick
from xlcustseg.notes import notes_frame, per_row
from xlcustseg.settings import Settings


def all_notes(prepared: Prepared, done: Sequence[Step]) -> pd.DataFrame:
    """The notes made while reading, then each step's, as one frame in the table's language."""
    parts = [*prepared.notes, *(part for step in done for part in step.notes)]
    return notes_frame(parts, prepared.customers.language)


def all_warnings(done: Sequence[Step], notes: pd.DataFrame | None = None) -> tuple[str, ...]:
    """The notes on rows left out of the table (total rows: on no customer's row, so said here), then the
    steps' table-level warnings, in step order."""
    left_out = () if notes is None else tuple(notes.loc[notes["reason"].eq("total_row").to_numpy(), "message"])
    return (*left_out, *(warning for step in done for warning in step.warnings))


def classes_frame(c: Customers, done: Sequence[Step], notes: pd.DataFrame) -> pd.DataFrame:
    """Days, purchase on record and revenue, every step's columns, and the per-row notes."""
    columns = {"recency": c.recency, "tenure": c.tenure, "purchased": c.purchased}
    if c.revenue is not None:
        columns["revenue"] = c.revenue
    for step in done:
        columns.update(step.columns())
    columns["notes"] = per_row(notes, c.n)
    return pd.DataFrame(columns, index=pd.RangeIndex(c.n))


def output_table(prepared: Prepared, classes: pd.DataFrame, rfm_map: str, type_scheme: str,
                 settings: Settings) -> pd.DataFrame:
    """The customer id (for order lines: the aggregated columns too), then the output columns, labelled."""
    c, lang = prepared.customers, prepared.customers.language
    columns = {}
    if c.has("customer_id"):
        columns[c.fields.headers["customer_id"]] = c.column("customer_id")
    if prepared.kind == "orders":
        columns.update(_aggregated(c, classes))
    values = {
        **{key: classes[key] for key in ("tier", "r", "f", "m", "rfm_code", "strategy", "cadence", "next_contact",
                                         "notes")},
        "rfm_class": labels(classes["rfm_class"], rfm_map, lang, settings),
        "lifecycle": labels(classes["lifecycle"], "lifecycle", lang, settings),
        "customer_type": labels(classes["customer_type"], type_scheme, lang, settings),
    }
    columns.update({pick((zh, en), lang): values[key] for key, zh, en in OUTPUT_COLUMNS})
    columns.update({pick((zh, en), lang): classes[key] for key, zh, en in CLV_COLUMNS if key in classes})
    return pd.DataFrame(columns, index=classes.index)


def _aggregated(c: Customers, classes: pd.DataFrame) -> dict[str, pd.Series]:
    """The customer sheet made from order lines: name, first and last purchase, orders, revenue, recency."""
    columns = {}
    if c.has("customer_name"):
        columns[c.fields.headers["customer_name"]] = c.column("customer_name")
    values = {"first_date": c.column("first_date"), "last_date": c.column("last_date"),
              "orders": c.column("orders").astype("Int64"), "revenue": c.revenue,
              "recency": classes["recency"].astype("Int64")}
    columns.update({pick((zh, en), c.language): values[key] for key, zh, en in AGGREGATE_COLUMNS})
    return columns
