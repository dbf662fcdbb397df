"""Excel cell values in and out of worksheet functions, the same for every route.

Desktop Excel (classic xlwings) hands a range over as a 2-D list of floats,
datetimes, text and None; xlwings Lite and Office.js hand over the same range with
dates as serial numbers, blanks as "" and error cells as text ("#N/A"). A
`Grid` takes either, trims a whole-column reference to its used rows, and gives
the answers back in the range's own shape (a row stays a row). `to_excel`
turns answers into values Excel can show; `error_text` is the text a function
returns instead of raising.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Cells = Any  # a scalar, or a list (1-D or 2-D) of scalars, as Excel hands them over

#: Excel serial number of 1927-05-18. Recency is a count of days; no customer's last purchase is 27 years back,
#: so a column of numbers all at or above this is a column of dates held as serial numbers.
SERIAL_DATE_FLOOR = 10_000


def _is_blank(value: Any) -> bool:
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
            rows = [list(r) if isinstance(r, list | tuple) else [r] for r in value]
        lengths = set(map(len, rows))
        if lengths == {1}:  # a column, the common case: the fastest copy
            grid = np.fromiter((r[0] for r in rows), dtype=object, count=len(rows)).reshape(-1, 1)
        elif len(lengths) == 1 and 0 not in lengths:
            grid = np.empty((len(rows), lengths.pop()), dtype=object)
            grid[:] = rows
        else:  # ragged: pad each row with blanks
            grid = np.full((len(rows), max(lengths) or 1), None, dtype=object)
            for i, row in enumerate(rows):
                grid[i, :len(row)] = row
        grid[_blank_mask(grid)] = None
        return cls(grid)

    @property
    def horizontal(self) -> bool:
        return self.values.shape[0] == 1 and self.values.shape[1] > 1

    @property
    def rows(self) -> np.ndarray:
        return self.values.T if self.horizontal else self.values

    def used_rows(self) -> int:
        """Rows up to the last one holding a value: a whole-column reference becomes its used part."""
        filled = np.flatnonzero((self.rows != None).any(axis=1))  # noqa: E711 (element-wise)
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


def _blank_mask(grid: np.ndarray) -> np.ndarray:
    flat = pd.Series(grid.ravel(), dtype=object)
    return (flat.isna() | flat.eq("")).to_numpy().reshape(grid.shape)


def used_rows(*grids: Grid) -> int:
    """The rows a call uses: the longest used part of its ranges, never beyond the first range."""
    return min(grids[0].rows.shape[0], max(g.used_rows() for g in grids))


def scalar(value: Cells) -> Any:
    """A single argument (a text, a number, a date) given as a value or as a 1×1 range; blank → None."""
    while isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if _is_blank(value) else value


def to_excel(values: Sequence[Any] | np.ndarray | pd.Series) -> list[Any]:
    """Answers as Excel shows them: missing → "", timestamps → datetime, NumPy scalars → Python values."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object)
                                                                    if not isinstance(values, np.ndarray)
                                                                    else values)
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = np.array(series.dt.to_pydatetime(), dtype=object)
    elif series.dtype == object:
        out = series.to_numpy(dtype=object).copy()
        odd = np.fromiter((isinstance(v, pd.Timestamp | np.generic) for v in out), bool, len(out))
        if odd.any():
            out[odd] = [_python(v) for v in out[odd]]
    else:
        out = series.astype(object).to_numpy().copy()
    out[missing] = ""
    return out.tolist()


def _python(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item()


def error_text(code: str, zh: str, en: str) -> str:
    """The text a function returns for a cell it cannot answer: an Excel error code, then why (zh and en)."""
    return f"{code} {zh} ({en})"


def looks_like_dates(values: np.ndarray) -> bool:
    """Is a column that may hold either dates or day counts a column of dates?

    Yes when any cell is a date, a date text, or every number in it is at least
    `SERIAL_DATE_FLOOR` (dates held as Excel serial numbers, as xlwings Lite sends them).
    """
    from xlcustseg.fields.values import parse_dates, parse_numbers

    column = pd.Series(values, dtype=object)
    if any(isinstance(v, dt.date) for v in column.dropna()):
        return True
    numbers = parse_numbers(column)
    text = column[numbers.problems.eq("not_number").to_numpy() & column.map(type).eq(str).to_numpy()]
    if len(text) and parse_dates(text).values.notna().any():
        return True
    found = numbers.values.dropna()
    return bool(len(found)) and bool(found.min() >= SERIAL_DATE_FLOOR)
