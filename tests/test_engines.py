"""pandas, DuckDB and Spark give every customer the same classes (xlcustseg/engines).

The same order lines go through `segment()` (pandas) and through the SQL of
`xlcustseg.engines.sql` on DuckDB and on Spark (local mode, one session for
the module); every output column of every customer must be equal. Under CI
(CI=true) a missing duckdb, pyspark or Java fails instead of skipping.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xlcustseg import resources
from xlcustseg.engine.pipeline import segment
from xlcustseg.engine.prepare import prepare
from xlcustseg.engines.run import open_engine, segment_file
from xlcustseg.i18n import CLV_COLUMNS, pick
from xlcustseg.settings import Settings

EN = {"order_id": "Order ID", "customer_id": "Customer ID", "customer_name": "Customer", "order_date": "Order Date",
      "revenue": "Amount"}
ZH = {"order_id": "订单号", "customer_id": "客户编号", "customer_name": "客户名称", "order_date": "下单日期",
      "revenue": "金额"}
#: the output columns whose text is ours alone: the pandas route names the cell it could not read
NOTES = ("Notes", "备注")


def _required(module: str):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is required under CI: pip install -e '.[test]'")
        pytest.skip(f"{module} is not installed (outside CI only)")


@pytest.fixture(scope="module")
def duckdb():
    return _required("duckdb")


@pytest.fixture(scope="module")
def spark():
    _required("pyspark")
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Java 17 is required under CI for the Spark engine: scripts/setup.sh installs it")
        pytest.skip("Java is not installed (outside CI only)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("xlcustseg-tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "1g").config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# ---------------------------------------------------------------- the data
def _sample_lines(headers: dict[str, str]) -> pd.DataFrame:
    """The bundled order sample (`xlcustseg sample`) as typed columns, what an ERP export holds, under `headers`.

    The other bundled sample is a customer table, not order lines; the Chinese headers here give the
    Chinese run (rfm8 with its score-mean High/Low, Chinese labels) on the same lines.
    """
    raw = pd.read_excel(io.BytesIO(resources.sample_bytes("orders_sample.xlsx")), engine="calamine")
    lines = prepare(raw, Settings({}), None).lines
    return pd.DataFrame({headers[k]: lines.values[k] for k in headers})


def _parquet(duckdb, frame: pd.DataFrame, path: Path, date_header: str) -> Path:
    """The frame as Parquet with its dates as DATE (Spark reads no nanosecond timestamps)."""
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f'COPY (SELECT * REPLACE (CAST("{date_header}" AS DATE) AS "{date_header}") FROM frame) '
                f"TO '{path}' (FORMAT parquet)")
    return path


def _read(duckdb, path: Path) -> pd.DataFrame:
    name = f"{path}/*.parquet" if path.is_dir() else str(path)
    return duckdb.connect().execute("SELECT * FROM read_parquet(?)", [name]).df()


def _comparable(table: pd.DataFrame, id_header: str) -> pd.DataFrame:
    """Every cell as text ('' for blank, whole numbers without .0), rows by customer id."""
    table = table.set_index(id_header).sort_index()
    cells = table.astype(object).where(table.notna(), None)

    def show(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)

    out = cells.map(show)
    for notes in NOTES:
        if notes in out:
            out[notes] = out[notes].ne("")  # a note on the same customers; the wording is each route's own
    return out


def _assert_same(expected: pd.DataFrame, got: pd.DataFrame, id_header: str) -> None:
    """Equal cells in every column, except the CLV columns: a model fit, not computed by the SQL engines."""
    clv = [pick((zh, en), lang) for _, zh, en in CLV_COLUMNS for lang in ("zh", "en")]
    a = _comparable(expected.drop(columns=[c for c in clv if c in expected]), id_header)
    b = _comparable(got, id_header)
    assert list(a.columns) == list(b.columns)
    assert list(a.index) == list(b.index)
    for column in a.columns:
        differ = a[column] != b[column]
        assert not differ.any(), f"{column}: {pd.concat([a[column][differ], b[column][differ]], axis=1).head()}"


# ---------------------------------------------------------------- both samples, three engines
@pytest.mark.parametrize("headers", [EN, ZH], ids=["en", "zh"])
def test_sample_duckdb_and_spark_equal_pandas(duckdb, spark, tmp_path, headers):
    lines = _sample_lines(headers)
    expected = segment(lines).table
    source = _parquet(duckdb, lines, tmp_path / "orders.parquet", headers["order_date"])
    for name in ("duckdb", "spark"):
        target = tmp_path / f"customers_{name}.parquet"
        segment_file(source, target, open_engine(name), {})
        _assert_same(expected, _read(duckdb, target), headers["customer_id"])
    assert len(expected) == 400 and expected.iloc[:, 0].is_unique


def test_sample_without_order_ids_counts_purchase_days(duckdb, tmp_path):
    """Without an order-id column F counts purchase days: half the customers get all orders on one day."""
    lines = _sample_lines(EN)
    even = lines["Customer ID"].str[-1].isin(list("02468")).to_numpy()
    first = lines.groupby("Customer ID")["Order Date"].transform("min")
    lines["Order Date"] = lines["Order Date"].where(~even, first)
    with_ids = segment(lines).table.set_index("Customer ID")["Orders"]
    lines = lines.drop(columns=["Order ID"])
    source = _parquet(duckdb, lines, tmp_path / "orders.parquet", "Order Date")
    target = tmp_path / "customers.parquet"
    segment_file(source, target, open_engine("duckdb"), {})
    expected = segment(lines).table
    _assert_same(expected, _read(duckdb, target), "Customer ID")
    assert (expected.set_index("Customer ID")["Orders"] < with_ids).sum() > 50  # days, not order ids


def test_csv_gz_and_xlsx_output_equal_parquet(duckdb, tmp_path):
    lines = _sample_lines(EN)
    source = _parquet(duckdb, lines, tmp_path / "orders.parquet", "Order Date")
    csv = tmp_path / "orders.csv.gz"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_parquet('{source}')) TO '{csv}' (FORMAT csv, HEADER true)")
    assert csv.read_bytes()[:2] == b"\x1f\x8b"  # really gzip
    segment_file(csv, tmp_path / "from_csv.xlsx", open_engine("duckdb"), {})
    book = pd.read_excel(tmp_path / "from_csv.xlsx", sheet_name="Customers", engine="calamine")
    _assert_same(segment(lines).table, book, "Customer ID")


# ---------------------------------------------------------------- generated order lines
DAYS = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-03-31", "2024-06-30", "2024-09-01", "2024-12-31"])
AMOUNTS = (-5.0, 0.0, 0.01, 9.99, 10.0, 10.0, 19.98, 250.5, 1000.0)
line = st.tuples(st.integers(0, 11), st.integers(0, 5), st.sampled_from(range(len(DAYS))),
                 st.sampled_from(AMOUNTS))
#: tier amounts for basis = threshold, highest first, by number of levels (on and between AMOUNTS)
THRESHOLDS = {3: "250.5, 10", 5: "1000, 250.5, 19.98, 0.01"}
#: accounts to leave out (quality.exclude): an id as typed in another case and width, a name
EXCLUDE = ("", "ｃ03, Zed", "C07")


def _basis(o: dict) -> dict:
    """The rfm10 grid needs 5 scores; the threshold basis needs amounts for its number of levels."""
    o = {**o, "rfm.bins": 5} if o["rfm.map"] == "rfm10" else o
    return {**o, "tier.thresholds": THRESHOLDS[o["tier.levels"]]} if o["tier.basis"] == "threshold" else o


options = st.fixed_dictionaries({"rfm.map": st.sampled_from(["rfm8", "rfm4", "rfm10"]),
                                 "rfm.bins": st.sampled_from([3, 4, 5]),
                                 "rfm.monetary": st.sampled_from(["total", "average"]),
                                 "tier.levels": st.sampled_from([3, 5]),
                                 "tier.basis": st.sampled_from(["count", "revenue_share", "threshold"]),
                                 "quality.exclude": st.sampled_from(EXCLUDE),
                                 "as_of": st.sampled_from(["auto", "2024-06-30"])}).map(_basis)
#: the pandas route without the CLV models (a model fit the SQL engines do not make; slow per example)
NO_CLV = {"clv.enabled": "no"}


def _lines(rows: list[tuple[int, int, int, float]]) -> pd.DataFrame:
    """Customer c's order o on day d for amount a; customers named so that every nature occurs."""
    names = ("Acme Ltd", "Ines Smith", "City Hospital", "Metro Distributors", "Bureau of Trade", "Zed")
    frame = pd.DataFrame(rows, columns=["c", "o", "d", "a"])
    return pd.DataFrame({
        "Order ID": "O" + frame["c"].astype(str) + "-" + frame["o"].astype(str),
        "Customer ID": "C" + frame["c"].astype(str).str.zfill(2),
        "Customer": [names[c % len(names)] for c in frame["c"]],
        "Order Date": DAYS[frame["d"].to_numpy()],
        "Amount": frame["a"].astype(float),
    })


def _same_as_pandas(duckdb, engine_name: str, rows, overrides, folder: Path) -> None:
    lines = _lines(rows)
    folder.mkdir(parents=True, exist_ok=True)
    source = _parquet(duckdb, lines, folder / "orders.parquet", "Order Date")
    target = folder / "customers.parquet"
    if target.is_dir():
        shutil.rmtree(target)
    segment_file(source, target, open_engine(engine_name), overrides)
    _assert_same(segment(lines, {**overrides, **NO_CLV}).table, _read(duckdb, target), "Customer ID")


EDGES = [
    [(0, 0, 0, 10.0)],  # one customer, one line
    [(c, 0, 2, 10.0) for c in range(10)],  # ten customers, all tied on every value
    [(c, 0, c % 6, 10.0) for c in range(10)],  # one order each
    [(c, o, 5, 1.0) for c in range(10) for o in range(c % 3 + 1)],  # ties at the F boundaries
    [(c, 0, 3, float(c // 2)) for c in range(11)],  # pairs tied across the 5% / 20% tier cut-offs
    # amounts that cancel out: 0.01 whatever the order of adding, tied with a plain 0.01
    [(0, 0, 1, -5.0), (0, 1, 1, -5.0), (0, 1, 1, 10.0), (0, 5, 1, 0.01), (1, 0, 1, 0.01), (2, 0, 2, 9.99)],
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(line, min_size=1, max_size=40), overrides=options)
@example(rows=EDGES[0], overrides={})
@example(rows=EDGES[1], overrides={"rfm.map": "rfm8"})
@example(rows=EDGES[2], overrides={})
@example(rows=EDGES[3], overrides={"rfm.map": "rfm8", "rfm.bins": 3})
@example(rows=EDGES[4], overrides={"tier.levels": 5})
@example(rows=EDGES[5], overrides={"rfm.monetary": "total"})
@example(rows=EDGES[4], overrides={"tier.basis": "revenue_share"})
@example(rows=EDGES[4], overrides={"tier.basis": "revenue_share", "tier.levels": 5})
@example(rows=EDGES[1], overrides={"tier.basis": "revenue_share"})
@example(rows=EDGES[5], overrides={"tier.basis": "threshold", "tier.thresholds": "10, 0.01"})
@example(rows=EDGES[3], overrides={"quality.exclude": "ｃ03, Zed"})
def test_generated_lines_duckdb_equals_pandas(duckdb, tmp_path, rows, overrides):
    _same_as_pandas(duckdb, "duckdb", rows, overrides, tmp_path / "duckdb")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(line, min_size=1, max_size=40), overrides=options)
@example(rows=EDGES[0], overrides={})
@example(rows=EDGES[1], overrides={"rfm.map": "rfm8"})
@example(rows=EDGES[3], overrides={"rfm.map": "rfm8", "rfm.bins": 3})
@example(rows=EDGES[4], overrides={"tier.levels": 5})
@example(rows=EDGES[5], overrides={"rfm.monetary": "total"})
@example(rows=EDGES[4], overrides={"tier.basis": "revenue_share", "tier.levels": 5})
@example(rows=EDGES[5], overrides={"tier.basis": "threshold", "tier.thresholds": "10, 0.01"})
@example(rows=EDGES[3], overrides={"quality.exclude": "ｃ03, Zed"})
def test_generated_lines_spark_equals_pandas(duckdb, spark, tmp_path, rows, overrides):
    _same_as_pandas(duckdb, "spark", rows, overrides, tmp_path / "spark")


def test_unreadable_amount_leaves_the_customer_without_figures(duckdb, tmp_path):
    lines = _lines([(0, 0, 1, 10.0), (0, 1, 2, 5.0), (1, 0, 3, 7.0)]).astype({"Amount": object})
    lines.loc[1, "Amount"] = "twelve"
    source = tmp_path / "orders.csv"
    lines.to_csv(source, index=False)
    target = tmp_path / "customers.parquet"
    segment_file(source, target, open_engine("duckdb"), {})
    got = _read(duckdb, target).set_index("Customer ID")
    assert got.loc["C00", ["Orders", "Revenue", "Tier", "RFM"]].isna().all()
    assert "could not be read" in got.loc["C00", "Notes"]
    assert got.loc["C01", "Tier"] == "A" and pd.isna(got.loc["C01", "Notes"])


# ---------------------------------------------------------------- the command
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlcustseg.cli", "segment", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_cli_parquet_to_xlsx_and_sentences(duckdb, tmp_path):
    source = _parquet(duckdb, _sample_lines(EN), tmp_path / "orders.parquet", "Order Date")
    done = _cli("orders.parquet", "-o", "customers.xlsx", "--engine", "duckdb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Segmented 400 customers with duckdb: A 20, B 60, C 319" in done.stdout
    assert len(pd.read_excel(tmp_path / "customers.xlsx", engine="calamine")) == 400
    default = _cli("orders.parquet", cwd=tmp_path)
    assert default.returncode == 0 and (tmp_path / "orders_segmented.parquet").exists()
    for args, words in ((["orders.parquet", "-o", "x.txt"], "write an .xlsx, .parquet, .csv"),
                        (["orders.parquet", "--settings", "s.csv"], "does not compute the setting rfm.method"),
                        (["book.xlsx", "--engine", "duckdb"], "reads Parquet or CSV order lines"),
                        (["s3a://bucket/book.xlsx"], "the workbook route reads and writes local files only"),
                        (["orders.parquet", "-o", "hdfs://nn/x.xlsx"], "an .xlsx output reads and writes local"),
                        (["orders.parquet", "-o", "hdfs://nn/out.parquet"], "does not read or write hdfs://"),
                        (["hdfs://nn/orders.parquet", "--engine", "pandas"], "--engine pandas reads and writes")):
        (tmp_path / "s.csv").write_text("rfm.method,threshold\n")
        failed = _cli(*args, cwd=tmp_path)
        assert failed.returncode == 1 and words in failed.stderr and "Traceback" not in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1
    assert source.exists()


def test_cli_missing_column_is_one_sentence(duckdb, tmp_path):
    _parquet(duckdb, _sample_lines(EN).drop(columns=["Amount"]), tmp_path / "orders.parquet", "Order Date")
    failed = _cli("orders.parquet", cwd=tmp_path)
    assert failed.returncode == 1
    assert "orders.parquet has no amount column" in failed.stderr and "Traceback" not in failed.stderr


def test_more_customers_than_a_sheet_holds_ask_for_parquet(duckdb, tmp_path):
    """1,048,576 customers (one line each, made by DuckDB) do not fit a sheet: one sentence, no file."""
    duckdb.connect().execute(
        f"COPY (SELECT 'C' || i AS \"Customer ID\", DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS \"Order Date\", "
        f"CAST(i % 997 AS DOUBLE) AS \"Amount\", 'O' || i AS \"Order ID\" FROM range(1048576) t(i)) "
        f"TO '{tmp_path / 'big.parquet'}' (FORMAT parquet)")
    failed = _cli("big.parquet", "-o", "big.xlsx", cwd=tmp_path)
    assert failed.returncode == 1
    assert "1048576 customers do not fit a sheet (1048575 rows): write Parquet or CSV" in failed.stderr
    assert not (tmp_path / "big.xlsx").exists()


# ---------------------------------------------------------------- accounts left out (quality.exclude)
def test_excluded_accounts_match_as_labels_on_both_engines(duckdb, spark, tmp_path):
    """An id typed in full width ('Ｃ０３') is the account 'c03' on every route; so is 'C03' itself."""
    lines = _lines([(c, o, c % 6, 10.0 + c) for c in range(8) for o in range(2)])
    lines.loc[lines["Customer ID"] == "C03", "Customer ID"] = ["Ｃ０３", "C03"]
    exclude = {"quality.exclude": "c03, Acme Ltd"}
    expected = segment(lines, {**exclude, **NO_CLV}).table
    kept = set(expected["Customer ID"])
    assert "Ｃ０３" not in kept and "C03" not in kept and "C00" not in kept and "C06" not in kept  # Acme Ltd: 0, 6
    source = _parquet(duckdb, lines, tmp_path / "orders.parquet", "Order Date")
    for name in ("duckdb", "spark"):
        target = tmp_path / f"customers_{name}.parquet"
        segment_file(source, target, open_engine(name), exclude)
        _assert_same(expected, _read(duckdb, target), "Customer ID")


# ---------------------------------------------------------------- URLs
def test_file_url_reads_on_duckdb_and_spark(duckdb, spark, tmp_path):
    lines = _sample_lines(EN)
    source = _parquet(duckdb, lines, tmp_path / "orders.parquet", "Order Date")
    expected = segment(lines).table
    url = source.resolve().as_uri()
    assert url.startswith("file:///")
    for name in ("duckdb", "spark"):
        target = tmp_path / f"customers_{name}.parquet"
        report = segment_file(url, target.as_uri(), open_engine(name), {})
        assert report.customers == 400
        _assert_same(expected, _read(duckdb, target), "Customer ID")
    done = _cli(url, "-o", (tmp_path / "cli.parquet").as_uri(), "--engine", "duckdb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _assert_same(expected, _read(duckdb, tmp_path / "cli.parquet"), "Customer ID")


class _Recorded(Exception):
    """Raised by `_ReaderOnly` with the location the Spark reader was given."""


class _ReaderOnly:
    """The boundary of a Spark session without a cluster: records what `spark.read.parquet/csv` is given."""

    def __init__(self):
        self.conf = self
        self.read = self

    def set(self, key: str, value: str) -> None:
        pass

    def parquet(self, where: str):
        raise _Recorded(where)

    def csv(self, where: str, **options):
        raise _Recorded(where)


@pytest.mark.parametrize("url", ["hdfs://namenode:8020/lake/orders", "s3a://bucket/orders/2024.parquet",
                                 "abfss://c@acct.dfs.core.windows.net/orders.csv"])
def test_cluster_urls_reach_the_spark_reader_unchanged(url):
    from xlcustseg.cli import _parser
    from xlcustseg.engines.spark_engine import SparkEngine

    args = _parser().parse_args(["segment", url, "-o", url + "_out.parquet", "--engine", "spark"])
    assert args.input == url and args.output == url + "_out.parquet"  # not Path('hdfs:/namenode…')
    with pytest.raises(_Recorded) as got:
        segment_file(args.input, args.output, SparkEngine(spark=_ReaderOnly()), {})
    assert got.value.args == (url,)
