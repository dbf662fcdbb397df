"""The one-click run on any workbook port: find the table, segment, write back, summarise.

`segment_book()` is what the ribbon button (through the xlwings adapter) and
the command line (through the openpyxl adapter) both call. It reads and
computes everything first — settings, table, segmentation, clusters — then
writes the class columns, the settings sheet and the summary sheet, and answers
with a frozen `RunReport` of what it wrote where. The `SegmentResult` is never
changed: clusters travel beside it, as their own value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.engine import SegmentationError, SegmentResult, segment
from xlcustseg.i18n import (
    AGGREGATE_COLUMNS,
    CLUSTER_COLUMN,
    COMMA,
    OUTPUT_COLUMNS,
    REVENUE_VALUE,
    SHEETS,
    pick,
    sheet_name,
    text,
)
from xlcustseg.settings import Settings, SettingsError
from xlcustseg.settings_table import read_settings_table
from xlcustseg.workbook.port import ChartSpec, SheetData, WorkbookPort, column_letter
from xlcustseg.workbook.record import RecordingBook, Written
from xlcustseg.workbook.summary_sheet import DataColumns, fill_summary

MOVED_WARNING = 0.20  # warn when a re-run moves more than this share of customers between tiers
_FORMATS = {"next_contact": "yyyy-mm-dd", "cadence": "0", "r": "0", "f": "0", "m": "0",
            "revenue_value": "#,##0.00"}


class WorkbookError(ValueError):
    """One sentence saying why the workbook cannot be segmented."""


@dataclass(frozen=True)
class Clusters:
    """The run's clusters: a name per customer (the rows of `result.table`) and each cluster's profile."""

    names: pd.Series
    profile: pd.DataFrame


@dataclass(frozen=True)
class Placed:
    """Where the class columns went: the sheet, each output key's column, the data rows, the tiers moved."""

    sheet: str
    columns: Mapping[str, int]
    first_row: int
    last_row: int
    moved_share: float | None = None


@dataclass(frozen=True)
class RunReport:
    """Everything a one-click run did, built once when it is done.

    result: what `segment()` returned (the run never changes it).
    input_sheet: the sheet holding the table. output_sheet: where the class
      columns are — the same sheet, or for order lines the customers sheet.
    settings_sheet, summary_sheet: the sheets the run (re)built.
    columns: output key → its column on output_sheet (read-only), over the data
      rows first_data_row … last_data_row.
    moved_share: the share of customers whose tier changed since the previous
      run (None on a first run).
    clusters: the clusters when the cluster.enabled setting is on, else None.
    written: every write in order (sheet, kind, cells, label); charts: the charts added.
    """

    result: SegmentResult
    input_sheet: str
    output_sheet: str
    settings_sheet: str
    summary_sheet: str
    columns: Mapping[str, int]
    first_data_row: int
    last_data_row: int
    moved_share: float | None
    clusters: Clusters | None
    written: tuple[Written, ...]
    charts: tuple[ChartSpec, ...]

    def on(self, sheet: str) -> tuple[Written, ...]:
        """The writes on one sheet, in order."""
        return tuple(w for w in self.written if w.sheet == sheet)

    def message(self) -> str:
        """A few lines for the user: customers per tier and the Pareto statement."""
        tiers = self.result.summary.tiers
        lang = self.result.language
        per_tier = pick(COMMA, lang).join(f"{t} {n}" for t, n in zip(tiers["tier"], tiers["customers"], strict=True))
        lines = [text("run_segmented", lang, customers=len(self.result.table), sheet=self.input_sheet,
                      per_tier=per_tier)]
        if self.result.summary.pareto.statement:
            lines.append(self.result.summary.pareto.statement)
        noted = int(self.result.classes["notes"].notna().sum())
        if noted:
            lines.append(text("run_noted", lang, rows=noted))
        return "\n".join(lines)


def segment_book(book: WorkbookPort, overrides: Mapping[str, Any] | None = None, sheet: str | None = None,
                 progress: Callable[[str], None] | None = None) -> RunReport:
    """Segment the table on `sheet` (default: the active sheet) and write everything back.

    Every WorkbookError (one sentence) is raised before anything is written.
    `progress` is called with each stage's name: read, segment, write, summary.
    """
    step = progress or (lambda _name: None)
    sheet = _input_sheet(book, sheet)
    settings = _settings(book, overrides or {})
    step("read")
    whole, data, frame = _table(book, sheet)
    step("segment")
    result = _segment(frame, settings, data, sheet)
    clusters = _cluster(result, frame, settings) if settings["cluster.enabled"] else None
    step("write")
    log = RecordingBook(book)
    placed = (_write_customer_sheet(log, sheet, result, clusters) if result.kind == "orders"
              else _write_columns(log, sheet, whole, data, result, clusters))
    settings_sheet = _write_settings(log, settings, result.language)
    step("summary")
    summary_sheet = _summary(log, placed, result, clusters)
    return RunReport(result, sheet, placed.sheet, settings_sheet, summary_sheet, MappingProxyType(dict(placed.columns)),
                     placed.first_row, placed.last_row, placed.moved_share, clusters, tuple(log.written),
                     tuple(log.charts))


# ---------------------------------------------------------------- reading and computing
def _input_sheet(book: WorkbookPort, sheet: str | None) -> str:
    """The sheet asked for, else the active one unless it is one of ours, else the first that is not."""
    ours = {n for key in ("settings", "summary") for n in SHEETS[key]}  # never a data sheet
    sheet = sheet or _data_sheet(book, ours)
    if sheet not in book.sheet_names():
        raise WorkbookError(f"The workbook has no sheet named '{sheet}'.")
    return sheet


def _data_sheet(book: WorkbookPort, ours: set[str]) -> str:
    active = book.active_sheet()
    if active not in ours:
        return active
    others = [n for n in book.sheet_names() if n not in ours]
    if not others:
        raise WorkbookError("The workbook has no sheet with a customer table besides xlcustseg's own.")
    return others[0]


def _settings(book: WorkbookPort, overrides: Mapping[str, Any]) -> Settings:
    """The settings sheet's values (a bad one named by its cell), then the overrides on top."""
    existing = [n for n in SHEETS["settings"] if n in book.sheet_names()]
    values: dict[str, Any] = {}
    if existing:
        data = book.read(existing[0])
        table = read_settings_table(data.rows)
        values = table.values
        try:
            Settings(values)
        except SettingsError as exc:
            cell = f"{existing[0]}!{column_letter(data.first_col + 1)}{data.first_row + table.rows.get(exc.key, 0)}"
            raise WorkbookError(f"Setting {exc.key} in cell {cell} is not usable: {exc.reason}.") from None
    try:
        return Settings({**values, **overrides})
    except SettingsError as exc:
        raise WorkbookError(f"Setting {exc.key} = {exc.value!r} is not usable: {exc.reason}.") from None


def _table(book: WorkbookPort, sheet: str) -> tuple[SheetData, SheetData, pd.DataFrame]:
    """The whole sheet, its table part (the Excel Table, if any) and that part as a frame."""
    whole = book.read(sheet)
    data = whole.table()
    if not data.rows or all(all(v is None or str(v).strip() == "" for v in r) for r in data.rows):
        raise WorkbookError(f"Sheet '{sheet}' is empty.")
    return whole, data, pd.DataFrame(data.rows, dtype=object)


def _segment(frame: pd.DataFrame, settings: Settings, data: SheetData, sheet: str) -> SegmentResult:
    try:
        result = segment(frame, settings, origin=(data.first_row, data.first_col))
    except SegmentationError as exc:
        raise WorkbookError(f"Sheet '{sheet}': {exc}") from None
    if "revenue" not in result.layout.fields and result.kind == "customers":
        raise WorkbookError(f"Sheet '{sheet}' has no revenue column (e.g. 销售额, Revenue, Amount).")
    return result


def _cluster(result: SegmentResult, frame: pd.DataFrame, settings: Settings) -> Clusters:
    """Cluster on R, F, M (and the chosen columns): a name per customer and the clusters' profile."""
    from xlcustseg.learn import cluster_customers

    features = _cluster_features(result, frame, settings)
    k = None if settings["cluster.k"] == "auto" else settings["cluster.k"]
    rfm_labels = {key: settings.class_info("rfm8", key, f"label_{result.language}") for key in settings.classes("rfm8")}
    try:
        clusters = cluster_customers(features, k, lang=result.language, rfm_labels=rfm_labels)
    except ValueError as exc:
        raise WorkbookError(f"Cannot cluster: {exc}.") from None
    return Clusters(pd.Series(clusters.names.to_numpy(), index=result.table.index, dtype=object), clusters.profile)


def _cluster_features(result: SegmentResult, frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    from xlcustseg.fields.values import parse_numbers

    classes = result.classes
    if "frequency" not in classes or classes["frequency"].isna().all():
        raise WorkbookError("Clustering needs R, F and M: the table lacks a last purchase date, orders or revenue.")
    features = pd.DataFrame({"R": classes["recency"], "F": classes["frequency"], "M": classes["monetary"]})
    headers = [str(h).strip() for h in result.layout.headers]
    for name in settings["cluster.features"]:
        if name not in headers or result.kind != "customers":
            raise WorkbookError(f"Cannot cluster on '{name}': the customer table has no such column.")
        column = frame.iloc[np.asarray(result.source_rows), headers.index(name)].reset_index(drop=True)
        features[name] = parse_numbers(column).values.to_numpy()
    return features


# ---------------------------------------------------------------- writing the class columns
def _output_keys(lang: str, clustered: bool) -> list[tuple[str, str]]:
    """(output key, header) of every column we write beside the table, in order."""
    keys = [(k, pick((zh, en), lang)) for k, zh, en in OUTPUT_COLUMNS]
    keys.append((REVENUE_VALUE[0], pick(REVENUE_VALUE[1:], lang)))
    if clustered:
        keys.append((CLUSTER_COLUMN[0], pick(CLUSTER_COLUMN[1:], lang)))
    return keys


def _write_columns(book: WorkbookPort, sheet: str, whole: SheetData, data: SheetData,
                   result: SegmentResult, clusters: Clusters | None) -> Placed:
    """Our columns: found again by header on the header row, else added right of everything used."""
    header_index = result.layout.header_row or 0
    header_row = data.first_row + header_index
    n_rows = len(data.rows) - header_index - 1
    keys = _output_keys(result.language, clusters is not None)
    columns, found = _places(whole, data, header_row, n_rows, keys)
    source = np.asarray(result.source_rows) - header_index - 1  # table row -> position under the header
    previous = _column_below(whole, header_row, n_rows, columns["tier"]) if "tier" in found else None
    values = _column_values(result, clusters)
    written: dict[int, tuple[list[Any], str | None]] = {}
    for key, header in keys:
        full = np.full(n_rows, None, dtype=object)
        full[source] = values[key]
        written[columns[key]] = ([header, *full], _FORMATS.get(key))
    for first, run in _adjacent(written):
        book.write_columns(sheet, header_row, first, [v for v, _ in run], [f for _, f in run])
    if data.table_bounds and min(columns.values()) == data.table_bounds[3] + 1:  # adjacent: join the Table
        book.extend_table(sheet, data.table_name, max(columns.values()), [h for _, h in keys])
    return Placed(sheet, columns, header_row + 1, header_row + max(n_rows, 1), _moved(previous, source, result))


def _adjacent(by_column: dict[int, Any]) -> list[tuple[int, list[Any]]]:
    """Runs of adjacent columns, left to right: (first column, the values of each column in the run)."""
    runs: list[tuple[int, list[Any]]] = []
    for col in sorted(by_column):
        if runs and runs[-1][0] + len(runs[-1][1]) == col:
            runs[-1][1].append(by_column[col])
        else:
            runs.append((col, [by_column[col]]))
    return runs


def _places(whole: SheetData, data: SheetData, header_row: int, n_rows: int,
            keys: Sequence[tuple[str, str]]) -> tuple[dict[str, int], set[str]]:
    """Each key's column (found by its header, or the next free one) and the keys found on the sheet."""
    known = {_exact(h): whole.first_col + j for j, h in enumerate(whole.row_values(header_row)) if h is not None}
    next_col = max(whole.last_col(header_row, header_row + n_rows), data.first_col) + 1
    columns: dict[str, int] = {}
    found: set[str] = set()
    for key, header in keys:
        col = known.get(_exact(header)) or _other_language(key, known)
        if col is None:
            col, next_col = next_col, next_col + 1
        else:
            found.add(key)
        columns[key] = col
    return columns, found


def _column_below(whole: SheetData, header_row: int, n_rows: int, col: int) -> list[Any]:
    """The values under the header in one column of the sheet as read."""
    j = col - whole.first_col
    return [r[j] if j < len(r) else None for r in whole.rows[header_row - whole.first_row + 1:][:n_rows]]


def _column_values(result: SegmentResult, clusters: Clusters | None) -> dict[str, np.ndarray]:
    """Each output key's values, one per customer (object arrays; `write_column` converts them)."""
    table, classes = result.table, result.classes
    values = {key: table[header].to_numpy(dtype=object)
              for key, header in _output_keys(result.language, False) if header in table.columns}
    revenue = classes["revenue"] if "revenue" in classes else pd.Series(np.nan, index=table.index)
    values["revenue_value"] = revenue.to_numpy(dtype=object)
    if clusters is not None:
        values["cluster"] = clusters.names.to_numpy(dtype=object)
    return values


def _other_language(key: str, known: dict[str, int]) -> int | None:
    """A column we wrote earlier in the other language (the language setting changed)."""
    for k, zh, en in (*OUTPUT_COLUMNS, REVENUE_VALUE):
        if k == key:
            return known.get(_exact(zh)) or known.get(_exact(en))
    return None


def _exact(header: Any) -> str:
    """Our own headers are found again as written (only width, case and spaces may differ)."""
    return unicodedata.normalize("NFKC", str(header)).strip().lower()


def _moved(previous: list[Any] | None, source: np.ndarray, result: SegmentResult) -> float | None:
    if previous is None:
        return None
    before = pd.Series(previous, dtype=object).iloc[source].reset_index(drop=True)
    after = result.classes["tier"].reset_index(drop=True)
    both = before.notna() & after.notna()
    return float((before[both] != after[both]).mean()) if both.any() else None


def _write_customer_sheet(book: WorkbookPort, sheet: str, result: SegmentResult,
                          clusters: Clusters | None) -> Placed:
    """Order lines: one row per customer on our own sheet (rebuilt on every run)."""
    lang = result.language
    name = sheet_name("customers", lang)
    if name == sheet:  # the order lines themselves sit on a sheet of that name
        name = f"{name} ({'分层' if lang == 'zh' else 'segmented'})"
    book.replace_sheet(name, after=sheet)
    table = result.table
    written = [(str(column), table[column]) for column in table.columns]
    if clusters is not None:
        written.append((pick(CLUSTER_COLUMN[1:], lang), clusters.names))
    for j, (header, series) in enumerate(written):
        fmt = "yyyy-mm-dd" if pd.api.types.is_datetime64_any_dtype(series.dtype) else None
        book.write_column(name, 1, j + 1, [header, *series.tolist()], fmt)
    positions = {header: j + 1 for j, (header, _) in enumerate(written)}
    columns = {k: positions[pick((zh, en), lang)] for k, zh, en in (*OUTPUT_COLUMNS, CLUSTER_COLUMN)
               if pick((zh, en), lang) in positions}
    columns["revenue_value"] = positions[pick(AGGREGATE_COLUMNS[3][1:], lang)]
    return Placed(name, columns, 2, 1 + max(len(table), 1))


def _write_settings(book: WorkbookPort, settings: Settings, lang: str) -> str:
    """The settings sheet, rebuilt with every setting's value as text (the user's sheet name is kept)."""
    name = sheet_name("settings", lang)
    for other in SHEETS["settings"]:
        if other in book.sheet_names() and other != name:
            name = other
    book.replace_sheet(name)
    table = settings.to_table(lang, descriptions=True)
    for j, column in enumerate(table.columns):  # column by column: values stay text, never formulas
        book.write_column(name, 1, j + 1, [column, *table[column].astype(object).tolist()])
    return name


def _summary(book: WorkbookPort, placed: Placed, result: SegmentResult, clusters: Clusters | None) -> str:
    """The summary sheet (the user's sheet name kept), with a warning when many tiers moved."""
    name = sheet_name("summary", result.language)
    for other in SHEETS["summary"]:
        if other in book.sheet_names():
            name = other
    columns = DataColumns(placed.sheet, placed.first_row, placed.last_row, dict(placed.columns))
    extra = []
    if placed.moved_share is not None and placed.moved_share > MOVED_WARNING:
        extra.append(f"与上次相比 {placed.moved_share:.0%} 的客户换了等级" if result.language == "zh"
                     else f"{placed.moved_share:.0%} of customers changed tier since the last run")
    fill_summary(book, name, result, columns, extra_warnings=extra,
                 clusters=clusters.profile if clusters is not None else None)
    return name
