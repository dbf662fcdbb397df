"""Order histories beyond a sheet's row limit: the segmentation on DuckDB or Spark.

`run.segment_file()` reads Parquet or CSV order lines and writes one row per
customer with every class. `sql.py` holds every rule that aggregates or ranks,
once, in the SQL both engines run; `lookups.py` turns the rules that do not
aggregate into small tables made by the pandas schemes; `duckdb_engine.py` and
`spark_engine.py` run them. The packages are optional extras:
`xlcustseg[duckdb]`, `xlcustseg[spark]`.
"""
