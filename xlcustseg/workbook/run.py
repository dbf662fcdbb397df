"""The one-click run on any workbook port: find the table, segment, write back, summarise.

`segment_book()` is what the ribbon button (through the xlwings adapter) and
the command line (through the openpyxl adapter) both call. It reads and
computes everything first — settings, table, segmentation, clusters — then
writes the class columns, the settings sheet and the summary sheet, and answers
with a frozen `RunReport` of what it wrote where. The `SegmentResult` is never
changed: clusters travel beside it, as their own value.

Nothing of the user's is overwritten. What the run wrote is found again by a
record it keeps on its settings sheet (a block headed `RECORD_MARK` right of
the settings table: the summary and customers sheets, and per data sheet the
header row and each column we wrote), never by a header or sheet name alone.
A user column with one of our headers keeps its place and ours is written
beside it as `<header> (xlcustseg)`; a user sheet with one of our sheet names
is kept and ours is `<name> (xlcustseg)`; the input sheet is never an output.
A workbook written by a version without the record is read as ours where it
is unmistakable: a settings sheet headed as we head it (Key/Value/Description)
marks an earlier output, whose summary and customers sheets are then ours by
name, and whose columns are ours where the whole block of our headers stands
in our order. Our columns never go into a merged range (they move right of
it) nor past column XFD (the run refuses).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg.cells import cell_name
from xlcustseg.engine import SegmentationError, SegmentResult, segment
from xlcustseg.engine.explain import cut_rows
from xlcustseg.i18n import (
    AGGREGATE_COLUMNS,
    CLUSTER_COLUMN,
    COMMA,
    MOVEMENT_COLUMNS,
    OURS_SUFFIX,
    OUTPUT_COLUMNS,
    PREDICTED_COLUMNS,
    RECORD_MARK,
    REVENUE_VALUE,
    SETTINGS_HEADERS,
    SHEETS,
    WHY_COLUMN,
    pick,
    sheet_name,
    text,
)
from xlcustseg.settings import OPTIONS, Settings, SettingsError
from xlcustseg.settings_table import read_settings_table
from xlcustseg.workbook.pivot_sheet import add_pivots
from xlcustseg.workbook.port import ChartSpec, SheetData, WorkbookPort, column_letter
from xlcustseg.workbook.quality_sheet import add_quality
from xlcustseg.workbook.record import RecordingBook, Written
from xlcustseg.workbook.summary_sheet import DataColumns, fill_summary

MOVED_WARNING = 0.20  # warn when a re-run moves more than this share of customers between tiers
LAST_COLUMN = 16_384  # XFD, Excel's last column
#: the keys of the columns other commands write beside ours (movement, learn): in the record, never class columns
_OTHER_KEYS = frozenset(k for k, _zh, _en in (*MOVEMENT_COLUMNS, *PREDICTED_COLUMNS))
#: notes on rows that leave the table (quality.left_out): written into the left-out row's own notes cell
LEFT_OUT_REASONS = ("total_row", "excluded")
_FORMATS = {"next_contact": "yyyy-mm-dd", "cadence": "0", "r": "0", "f": "0", "m": "0",
            "revenue_value": "#,##0.00"}


class WorkbookError(ValueError):
    """One sentence saying why the workbook cannot be segmented.

    Made with `said` it holds the sentence in Chinese and English (`texts`) and
    reads in `language`: the run's, when it was known where the error arose, else
    the one the caller gives with `in_language` (the command line's --lang), else English.
    """

    def __init__(self, message: str, texts: tuple[str, str] | None = None):
        super().__init__(message)
        self.texts = texts
        self.language: str | None = None

    @classmethod
    def said(cls, key: str, **values: object) -> WorkbookError:
        """The error whose sentence is message `key` of xlcustseg.i18n, in both languages."""
        texts = (text(key, "zh", **values), text(key, "en", **values))
        return cls(texts[1], texts)

    def in_language(self, lang: str | None) -> WorkbookError:
        """This error, read in `lang` unless a language was chosen before (None: leave it)."""
        if self.language is None and lang in ("zh", "en"):
            self.language = lang
        return self

    def __str__(self) -> str:
        return super().__str__() if self.texts is None else pick(self.texts, self.language or "en")


@dataclass(frozen=True)
class Clusters:
    """The run's clusters: a name per customer (the rows of `result.table`) and each cluster's profile."""

    names: pd.Series
    profile: pd.DataFrame


@dataclass(frozen=True)
class Record:
    """What earlier runs wrote where, as the record on our settings sheet says (empty: no record found).

    settings_sheet: the sheet holding the record; summary_sheet, customers_sheet:
    our summary and (order lines) customers sheets; columns: per data sheet, its
    header row and each output key's column; others: our other sheets by kind
    (the movement and rules sheets, `claim_sheet`).
    """

    settings_sheet: str = ""
    summary_sheet: str = ""
    customers_sheet: str = ""
    columns: Mapping[str, tuple[int, Mapping[str, int]]] = field(default_factory=dict)
    others: Mapping[str, str] = field(default_factory=dict)
    legacy: bool = False  # written by the run that took over an earlier output (its sheets still go by name)

    def sheets(self) -> set[str]:
        """The sheets the record names as ours."""
        return {n for n in (self.settings_sheet, self.summary_sheet, self.customers_sheet, *self.others.values()) if n}


@dataclass(frozen=True)
class Found:
    """What is ours in the workbook before the run: the record, or an earlier output without one (legacy)."""

    record: Record
    legacy: bool
    settings_source: str | None  # the sheet the settings are read from (ours, or a settings table the user made)


@dataclass(frozen=True)
class Placed:
    """Where the class columns went: the sheet, each output key's column, the data rows, the tiers moved."""

    sheet: str
    columns: Mapping[str, int]
    first_row: int
    last_row: int
    moved_share: float | None = None
    header_row: int = 0


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
    cell_notes: notes the run added about cells of the sheet itself (a Table's
      totals row left out, formulas without a saved result), each naming its cell.
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
    cell_notes: tuple[str, ...] = ()

    def on(self, sheet: str) -> tuple[Written, ...]:
        """The writes on one sheet, in order."""
        return tuple(w for w in self.written if w.sheet == sheet)

    def message(self) -> str:
        """A few lines for the user: customers per tier, the Pareto statement, how many rows and cells were noted."""
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
        if self.cell_notes:
            lines.append(text("run_cell_notes", lang, count=len(self.cell_notes), first=self.cell_notes[0]))
        return "\n".join(lines)


def segment_book(book: WorkbookPort, overrides: Mapping[str, Any] | None = None, sheet: str | None = None,
                 progress: Callable[[str], None] | None = None) -> RunReport:
    """Segment the table on `sheet` (default: the active sheet) and write everything back.

    Every WorkbookError (one sentence) is raised before anything is written.
    `progress` is called with each stage's name: read, segment, write, summary.
    """
    step = progress or (lambda _name: None)
    found = _found(book)
    settings = _settings(book, overrides or {}, found.settings_source)
    early = None if settings["language"] == "auto" else settings["language"]  # the table's is not read yet
    try:
        sheet = _input_sheet(book, sheet, found)
        step("read")
        whole, data, frame = _table(book, sheet, found.record)
    except WorkbookError as exc:
        raise exc.in_language(early) from None
    step("segment")
    result = _segment(frame, settings, data, sheet)
    clusters = _cluster(result, frame, settings) if settings["cluster.enabled"] else None
    lang = result.language
    notes = _cell_notes(whole, data, result)
    names = _output_sheets(book, sheet, found, lang, result.kind == "orders")
    step("write")
    log = RecordingBook(book)
    placed = (_write_customer_sheet(log, names["customers"], sheet, result, clusters) if result.kind == "orders"
              else _write_columns(log, sheet, whole, data, result, clusters, found,
                                  _joined(_left_out_notes(result), notes)))
    settings_sheet = _write_settings(log, settings, lang, names["settings"],
                                     _new_record(found, names, placed, sheet, result.kind), cut_rows(result))
    step("summary")
    summary_sheet = _summary(log, names["summary"], placed, result, clusters)
    add_quality(log, result, sheet, (data.first_row, data.first_col), placed)
    add_pivots(log, result, placed, sheet, data.first_col, whole)
    return RunReport(result, sheet, placed.sheet, settings_sheet, summary_sheet, MappingProxyType(dict(placed.columns)),
                     placed.first_row, placed.last_row, placed.moved_share, clusters, tuple(log.written),
                     tuple(log.charts), tuple(n for row in sorted(notes) for n in notes[row]))


# ---------------------------------------------------------------- what is ours
def _found(book: WorkbookPort) -> Found:
    """Our record (on a settings sheet holding RECORD_MARK), else whether this is an earlier output without one."""
    candidates = [n for n in book.sheet_names() if _named_as(n, "settings")]
    tables: list[str] = []
    legacy = False
    for name in candidates:
        rows = book.read(name).rows
        record = _parse_record(name, rows)
        if record is not None:
            return Found(record, False, name)
        if _is_settings_table(rows):
            tables.append(name)
            legacy = legacy or _headed_as_ours(rows)
    return Found(Record(), legacy, tables[0] if tables else None)


def _named_as(name: str, kind: str) -> bool:
    """A sheet named as one of ours of this kind: the name in either language, or it with our suffix."""
    return any(name == base or name.startswith(base + OURS_SUFFIX.rstrip(")")) for base in SHEETS[kind])


def _is_settings_table(rows: list[list[Any]]) -> bool:
    """A key/value table with at least one key we know (a user's sheet named 设置/Settings otherwise)."""
    return bool(set(read_settings_table(rows).values) & set(OPTIONS))


def _headed_as_ours(rows: list[list[Any]]) -> bool:
    """A settings sheet with the header row our settings sheet has (key, value, description): written by us."""
    first = next((r for r in rows if any(v is not None for v in r)), [])
    wanted = [SETTINGS_HEADERS[k] for k in ("key", "value", "description")]
    return len(first) >= 3 and any(list(first[:3]) == [pick(h, lang) for h in wanted] for lang in ("zh", "en"))


def _record_start(rows: list[list[Any]]) -> tuple[int, int] | None:
    """(row, column) index of RECORD_MARK in the read rows, if there."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value == RECORD_MARK:
                return i, j
    return None


def _parse_record(settings_sheet: str, rows: list[list[Any]]) -> Record | None:
    """The record below RECORD_MARK: rows of (what, sheet[, header row, columns]) until a blank."""
    start = _record_start(rows)
    if start is None:
        return None
    i, j = start
    sheets: dict[str, str] = {}
    columns: dict[str, tuple[int, Mapping[str, int]]] = {}
    for row in rows[i + 1:]:
        cells = [*row[j:j + 4], None, None, None, None][:4]
        if cells[0] is None:
            break
        if cells[0] == "columns" and isinstance(cells[2], int | float) and isinstance(cells[3], str):
            columns[str(cells[1])] = (int(cells[2]), MappingProxyType(_parse_columns(cells[3])))
        elif cells[1] is not None:
            sheets[str(cells[0])] = str(cells[1])
    others = {k: v for k, v in sheets.items() if k not in ("summary", "customers", "legacy")}
    return Record(settings_sheet, sheets.get("summary", ""), sheets.get("customers", ""), MappingProxyType(columns),
                  MappingProxyType(others), "legacy" in sheets)


def _parse_columns(value: str) -> dict[str, int]:
    """'tier=I, r=J' → {'tier': 9, 'r': 10} (a part that does not read is left out)."""
    out: dict[str, int] = {}
    for part in value.split(","):
        key, _, letters = part.strip().partition("=")
        if letters.isascii() and letters.isalpha():
            out[key] = _column_number(letters)
    return out


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _new_record(found: Found, names: Mapping[str, str], placed: Placed, sheet: str, kind: str) -> list[list[Any]]:
    """The record's rows after this run: our sheets, and every data sheet's columns (this one's replaced); taking
    over an earlier output, a 'legacy' row, so that the sheets claimed later in this run still go by name."""
    old = found.record
    columns = dict(old.columns)
    if kind == "customers":
        columns[sheet] = (placed.header_row, {**_kept_columns(old, sheet, placed), **placed.columns})
    rows: list[list[Any]] = [["summary", names["summary"]]]
    if kind == "orders" or old.customers_sheet:
        rows.append(["customers", placed.sheet if kind == "orders" else old.customers_sheet])
    rows += [[other, name] for other, name in old.others.items()]
    if found.legacy:
        rows.append(["legacy", "yes"])
    for name, (header_row, cols) in columns.items():
        rows.append(["columns", name, header_row, _columns_text(cols)])
    return rows


def _columns_text(columns: Mapping[str, int]) -> str:
    """{'tier': 9, 'r': 10} → 'tier=I, r=J' (left to right), as the record keeps a sheet's columns."""
    return ", ".join(f"{k}={column_letter(c)}" for k, c in sorted(columns.items(), key=lambda kv: kv[1]))


def _kept_columns(record: Record, sheet: str, placed: Placed) -> dict[str, int]:
    """The record's other columns on `sheet` (the movement columns, the learn command's): kept for the command
    that wrote them, which checks their headers before it takes them again; none where the header row moved or
    a column of this run now stands."""
    header_row, columns = record.columns.get(sheet, (0, {}))
    if header_row != placed.header_row:
        return {}
    taken = set(placed.columns.values())
    return {k: c for k, c in columns.items() if k not in placed.columns and c not in taken}


def settings_sheet(book: WorkbookPort) -> str | None:
    """The sheet the run reads its settings from: ours (by the record), else a settings table named 设置/Settings."""
    return _found(book).settings_source


def claim_sheet(book: WorkbookPort, kind: str, base: str, avoid: str = "",
                ours: Callable[[list[list[Any]]], bool] | None = None) -> str:
    """The name our sheet of `kind` (e.g. "movement", "rules") takes, kept in the record for the next run.

    The sheet the record names for `kind`; else a sheet named `base` or
    `base (xlcustseg…)` that is ours by its content (`ours`), or `base` in an
    earlier output; else `base` if no sheet has it, else `base (xlcustseg)`,
    `base (xlcustseg 2)` … Never `avoid` (the input sheet). Nothing is written to
    the workbook but the record's row (when the workbook has our record).
    """
    found = _found(book)
    taken = set(book.sheet_names())
    recorded = found.record.others.get(kind, "")
    if recorded in taken and recorded != avoid:
        name = recorded
    else:
        candidates = [n for n in book.sheet_names() if (n == base or n.startswith(base + OURS_SUFFIX[:-1]))
                      and n != avoid and n not in found.record.sheets()]
        name = next((n for n in candidates if ((found.legacy or found.record.legacy) and n == base)
                     or (ours is not None and ours(book.read(n).rows))), "")
        name = name or _free_name(base, taken | {avoid} | found.record.sheets())
    _remember(book, found.record, kind, name)
    return name


def _record_block(book: WorkbookPort, record: Record) -> tuple[SheetData, int, int] | None:
    """Our settings sheet's values and the (row, column) index of the record's mark in them (None: no record)."""
    if not record.settings_sheet:
        return None
    data = book.read(record.settings_sheet)
    start = _record_start(data.rows)
    return None if start is None else (data, *start)


def _remember(book: WorkbookPort, record: Record, kind: str, name: str) -> None:
    """Write (kind, sheet) into the record on our settings sheet: over its old row, else below the last."""
    found = _record_block(book, record)
    if found is None:
        return
    data, i, j = found
    row = i + 1
    while row < len(data.rows) and j < len(data.rows[row]) and data.rows[row][j] not in (None, kind):
        row += 1
    book.write_column(record.settings_sheet, data.first_row + row, data.first_col + j, [kind])
    book.write_column(record.settings_sheet, data.first_row + row, data.first_col + j + 1, [name])


def claim_columns(book: WorkbookPort, sheet: str, header_row: int, last_row: int, keys: Sequence[tuple[str, str]],
                  lang: str) -> tuple[dict[str, int], dict[str, str]]:
    """Where another command's columns `keys` ((key, header), in order) go on `sheet` after a run, and the header
    each takes; the columns are kept in the record on our settings sheet for the next run.

    As the class columns (`_places`): ours again where the record has them and
    their headers are still ours (in an earlier output: our block of these
    headers in order); else the next free columns right of everything used over
    rows header_row … last_row. A header a user column has gets OURS_SUFFIX. Our
    customers sheet (order lines), rebuilt on every run, keeps no record of them.
    """
    found = _found(book)
    own = sheet == found.record.customers_sheet
    recorded = None if own else recorded_columns(found.record.columns, sheet, header_row, keys)
    columns, headers = place_columns(book, sheet, header_row, last_row, keys, lang, recorded,
                                     found.legacy or found.record.legacy)
    if not own:
        _remember_columns(book, found.record, sheet, header_row, columns)
    return columns, headers


def recorded_columns(columns: Mapping[str, tuple[int, Mapping[str, int]]], sheet: str, header_row: int,
                     keys: Sequence[tuple[str, str]]) -> dict[str, int] | None:
    """The columns a record has for `keys` on `sheet` under `header_row` (None: it has none of them)."""
    row, recorded = columns.get(sheet, (0, {}))
    wanted = {k for k, _ in keys}
    found = {k: c for k, c in recorded.items() if k in wanted} if row == header_row else {}
    return found or None


def place_columns(book: WorkbookPort, sheet: str, header_row: int, last_row: int, keys: Sequence[tuple[str, str]],
                  lang: str, recorded: Mapping[str, int] | None, legacy: bool) -> tuple[dict[str, int], dict[str, str]]:
    """Each key's column and header on `sheet`: `recorded` (a record's columns for these keys) where still ours,
    else (only in an earlier output: `legacy`) our block of these headers, else the next free columns (`_places`)."""
    whole = book.read(sheet)
    span = max(last_row - header_row, 0)
    columns, headers, _ours = _places(book, sheet, whole, whole, header_row, span, keys, recorded, legacy, lang)
    return columns, headers


def _remember_columns(book: WorkbookPort, record: Record, sheet: str, header_row: int,
                      columns: Mapping[str, int]) -> None:
    """Add `columns` to the record's row for `sheet` on our settings sheet (a new row if it has none)."""
    found = _record_block(book, record)
    if found is None:
        return
    data, i, j = found
    row, merged = i + 1, dict(columns)
    while row < len(data.rows) and _at(data.rows[row], j) is not None:
        cells = data.rows[row][j:j + 4]
        if cells[:2] == ["columns", sheet] and isinstance(_at(cells, 3), str):
            merged = {**_parse_columns(cells[3]), **columns}
            break
        row += 1
    book.write_block(record.settings_sheet, data.first_row + row, data.first_col + j,
                     [["columns", sheet, header_row, _columns_text(merged)]])


def _input_sheet(book: WorkbookPort, sheet: str | None, found: Found) -> str:
    """The sheet asked for (never one the record names as ours), else the active one unless it is ours (or the
    settings), else the first that is not."""
    ours = found.record.sheets()
    if sheet is not None:
        if sheet not in book.sheet_names():
            raise WorkbookError(f"The workbook has no sheet named '{sheet}'.")
        if sheet in ours:
            raise WorkbookError.said("our_sheet", sheet=sheet)
        return sheet
    ours |= {found.settings_source or ""} | {n for n in book.sheet_names() if OURS_SUFFIX.rstrip(")") in n}
    if found.legacy:
        ours |= {*SHEETS["summary"], *SHEETS["customers"]}
    return _data_sheet(book, ours)


def _data_sheet(book: WorkbookPort, ours: set[str]) -> str:
    active = book.active_sheet()
    if active not in ours:
        return active
    others = [n for n in book.sheet_names() if n not in ours]
    if not others:
        raise WorkbookError("The workbook has no sheet with a customer table besides xlcustseg's own.")
    return others[0]


def _output_sheets(book: WorkbookPort, sheet: str, found: Found, lang: str, orders: bool) -> dict[str, str]:
    """The names our settings, summary and customers sheets take: ours again, else a name no sheet of the user has."""
    record, taken = found.record, set(book.sheet_names())
    names: dict[str, str] = {}
    recorded = {"settings": found.settings_source or "", "summary": record.summary_sheet,
                "customers": record.customers_sheet}
    for kind in ("settings", "summary", "customers"):
        mine = recorded[kind] if recorded[kind] in taken and recorded[kind] != sheet else ""
        if not mine and found.legacy and kind != "settings":
            mine = next((n for n in SHEETS[kind] if n in taken and n != sheet), "")
        names[kind] = mine or _free_name(sheet_name(kind, lang), taken | set(names.values()))
    return names


def _free_name(base: str, taken: set[str]) -> str:
    """`base` if no sheet has it, else `base (xlcustseg)`, `base (xlcustseg 2)` …"""
    if base not in taken:
        return base
    for i in range(1, 100):
        name = base + (OURS_SUFFIX if i == 1 else OURS_SUFFIX[:-1] + f" {i})")
        if name not in taken:
            return name
    raise WorkbookError(f"The workbook has no free name for xlcustseg's sheet '{base}'.")


# ---------------------------------------------------------------- reading and computing
def _settings(book: WorkbookPort, overrides: Mapping[str, Any], source: str | None) -> Settings:
    """The settings sheet's values (a bad one named by its cell), then the overrides on top."""
    values: dict[str, Any] = {}
    if source is not None:
        data = book.read(source)
        start = _record_start(data.rows)
        rows = data.rows if start is None else [r[:start[1]] for r in data.rows]  # the record is not a setting
        table = read_settings_table(rows)
        values = table.values
        try:
            Settings(values)
        except SettingsError as exc:
            cell = f"{source}!{column_letter(data.first_col + 1)}{data.first_row + table.rows.get(exc.key, 0)}"
            raise WorkbookError(f"Setting {exc.key} in cell {cell} is not usable: {exc.reason}.") from None
    try:
        return Settings({**values, **overrides})
    except SettingsError as exc:
        raise WorkbookError(f"Setting {exc.key} = {exc.value!r} is not usable: {exc.reason}.") from None


def _table(book: WorkbookPort, sheet: str, record: Record) -> tuple[SheetData, SheetData, pd.DataFrame]:
    """The whole sheet, its table part (the Excel Table, if any, without its totals row) and that part as a
    frame, where the columns the record names as ours are blank (never read as the user's data)."""
    whole = book.read(sheet)
    data = whole.table()
    if data.table_totals and data.rows:
        data = SheetData(data.rows[:-1], data.first_row, data.first_col, data.table_name, data.table_bounds,
                         True, data.no_result)
    if not data.rows or all(all(v is None or str(v).strip() == "" for v in r) for r in data.rows):
        raise WorkbookError(f"Sheet '{sheet}' is empty.")
    frame = pd.DataFrame(data.rows, dtype=object)
    header_row, recorded = record.columns.get(sheet, (0, {}))
    columns = {k: c for k, c in recorded.items() if k not in _OTHER_KEYS}  # the other commands' are theirs to check
    header = whole.row_values(header_row)
    if all(_is_ours(key, _at(header, col - whole.first_col)) for key, col in columns.items()):  # not moved
        for col in columns.values():
            if 0 <= col - data.first_col < frame.shape[1]:
                frame[col - data.first_col] = None
    return whole, data, frame


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


def _cell_notes(whole: SheetData, data: SheetData, result: SegmentResult) -> dict[int, list[str]]:
    """Notes on cells of the sheet, by sheet row: the Table's totals row (left out), and formulas without a saved
    result in the columns the table is read from."""
    lang = result.language
    notes: dict[int, list[str]] = {}
    if data.table_totals and data.table_bounds:
        _, c0, r1, _ = data.table_bounds
        notes.setdefault(r1, []).append(text("totals_row", lang, cell=cell_name(r1, c0)))
    header_row = data.first_row + (result.layout.header_row or 0)
    used = {data.first_col + j for j in result.layout.fields.values()}
    last = data.first_row + len(data.rows) - 1
    for row, col in sorted(whole.no_result):
        if header_row < row <= last and col in used:
            notes.setdefault(row, []).append(text("formula_no_result", lang, cell=cell_name(row, col)))
    return notes


def _left_out_notes(result: SegmentResult) -> dict[int, list[str]]:
    """The notes on rows left out of a customer table (total rows, excluded accounts), by the sheet row their cell
    names: written into that row's own notes cell, the row's only output (it gets no classes)."""
    notes = result.notes
    if result.kind != "customers" or not len(notes):
        return {}
    left = notes.loc[notes["reason"].isin(LEFT_OUT_REASONS).to_numpy() & notes["row"].isna().to_numpy()]
    rows = left["cell"].astype(str).str.extract(r"(\d+)$", expand=False).astype(int)
    return {int(r): list(m) for r, m in left["message"].groupby(rows.to_numpy(), sort=True)}


def _joined(*parts: Mapping[int, list[str]]) -> dict[int, list[str]]:
    """Notes by sheet row from several sources, each row's in the order given."""
    out: dict[int, list[str]] = {}
    for part in parts:
        for row, texts in part.items():
            out.setdefault(row, []).extend(texts)
    return out


# ---------------------------------------------------------------- writing the class columns
def _output_keys(lang: str, clustered: bool, why: bool = False) -> list[tuple[str, str]]:
    """(output key, header) of every column we write beside the table, in order (the Why column last)."""
    keys = [(k, pick((zh, en), lang)) for k, zh, en in OUTPUT_COLUMNS]
    keys.append((REVENUE_VALUE[0], pick(REVENUE_VALUE[1:], lang)))
    if clustered:
        keys.append((CLUSTER_COLUMN[0], pick(CLUSTER_COLUMN[1:], lang)))
    if why:  # setting output.why: the result's table has it
        keys.append((WHY_COLUMN[0], pick(WHY_COLUMN[1:], lang)))
    return keys


def _write_columns(book: WorkbookPort, sheet: str, whole: SheetData, data: SheetData, result: SegmentResult,
                   clusters: Clusters | None, found: Found, notes: Mapping[int, list[str]]) -> Placed:
    """Our columns: where the record (or an earlier output's block) has them, else right of everything used."""
    header_index = result.layout.header_row or 0
    header_row = data.first_row + header_index
    n_rows = len(data.rows) - header_index - 1
    span = max([n_rows, *(r - header_row for r in notes)])  # a totals row below the data gets its note
    keys = _output_keys(result.language, clusters is not None, pick(WHY_COLUMN[1:], result.language) in result.table)
    recorded = _recorded(found, sheet)
    columns, headers, ours = _places(book, sheet, whole, data, header_row, span, keys, recorded, found.legacy,
                                     result.language)
    source = np.asarray(result.source_rows) - header_index - 1  # table row -> position under the header
    previous = _column_below(whole, header_row, n_rows, columns["tier"]) if "tier" in ours else None
    values = _column_values(result, clusters)
    written: dict[int, tuple[list[Any], str | None]] = {}
    for key, _header in keys:
        full = np.full(span, None, dtype=object)
        full[source] = values[key]
        if key == "notes":
            _add_notes(full, notes, header_row, result.language)
        written[columns[key]] = ([headers[key], *full], _FORMATS.get(key))
    for first, run in _adjacent(written):
        book.write_columns(sheet, header_row, first, [v for v, _ in run], [f for _, f in run])
    if data.table_bounds and min(columns.values()) == data.table_bounds[3] + 1:  # adjacent: join the Table
        book.extend_table(sheet, data.table_name, max(columns.values()), [headers[k] for k, _ in keys])
    return Placed(sheet, columns, header_row + 1, header_row + max(n_rows, 1), _moved(previous, source, result),
                  header_row)


def _recorded(found: Found, sheet: str) -> Mapping[str, int] | None:
    """The columns the record has for this sheet (None: the record says nothing of it)."""
    _row, columns = found.record.columns.get(sheet, (0, {}))
    return columns or None


def _add_notes(full: np.ndarray, notes: Mapping[int, list[str]], header_row: int, lang: str) -> None:
    """Our notes about cells, after the row's own notes (in place)."""
    separator = "；" if lang == "zh" else "; "
    for row, texts in notes.items():
        i = row - header_row - 1
        full[i] = separator.join([*([full[i]] if isinstance(full[i], str) and full[i] else []), *texts])


def _adjacent(by_column: dict[int, Any]) -> list[tuple[int, list[Any]]]:
    """Runs of adjacent columns, left to right: (first column, the values of each column in the run)."""
    runs: list[tuple[int, list[Any]]] = []
    for col in sorted(by_column):
        if runs and runs[-1][0] + len(runs[-1][1]) == col:
            runs[-1][1].append(by_column[col])
        else:
            runs.append((col, [by_column[col]]))
    return runs


def _places(book: WorkbookPort, sheet: str, whole: SheetData, data: SheetData, header_row: int, span: int,
            keys: Sequence[tuple[str, str]], recorded: Mapping[str, int] | None, legacy: bool,
            lang: str) -> tuple[dict[str, int], dict[str, str], set[str]]:
    """Each key's column and header, and the keys found again as ours.

    Ours: the columns the record names, when each header is still one of ours;
    when not (the user inserted or deleted columns or rows), or in an earlier
    output without a record, our whole block (our headers side by side in order). Every
    other key takes the next free column right of what is used, past any merged
    range over our rows, never past XFD. A header a user column already has gets
    OURS_SUFFIX.
    """
    header = whole.row_values(header_row)
    blocked = _merged_columns(book.merged_ranges(sheet), header_row, header_row + span)
    found = _ours_on_sheet(header, whole.first_col, keys, recorded, legacy)
    found = {k: c for k, c in found.items() if c not in blocked}
    theirs = {_exact(h) for j, h in enumerate(header) if h is not None and whole.first_col + j not in found.values()}
    next_col = max(whole.last_col(header_row, header_row + span), data.first_col) + 1
    columns: dict[str, int] = {}
    for key, _header in keys:
        if key in found:
            columns[key] = found[key]
            continue
        while next_col in blocked:
            next_col += 1
        columns[key], next_col = next_col, next_col + 1
    if max(columns.values()) > LAST_COLUMN:
        raise WorkbookError.said("column_limit", sheet=sheet, count=len(keys)).in_language(lang)
    headers = {key: h + OURS_SUFFIX if _exact(h) in theirs else h for key, h in keys}
    return columns, headers, set(found)


def _merged_columns(merged: Sequence[tuple[int, int, int, int]], first_row: int, last_row: int) -> set[int]:
    """The columns a merged range covers over rows first_row … last_row."""
    return {c for r0, c0, r1, c1 in merged if r0 <= last_row and r1 >= first_row for c in range(c0, c1 + 1)}


def _ours_on_sheet(header: list[Any], first_col: int, keys: Sequence[tuple[str, str]],
                   recorded: Mapping[str, int] | None, legacy: bool) -> dict[str, int]:
    """Our columns on the header row: by the record (where their header is still ours), else, in an earlier
    output or where the record's columns moved (the user inserted columns or rows), our whole block in order."""
    if recorded is not None:
        wanted = {k: c for k, c in recorded.items() if any(k == key for key, _ in keys)}
        if wanted and all(_is_ours(k, _at(header, c - first_col)) for k, c in wanted.items()):
            return wanted  # every one still where the record has it: a partial match may be a user's column
    elif not legacy:
        return {}
    block = [k for k, _ in keys if k != "cluster"]
    for j in range(len(header)):
        if all(_is_ours(k, _at(header, j + i)) for i, k in enumerate(block)):
            found = {k: first_col + j + i for i, k in enumerate(block)}
            after = j + len(block)
            if any(k == "cluster" for k, _ in keys) and _is_ours("cluster", _at(header, after)):
                found["cluster"] = first_col + after
            return found
    return {}


def _at(values: list[Any], j: int) -> Any:
    return values[j] if 0 <= j < len(values) else None


def _is_ours(key: str, header: Any) -> bool:
    """The header one of ours for `key`: in either language, with or without OURS_SUFFIX."""
    if header is None:
        return False
    for k, zh, en in (*OUTPUT_COLUMNS, REVENUE_VALUE, CLUSTER_COLUMN, *MOVEMENT_COLUMNS, *PREDICTED_COLUMNS,
                      WHY_COLUMN):
        if k == key:
            return _exact(header) in {_exact(h + s) for h in (zh, en) for s in ("", OURS_SUFFIX)}
    return False


def _column_below(whole: SheetData, header_row: int, n_rows: int, col: int) -> list[Any]:
    """The values under the header in one column of the sheet as read."""
    j = col - whole.first_col
    return [r[j] if j < len(r) else None for r in whole.rows[header_row - whole.first_row + 1:][:n_rows]]


def _column_values(result: SegmentResult, clusters: Clusters | None) -> dict[str, np.ndarray]:
    """Each output key's values, one per customer (object arrays; `write_column` converts them)."""
    table, classes = result.table, result.classes
    values = {key: table[header].to_numpy(dtype=object)
              for key, header in _output_keys(result.language, False, True) if header in table.columns}
    revenue = classes["revenue"] if "revenue" in classes else pd.Series(np.nan, index=table.index)
    values["revenue_value"] = revenue.to_numpy(dtype=object)
    if clusters is not None:
        values["cluster"] = clusters.names.to_numpy(dtype=object)
    return values


def _exact(header: Any) -> str:
    """Headers compared as written (only width, case and spaces may differ)."""
    return unicodedata.normalize("NFKC", str(header)).strip().lower()


def _moved(previous: list[Any] | None, source: np.ndarray, result: SegmentResult) -> float | None:
    if previous is None:
        return None
    before = pd.Series(previous, dtype=object).iloc[source].reset_index(drop=True)
    after = result.classes["tier"].reset_index(drop=True)
    both = before.notna() & after.notna()
    return float((before[both] != after[both]).mean()) if both.any() else None


def _write_customer_sheet(book: WorkbookPort, name: str, sheet: str, result: SegmentResult,
                          clusters: Clusters | None) -> Placed:
    """Order lines: one row per customer on our own sheet `name` (rebuilt on every run)."""
    lang = result.language
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
    return Placed(name, columns, 2, 1 + max(len(table), 1), header_row=1)


def _write_settings(book: WorkbookPort, settings: Settings, lang: str, name: str,
                    record: Sequence[Sequence[Any]], cuts: Sequence[Sequence[Any]] = ()) -> str:
    """The settings sheet `name`, rebuilt with every setting's value as text, our record right of it, and right
    of that the run's cut points (engine.explain.cut_rows)."""
    book.replace_sheet(name)
    table = settings.to_table(lang, descriptions=True)
    for j, column in enumerate(table.columns):  # column by column: values stay text, never formulas
        book.write_column(name, 1, j + 1, [column, *table[column].astype(object).tolist()])
    start = len(table.columns) + 2
    rows = [[RECORD_MARK, text("record_title", lang)], *record]
    for j in range(max(len(r) for r in rows)):
        book.write_column(name, 1, start + j, [r[j] if j < len(r) else None for r in rows])
    for j in range(max((len(r) for r in cuts), default=0)):  # past the record's four columns and a blank one
        book.write_column(name, 1, start + 5 + j, [r[j] if j < len(r) else None for r in cuts])
    return name


def _summary(book: WorkbookPort, name: str, placed: Placed, result: SegmentResult, clusters: Clusters | None) -> str:
    """The summary sheet `name`, with a warning when many tiers moved."""
    columns = DataColumns(placed.sheet, placed.first_row, placed.last_row, dict(placed.columns))
    extra = []
    if placed.moved_share is not None and placed.moved_share > MOVED_WARNING:
        extra.append(f"与上次相比 {placed.moved_share:.0%} 的客户换了等级" if result.language == "zh"
                     else f"{placed.moved_share:.0%} of customers changed tier since the last run")
    fill_summary(book, name, result, columns, extra_warnings=extra,
                 clusters=clusters.profile if clusters is not None else None)
    return name
