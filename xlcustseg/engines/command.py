"""`xlcustseg segment orders.parquet|orders.csv[.gz] [-o customers.xlsx|.parquet|.csv] [--engine …]`.

The command line's route for order histories in files: which engine, which
output, and one sentence (EngineError) for every failure the user can cause.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from xlcustseg.engines.base import (
    EngineError,
    EngineMissing,
    Location,
    is_table_file,
    is_url,
    local_or_refuse,
    local_path,
    name_of,
    output_format,
)
from xlcustseg.engines.run import EngineReport, open_engine, segment_file
from xlcustseg.i18n import text

#: what each engine needs besides xlcustseg
NEEDS = {"duckdb": "the duckdb package", "spark": "pyspark"}


def wants_engine(source: Location, engine: str | None, target: Location | None = None) -> bool:
    """Does this input go through `run()` (a Parquet/CSV file, a URL in or out, or --engine duckdb/spark)
    rather than the workbook route (which needs local files and says so in `run`)?"""
    return is_url(source) or is_url(target) or is_table_file(source) or engine in ("duckdb", "spark")


def default_engine() -> str:
    """duckdb when it is installed, else pandas."""
    return "duckdb" if importlib.util.find_spec("duckdb") else "pandas"


def default_target(source: Location, language: str = "en") -> Location:
    """NAME_segmented.parquet (or .csv) beside the input (a URL beside a URL)."""
    kind = output_format(source) or "parquet"
    name = f"{name_of(source).split('.')[0]}_{text('output_tag', language)}.{kind}"
    if is_url(source):
        return source.rstrip("/").rsplit("/", 1)[0] + "/" + name
    return source.with_name(name)


def _same(a: Location, b: Location) -> bool:
    """Do two locations name the same file?"""
    local_a, local_b = local_path(a), local_path(b)
    if local_a is not None and local_b is not None:
        return local_a.resolve() == local_b.resolve()
    return str(a).rstrip("/") == str(b).rstrip("/")


def run(source: Location, target: Location | None, engine: str | None, overrides: dict[str, Any]) -> EngineReport:
    """Segment the order lines of `source` into `target` (default beside it); EngineError for the user."""
    engine = engine or default_engine()
    if not is_table_file(source):
        for where in (source, target):  # a workbook from or to a URL: one sentence
            if where is not None:
                local_or_refuse(where, "the workbook route")
        raise EngineError(text("engine_workbook", "en", engine=engine))
    local = local_path(source)
    if local is not None and not local.exists():
        raise EngineError(f"{source} does not exist.")
    target = target or default_target(source)
    if _same(target, source):
        raise EngineError("the output would overwrite the input; choose another -o.")
    try:
        runner = engine if engine == "pandas" else open_engine(engine)
        return segment_file(source, target, runner, overrides)
    except EngineMissing as exc:
        raise EngineError(text("engine_missing", "en", engine=exc.engine, extra=exc.extra,
                               what=exc.what or NEEDS[exc.engine])) from None
    except ImportError as exc:  # the pandas engine on Parquet without pyarrow
        raise EngineError(f"--engine {engine} cannot read {name_of(source)}: {exc}.") from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb", "pyspark", "py4j"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"{engine} could not segment {name_of(source)}: {first}") from None
