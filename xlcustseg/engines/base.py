"""What the engines share: file kinds, literals, and the error of an engine that is not installed."""

from __future__ import annotations

from pathlib import Path

#: the most customers a sheet holds below its header row
SHEET_ROWS = 1_048_575
#: file endings the engines read and write
FILE_KINDS = {".parquet": "parquet", ".csv": "csv", ".gz": "csv", ".xlsx": "xlsx"}


class EngineMissing(Exception):
    """The engine's package (or Java, for Spark) is not installed."""

    def __init__(self, engine: str, extra: str, what: str = ""):
        self.engine, self.extra, self.what = engine, extra, what
        super().__init__(f"{engine}: {what or 'not installed'}")


def output_format(path: Path) -> str | None:
    """parquet, csv (.csv and .csv.gz), xlsx, or None for another ending."""
    name = path.name.lower()
    if name.endswith(".csv.gz"):
        return "csv"
    return FILE_KINDS.get(path.suffix.lower()) if not name.endswith(".gz") else None


def is_table_file(path: Path) -> bool:
    """Is `path` an order history an engine reads (Parquet file or folder, CSV, CSV.gz)?"""
    return output_format(path) in ("parquet", "csv") or (path.is_dir() and any(path.glob("**/*.parquet")))


def path_literal(value: str) -> str:
    """A single-quoted SQL string (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"
