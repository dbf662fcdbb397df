"""Movement on a workbook: the previous tier, RFM class and tier change beside our columns, and the
迁移矩阵 / Movement sheet — written once against `WorkbookPort`, for every route.

The previous snapshot comes from one of three places:

- another segmented workbook (`previous_from_file`; the command line's --previous OLD.xlsx),
- a sheet of the same workbook (`previous_from_sheet`; the setting movement.previous names it:
  last quarter's customer sheet pasted in, or our own 客户分层 / Customers sheet, read before the
  run rewrites it, so the button compares with its previous click),
- the same order lines cut at an earlier date (`previous_as_of`; --compare-as-of DATE or the
  setting movement.compare_as_of): only the lines up to DATE, segmented as of DATE.

`snapshot_before_run` reads what the settings ask for before the run (a sheet the run rewrites is
read as it was); `add_movement` compares and writes after it. The command line, the ribbon button
and the xlwings Lite script all go through these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from xlcustseg.cells import Formula, column_letter
from xlcustseg.engine import SegmentationError
from xlcustseg.engine.movement import Movement, compare, segment_as_of
from xlcustseg.fields.headers import find_table, normalise_header
from xlcustseg.fields.values import parse_dates
from xlcustseg.i18n import (
    MOVEMENT_COLUMNS,
    MOVEMENT_SHEET,
    OUTPUT_COLUMNS,
    TIER_CHANGES,
    all_created_headers,
    pick,
    text,
)
from xlcustseg.settings import Settings, SettingsError
from xlcustseg.settings_table import read_settings_table
from xlcustseg.workbook.ooxml import quote_sheet
from xlcustseg.workbook.port import WorkbookPort
from xlcustseg.workbook.run import RunReport, WorkbookError, claim_columns, claim_sheet, settings_sheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
LOST_COLUMNS = {"tier": "B", "rfm_class": "C"}  # where the lost customers' tier and RFM class are listed


@dataclass(frozen=True)
class Snapshot:
    """The previous customer table and where it came from (a sheet, a file, or a date), for messages."""

    table: pd.DataFrame
    source: str


# ---------------------------------------------------------------- the previous snapshot
def previous_from_file(path: Path) -> Snapshot:
    """The customer table of an earlier segmented workbook file (its first sheet with an id and a tier)."""
    from xlcustseg.workbook.files import open_book  # openpyxl/calamine: the file route's readers

    book, _ = open_book(path)
    return Snapshot(_customer_table(book, book.sheet_names(), path.name), path.name)


def previous_from_sheet(book: WorkbookPort, sheet: str) -> Snapshot:
    """The customer table on `sheet` of `book` (an id or name column and a 客户等级/Tier column)."""
    if sheet not in book.sheet_names():
        raise WorkbookError(f"The workbook has no sheet named '{sheet}' (setting movement.previous).")
    return Snapshot(_customer_table(book, [sheet], f"'{sheet}'"), sheet)


def previous_from_setting(book: WorkbookPort, value: str, folder: Path | None) -> Snapshot:
    """movement.previous: a sheet of `book`, else a workbook file (relative to `folder`, the workbook's own)."""
    if value in book.sheet_names():
        return previous_from_sheet(book, value)
    path = Path(value).expanduser()
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        if not path.is_absolute() and folder is not None:
            path = folder / path
        return previous_from_file(path)
    raise WorkbookError(f"Setting movement.previous = '{value}' names neither a sheet of this workbook nor a "
                        "workbook file (.xlsx).")


def previous_as_of(book: WorkbookPort, report: RunReport, date: Any) -> Snapshot:
    """The same order lines cut at `date` (`engine.movement.segment_as_of`), with the run's settings."""
    result = report.result
    when = _date(date)
    if result.kind != "orders":
        raise WorkbookError(text("as_of_needs_orders", "en"))
    if result.as_of is not None and when >= result.as_of:
        raise WorkbookError(text("as_of_not_before", "en", date=when.date(), as_of=result.as_of.date()))
    data = book.read(report.input_sheet).table()
    try:
        earlier = segment_as_of(pd.DataFrame(data.rows, dtype=object), when, result.settings,
                                origin=(data.first_row, data.first_col))
    except SegmentationError as exc:
        raise WorkbookError(str(exc)) from None
    return Snapshot(earlier.table, str(when.date()))


def snapshot_before_run(book: WorkbookPort, overrides: Mapping[str, Any] | None = None,
                        folder: Path | None = None) -> Snapshot | None:
    """What the setting movement.previous names, read before the run changes the workbook (None: not set).

    A settings problem is left for the run to report (it names the cell).
    """
    settings = _settings(book, overrides or {})
    if settings is None or not settings["movement.previous"]:
        return None
    return previous_from_setting(book, settings["movement.previous"], folder)


def _settings(book: WorkbookPort, overrides: Mapping[str, Any]) -> Settings | None:
    values: dict[str, Any] = {}
    name = settings_sheet(book)
    if name is not None:
        values = read_settings_table(book.read(name).rows).values
    try:
        return Settings({**values, **overrides})
    except SettingsError:
        return None


def _customer_table(book: WorkbookPort, sheets: list[str], where: str) -> pd.DataFrame:
    """The first of `sheets` holding a customer id (or name) column and a tier column, as a frame."""
    tier_headers = {normalise_header(h) for k, zh, en in OUTPUT_COLUMNS if k == "tier" for h in (zh, en)}
    for sheet in sheets:
        data = book.read(sheet).table()
        if not data.rows:
            continue
        layout = find_table(pd.DataFrame(data.rows, dtype=object))
        if ("customer_id" in layout.fields or "customer_name" in layout.fields) and any(
                normalise_header(h) in tier_headers for h in layout.headers):
            start = 0 if layout.header_row is None else layout.header_row + 1
            return pd.DataFrame(data.rows[start:], columns=_unique(layout.headers), dtype=object)
    raise WorkbookError(f"{where} has no sheet with a customer id (or name) column and a 客户等级/Tier column: "
                        "give an earlier output of xlcustseg.")


def _date(value: Any) -> pd.Timestamp:
    parsed = parse_dates(pd.Series([value], dtype=object)).values.iloc[0]
    if pd.isna(parsed):
        raise WorkbookError(text("as_of_not_a_date", "en", value=value))
    return pd.Timestamp(parsed).normalize()


def _unique(headers: list[Any]) -> list[str]:
    """Headers as text, repeated ones numbered (.1, .2 …) as pandas does."""
    seen: dict[str, int] = {}
    out = []
    for j, h in enumerate(headers):
        h = str(h) if h is not None else f"_{j}"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}.{seen[h] - 1}")
    return out


# ---------------------------------------------------------------- comparing and writing
def add_movement(book: WorkbookPort, report: RunReport, previous: Snapshot) -> Movement:
    """Compare the run's customers with `previous`; write the three columns and the Movement sheet."""
    lang, sheet = report.result.language, report.output_sheet
    header_row, first, last = report.first_data_row - 1, report.first_data_row, report.last_data_row
    whole = book.read(sheet)
    headers = whole.row_values(header_row)
    now = pd.DataFrame([whole.row_values(r) for r in range(first, last + 1)], dtype=object)
    now.columns = _now_headers(report, whole.first_col, headers)[:now.shape[1]]
    try:
        moved = compare(previous.table, now, lang=lang, settings=report.result.settings)
    except SegmentationError as exc:
        raise WorkbookError(f"Previous snapshot {previous.source}: {exc}") from None
    columns = _write_columns(book, report, moved)
    rows = _sheet_rows(report, moved, columns)
    name = claim_sheet(book, "movement", pick(MOVEMENT_SHEET, lang), avoid=report.input_sheet)
    book.replace_sheet(name, after=report.summary_sheet)
    book.write_block(name, 1, 1, rows)
    return moved


def _now_headers(report: RunReport, first_col: int, headers: list[Any]) -> list[str]:
    """The output sheet's headers for `compare`: our class columns (by the run's report) under our plain headers;
    a column of the user's (or an older one of ours) with one of our headers renamed, so it is never read as ours."""
    ours = {col: pick((zh, en), report.result.language) for key, zh, en in OUTPUT_COLUMNS
            for k, col in report.columns.items() if k == key}
    created = all_created_headers()
    named = [ours.get(first_col + j, f"_{j}" if str(h) in created else h) for j, h in enumerate(headers)]
    return _unique(named)


def _write_columns(book: WorkbookPort, report: RunReport, moved: Movement) -> dict[str, int]:
    """上期等级 / 上期RFM分群 / 等级变动: where the record has ours (a user column with one of these headers keeps
    its place and ours take OURS_SUFFIX), else right of everything used (`run.claim_columns`)."""
    lang, sheet, header_row = report.result.language, report.output_sheet, report.first_data_row - 1
    keys = [(key, pick((zh, en), lang)) for key, zh, en in MOVEMENT_COLUMNS]
    columns, headers = claim_columns(book, sheet, header_row, report.last_data_row, keys, lang)
    for key, header in keys:
        book.write_column(sheet, header_row, columns[key], [headers[key], *moved.table[header].to_numpy(dtype=object)])
    return columns


def _sheet_rows(report: RunReport, moved: Movement, columns: dict[str, int]) -> list[list[Any]]:
    """The Movement sheet: each matrix as COUNTIFS over the output sheet, then the lost customers, then notes.

    The new row counts the rows whose previous class is blank; the lost column counts the lost
    customers listed below the matrices.
    """
    lang, sheet = report.result.language, report.output_sheet
    first, last = report.first_data_row, report.last_data_row

    def span(col: int) -> str:
        letter = column_letter(col)
        return f"{quote_sheet(sheet)}!${letter}${first}:${letter}${max(last, first)}"

    titles = {"tier": (("客户等级迁移（行：上期，列：本期）", "Tier movement (rows: previous, columns: now)"),
                       "previous_tier", moved.tiers),
              "rfm_class": (("RFM分群迁移（行：上期，列：本期）", "RFM class movement (rows: previous, columns: now)"),
                            "previous_rfm_class", moved.rfm)}
    blocks = [(key, *titles[key]) for key in ("tier", "rfm_class") if key in report.columns]
    lost = moved.lost
    lost_first = sum(len(m.index) + 4 for *_, m in blocks) + 3  # sheet row of the first lost customer
    lost_last = lost_first + max(len(lost), 1) - 1
    rows: list[list[Any]] = []
    for key, title, previous_key, matrix in blocks:
        rows.append([pick(title, lang)])
        classes = list(matrix.columns[:-1])
        rows.append([pick(("上期 ↓ 本期 →", "Previous ↓ Now →"), lang), *classes, matrix.columns[-1]])
        top = len(rows) + 1  # sheet row of the first class row
        before, current = span(columns[previous_key]), span(report.columns[key])
        lost_range = f"${LOST_COLUMNS[key]}${lost_first}:${LOST_COLUMNS[key]}${lost_last}"
        for i, p in enumerate(matrix.index[:-1]):
            r = top + i
            rows.append([p, *[Formula(f"=COUNTIFS({before},$A{r},{current},{column_letter(j + 2)}${top - 1})")
                              for j in range(len(classes))], Formula(f"=COUNTIFS({lost_range},$A{r})")])
        rows.append([matrix.index[-1], *[Formula(f'=COUNTIFS({before},"",{current},{column_letter(j + 2)}${top - 1})')
                                         for j in range(len(classes))]])
        rows.extend([[], []])
    rows.append([pick(("流失客户（上期有、本期没有）：“流失”列按此名单计数",
                       "Lost customers (in the previous snapshot only): the Lost column counts this list"), lang)])
    rows.append([pick(("客户", "Customer"), lang), *(pick((zh, en), lang) for k, zh, en in MOVEMENT_COLUMNS[:2])])
    rows.extend([k, t, c] for k, t, c in zip(lost["key"], lost["tier"], lost["rfm_class"], strict=True))
    rows.extend([[note] for note in moved.notes])
    return rows


def movement_message(moved: Movement, previous: Snapshot) -> str:
    """One line for the user: compared with what, and how many moved up, down, stayed, are new or lost."""
    lang = moved.language
    change = moved.table[pick(MOVEMENT_COLUMNS[2][1:], lang)]
    counts = {k: int((change == pick(v, lang)).sum()) for k, v in TIER_CHANGES.items()}
    return text("movement_done", lang, source=previous.source, lost=len(moved.lost),
                sheet=pick(MOVEMENT_SHEET, lang), **counts)
