"""DuckDB, embedded: the order history is read from the file where it lies and spilled to disk
when it does not fit the memory limit."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping

import pandas as pd

from xlcustseg.engines.base import (
    EngineError,
    EngineMissing,
    Location,
    local_path,
    name_of,
    output_format,
    path_literal,
    scheme,
)
from xlcustseg.i18n import text

#: Spark's functions which the shared SQL uses (days, a regular expression found in a text), as DuckDB macros
MACROS = (
    "CREATE OR REPLACE MACRO rlike(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO unix_date(d) AS CAST(CAST(d AS DATE) - DATE '1970-01-01' AS INTEGER)",
    "CREATE OR REPLACE MACRO date_from_unix_date(n) AS DATE '1970-01-01' + CAST(n AS INTEGER)",
)
#: URL schemes DuckDB reads (its httpfs and azure extensions, loaded on first use); file:// is read as a path
SCHEMES = ("http", "https", "s3", "s3a", "s3n", "gs", "gcs", "r2", "hf", "az", "azure", "abfss")
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

    @staticmethod
    def _where(where: Location) -> str:
        """The name DuckDB opens: a local path (file:// URLs too), or a URL of a scheme it reads."""
        path = local_path(where)
        if path is not None:
            return str(path)
        if scheme(where) not in SCHEMES:
            raise EngineError(text("engine_url_scheme", "en", engine="duckdb", scheme=scheme(where),
                                   name=name_of(where)))
        return str(where)

    def _reader(self, where: Location) -> str:
        path = local_path(where)
        folder = path is not None and path.is_dir()
        name = str(path / "**" / "*.parquet") if folder else self._where(where)
        if output_format(where) == "parquet" or folder:
            return f"read_parquet({path_literal(name)})"
        return f"read_csv({path_literal(name)}, header = true)"

    def columns(self, path: Location) -> list[str]:
        """The column names of a Parquet file (or folder) or a CSV file."""
        return [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {self._reader(path)}").fetchall()]

    def source(self, path: Location, renames: Mapping[str, str]) -> None:
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

    def write(self, query: str, path: Location) -> None:
        """The result of `query` to one Parquet or CSV file (.csv.gz compressed), streamed."""
        fmt = "(FORMAT parquet)" if output_format(path) == "parquet" else "(FORMAT csv, HEADER true)"
        self.con.execute(f"COPY ({query}) TO {path_literal(self._where(path))} {fmt}")

    def close(self) -> None:
        """Close the connection (its temporary tables and spill files go with it)."""
        self.con.close()
