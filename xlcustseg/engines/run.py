"""An order history file → one row per customer with every class, on DuckDB, Spark or pandas.

    segment_file("orders.parquet", "customers.parquet", engine="duckdb")

The SQL engines run `sql.py` (aggregates and ranks) and join `lookups.py`
(the pandas schemes on the distinct inputs); the pandas engine reads the file
into memory and runs `segment()`. All three write the same columns: the
customer id (and name), first and last purchase, orders, revenue, recency, then
the output columns of SCHEMES.md, labelled in the table's language.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from xlcustseg.engine.quality import listed
from xlcustseg.engines import sql
from xlcustseg.engines.base import (
    SHEET_ROWS,
    EngineError,
    Location,
    local_or_refuse,
    location,
    name_of,
    output_format,
    path_literal,
)
from xlcustseg.engines.lookups import SCHEMAS, lifecycle_cap, lifecycle_table, nature_table, rfm_table, strategy_table
from xlcustseg.fields.headers import has_cjk, match_fields
from xlcustseg.fields.values import label_key
from xlcustseg.i18n import (
    AGGREGATE_COLUMNS,
    COMMA,
    OUTPUT_COLUMNS,
    SCHEME_REASONS,
    SEPARATOR,
    all_created_headers,
    pick,
    sheet_name,
    text,
)
from xlcustseg.settings import Settings

ENGINES = ("duckdb", "spark", "pandas")
#: our names for the file's columns, and the field each is found as
NEEDED = {"customer_id": "customer_id", "order_date": "order_date", "amount": "revenue"}
OPTIONAL = {"order_id": "order_id", "customer_name": "customer_name"}
#: the settings the SQL computes as pandas does: key → the values it supports
SUPPORTED = {"rfm.method": ("rank",), "rfm.high_rule": ("score_mean",),
             "strategy.secondary": ("rfm", "lifecycle")}
EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class EngineReport:
    """What a run did: customers written, per tier, the language, the analysis date."""

    engine: str
    customers: int
    tiers: dict[str, int]
    language: str
    as_of: pd.Timestamp | None
    target: Location

    def message(self) -> str:
        """One line: how many customers, and how many in each tier."""
        per_tier = pick(COMMA, self.language).join(f"{t} {n}" for t, n in self.tiers.items())
        return text("engine_done", self.language, engine=self.engine, customers=self.customers, per_tier=per_tier)


def open_engine(name: str, **options: Any):
    """The engine object for duckdb or spark (EngineMissing when its package is not installed)."""
    if name == "duckdb":
        from xlcustseg.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)
    from xlcustseg.engines.spark_engine import SparkEngine

    return SparkEngine(**options)


def segment_file(source: Location, target: Location, engine: Any,
                 overrides: dict[str, Any] | None = None) -> EngineReport:
    """Segment the order lines in `source` with `engine` (an engine object, or "pandas"); write `target`.

    source and target: local paths, or URLs (hdfs://, s3a://, file://, …) as strings, which reach
    the engine's reader and writer unchanged; the pandas engine and a workbook output need local files.
    """
    settings = Settings(overrides or {})
    source, target = _located(source), _located(target)
    fmt = output_format(target)
    if fmt is None:
        raise EngineError(text("engine_output", "en", name=name_of(target)))
    if engine == "pandas":
        return _with_pandas(local_or_refuse(source, "--engine pandas"), local_or_refuse(target, "--engine pandas"),
                            settings)
    if fmt == "xlsx":
        target = local_or_refuse(target, "an .xlsx output")
    return _with_sql(engine, source, target, settings)


def _located(where: Location) -> Location:
    """A Path as it is; a string as `base.location` reads it (a URL stays a string)."""
    return where if isinstance(where, Path) else location(str(where))


def _fields(columns: list[str], settings: Settings, source: Location) -> tuple[dict[str, str], str]:
    """{our name: file column} of the order lines, and the language of the table."""
    found = match_fields(columns, settings.header_overrides(), ignore=all_created_headers())
    by_field = {field: columns[pos] for field, pos in found.items()}
    missing = [ours for ours, field in NEEDED.items() if field not in by_field]
    if missing:
        raise EngineError(text("engine_no_columns", "en", file=name_of(source), missing=", ".join(missing),
                               found=", ".join(columns)))
    renames = {ours: by_field[field] for ours, field in {**NEEDED, **OPTIONAL}.items() if field in by_field}
    lang = settings["language"]
    if lang == "auto":
        lang = "zh" if any(has_cjk(h) for h in renames.values()) else "en"
    return renames, lang


def _check_settings(settings: Settings, engine: str) -> None:
    for key, allowed in SUPPORTED.items():
        if settings[key] not in allowed:
            raise EngineError(text("engine_setting", "en", engine=engine, setting=key, value=settings[key]))


def _as_of(settings: Settings, latest: int | None) -> int | None:
    chosen = settings["as_of"]
    if isinstance(chosen, pd.Timestamp):
        return (chosen.normalize() - EPOCH).days
    if chosen == "today":
        return (pd.Timestamp.today().normalize() - EPOCH).days
    return latest


def _rfm_map(settings: Settings, lang: str) -> str:
    chosen = settings["rfm.map"]
    return ("rfm8" if lang == "zh" else "rfm10") if chosen == "auto" else chosen


def _with_sql(engine: Any, source: Location, target: Location, settings: Settings) -> EngineReport:
    _check_settings(settings, engine.name)
    renames, lang = _fields(engine.columns(source), settings, source)
    plan = sql.Plan(has_order_id="order_id" in renames, has_name="customer_name" in renames,
                    bins=settings["rfm.bins"], tier_cutoffs=settings.tier_cutoffs(),
                    tier_letters=settings.tier_letters(), monetary=settings["rfm.monetary"],
                    tier_basis=settings["tier.basis"])
    engine.source(source, renames)
    engine.view("xl_typed", sql.typed_lines(plan))
    lines = _leave_out(engine, settings["quality.exclude"])
    engine.view("xl_orders", sql.per_order(lines, plan.has_name))
    engine.table("xl_aggregated", sql.per_customer(plan.has_name))
    engine.view("xl_customers", sql.customers())
    customers, latest, scored = engine.rows(
        "SELECT COUNT(*), MAX(last_day), SUM(CASE WHEN complete THEN 1 ELSE 0 END) FROM xl_customers")[0]
    if fmt_is_sheet(target) and customers > SHEET_ROWS:
        raise EngineError(text("engine_too_many", "en", customers=customers, limit=SHEET_ROWS))
    as_of = _as_of(settings, latest)
    plan = sql.Plan(**{**plan.__dict__, "as_of": as_of})
    engine.table("xl_scored", sql.scored(plan))
    engine.view("xl_highs", sql.highs())
    secondary = "lifecycle" if settings["strategy.secondary"] == "lifecycle" or not scored else "rfm"
    _register_lookups(engine, plan, secondary, lang, settings)
    engine.view("xl_classes", sql.classes(plan.has_name, secondary, _note_texts(lang), lifecycle_cap(settings)))
    _write(engine, target, _projection(engine.quote, renames, lang), lang)
    tiers = dict(engine.rows("SELECT tier, COUNT(*) FROM xl_scored WHERE tier IS NOT NULL GROUP BY tier"))
    engine.close()
    return EngineReport(engine.name, int(customers), {t: int(tiers.get(t, 0)) for t in plan.tier_letters}, lang,
                        None if as_of is None else EPOCH + pd.Timedelta(days=as_of), target)


def _leave_out(engine: Any, accounts: tuple[str, ...]) -> str:
    """The view of the lines to segment: xl_typed, or xl_kept without the accounts of quality.exclude.

    Matched as the workbook route matches them (`engine.quality.listed`: a line's id or name, compared
    as a label); the texts that are not plain ASCII are asked of `listed` once per distinct value.
    """
    if not accounts:
        return "xl_typed"
    candidates = engine.frame(sql.excluded_candidates())["value"].astype(object)
    matched = candidates[listed(candidates, accounts)]
    keys = label_key(pd.Series(list(accounts), dtype=object))
    values = pd.DataFrame({"value": pd.unique(pd.concat([keys, matched], ignore_index=True).astype(object))})
    engine.register("xl_excluded", values, SCHEMAS["xl_excluded"])
    engine.view("xl_kept", sql.kept_lines())
    return "xl_kept"


def _note_texts(lang: str) -> dict[str, str]:
    """The notes the SQL engines write: the column's header and the reason, as the pandas route words them."""
    space = "" if lang == "zh" else " "
    header = {key: pick((zh, en), lang) for key, zh, en in AGGREGATE_COLUMNS}
    return {"incomplete": text("engine_incomplete", lang), "separator": pick(SEPARATOR, lang),
            "negative": header["revenue"] + space + pick(SCHEME_REASONS["negative_revenue"], lang)}


def fmt_is_sheet(target: Location) -> bool:
    """Is the output a workbook (bounded by a sheet's rows)?"""
    return output_format(target) == "xlsx"


def _register_lookups(engine: Any, plan: sql.Plan, secondary: str, lang: str, settings: Settings) -> None:
    mapping = _rfm_map(settings, lang)
    engine.register("xl_rfm", rfm_table(plan.bins, mapping, lang, settings), SCHEMAS["xl_rfm"])
    cap = lifecycle_cap(settings)
    days = engine.frame(f"SELECT DISTINCT {sql.capped('tenure', cap)} AS tenure, "
                        f"{sql.capped('recency', cap)} AS recency FROM xl_scored WHERE complete")
    engine.register("xl_lifecycle", lifecycle_table(days, lang, settings), SCHEMAS["xl_lifecycle"])
    engine.register("xl_strategy", strategy_table(plan.tier_letters, mapping, secondary, plan.has_name, lang,
                                                  settings), SCHEMAS["xl_strategy"])
    if plan.has_name:
        names = engine.frame("SELECT DISTINCT customer_name FROM xl_customers WHERE customer_name IS NOT NULL")
        engine.register("xl_nature", nature_table(names["customer_name"], lang, settings), SCHEMAS["xl_nature"])


def headers(renames: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """(column of xl_classes, output header) in the order they are written."""
    out = [("customer_id", renames["customer_id"])]
    if "customer_name" in renames:
        out.append(("customer_name", renames["customer_name"]))
    out += [(key, pick((zh, en), lang)) for key, zh, en in AGGREGATE_COLUMNS]
    out += [(key, pick((zh, en), lang)) for key, zh, en in OUTPUT_COLUMNS]
    return out


def _projection(quote: Any, renames: dict[str, str], lang: str) -> str:
    return sql.labelled([(key, quote(header)) for key, header in headers(renames, lang)])


def _write(engine: Any, target: Location, query: str, lang: str) -> None:
    if fmt_is_sheet(target):
        write_sheet(engine.frame(query), target, lang)
    else:
        engine.write(query, target)


def write_sheet(table: pd.DataFrame, target: Path, lang: str) -> None:
    """One customer sheet (客户分层 / Customers), written to `target` through openpyxl."""
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet_name("customers", lang), index=False)


def _with_pandas(source: Path, target: Path, settings: Settings) -> EngineReport:
    """The pandas engine: the whole file in memory, through `segment()`."""
    from xlcustseg.engine.pipeline import segment

    if output_format(source) == "parquet" or source.is_dir():
        lines = _parquet_in(source)
    else:
        lines = pd.read_csv(source, dtype=object, keep_default_na=False)
    result = segment(lines, settings)
    table = result.table
    if fmt_is_sheet(target) and len(table) > SHEET_ROWS:
        raise EngineError(text("engine_too_many", "en", customers=len(table), limit=SHEET_ROWS))
    if fmt_is_sheet(target):
        write_sheet(table, target, result.language)
    elif output_format(target) == "parquet":
        _parquet_out(table, target)
    else:
        table.to_csv(target, index=False)
    counts = result.classes["tier"].value_counts()
    letters = settings.tier_letters()
    return EngineReport("pandas", len(table), {t: int(counts.get(t, 0)) for t in letters}, result.language,
                        result.as_of, target)


def _parquet_in(source: Path) -> pd.DataFrame:
    """A Parquet file read by pandas (pyarrow), else by DuckDB."""
    if importlib.util.find_spec("pyarrow"):
        return pd.read_parquet(source)
    con = _duckdb()
    name = str(source / "**" / "*.parquet") if source.is_dir() else str(source)
    return con.execute("SELECT * FROM read_parquet(?)", [name]).df()


def _parquet_out(table: pd.DataFrame, target: Path) -> None:
    """A frame written as Parquet by pandas (pyarrow), else by DuckDB."""
    if importlib.util.find_spec("pyarrow"):
        table.to_parquet(target, index=False)
        return
    con = _duckdb()
    con.register("xl_table", table)
    con.execute(f"COPY xl_table TO {path_literal(str(target))} (FORMAT parquet)")


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise EngineError("reading or writing Parquet needs pyarrow or duckdb: pip install \"xlcustseg[duckdb]\".") \
            from None
    return duckdb.connect()
