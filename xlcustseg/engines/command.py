"""`xlcustseg segment orders.parquet|orders.csv[.gz] [-o customers.xlsx|.parquet|.csv] [--engine …]`.

The command line's route for order histories in files: which engine, which
output, and one sentence (EngineError) for every failure the user can cause.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from xlcustseg.engines.base import EngineMissing, is_table_file, output_format
from xlcustseg.engines.run import EngineError, EngineReport, open_engine, segment_file
from xlcustseg.i18n import text

#: what each engine needs besides xlcustseg
NEEDS = {"duckdb": "the duckdb package", "spark": "pyspark"}


def wants_engine(source: Path, engine: str | None) -> bool:
    """Does this input go through `run()` (a Parquet/CSV file, or --engine duckdb/spark) rather than
    the workbook route?"""
    return is_table_file(source) or engine in ("duckdb", "spark")


def default_engine() -> str:
    """duckdb when it is installed, else pandas."""
    return "duckdb" if importlib.util.find_spec("duckdb") else "pandas"


def default_target(source: Path, language: str = "en") -> Path:
    """NAME_segmented.parquet (or .csv) beside the input."""
    kind = output_format(source) or "parquet"
    stem = source.name.split(".")[0]
    return source.with_name(f"{stem}_{text('output_tag', language)}.{kind}")


def run(source: Path, target: Path | None, engine: str | None, overrides: dict[str, Any]) -> EngineReport:
    """Segment the order lines of `source` into `target` (default beside it); EngineError for the user."""
    engine = engine or default_engine()
    if not is_table_file(source):
        raise EngineError(text("engine_workbook", "en", engine=engine))
    if not source.exists():
        raise EngineError(f"{source} does not exist.")
    target = target or default_target(source)
    if target.resolve() == source.resolve():
        raise EngineError("the output would overwrite the input; choose another -o.")
    try:
        runner = engine if engine == "pandas" else open_engine(engine)
        return segment_file(source, target, runner, overrides)
    except EngineMissing as exc:
        raise EngineError(text("engine_missing", "en", engine=exc.engine, extra=exc.extra,
                               what=exc.what or NEEDS[exc.engine])) from None
    except ImportError as exc:  # the pandas engine on Parquet without pyarrow
        raise EngineError(f"--engine {engine} cannot read {source.name}: {exc}.") from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb", "pyspark", "py4j"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"{engine} could not segment {source.name}: {first}") from None
