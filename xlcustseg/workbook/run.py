"""The one-click run on any workbook port: find the table, segment, write back, summarise.

`segment_book()` is what the ribbon button (through the xlwings adapter) and
the command line (through the openpyxl adapter) both call.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.engine import SegmentationError, SegmentResult, segment
from xlcustseg.i18n import (
    AGGREGATE_COLUMNS,
    CLUSTER_COLUMN,
    OUTPUT_COLUMNS,
    REVENUE_VALUE,
    SHEETS,
    sheet_name,
)
from xlcustseg.settings import Settings, SettingsError
from xlcustseg.workbook.port import SheetData, WorkbookPort, column_letter
from xlcustseg.workbook.summary_sheet import DataColumns, fill_summary

MOVED_WARNING = 0.20  # warn when a re-run moves more than this share of customers between tiers


class WorkbookError(ValueError):
    """One sentence saying why the workbook cannot be segmented."""


@dataclass
class RunReport:
    result: SegmentResult
    input_sheet: str
    output_sheet: str
    summary_sheet: str
    settings_sheet: str
    columns: dict[str, int] = field(default_factory=dict)  # output key -> sheet column
    moved_share: float | None = None
    first_data_row: int = 2
    last_data_row: int = 2

    def message(self) -> str:
        """A few lines for the user: customers per tier and the Pareto statement."""
        zh = self.result.language == "zh"
        tiers = self.result.summary.tiers
        counts = "，".join if zh else ", ".join
        per_tier = counts(f"{t} {n}" for t, n in zip(tiers["tier"], tiers["customers"], strict=True))
        lines = [
            (f"已分层 {len(self.result.table)} 位客户（{self.input_sheet}）：{per_tier}" if zh
             else f"Segmented {len(self.result.table)} customers ({self.input_sheet}): {per_tier}"),
        ]
        if self.result.summary.pareto.statement:
            lines.append(self.result.summary.pareto.statement)
        noted = int(self.result.classes["notes"].notna().sum())
        if noted:
            lines.append(f"{noted} 行有备注（无法读取的单元格等）" if zh
                         else f"{noted} rows have notes (cells that could not be read, …)")
        return "\n".join(lines)


def segment_book(book: WorkbookPort, overrides: Mapping[str, Any] | None = None, sheet: str | None = None,
                 progress: Callable[[str], None] | None = None) -> RunReport:
    """Segment the table on `sheet` (default: the active sheet) and write everything back."""
    step = progress or (lambda _name: None)
    ours = {n for key in ("settings", "summary") for n in SHEETS[key]}  # never a data sheet
    sheet = sheet or _data_sheet(book, ours)
    if sheet not in book.sheet_names():
        raise WorkbookError(f"The workbook has no sheet named '{sheet}'.")
    settings = _settings(book, overrides or {})
    step("read")
    whole = book.read(sheet)
    data = whole.table()
    if not data.rows or all(all(v is None or str(v).strip() == "" for v in r) for r in data.rows):
        raise WorkbookError(f"Sheet '{sheet}' is empty.")
    frame = pd.DataFrame(data.rows, dtype=object)
    step("segment")
    try:
        result = segment(frame, settings, origin=(data.first_row, data.first_col))
    except SegmentationError as exc:
        raise WorkbookError(f"Sheet '{sheet}': {exc}") from None
    if "revenue" not in result.layout.fields and result.kind == "customers":
        raise WorkbookError(f"Sheet '{sheet}' has no revenue column (e.g. 销售额, Revenue, Amount).")
    result, profile = _cluster(result, frame, settings) if settings["cluster.enabled"] else (result, None)
    step("write")
    lang = result.language
    if result.kind == "orders":
        report = _write_customer_sheet(book, sheet, result)
    else:
        report = _write_columns(book, sheet, whole, data, result)
    report.settings_sheet = _write_settings(book, settings, lang)
    step("summary")
    _summary(book, report, data, profile)
    return report


def _cluster(result: SegmentResult, frame: pd.DataFrame, settings: Settings) -> tuple[SegmentResult, pd.DataFrame]:
    """Cluster on R, F, M (and the chosen columns): the result with the names in its table and classes; the profile."""
    from xlcustseg.fields.values import parse_numbers
    from xlcustseg.learn import cluster_customers

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
    k = None if settings["cluster.k"] == "auto" else settings["cluster.k"]
    rfm_labels = {key: settings.class_info("rfm8", key, f"label_{result.language}") for key in settings.classes("rfm8")}
    try:
        clusters = cluster_customers(features, k, lang=result.language, rfm_labels=rfm_labels)
    except ValueError as exc:
        raise WorkbookError(f"Cannot cluster: {exc}.") from None
    return result.with_clusters(clusters.names.to_numpy()), clusters.profile


# ---------------------------------------------------------------- choosing the sheet and settings
def _data_sheet(book: WorkbookPort, ours: set[str]) -> str:
    active = book.active_sheet()
    if active not in ours:
        return active
    others = [n for n in book.sheet_names() if n not in ours]
    if not others:
        raise WorkbookError("The workbook has no sheet with a customer table besides xlcustseg's own.")
    return others[0]


def _settings(book: WorkbookPort, overrides: Mapping[str, Any]) -> Settings:
    existing = [n for n in SHEETS["settings"] if n in book.sheet_names()]
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    if existing:
        data = book.read(existing[0])
        for i, row in enumerate(data.rows):
            key = row[0] if row else None
            if key is None or not str(key).strip() or str(key).strip() in ("设置项", "Key"):
                continue
            values[str(key).strip()] = row[1] if len(row) > 1 and row[1] is not None else ""
            rows[str(key).strip()] = data.first_row + i
        try:
            Settings(values)
        except SettingsError as exc:
            cell = f"{existing[0]}!{column_letter(data.first_col + 1)}{rows.get(exc.key, data.first_row)}"
            raise WorkbookError(f"Setting {exc.key} in cell {cell} is not usable: {exc.reason}.") from None
    try:
        return Settings({**values, **overrides})
    except SettingsError as exc:
        raise WorkbookError(f"Setting {exc.key} = {exc.value!r} is not usable: {exc.reason}.") from None


# ---------------------------------------------------------------- writing the class columns
def _output_keys(result: SegmentResult) -> list[tuple[str, str]]:
    i = 0 if result.language == "zh" else 1
    keys = [(k, (zh, en)[i]) for k, zh, en in OUTPUT_COLUMNS]
    keys.append((REVENUE_VALUE[0], REVENUE_VALUE[1 + i]))
    if "cluster" in result.classes:
        keys.append((CLUSTER_COLUMN[0], CLUSTER_COLUMN[1 + i]))
    return keys


def _write_columns(book: WorkbookPort, sheet: str, whole: SheetData, data: SheetData,
                   result: SegmentResult) -> RunReport:
    """Our columns: found again by header on the header row, else added right of everything used."""
    header_index = result.layout.header_row or 0
    header_row = data.first_row + header_index
    n_rows = len(data.rows) - header_index - 1
    headers = whole.row_values(header_row)
    known = {_exact(h): whole.first_col + j for j, h in enumerate(headers) if h is not None}
    next_col = max(whole.last_col(header_row, header_row + n_rows), data.first_col) + 1
    source = np.asarray(result.source_rows) - header_index - 1  # table row -> position under the header
    columns: dict[str, int] = {}
    previous_tiers = None
    values_by_key = _column_values(result)
    for key, header in _output_keys(result):
        col = known.get(_exact(header)) or _other_language(key, known)
        if col is None:
            col, next_col = next_col, next_col + 1
        elif key == "tier":
            previous_tiers = [r[col - whole.first_col] if col - whole.first_col < len(r) else None
                              for r in whole.rows[header_row - whole.first_row + 1:][:n_rows]]
        columns[key] = col
        full = np.full(n_rows, None, dtype=object)
        full[source] = values_by_key[key]
        book.write_column(sheet, header_row, col, [header, *full], _FORMATS.get(key))
    if data.table_bounds and min(columns.values()) == data.table_bounds[3] + 1:  # adjacent: join the Table
        book.extend_table(sheet, data.table_name, max(columns.values()), [h for _, h in _output_keys(result)])
    report = RunReport(result, sheet, sheet, "", "", columns)
    report.moved_share = _moved(previous_tiers, source, result)
    report.first_data_row, report.last_data_row = header_row + 1, header_row + max(n_rows, 1)
    return report


_FORMATS = {"next_contact": "yyyy-mm-dd", "cadence": "0", "r": "0", "f": "0", "m": "0",
            "revenue_value": "#,##0.00"}


def _column_values(result: SegmentResult) -> dict[str, np.ndarray]:
    table = result.table
    values = {key: _plain(table[header]) for key, header in _output_keys(result) if header in table.columns}
    revenue = result.classes["revenue"] if "revenue" in result.classes else pd.Series(np.nan, index=table.index)
    values["revenue_value"] = _plain(revenue)
    return values


def _plain(series: pd.Series) -> np.ndarray:
    """Python values for a workbook: None for missing, datetimes as datetime, ints as int."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return np.array([None if pd.isna(v) else v.to_pydatetime() for v in series], dtype=object)
    out = series.astype(object).to_numpy().copy()
    out[pd.isna(series).to_numpy()] = None
    return out


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


def _write_customer_sheet(book: WorkbookPort, sheet: str, result: SegmentResult) -> RunReport:
    """Order lines: one row per customer on our own sheet (rebuilt on every run)."""
    lang = result.language
    name = sheet_name("customers", lang)
    if name == sheet:  # the order lines themselves sit on a sheet of that name
        name = f"{name} ({'分层' if lang == 'zh' else 'segmented'})"
    book.replace_sheet(name, after=sheet)
    table = result.table
    for j, column in enumerate(table.columns):
        fmt = "yyyy-mm-dd" if pd.api.types.is_datetime64_any_dtype(table[column].dtype) else None
        book.write_column(name, 1, j + 1, [column, *_plain(table[column])], fmt)
    positions = {column: j + 1 for j, column in enumerate(table.columns)}
    i = 0 if lang == "zh" else 1
    columns = {k: positions[(zh, en)[i]] for k, zh, en in (*OUTPUT_COLUMNS, CLUSTER_COLUMN) if (zh, en)[i] in positions}
    columns["revenue_value"] = positions[AGGREGATE_COLUMNS[3][1 + i]]
    report = RunReport(result, sheet, name, "", "", columns)
    report.first_data_row, report.last_data_row = 2, 1 + max(len(table), 1)
    return report


def _write_settings(book: WorkbookPort, settings: Settings, lang: str) -> str:
    name = sheet_name("settings", lang)
    for other in SHEETS["settings"]:
        if other in book.sheet_names() and other != name:
            name = other  # keep the user's sheet name
    book.replace_sheet(name)
    table = settings.to_table(lang, descriptions=True)
    for j, column in enumerate(table.columns):  # column by column: values stay text, never formulas
        book.write_column(name, 1, j + 1, [column, *table[column].astype(object).tolist()])
    return name


def _summary(book: WorkbookPort, report: RunReport, data: SheetData, clusters: pd.DataFrame | None) -> None:
    result = report.result
    name = sheet_name("summary", result.language)
    for other in SHEETS["summary"]:
        if other in book.sheet_names():
            name = other
    columns = DataColumns(report.output_sheet, report.first_data_row, report.last_data_row, report.columns)
    extra = []
    if report.moved_share is not None and report.moved_share > MOVED_WARNING:
        extra.append(f"与上次相比 {report.moved_share:.0%} 的客户换了等级" if result.language == "zh"
                     else f"{report.moved_share:.0%} of customers changed tier since the last run")
    fill_summary(book, name, result, columns, extra_warnings=extra, clusters=clusters)
    report.summary_sheet = name
