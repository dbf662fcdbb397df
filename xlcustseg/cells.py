"""Excel cell values in and out of worksheet functions, the same for every route.

Desktop Excel (classic xlwings) hands a range over as a 2-D list of floats,
datetimes, text and None; xlwings Lite and Office.js hand over the same range with
dates as serial numbers, blanks as "" and error cells as text ("#N/A"). A
`Grid` takes either, trims a whole-column reference to its used rows, and gives
the answers back in the range's own shape (a row stays a row). `to_excel`
turns answers into values Excel can show; `error_text` is the text a function
returns instead of raising.

The workbook adapters use the same module for every value they move, so each
decision is taken once: `to_cell`/`to_cells` for what we write (blanks,
NumPy and pandas values, and the guard that keeps formula-like text as text:
only a `Formula` we author is written as a formula),
`from_cell`/`from_rows` for what we read, `used_block` for the part of a sheet
that holds values, and `column_letter`/`cell_name` for addresses.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

Cells = Any  # a scalar, or a list (1-D or 2-D) of scalars, as Excel hands them over


def is_blank(value: Any) -> bool:
    """None, NaN, NaT, pd.NA or the empty text: a cell with nothing in it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return value != value  # NaN
    return isinstance(value, str) and value == ""


@dataclass(frozen=True)
class Grid:
    """A range as a 2-D object array, read as rows of items (a single row is read as one column)."""

    values: np.ndarray

    @classmethod
    def of(cls, value: Cells) -> Grid:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, list | tuple):
            rows: list[list[Any]] = [[value]]
        elif not value:
            rows = [[None]]
        else:
            rows = value if set(map(type, value)) == {list} else [  # Excel's own 2-D list: no copy
                list(r) if isinstance(r, list | tuple) else [r] for r in value]
        lengths = set(map(len, rows))
        if lengths == {1}:  # a column, the common case: the fastest copy
            grid = np.fromiter(map(itemgetter(0), rows), dtype=object, count=len(rows)).reshape(-1, 1)
        elif len(lengths) == 1 and 0 not in lengths:
            grid = np.empty((len(rows), lengths.pop()), dtype=object)
            if grid.shape[0] >= grid.shape[1]:  # a block of customers: column by column, each in one C pass
                for j in range(grid.shape[1]):
                    grid[:, j] = np.fromiter(map(itemgetter(j), rows), dtype=object, count=len(rows))
            else:
                grid[:] = rows
        else:  # ragged: pad each row with blanks
            grid = np.full((len(rows), max(lengths) or 1), None, dtype=object)
            for i, row in enumerate(rows):
                grid[i, :len(row)] = row
        blank = _blank_mask(grid)
        if blank is not None:
            grid[blank] = None
        return cls(grid)

    @property
    def horizontal(self) -> bool:
        return self.values.shape[0] == 1 and self.values.shape[1] > 1

    @property
    def rows(self) -> np.ndarray:
        return self.values.T if self.horizontal else self.values

    def used_rows(self) -> int:
        """Rows up to the last one holding a value: a whole-column reference becomes its used part."""
        rows = self.rows
        if len(rows) and any(v is not None for v in rows[-1]):  # the last row holds a value: all are used
            return len(rows)
        filled = np.flatnonzero(pd.notna(rows).any(axis=1))  # (blanks are None: `of` made them so)
        return int(filled[-1]) + 1 if len(filled) else 0

    def column(self, rows: int, j: int = 0) -> np.ndarray:
        """Column `j`, cut or padded with blanks to `rows` values."""
        data = self.rows[:, j] if j < self.rows.shape[1] else np.empty(0, dtype=object)
        out = np.full(rows, None, dtype=object)
        out[:min(rows, len(data))] = data[:rows]
        return out

    def block(self, rows: int) -> np.ndarray:
        """The first `rows` rows, every column."""
        return self.rows[:rows]

    def cells(self, rows: int) -> np.ndarray:
        """Every cell of the first `rows` rows, row by row (for functions that answer each cell)."""
        return self.rows[:rows].ravel()

    def back(self, answers: Sequence[Any] | np.ndarray | pd.Series, per_cell: bool = False) -> list[list[Any]]:
        """The answers in this range's shape: a column, a row, or (per cell) a block of the same width."""
        out = to_excel(answers)
        if not out:
            return [[""]]
        if self.horizontal:
            return [out]
        width = self.values.shape[1]
        if per_cell and width > 1:
            return [out[i:i + width] for i in range(0, len(out), width)]
        return [[v] for v in out]


#: cell types that are never blank: a column of these (and None) needs no look for blanks
_NEVER_BLANK = frozenset({type(None), bool, int, dt.datetime, dt.date})


def _blank_mask(grid: np.ndarray) -> np.ndarray | None:
    """The cells to make None (NaN, NaT, pd.NA, the empty text); None when there are none to look for."""
    flat = grid.ravel()
    types = set(map(type, flat))
    if types <= _NEVER_BLANK:  # dates from desktop Excel, say: nothing to look for
        return None
    if types <= {str, type(None)}:  # only a text can be the empty text; None is already blank
        blank = np.equal(flat, "")
    else:
        blank = pd.isna(flat)
        if str in types or any(issubclass(t, str) for t in types):
            blank |= pd.Series(flat, dtype=object).eq("").to_numpy()
    return blank.reshape(grid.shape) if blank.any() else None


def used_rows(*grids: Grid) -> int:
    """The rows a call uses: the longest used part of its ranges, never beyond the first range."""
    return min(grids[0].rows.shape[0], max(g.used_rows() for g in grids))


def scalar(value: Cells) -> Any:
    """A single argument (a text, a number, a date) given as a value or as a 1×1 range; blank → None."""
    while isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if is_blank(value) else value


def to_excel(values: Sequence[Any] | np.ndarray | pd.Series) -> list[Any]:
    """Answers as Excel shows them: missing → "", timestamps → datetime, NumPy scalars → Python values."""
    out, missing = _python_values(values)
    out[missing] = ""
    return out.tolist()


def _python_values(values: Sequence[Any] | np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The values as Python objects (timestamps as datetime, NumPy scalars unwrapped) and where they are missing."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object)
                                                                    if not isinstance(values, np.ndarray)
                                                                    else values)
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = np.array(series.dt.to_pydatetime(), dtype=object)
    elif series.dtype == object:
        out = series.to_numpy(dtype=object).copy()
        if any(issubclass(t, pd.Timestamp | np.generic) for t in set(map(type, out))):  # (types: one C pass)
            odd = np.fromiter((isinstance(v, pd.Timestamp | np.generic) for v in out), bool, len(out))
            memo: dict[tuple[type, Any], Any] = {}  # by type too: np.int64(1) and np.float64(1.0) are equal
            out[odd] = [memo[k] if (k := (v.__class__, v)) in memo else memo.setdefault(k, _python(v))
                        for v in out[odd]]
    else:
        out = series.astype(object).to_numpy().copy()
    return out, missing


def _python(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item()


def error_text(code: str, zh: str, en: str) -> str:
    """The text a function returns for a cell it cannot answer: an Excel error code, then why (zh and en)."""
    return f"{code} {zh} ({en})"



# ---------------------------------------------------------------- values written into and read from workbooks
#: A text starting with one of these is taken for a formula by Excel or LibreOffice (typed in, or written as a
#: value): the prefixes OWASP's CSV-injection guidance lists (= + - @, and a tab or carriage return before them).
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")


class Formula(str):
    """A formula we author ourselves (`Formula("=SUM(A1:A3)")`): the only text a workbook gets as a formula.

    The rule is structural: `to_cell` lets a `Formula` through as a formula and
    turns every other text that looks like one into `FormulaLikeText`, whatever
    route it takes (data, notes, labels, strategies, settings values, messages).
    """

    def __new__(cls, text: str) -> Formula:
        if not text.startswith("="):
            raise ValueError(f"a formula starts with '=': {text[:40]!r}")
        return super().__new__(cls, text)


class FormulaLikeText(str):
    """Text that Excel would take for a formula (it starts with = + - @, a tab or a return), to be written as text.

    `to_cell` marks such text; each workbook adapter writes it as text in its own
    way (openpyxl: a text cell; Excel: a leading apostrophe, which Excel keeps as
    a text marker and does not show).
    """


def to_cell(value: Any) -> Any:
    """The one conversion of a value we write into a cell.

    None, NaN, NaT and pd.NA become None (an empty cell); NumPy scalars become
    Python values and timestamps datetime; every text goes through the formula
    guard: a `Formula` (ours) stays a formula, any other text starting with
    = + - @ (or a tab or return) comes back as `FormulaLikeText`. Anything else
    (numbers, bools, dates, times, "") is returned unchanged.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str):
        return guard(value)
    return value


def to_cells(values: Sequence[Any] | np.ndarray | pd.Series) -> list[Any]:
    """`to_cell` over a whole column at once (a datetime64 series becomes datetimes, missing values None)."""
    out, missing = _python_values(values)
    out[missing] = None
    cells = out.tolist()
    try:  # the usual column has no formula-like text: seen among its distinct values, with no step per cell
        distinct = set(cells)
    except TypeError:  # (an unhashable value)
        distinct = cells
    if not any(isinstance(v, str) and v.startswith(FORMULA_LIKE) for v in distinct):
        return cells
    return [guard(v) if isinstance(v, str) else v for v in cells]


def guard(text: str) -> str:
    """The formula guard: `text` unchanged, or as `FormulaLikeText` when it looks like a formula and is not ours."""
    if text.__class__ is Formula or text.__class__ is FormulaLikeText or not text.startswith(FORMULA_LIKE):
        return text
    return FormulaLikeText(text)


_READ_AS_IS = frozenset({bool, dt.datetime, dt.time, dt.timedelta})


def from_cell(value: Any) -> Any:
    """The one conversion of a value read from a cell, the same for every route.

    Blanks (None, "", NaN) become None; numbers become float, as Excel holds them
    and xlwings and calamine hand them over; dates become datetime at midnight, as
    xlwings hands them over; any other object (a subclass of str, openpyxl's
    rich text, a NumPy text) becomes its text. Text, bools, datetimes, times and
    durations are kept.
    """
    cls = value.__class__
    if cls in _READ_AS_IS or (cls is str and value != ""):
        return value
    if is_blank(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time | dt.timedelta):
        return value
    return str(value)


def from_rows(rows: Any) -> list[list[Any]]:
    """`from_cell` over every cell of an iterable of rows (floats, text, datetimes, None and ints on a fast path).

    Rows of one length (a sheet read by calamine) are converted column by column: a column that needs no
    conversion (no blanks, ints, dates or NaN) is kept without a step per cell.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if len(rows) < 2 or len(widths := set(map(len, rows))) != 1 or widths == {0}:
        return [from_values(row) for row in rows]
    return [list(row) for row in zip(*map(_from_column, zip(*rows, strict=True)), strict=True)]


_KEPT = frozenset({float, str, *_READ_AS_IS})


def _from_column(values: tuple[Any, ...]) -> Sequence[Any]:
    """One column of `from_rows`: as it is when every value already reads as itself, else `from_values`."""
    if set(map(type, values)) <= _KEPT and "" not in values:
        cells = np.array(values, dtype=object)
        if not (cells != cells).any():  # (NaN is the only value unequal to itself)
            return values
    return from_values(values)


def from_values(values: Any) -> list[Any]:
    """`from_cell` over an iterable of values; the common kinds skip the call (a million cells: seconds)."""
    keep = _READ_AS_IS
    return [v if (v.__class__ is float and v == v) or (v.__class__ is str and v != "") or v.__class__ in keep
            else None if v is None else float(v) if v.__class__ is int else _midnight(v) if v.__class__ is dt.date
            else from_cell(v) for v in values]


@functools.lru_cache(maxsize=1 << 16)
def _midnight(day: dt.date) -> dt.datetime:
    """A date as the datetime at its midnight (`from_cell`'s rule), once per distinct day: date columns repeat."""
    return dt.datetime(day.year, day.month, day.day)


def used_block(rows: list[list[Any]], first_row: int, first_col: int) -> tuple[list[list[Any]], int, int]:
    """The part of a block of read values that holds any: blank rows and columns around it cut off.

    Rows are padded to one width. Returns the rows and the sheet row and column of
    their top-left cell; a block without values gives ([], first_row, first_col).
    """
    filled_rows = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
    if not filled_rows:
        return [], first_row, first_col
    top, bottom = filled_rows[0], filled_rows[-1]
    width = max(len(row) for row in rows[top:bottom + 1])
    used_cols = [j for j in range(width) if any(j < len(row) and row[j] is not None for row in rows[top:bottom + 1])]
    left, right = used_cols[0], used_cols[-1]
    block = [(list(row) + [None] * (width - len(row)))[left:right + 1] for row in rows[top:bottom + 1]]
    return block, first_row + top, first_col + left


def column_letter(col: int) -> str:
    """The letters of a 1-based column number: 1 → 'A', 28 → 'AB'."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """A cell's A1-style address from its 1-based row and column: (7, 3) → 'C7'."""
    return f"{column_letter(col)}{row}"
