"""Every rule that aggregates or ranks order lines, written once as SQL for DuckDB and Spark.

The text below runs unchanged on both engines: it keeps to the SQL the two
share (window functions, `TRY_CAST`, `COUNT(x) OVER ()`, `RANK() … NULLS LAST`)
and counts days as integers with Spark's `unix_date` / `date_from_unix_date`,
which `duckdb_engine.py` defines as two macros. Identifiers are our own plain
names: the engine's `xl_lines` view renames the file's columns to them, and the
engine quotes the output headers itself.

Each rule here mirrors one pandas rule, with the same tie handling:

- order lines → one row per customer (`engine/orders.py`): first and last
  purchase day, distinct order ids (distinct purchase days without an order-id
  column), revenue summed and rounded to the 15 significant digits a sheet
  keeps; a customer with any line whose date or amount cannot be read gets no
  aggregates at all;
- R, F, M scores (`schemes/rfm.py`, `rank_scores`): `1 + floor(bins × w / n)`,
  w = customers strictly worse (`RANK() - 1` over the better-last order),
  n = customers with a value; tied values share a score;
- the count-basis tier (`schemes/tiers.py`): rank method "min" by revenue,
  descending (1 + customers with more revenue), tier i while rank ≤
  ceil(cutoff_i × n); revenue ≤ 0 is the last tier;
- High/Low of rfm8/rfm4 (`rfm_classes`, high_rule score_mean): score ≥ the mean
  score over the scored customers.

The rules that do not aggregate (the class a combination of scores or highs
names, the lifecycle stage, labels, strategy text, cadence, nature) are not
written here: `lookups.py` runs the pandas scheme functions on the few distinct
inputs and the engine joins their answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlcustseg.engine.orders import MONEY_DECIMALS
from xlcustseg.fields.values import BLANK_TOKENS


@dataclass(frozen=True)
class Plan:
    """What the SQL needs to know about the file and the settings."""

    has_order_id: bool
    has_name: bool
    bins: int
    tier_cutoffs: tuple[float, ...]
    tier_letters: tuple[str, ...]
    monetary: str  # total or average
    as_of: int | None = None  # the analysis date as days since 1970-01-01; None: the latest purchase


def _literal(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"a text used in SQL may not hold quotes or backslashes: {value!r}")
    return f"'{value}'"


def _text(column: str) -> str:
    """A column as trimmed text, blank tokens (-, n/a, …) as NULL — as `fields.values.parse_text` reads it."""
    trimmed = f"TRIM(CAST({column} AS STRING))"
    blanks = ", ".join(_literal(t) for t in sorted(BLANK_TOKENS))
    return f"CASE WHEN LOWER({trimmed}) IN ({blanks}) THEN NULL ELSE {trimmed} END"


def typed_lines(plan: Plan) -> str:
    """xl_lines (customer_id, order_date, amount[, order_id][, customer_name]) read as typed values."""
    day = "unix_date(TRY_CAST(order_date AS DATE))"
    key = _text("order_id") if plan.has_order_id else day
    name = _text("customer_name") if plan.has_name else "CAST(NULL AS STRING)"
    return (f"SELECT {_text('customer_id')} AS customer_id, {day} AS day, "
            f"TRY_CAST(amount AS DOUBLE) AS amount, {key} AS order_key, {name} AS customer_name "
            "FROM xl_lines")


def per_order() -> str:
    """Lines → one row per (customer, order): the first step of counting distinct orders."""
    return ("SELECT customer_id, order_key, MIN(day) AS first_day, MAX(day) AS last_day, SUM(amount) AS amount, "
            "COUNT(*) AS lines, COUNT(day) AS dated, COUNT(amount) AS priced, MIN(customer_name) AS customer_name "
            "FROM xl_typed WHERE customer_id IS NOT NULL GROUP BY customer_id, order_key")


def sheet_rounded(column: str) -> str:
    """`column` to the 15 significant digits a spreadsheet keeps (`engine.orders._as_a_sheet_holds`)."""
    decimals = f"(14 - FLOOR(LOG10(ABS({column}))))"
    scale = f"POWER(10, {decimals})"
    return (f"CASE WHEN {column} IS NULL OR {column} = 0 THEN {column} "
            f"WHEN {decimals} BETWEEN 0 AND 22 THEN ROUND({column} * {scale}) / {scale} ELSE {column} END")


def per_customer() -> str:
    """Orders → one row per customer; no aggregates for a customer with an unreadable date or amount."""
    complete = "SUM(lines) = SUM(dated) AND SUM(lines) = SUM(priced)"
    return (f"SELECT customer_id, MIN(customer_name) AS customer_name, {complete} AS complete, "
            f"CASE WHEN {complete} THEN MIN(first_day) END AS first_day, "
            f"CASE WHEN {complete} THEN MAX(last_day) END AS last_day, "
            f"CASE WHEN {complete} THEN COUNT(*) END AS orders, "
            f"CASE WHEN {complete} THEN {sheet_rounded(f'ROUND(SUM(amount), {MONEY_DECIMALS})')} END AS revenue "
            "FROM xl_orders GROUP BY customer_id")


def _score(worse: str, n: str, value: str, bins: int) -> str:
    return f"CASE WHEN {value} IS NOT NULL THEN CAST(1 + FLOOR({bins} * ({worse}) / {n}) AS INT) END"


def _tier(plan: Plan) -> str:
    """Rank method "min" by revenue descending; tier i while rank ≤ ceil(cutoff_i × n).

    The rank is 1 + the customers with more revenue: n minus those with at most as much (the
    default RANGE frame counts ties), over the same ascending order as the M score, so both
    share one sort.
    """
    n = "COUNT(revenue) OVER ()"
    rank = f"({n} - COUNT(revenue) OVER (ORDER BY revenue ASC NULLS LAST) + 1)"
    letters = plan.tier_letters
    whens = " ".join(f"WHEN {rank} <= CEIL(ROUND({c!r} * {n}, 9)) THEN {_literal(letters[i])}"
                     for i, c in enumerate(plan.tier_cutoffs))
    return (f"CASE WHEN revenue IS NULL THEN NULL WHEN revenue <= 0 THEN {_literal(letters[-1])} "
            f"{whens} ELSE {_literal(letters[-1])} END")


def scored(plan: Plan) -> str:
    """Customers with recency/tenure in days, the tier, and the R, F, M scores (NULL without a purchase)."""
    as_of = str(plan.as_of) if plan.as_of is not None else "NULL"
    monetary = "revenue" if plan.monetary == "total" else "revenue / CASE WHEN orders > 0 THEN orders END"
    days = (f"SELECT *, {as_of} - last_day AS recency, {as_of} - first_day AS tenure, {monetary} AS monetary "
            "FROM xl_customers")
    r = _score("RANK() OVER (ORDER BY recency DESC NULLS LAST) - 1", "COUNT(recency) OVER ()", "recency", plan.bins)
    f = _score("RANK() OVER (ORDER BY orders ASC NULLS LAST) - 1", "COUNT(orders) OVER ()", "orders", plan.bins)
    order = "revenue" if plan.monetary == "total" else "monetary"  # total: the tier's sort serves M too
    m = _score(f"RANK() OVER (ORDER BY {order} ASC NULLS LAST) - 1", "COUNT(monetary) OVER ()", "monetary",
               plan.bins)
    return f"SELECT d.*, {_tier(plan)} AS tier, {r} AS r, {f} AS f, {m} AS m FROM ({days}) d"


def highs() -> str:
    """rfm8/rfm4 High (1) or Low (0) per score: score ≥ its mean over the customers with all three."""
    scored_only = "CASE WHEN r IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL THEN {x} END"
    parts = [f"CASE WHEN {x} >= AVG({scored_only.format(x=x)}) OVER () THEN 1 ELSE 0 END AS {x}_high"
             for x in ("r", "f", "m")]
    return f"SELECT *, {', '.join(parts)} FROM xl_scored"


def notes(texts: dict[str, str]) -> str:
    """The notes column: texts["incomplete"] (a line's date or amount unreadable) and texts["negative"]
    (revenue below zero, tiered last), the notes the pandas route makes on aggregated order lines."""
    parts = (f"CASE WHEN NOT h.complete THEN {_literal(texts['incomplete'])} END",
             f"CASE WHEN h.revenue < 0 THEN {_literal(texts['negative'])} END")
    return f"NULLIF(CONCAT_WS({_literal(texts['separator'])}, {', '.join(parts)}), '')"


def classes(has_nature: bool, secondary: str, texts: dict[str, str]) -> str:
    """The ranked customers joined with the look-ups `lookups.py` made from the pandas schemes.

    secondary: rfm or lifecycle, the class combined with the tier in the strategy text;
    texts: the notes' texts (see `notes`).
    """
    nature, kind = ("y.customer_type", "y.kind") if has_nature else ("CAST(NULL AS STRING)", "''")
    nature_join = "LEFT JOIN xl_nature y ON y.customer_name = h.customer_name " if has_nature else ""
    rfm = "COALESCE(q.rfm_key, '')" if secondary == "rfm" else "''"
    return (
        "SELECT h.customer_id, h.customer_name, date_from_unix_date(h.first_day) AS first_date, "
        "date_from_unix_date(h.last_day) AS last_date, h.orders, h.revenue, h.recency, h.tier, h.r, h.f, h.m, "
        "CAST(h.r * 100 + h.f * 10 + h.m AS STRING) AS rfm_code, q.rfm_class, l.lifecycle, "
        f"{nature} AS customer_type, s.strategy, s.cadence, "
        "date_from_unix_date(h.last_day + s.cadence) AS next_contact, "
        f"{notes(texts)} AS notes "
        "FROM xl_highs h "
        "LEFT JOIN xl_rfm q ON q.r = h.r AND q.f = h.f AND q.m = h.m AND q.r_high = h.r_high "
        "AND q.f_high = h.f_high AND q.m_high = h.m_high "
        "LEFT JOIN xl_lifecycle l ON l.tenure = h.tenure AND l.recency = h.recency "
        f"{nature_join}"
        f"LEFT JOIN xl_strategy s ON s.tier = COALESCE(h.tier, '') AND s.rfm = {rfm} "
        f"AND s.stage = COALESCE(l.stage, '') AND s.kind = COALESCE({kind}, '')"
    )


def labelled(columns: Sequence[tuple[str, str]]) -> str:
    """The final projection: (expression, quoted header) pairs over xl_classes."""
    return "SELECT " + ", ".join(f"{expr} AS {header}" for expr, header in columns) + " FROM xl_classes"
