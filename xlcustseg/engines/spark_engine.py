"""Spark: the same SQL on a cluster (or in local mode).

The session is the active one, else `SparkSession.builder.getOrCreate()`, which
follows Spark's own configuration: `SPARK_REMOTE` (Spark Connect; no local Java
then), `spark.master` in `$SPARK_CONF_DIR/spark-defaults.conf`, `--master` given
to `spark-submit` or in `PYSPARK_SUBMIT_ARGS`; without any, local mode on every
core. Input and output locations (hdfs://, s3a://, abfss://, file://, local
paths) reach Spark's reader and writer as the user wrote them. Output is
written the Spark way: a folder of part files named like the output.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

import pandas as pd

from xlcustseg.engines.base import EngineMissing, Location, is_folder, name_of, output_format

#: settings the shared SQL relies on: dates are days in UTC
SESSION_CONFIG = {"spark.sql.session.timeZone": "UTC"}


def _arrow() -> str:
    """Arrow between pandas and Spark only when pyarrow is installed (else Spark warns on every table)."""
    import importlib.util

    return "true" if importlib.util.find_spec("pyarrow") else "false"


def session():  # -> pyspark.sql.SparkSession
    """The active Spark session, else one made from Spark's own configuration."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineMissing("spark", "spark") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if shutil.which("java") is None and not os.environ.get("SPARK_REMOTE"):  # Spark Connect needs no local JVM
        raise EngineMissing("spark", "spark", "Java (17 or later) is not on the PATH")
    builder = SparkSession.builder.appName("xlcustseg")
    for key, value in SESSION_CONFIG.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkEngine:
    """The shared SQL run by spark.sql on temporary views."""

    name = "spark"

    def __init__(self, spark=None):
        self.spark = spark or session()
        for key, value in SESSION_CONFIG.items():
            self.spark.conf.set(key, value)
        self.spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", _arrow())
        self._cached: list = []

    @staticmethod
    def quote(name: str) -> str:
        """An identifier as Spark SQL quotes it."""
        return "`" + name.replace("`", "``") + "`"

    def _read(self, path: Location):
        """A DataFrame over `path`: a local path, or a URL (hdfs://, s3a://, …) passed to Spark as written."""
        if output_format(path) == "parquet" or is_folder(path):
            return self.spark.read.parquet(str(path))
        return self.spark.read.csv(str(path), header=True, inferSchema=True)

    def columns(self, path: Location) -> list[str]:
        """The column names of a Parquet file (or folder) or a CSV file."""
        return list(self._read(path).columns)

    def source(self, path: Location, renames: Mapping[str, str]) -> None:
        """The view xl_lines: the file's columns under our names ({our name: file column})."""
        from pyspark.sql import functions as F

        frame = self._read(path)
        frame.select([F.col(self.quote(column)).alias(ours) for ours, column in renames.items()]) \
            .createOrReplaceTempView("xl_lines")

    def view(self, name: str, query: str) -> None:
        """A named query, computed where it is used."""
        self.spark.sql(query).createOrReplaceTempView(name)

    def table(self, name: str, query: str) -> None:
        """A named query computed once (kept in memory, spilled to disk)."""
        from pyspark import StorageLevel

        frame = self.spark.sql(query).persist(StorageLevel.MEMORY_AND_DISK)
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def rows(self, query: str) -> list[tuple]:
        """A small result as tuples."""
        return [tuple(row) for row in self.spark.sql(query).collect()]

    def frame(self, query: str) -> pd.DataFrame:
        """A result as a pandas DataFrame (small results only)."""
        return self.spark.sql(query).toPandas()

    def register(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        """A small pandas table (a look-up) as the view `name` with the column types of `schema`."""
        plain = frame.astype(object).where(frame.notna(), None)
        self.spark.createDataFrame(plain, schema=schema).createOrReplaceTempView(name)

    def write(self, query: str, path: Location) -> None:
        """The result of `query` to a folder of Parquet or CSV part files named `path`."""
        writer = self.spark.sql(query).write.mode("overwrite")
        if output_format(path) == "parquet":
            writer.parquet(str(path))
        else:
            gz = name_of(path).lower().endswith(".gz")
            writer.option("header", True).option("compression", "gzip" if gz else "none").csv(str(path))

    def close(self) -> None:
        """Release the cached tables (the session stays for whoever made it)."""
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
