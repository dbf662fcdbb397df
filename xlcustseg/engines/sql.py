"""Every rule that aggregates or ranks order lines, written once as SQL for DuckDB and Spark.

The text below runs unchanged on both engines: it keeps to the SQL the two
share (window functions, `TRY_CAST`, `COUNT(x) OVER ()`, `RANK() … NULLS LAST`)
and counts days as integers with Spark's `unix_date` / `date_from_unix_date`
and finds patterns with Spark's `rlike`, which `duckdb_engine.py` defines as
macros. Identifiers are our own plain
names: the engine's `xl_lines` view renames the file's columns to them, and the
engine quotes the output headers itself.

Each rule here mirrors one pandas rule, with the same tie handling:

- order lines → one row per customer (`engine/orders.py`): first and last
  purchase day, distinct order ids (distinct purchase days without an order-id
  column), revenue summed and rounded to the 15 significant digits a sheet
  keeps; a customer with any line whose date or amount cannot be read gets no
  aggregates at all;
- R, F, M scores (`schemes/rfm.py`, `rank_scores`): `1 + floor(bins × w / n)`,
  w = customers strictly worse (for M `RANK() - 1` over the better-last order;
  for R and F, whose values are few, a running count per distinct value),
  n = customers with a value; tied values share a score;
- the value tier of each basis (`schemes/tiers.py`): count (rank method "min"
  by revenue descending, tier i while rank ≤ ceil(cutoff_i × n)), revenue_share
  (the share of the revenue above a customer < cutoff_i), threshold (revenue ≥
  amount_i); revenue ≤ 0 is the last tier;
- High/Low of rfm8/rfm4 (`rfm_classes`, high_rule score_mean): score ≥ the mean
  score over the scored customers;
- accounts left out (`engine/quality.py`, quality.exclude): the lines whose id
  or name is one of them, compared as labels.

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

BLANK_LONGEST = max(len(t) for t in BLANK_TOKENS)


@dataclass(frozen=True)
class Plan:
    """What the SQL needs to know about the file and the settings."""

    has_order_id: bool
    has_name: bool
    bins: int
    tier_cutoffs: tuple[float, ...]
    tier_letters: tuple[str, ...]
    monetary: str  # total or average
    tier_basis: str = "count"  # count, revenue_share or threshold (tier.basis)
    as_of: int | None = None  # the analysis date as days since 1970-01-01; None: the latest purchase


def _literal(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"a text used in SQL may not hold quotes or backslashes: {value!r}")
    return f"'{value}'"


def _trimmed(column: str) -> str:
    """A column as text without its outer spaces; TRIM (which copies every value) only where one is there."""
    text = f"CAST({column} AS STRING)"
    return f"CASE WHEN {text} LIKE ' %' OR {text} LIKE '% ' THEN TRIM({text}) ELSE {text} END"


def _blank_as_null(trimmed: str) -> str:
    """Blank tokens (-, n/a, …) as NULL — as `fields.values.parse_text` reads them.

    No token is longer than BLANK_LONGEST characters, so longer values skip the comparison; the
    tokens are ORed equalities, not an IN list, which DuckDB turns into a join over every value.
    """
    lowered = f"LOWER({trimmed})"
    blanks = " OR ".join(f"{lowered} = {_literal(t)}" for t in sorted(BLANK_TOKENS))
    return f"CASE WHEN LENGTH({trimmed}) <= {BLANK_LONGEST} AND ({blanks}) THEN NULL ELSE {trimmed} END"


def typed_lines(plan: Plan) -> str:
    """xl_lines (customer_id, order_date, amount[, order_id][, customer_name]) read as typed values.

    Text is trimmed in an inner projection so each value is trimmed once; the date stays a
    DATE here (days are counted per customer, after aggregation).
    """
    trimmed = [f"{_trimmed('customer_id')} AS customer_id",
               f"{_trimmed('order_id') if plan.has_order_id else 'CAST(NULL AS STRING)'} AS order_id",
               f"{_trimmed('customer_name') if plan.has_name else 'CAST(NULL AS STRING)'} AS customer_name"]
    inner = (f"SELECT {', '.join(trimmed)}, TRY_CAST(order_date AS DATE) AS day, "
             "TRY_CAST(amount AS DOUBLE) AS amount FROM xl_lines")
    key = _blank_as_null("order_id") if plan.has_order_id else "day"
    return (f"SELECT {_blank_as_null('customer_id')} AS customer_id, day, amount, {key} AS order_key, "
            f"{_blank_as_null('customer_name')} AS customer_name FROM ({inner}) t")


#: printable ASCII without a space or colon: the label key of such a text is LOWER(text)
PLAIN_ASCII = "^[!-9;-~]*$"


def _match_key(column: str) -> str:
    """The text a line's id or name is compared by to leave accounts out (`engine.quality.listed`):
    LOWER(value) for plain ASCII (`PLAIN_ASCII`, most ids), else the value as it is — whether such
    a value is one of the accounts is asked of pandas once per distinct value (`excluded_candidates`)."""
    return f"CASE WHEN rlike({column}, {_literal(PLAIN_ASCII)}) THEN LOWER({column}) ELSE {column} END"


def excluded_candidates() -> str:
    """The distinct ids and names (trimmed, blanks NULL) that are not plain ASCII: pandas says which are
    accounts to leave out."""
    not_plain = f"NOT rlike(value, {_literal(PLAIN_ASCII)})"
    return (f"SELECT DISTINCT value FROM (SELECT customer_id AS value FROM xl_typed UNION ALL "
            f"SELECT customer_name AS value FROM xl_typed) v WHERE value IS NOT NULL AND {not_plain}")


def kept_lines() -> str:
    """xl_typed without the lines whose id or name is an account to leave out (setting quality.exclude).

    xl_excluded (value, distinct) holds the accounts' label keys and the not-plain texts that pandas
    matched to them; a line is left out when the match key of its id or name is there.
    """
    return (f"SELECT t.* FROM xl_typed t LEFT JOIN xl_excluded xi ON xi.value = {_match_key('t.customer_id')} "
            f"LEFT JOIN xl_excluded xn ON xn.value = {_match_key('t.customer_name')} "
            "WHERE xi.value IS NULL AND xn.value IS NULL")


def _first_name(has_name: bool) -> str:
    return "MIN(customer_name)" if has_name else "CAST(NULL AS STRING)"


def per_order(lines: str = "xl_typed", has_name: bool = True) -> str:
    """Lines (the view `lines`) → one row per (customer, order): the first step of counting distinct orders.

    Lines without a customer id are grouped too (as one NULL customer) and left out after the
    customer step (`customers`): a filter here would be pushed down to the file scan and read each
    id twice.
    """
    return ("SELECT customer_id, order_key, MIN(day) AS first_day, MAX(day) AS last_day, SUM(amount) AS amount, "
            f"2 * COUNT(*) - COUNT(day) - COUNT(amount) AS gaps, {_first_name(has_name)} AS customer_name "
            f"FROM {lines} GROUP BY customer_id, order_key")


def sheet_rounded(column: str) -> str:
    """`column` to the 15 significant digits a spreadsheet keeps (`engine.orders._as_a_sheet_holds`)."""
    decimals = f"(14 - FLOOR(LOG10(ABS({column}))))"
    scale = f"POWER(10, {decimals})"
    return (f"CASE WHEN {column} IS NULL OR {column} = 0 THEN {column} "
            f"WHEN {decimals} BETWEEN 0 AND 22 THEN ROUND({column} * {scale}) / {scale} ELSE {column} END")


def per_customer(has_name: bool = True) -> str:
    """Orders → one row per customer (the lines without an id as one NULL customer, see `customers`);
    no aggregates for a customer with an unreadable date or amount; days since 1970-01-01.
    has_name: the file has a customer-name column (else no name is carried through the aggregates)."""
    complete = "SUM(gaps) = 0"
    return (f"SELECT customer_id, {_first_name(has_name)} AS customer_name, {complete} AS complete, "
            f"CASE WHEN {complete} THEN unix_date(MIN(first_day)) END AS first_day, "
            f"CASE WHEN {complete} THEN unix_date(MAX(last_day)) END AS last_day, "
            f"CASE WHEN {complete} THEN COUNT(*) END AS orders, "
            f"CASE WHEN {complete} THEN {sheet_rounded(f'ROUND(SUM(amount), {MONEY_DECIMALS})')} END AS revenue "
            "FROM xl_orders GROUP BY customer_id")


def customers() -> str:
    """The aggregated customers with an id (over the computed table xl_aggregated)."""
    return "SELECT * FROM xl_aggregated WHERE customer_id IS NOT NULL"


def _score(worse: str, n: str, value: str, bins: int) -> str:
    return f"CASE WHEN {value} IS NOT NULL THEN CAST(1 + FLOOR({bins} * ({worse}) / {n}) AS INT) END"


def _tier_better(plan: Plan) -> list[str]:
    """Per tier but the last: the condition for a customer to be in that tier or a better one
    (`schemes.tiers.tier_lows`: revenue ≥ the tier's lowest amount), for each basis.

    count: rank method "min" by revenue descending ≤ ceil(cutoff × n); the rank is 1 + the
      customers with more revenue, n minus those with at most as much (the default RANGE frame
      counts ties).
    revenue_share: the share of the positive revenue held by customers with more revenue than
      this one (so ties, and the customer that crosses a boundary, stay in the upper tier) is
      below the cutoff, rounded to 12 places as pandas rounds it.
    threshold: revenue ≥ the amount.
    count and revenue_share order by revenue ascending, as the M score does: they share its sort.
    """
    cutoffs = plan.tier_cutoffs
    if plan.tier_basis == "threshold":
        return [f"revenue >= {float(c)!r}" for c in cutoffs]
    if plan.tier_basis == "revenue_share":
        positive = "CASE WHEN revenue > 0 THEN revenue ELSE 0 END"
        total = f"SUM({positive}) OVER ()"
        above = f"({total} - SUM({positive}) OVER (ORDER BY revenue ASC NULLS LAST))"
        share = f"ROUND({above} / NULLIF({total}, 0), 12)"
        return [f"{share} < {float(c)!r}" for c in cutoffs]
    n = "COUNT(revenue) OVER ()"
    rank = f"({n} - COUNT(revenue) OVER (ORDER BY revenue ASC NULLS LAST) + 1)"
    return [f"{rank} <= CEIL(ROUND({float(c)!r} * {n}, 9))" for c in cutoffs]


def _tier(plan: Plan) -> str:
    """The tier letter: the number of tiers a customer misses (`_tier_better`) picks it, as
    `schemes.tiers.value_tiers` counts the tier amounts above the revenue; revenue ≤ 0 is the last tier."""
    letters = plan.tier_letters
    missed = " + ".join(f"CASE WHEN {better} THEN 0 ELSE 1 END" for better in _tier_better(plan)) or "0"
    whens = " ".join(f"WHEN {i} THEN {_literal(letter)}" for i, letter in enumerate(letters))
    return (f"CASE WHEN revenue IS NULL THEN NULL WHEN revenue <= 0 THEN {_literal(letters[-1])} "
            f"ELSE CASE {missed} {whens} END END")


def _worse_counts(value: str, better_last: str) -> str:
    """Per distinct `value`: how many customers are strictly worse (`worse`) and how many have a value (`n`).

    A histogram instead of a rank over every customer: recency and orders take few distinct
    values, so the window sorts those few rows and the customers join the answer.
    better_last: ASC when more is better, DESC when less is (recency).
    """
    return (f"SELECT {value} AS value, SUM(COUNT(*)) OVER (ORDER BY {value} {better_last}) - COUNT(*) AS worse, "
            f"SUM(COUNT(*)) OVER () AS n FROM xl_days WHERE {value} IS NOT NULL GROUP BY {value}")


def scored(plan: Plan) -> str:
    """Customers with recency/tenure in days, the tier, and the R, F, M scores (NULL without a purchase).

    R and F count the worse customers per distinct value (`_worse_counts`); M and the tier share
    the one sort over every customer.
    """
    as_of = str(plan.as_of) if plan.as_of is not None else "NULL"
    monetary = "revenue" if plan.monetary == "total" else "revenue / CASE WHEN orders > 0 THEN orders END"
    days = (f"SELECT *, {as_of} - last_day AS recency, {as_of} - first_day AS tenure, {monetary} AS monetary "
            "FROM xl_customers")
    r = _score("rh.worse", "rh.n", "d.recency", plan.bins)
    f = _score("fh.worse", "fh.n", "d.orders", plan.bins)
    order = "revenue" if plan.monetary == "total" else "monetary"  # total: the tier's sort serves M too
    m = _score(f"RANK() OVER (ORDER BY {order} ASC NULLS LAST) - 1", "COUNT(monetary) OVER ()", "monetary",
               plan.bins)
    return (f"WITH xl_days AS ({days}), rh AS ({_worse_counts('recency', 'DESC')}), "
            f"fh AS ({_worse_counts('orders', 'ASC')}), "
            f"ranked AS (SELECT d.*, {r} AS r, {f} AS f FROM xl_days d LEFT JOIN rh ON rh.value = d.recency "
            "LEFT JOIN fh ON fh.value = d.orders) "
            f"SELECT ranked.*, {_tier(plan)} AS tier, {m} AS m FROM ranked")


def highs() -> str:
    """rfm8/rfm4 High (1) or Low (0) per score: score ≥ its mean over the customers with all three
    (the means are one row, joined to every customer)."""
    scored_only = "CASE WHEN r IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL THEN {x} END"
    means = ", ".join(f"AVG({scored_only.format(x=x)}) AS {x}_mean" for x in ("r", "f", "m"))
    parts = [f"CASE WHEN s.{x} >= a.{x}_mean THEN 1 ELSE 0 END AS {x}_high" for x in ("r", "f", "m")]
    return f"SELECT s.*, {', '.join(parts)} FROM xl_scored s CROSS JOIN (SELECT {means} FROM xl_scored) a"


def notes(texts: dict[str, str]) -> str:
    """The notes column: texts["incomplete"] (a line's date or amount unreadable) and texts["negative"]
    (revenue below zero, tiered last), the notes the pandas route makes on aggregated order lines."""
    parts = (f"CASE WHEN NOT h.complete THEN {_literal(texts['incomplete'])} END",
             f"CASE WHEN h.revenue < 0 THEN {_literal(texts['negative'])} END")
    return f"NULLIF(CONCAT_WS({_literal(texts['separator'])}, {', '.join(parts)}), '')"


def capped(column: str, cap: int) -> str:
    """`column`, at most `cap` (NULL stays NULL: LEAST would skip it on both engines)."""
    return f"CASE WHEN {column} > {cap} THEN {cap} ELSE {column} END"


def classes(has_nature: bool, secondary: str, texts: dict[str, str], day_cap: int) -> str:
    """The ranked customers joined with the look-ups `lookups.py` made from the pandas schemes.

    secondary: rfm or lifecycle, the class combined with the tier in the strategy text;
    texts: the notes' texts (see `notes`); day_cap: the lifecycle look-up's cap on day counts
    (`lookups.lifecycle_cap`).
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
        f"LEFT JOIN xl_lifecycle l ON l.tenure = {capped('h.tenure', day_cap)} "
        f"AND l.recency = {capped('h.recency', day_cap)} "
        f"{nature_join}"
        f"LEFT JOIN xl_strategy s ON s.tier = COALESCE(h.tier, '') AND s.rfm = {rfm} "
        f"AND s.stage = COALESCE(l.stage, '') AND s.kind = COALESCE({kind}, '')"
    )


def labelled(columns: Sequence[tuple[str, str]]) -> str:
    """The final projection: (expression, quoted header) pairs over xl_classes."""
    return "SELECT " + ", ".join(f"{expr} AS {header}" for expr, header in columns) + " FROM xl_classes"
