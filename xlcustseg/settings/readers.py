"""Readers of setting values as a person types them into the settings sheet.

Each reader turns one cell (text, a number, a date, a bool) into the typed value
a scheme takes, or raises ValueError with the reason in a few words; `Settings`
names the setting and the cell around that reason.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from xlcustseg.fields.values import FIRST_DATE, LAST_DATE, parse_dates, parse_numbers, parse_yes_no

_SPLIT = re.compile(r"\s*[,，、;；|\n]\s*")


def _items(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p for p in _SPLIT.split(str(value).strip()) if p]


def _scalar_number(value: Any) -> float:
    """A number as a cell holds or a person types it; NaN and infinite numbers (nan, inf, 1e309) are refused."""
    number = _any_number(value)
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


def _any_number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except (ValueError, OverflowError):
        pass
    parsed = parse_numbers(pd.Series([value], dtype=object))
    number = parsed.values.iloc[0]
    if pd.isna(number):
        raise ValueError("is not a number" if parsed.problems.iloc[0] != "not_finite" else "is not a finite number")
    return float(number)


def share(value: Any) -> float:
    """`20%`, `0.2` or `20` → 0.2 (strictly between 0% and 100%)."""
    text = str(value).strip()
    number = _scalar_number(value)
    if not text.endswith(("%", "％")) and number > 1:
        number /= 100.0  # "20" in a share setting means 20%
    if not 0 < number < 1:
        raise ValueError("must be a share between 0% and 100%")
    return number


def choice(*choices: str) -> Callable[[Any], str]:
    """A reader of one of `choices` (case-insensitive)."""

    def read(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return read


def integer(lo: int, hi: int) -> Callable[[Any], int]:
    """A reader of a whole number from `lo` to `hi`."""

    def read(value: Any) -> int:
        number = _scalar_number(value)
        if number != int(number) or not lo <= number <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return int(number)

    return read


def number(lo: float | None = None) -> Callable[[Any], float]:
    """A reader of a number, at least `lo` if given."""

    def read(value: Any) -> float:
        result = _scalar_number(value)
        if lo is not None and result < lo:
            raise ValueError(f"must be at least {lo:g}")
        return result

    return read


def shares_ascending(value: Any) -> tuple[float, ...] | str:
    """`5%, 20%` → (0.05, 0.2); 'auto' keeps the default for the number of levels."""
    if str(value).strip().lower() == "auto":
        return "auto"
    result = tuple(share(v) for v in _items(value))
    if not result or any(b <= a for a, b in itertools.pairwise(result)):
        raise ValueError("must be shares in increasing order, e.g. 5%, 20%")
    return result


def numbers_list(order: str) -> Callable[[Any], tuple[float, ...]]:
    """A reader of numbers in strictly increasing ('asc') or decreasing ('desc') order."""

    def read(value: Any) -> tuple[float, ...]:
        result = tuple(_scalar_number(v) for v in _items(value))
        pairs = list(itertools.pairwise(result))
        bad = any(b >= a for a, b in pairs) if order == "desc" else any(b <= a for a, b in pairs)
        if bad:
            raise ValueError(f"must be numbers in {'de' if order == 'desc' else 'in'}creasing order")
        return result

    return read


def median_or_number(value: Any) -> float | str:
    """'median' (中位数) or a number."""
    if str(value).strip().lower() in ("median", "中位数"):
        return "median"
    return _scalar_number(value)


def words(value: Any) -> tuple[str, ...]:
    """A list typed as text: `a, b；c` → ('a', 'b', 'c')."""
    return tuple(_items(value))


def text(value: Any) -> str:
    """Free text; a blank cell is ''."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def mapping(value: Any) -> dict[str, str]:
    """`已付意向金=A；有明确意向=B` → {'已付意向金': 'A', '有明确意向': 'B'}."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    result: dict[str, str] = {}
    for item in _items(value):
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"'{item}' is not of the form name=value")
        result[key.strip()] = target.strip()
    return result


def weights(value: Any) -> dict[str, float]:
    """`revenue=40, orders=20` → {'revenue': 40.0, 'orders': 20.0} (non-negative, not all zero, a finite sum)."""
    result = {k: _scalar_number(v) for k, v in mapping(value).items()}
    if not result or any(w < 0 for w in result.values()) or sum(result.values()) <= 0:
        raise ValueError("must be field=weight pairs with positive weights")
    if not math.isfinite(sum(result.values())):  # 1e308 + 1e308: the score's sums would be inf
        raise ValueError("must be weights whose sum is a finite number")
    return result


def yes_no(value: Any) -> bool:
    """是/否, yes/no, 1/0 … → True/False."""
    if isinstance(value, bool):
        return value
    parsed = parse_yes_no(pd.Series([value], dtype=object)).values.iloc[0]
    if pd.isna(parsed):
        raise ValueError("must be yes or no (是/否)")
    return bool(parsed)


def k_or_auto(value: Any) -> int | str:
    """A number of clusters from 2 to 20, or 'auto'."""
    if str(value).strip().lower() in ("auto", ""):
        return "auto"
    return integer(2, 20)(value)


def as_of(value: Any) -> str | pd.Timestamp:
    """'auto', 'today' or a date (any form a cell may hold)."""
    if str(value).strip().lower() in ("auto", "today", ""):
        return str(value).strip().lower() or "auto"
    parsed = parse_dates(pd.Series([value], dtype=object))
    if parsed.problems.iloc[0] == "date_out_of_range":
        raise ValueError(f"must be a date from {FIRST_DATE.year} to {LAST_DATE.year}")
    if pd.isna(parsed.values.iloc[0]):
        raise ValueError("must be a date, 'auto' (latest purchase in the data) or 'today'")
    return pd.Timestamp(parsed.values.iloc[0]).normalize()


def auto_yes_no(value: Any) -> bool | str:
    """'auto' (blank too), else yes/no as `yes_no` reads it."""
    if str(value).strip().lower() in ("auto", "自动", ""):
        return "auto"
    return yes_no(value)


def date_or_blank(value: Any) -> pd.Timestamp | str:
    """A date (any form a cell may hold), or '' for a blank cell: the option is off."""
    if value is None or str(value).strip() == "":
        return ""
    chosen = as_of(value)
    if isinstance(chosen, str):
        raise ValueError("must be a date, or blank")
    return chosen
