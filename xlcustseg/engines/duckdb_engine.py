"""DuckDB, embedded: the order history is read from the file where it lies and spilled to disk
when it does not fit the memory limit."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from xlcustseg.engines.base import EngineMissing, output_format, path_literal

#: Spark's day functions, which the shared SQL uses, as DuckDB macros
MACROS = (
    "CREATE OR REPLACE MACRO unix_date(d) AS CAST(CAST(d AS DATE) - DATE '1970-01-01' AS INTEGER)",
    "CREATE OR REPLACE MACRO date_from_unix_date(n) AS DATE '1970-01-01' + CAST(n AS INTEGER)",
)
#: the default memory limit: DuckDB spills what does not fit to its temporary directory
DEFAULT_MEMORY = "2GB"


class DuckDBEngine:
    """One in-memory DuckDB connection with a memory limit and a spill directory."""

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, temp_directory: str | None = None,
                 threads: int | None = None):
        try:
            import duckdb
        except ImportError:
            raise EngineMissing("duckdb", "duckdb") from None
        self.con = duckdb.connect()
        limit = memory_limit or os.environ.get("XLCUSTSEG_MEMORY_LIMIT") or DEFAULT_MEMORY
        spill = (temp_directory or os.environ.get("XLCUSTSEG_TEMP_DIRECTORY")
                 or os.path.join(tempfile.gettempdir(), "xlcustseg_duckdb"))
        self.con.execute(f"SET memory_limit = {path_literal(limit)}")
        self.con.execute(f"SET temp_directory = {path_literal(spill)}")
        self.con.execute("SET preserve_insertion_order = false")  # lets large results stream and spill
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        for macro in MACROS:
            self.con.execute(macro)

    @staticmethod
    def quote(name: str) -> str:
        """An identifier as DuckDB quotes it."""
        return '"' + name.replace('"', '""') + '"'

    def _reader(self, path: Path) -> str:
        name = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        if output_format(path) == "parquet" or path.is_dir():
            return f"read_parquet({path_literal(name)})"
        return f"read_csv({path_literal(name)}, header = true)"

    def columns(self, path: Path) -> list[str]:
        """The column names of a Parquet file (or folder) or a CSV file."""
        return [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {self._reader(path)}").fetchall()]

    def source(self, path: Path, renames: Mapping[str, str]) -> None:
        """The view xl_lines: the file's columns under our names ({our name: file column})."""
        picked = ", ".join(f"{self.quote(column)} AS {ours}" for ours, column in renames.items())
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW xl_lines AS SELECT {picked} FROM {self._reader(path)}")

    def view(self, name: str, query: str) -> None:
        """A named query, computed where it is used."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")

    def table(self, name: str, query: str) -> None:
        """A named query computed once (spilled to disk beyond the memory limit)."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")

    def rows(self, query: str) -> list[tuple]:
        """A small result as tuples."""
        return self.con.execute(query).fetchall()

    def frame(self, query: str) -> pd.DataFrame:
        """A result as a pandas DataFrame (small results: look-up inputs, a sheet's worth of customers)."""
        return self.con.execute(query).df()

    def register(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        """A small pandas table (a look-up) as the table `name` with the column types of `schema`."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({schema})")
        self.con.register("xl_incoming", frame)
        self.con.execute(f"INSERT INTO {name} SELECT * FROM xl_incoming")
        self.con.unregister("xl_incoming")

    def write(self, query: str, path: Path) -> None:
        """The result of `query` to one Parquet or CSV file (.csv.gz compressed), streamed."""
        fmt = "(FORMAT parquet)" if output_format(path) == "parquet" else "(FORMAT csv, HEADER true)"
        self.con.execute(f"COPY ({query}) TO {path_literal(str(path))} {fmt}")

    def close(self) -> None:
        """Close the connection (its temporary tables and spill files go with it)."""
        self.con.close()
