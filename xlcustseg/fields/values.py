"""Reading messy cell values the way a person reads them.

Every parser takes a pandas Series as a spreadsheet hands it over (an object
column of str, float, int, datetime, bool and None) and returns a `Parsed`:
the typed values plus, for each cell that could not be read, a reason code
(their sentences: `xlcustseg.i18n.REASONS`). Blank cells are missing values
without a reason: a blank is not an error. Already-typed columns (float64,
datetime64) take a fast path.

The work is vectorised: element-wise Python runs only to sort cells by type;
strings are cleaned with pandas' string methods and one regular expression.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: the dates we count days with: whole years inside pandas' nanosecond range (1677-09-21 to 2262-04-11).
#: A date outside it (a placeholder such as 9999-12-31 or 0001-01-01) is unreadable: reason "date_out_of_range".
FIRST_DATE, LAST_DATE = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31 23:59:59")
MAX_EXCEL_SERIAL = 132_219  # 2261-12-31, the last day we count with
LAST_EXCEL_SERIAL = 2_958_465  # 9999-12-31, Excel's last date: a serial up to it is a date, but out of range
_SERIAL_ANCHOR, _ANCHOR_DATE = 36_526, pd.Timestamp("2000-01-01")  # serials counted from here fit a timedelta

BLANK_TOKENS = frozenset(
    {"", "-", "--", "—", "——", "/", "n/a", "na", "none", "null", "nan", "nil", "无数据", "空"}
)
_BLANK_TEXT = frozenset(BLANK_TOKENS | {t.upper() for t in BLANK_TOKENS} | {t.title() for t in BLANK_TOKENS})
EXCEL_ERRORS = frozenset(
    {
        "#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!",
        "#spill!", "#calc!", "#getting_data", "#field!", "#blocked!", "#busy!",
        "#connect!", "#unknown!", "#n/a!",
    }
)

_NUMBER_RE = (
    r"^(?P<neg>-)?(?P<num>\d+(?:\.\d*)?|\.\d+)(?:e(?P<exp>[-+]?\d+))?"
    r"(?P<unit>百万|千万|万|亿|千|w|k)?(?P<pct>%)?$"
)
_UNITS = {"": 1.0, "千": 1e3, "k": 1e3, "万": 1e4, "w": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8}
_CURRENCY_RE = r"rmb|cny|usd|eur|hkd|[¥$€£元]|\s"
_THOUSANDS_RE = r"(?<=\d),(?=\d{3}(?!\d))"

_YMD_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ t]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?$"
)
_COMPACT_RE = r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$"
_DMY_RE = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})$"
_SERIAL_RE = r"^\d{1,7}(?:\.\d+)?$"

YES_WORDS = frozenset(
    {"是", "有", "y", "yes", "1", "true", "✓", "√", "✔", "对", "真", "已有", "具备", "t", "1.0"}
)
NO_WORDS = frozenset(
    {"否", "无", "n", "no", "0", "false", "×", "✗", "✘", "x", "错", "假", "没有", "不具备", "f", "0.0"}
)
LEVEL_WORDS = {
    "高": 3.0, "h": 3.0, "high": 3.0, "较高": 3.0, "强": 3.0,
    "中": 2.0, "m": 2.0, "medium": 2.0, "mid": 2.0, "一般": 2.0, "中等": 2.0,
    "低": 1.0, "l": 1.0, "low": 1.0, "较低": 1.0, "弱": 1.0,
}


@dataclass(frozen=True)
class Parsed:
    """Typed values and, per cell, the reason code it could not be read (or NA)."""

    values: pd.Series
    problems: pd.Series
    clean: bool = False  # known to hold no problem (a fast path): `unreadable` need not look at a million Nones

    @property
    def unreadable(self) -> pd.Series:
        if self.clean:
            return pd.Series(np.zeros(len(self.problems), dtype=bool), index=self.problems.index)
        return self.problems.notna()


def _no_problems(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)  # (a scalar fill: far faster than np.full on objects)


def _normalised_text(s: pd.Series) -> pd.Series:
    """NFKC (full-width digits and signs become ASCII), trimmed, lower case: once per distinct value."""
    text = s.astype(str)
    codes, uniques = pd.factorize(text)
    if len(uniques) * 4 > len(text):  # mostly distinct: cleaning all at once is cheaper
        return text.str.normalize("NFKC").str.strip().str.lower()
    clean = pd.Series(uniques, dtype=text.dtype).str.normalize("NFKC").str.strip().str.lower()
    return pd.Series(clean.to_numpy()[codes], index=s.index, dtype=clean.dtype)


#: types whose `==` with None is a plain False (so one comparison finds the None cells)
_EQ_SAFE = frozenset({type(None), str, float, int, bool, _dt.datetime, pd.Timestamp})


def cell_types(values: np.ndarray) -> tuple[np.ndarray, list[type]]:
    """Each cell's type as a code into the distinct types (one pass over the cells, in C).

    A column of one type (Excel's common case), or of one type and None, is coded
    without hashing a million type objects (a set of the types, then a comparison).
    """
    distinct = list(set(map(type, values)))
    if len(distinct) <= 1:
        return np.zeros(len(values), dtype=np.intp), distinct
    if len(distinct) == 2 and type(None) in distinct and set(distinct) <= _EQ_SAFE:
        distinct.sort(key=lambda t: t is type(None))  # the value's type first, None second
        return np.equal(values, None).astype(np.intp), distinct
    codes, found = pd.factorize(np.fromiter(map(type, values), dtype=object, count=len(values)))
    return codes, list(found)


def _kinds(s: pd.Series, types: tuple[np.ndarray, list[type]] | None = None) -> pd.Series:
    """Sort object cells: 'blank', 'bool', 'number', 'datetime', 'text' or 'other'."""
    codes, distinct = types or cell_types(s.to_numpy(dtype=object))
    names = np.array([_TYPE_KIND.get(t, "other") for t in distinct] + ["other"], dtype=object)
    kind = pd.Series(names[codes], index=s.index, dtype=object)
    kind[s.isna().to_numpy()] = "blank"
    return kind


def _only(types: tuple[np.ndarray, list[type]], kind: str) -> bool:
    """Do the cells hold only values of this kind, and None?"""
    return all(_TYPE_KIND.get(t) == kind for t in types[1] if t is not type(None))


_TYPE_KIND = {
    str: "text",
    float: "number",
    int: "number",
    np.float64: "number",
    np.float32: "number",
    np.int64: "number",
    np.int32: "number",
    bool: "bool",
    np.bool_: "bool",
    _dt.datetime: "datetime",
    _dt.date: "datetime",
    pd.Timestamp: "datetime",
    np.datetime64: "datetime",
}


def _text_blank_or_error(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    return text.isin(BLANK_TOKENS), text.isin(EXCEL_ERRORS)


def parse_numbers(s: pd.Series) -> Parsed:
    """Read `¥1,234.50`, `1.2万`, `3亿`, `(1,234)`, `12%`, full-width digits … as floats.

    An infinite number (a cell holding 1e309, or text that overflows) is unreadable,
    reason "not_finite"; NaN is pandas' blank and stays a blank.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return _finite(s.astype("float64"), _no_problems(s.index), clean=True)
    obj = s.astype(object)
    types = cell_types(obj.to_numpy())
    if _only(types, "number"):  # numbers and None (Excel's common case): nothing to parse or note
        return _finite(pd.Series(obj.to_numpy().astype("float64"), index=s.index), _no_problems(s.index), clean=True)
    values = pd.Series(np.nan, index=s.index, dtype="float64")
    problems = _no_problems(s.index)
    kind = _kinds(obj, types)
    numeric = kind.eq("number").to_numpy()
    values[numeric] = obj[numeric].astype("float64")
    other = kind.isin(["bool", "datetime", "other"]).to_numpy()
    problems[other] = "not_number"
    texty = kind.eq("text").to_numpy()
    if texty.any():
        v, p = _parse_number_text(obj[texty])
        values[texty] = v
        problems[texty] = p
    return _finite(values, problems)


def _finite(values: pd.Series, problems: pd.Series, clean: bool = False) -> Parsed:
    """Infinite values become NaN with the reason "not_finite" (`clean`: `problems` are known to be all None)."""
    infinite = np.isinf(values.to_numpy())
    if not infinite.any():
        return Parsed(values, problems, clean)
    problems = problems.copy()
    problems[infinite] = "not_finite"
    return Parsed(values.where(~infinite), problems)


def _parse_number_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _normalised_text(s)
    blank, error = _text_blank_or_error(text)
    paren = text.str.match(r"^\(.*\)$")
    core = text.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    core = core.str.replace(_CURRENCY_RE, "", regex=True)
    core = core.str.replace(_THOUSANDS_RE, "", regex=True).str.replace(r"^\+", "", regex=True)
    # a sign written before the currency symbol ("-¥12") ends up in front: fine.
    parts = core.str.extract(_NUMBER_RE)
    number = pd.to_numeric(parts["num"], errors="coerce")
    exponent = pd.to_numeric(parts["exp"], errors="coerce").fillna(0)
    scale = parts["unit"].fillna("").map(_UNITS).astype("float64")
    value = number * (10.0**exponent) * scale
    value = value.where(parts["pct"].isna(), value / 100.0)
    negative = parts["neg"].notna() ^ paren
    value = value.where(~negative, -value)
    problems = pd.Series(np.where(error, "excel_error", "not_number"), index=s.index, dtype=object)
    ok = value.notna() | blank
    problems[ok.to_numpy()] = pd.NA
    return value.where(~blank), problems


def parse_dates(s: pd.Series) -> Parsed:
    """Read datetimes, Excel serial numbers, `2024/3/5`, `2024年3月5日`, `2024-03-05 10:20` …"""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
        return _dates(values)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values, problems = _from_serial(s.astype("float64"))
        return Parsed(values, problems)
    obj = s.astype(object)
    types = cell_types(obj.to_numpy())
    if _only(types, "number"):  # serial numbers (xlwings Lite) and None
        return Parsed(*_from_serial(pd.Series(obj.to_numpy().astype("float64"), index=s.index)))
    if _only(types, "datetime"):  # dates (desktop Excel) and None
        return _dates(pd.to_datetime(obj.to_numpy(), errors="coerce"), s.index)
    values = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    problems = _no_problems(s.index)
    kind = _kinds(obj, types)
    real = kind.eq("datetime").to_numpy()
    if real.any():
        values[real], problems[real] = in_date_range(pd.to_datetime(obj[real], errors="coerce"))
    numeric = kind.eq("number").to_numpy()
    if numeric.any():
        values[numeric], problems[numeric] = _from_serial(obj[numeric].astype("float64"))
    problems[kind.isin(["bool", "other"]).to_numpy()] = "not_date"
    texty = kind.eq("text").to_numpy()
    if texty.any():
        values[texty], problems[texty] = _parse_date_text(obj[texty])
    return Parsed(values, problems)


def _dates(dates: pd.Series | pd.DatetimeIndex, index: pd.Index | None = None) -> Parsed:
    """Dates read as they are (`in_date_range`), on `index`; clean when none was out of range."""
    dates = pd.Series(dates, index=dates.index if index is None else index, copy=False)
    values, problems = in_date_range(dates)
    return Parsed(values, problems, clean=bool(values.isna().sum() == dates.isna().sum()))


def in_date_range(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates of any resolution as datetime64[ns]; one outside FIRST_DATE–LAST_DATE becomes NaT, reason
    "date_out_of_range" (the other problems are None)."""
    outside = (dates.notna() & ((dates < FIRST_DATE) | (dates > LAST_DATE))).to_numpy()
    problems = pd.Series(np.where(outside, "date_out_of_range", None), index=dates.index, dtype=object)
    return dates.where(~outside).astype("datetime64[ns]"), problems


def _from_serial(x: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Excel serial numbers as dates: 1 to MAX_EXCEL_SERIAL; later ones up to 9999-12-31 are out of range."""
    good = (x >= 1) & (x <= MAX_EXCEL_SERIAL)
    days = x.where(good) - _SERIAL_ANCHOR  # from 2000-01-01: any day to 2261 fits a nanosecond timedelta
    values = (_ANCHOR_DATE + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
    reason = np.where(good | x.isna(), None, np.where((x > MAX_EXCEL_SERIAL) & (x <= LAST_EXCEL_SERIAL + 1),
                                                       "date_out_of_range", "not_date"))
    return values, pd.Series(reason, index=x.index, dtype=object)


def _assemble(parts: pd.DataFrame, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """The dates of year/month/day(/time) parts, and per row "bad_date", "date_out_of_range" or None."""
    cols = {k: pd.to_numeric(parts[k], errors="coerce") for k in parts.columns}
    frame = pd.DataFrame(
        {
            "year": cols["y"],
            "month": cols["m"],
            "day": cols["d"],
            "hour": cols.get("H", pd.Series(0, index=index)).fillna(0),
            "minute": cols.get("M", pd.Series(0, index=index)).fillna(0),
            "second": cols.get("S", pd.Series(0, index=index)).fillna(0),
        },
        index=index,
    )
    values, problems = in_date_range(pd.to_datetime(frame, errors="coerce"))
    problems[values.isna().to_numpy() & problems.isna().to_numpy()] = "bad_date"
    return values, problems


def _parse_date_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _normalised_text(s)
    blank, error = _text_blank_or_error(text)
    values = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    problems = pd.Series("not_date", index=s.index, dtype=object)
    problems[blank.to_numpy()] = pd.NA
    problems[error.to_numpy()] = "excel_error"
    todo = ~(blank | error)

    for pattern in (_YMD_RE, _COMPACT_RE):
        parts = text[todo].str.extract(pattern)
        hit = parts["y"].notna()
        if hit.any():
            idx = hit[hit].index
            values[idx], problems[idx] = _assemble(parts.loc[idx], idx)
            todo[idx] = False

    serial = text[todo].str.match(_SERIAL_RE)
    if serial.any():
        idx = serial[serial].index
        values[idx], problems[idx] = _from_serial(pd.to_numeric(text[idx]))
        todo[idx] = False

    parts = text[todo].str.extract(_DMY_RE)
    hit = parts["y"].notna()
    if hit.any():
        idx = hit[hit].index
        a = pd.to_numeric(parts.loc[idx, "a"])
        b = pd.to_numeric(parts.loc[idx, "b"])
        day_first = (a > 12) & (b <= 12)
        month_first = (b > 12) & (a <= 12)
        dmy = pd.DataFrame({"y": parts.loc[idx, "y"], "m": np.where(day_first, b, a),
                            "d": np.where(day_first, a, b)}, index=idx)
        parsed, reason = _assemble(dmy, idx)
        clear = day_first | month_first | (a == b)
        values[idx] = parsed.where(clear)
        problems[idx] = np.where(~clear, "ambiguous_date", reason)
    return values, problems


def parse_yes_no(s: pd.Series) -> Parsed:
    """Read 是/否, 有/无, Y/N, 1/0, TRUE/FALSE, ✓/× … as a nullable boolean.

    Each distinct cell is read once (a yes/no column repeats a few answers).
    """
    obj = s.astype(object)
    codes, first = distinct_cells(obj.to_numpy())
    read = _parse_yes_no(obj.iloc[first].reset_index(drop=True))
    values = pd.Series(read.values.array.take(codes, allow_fill=True), index=s.index)
    problems = pd.Series(np.append(read.problems.to_numpy(dtype=object), pd.NA)[codes], index=s.index, dtype=object)
    return Parsed(values, problems)


def distinct_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's code among the distinct cells (-1: a blank) and a position holding each distinct cell.

    Cells equal in value but not in type (1, 1.0, True) stay apart: they may read
    differently. Unhashable cells (never from a sheet) make every cell its own.
    """
    try:
        value_codes, _ = pd.factorize(values, use_na_sentinel=True)
    except TypeError:
        return np.arange(len(values)), np.arange(len(values))
    type_codes, types = cell_types(values)
    present = value_codes >= 0
    if sum(t is not type(None) for t in types) <= 1:  # one type of value: its values are the distinct cells
        codes, count = value_codes, int(value_codes.max(initial=-1)) + 1
    else:
        codes = np.full(len(values), -1)
        codes[present], distinct = pd.factorize(value_codes[present] * len(types) + type_codes[present])
        count = len(distinct)
    first = np.zeros(count, dtype=int)
    first[codes[present]] = np.flatnonzero(present)
    return codes, first


def _parse_yes_no(s: pd.Series) -> Parsed:
    obj = s.astype(object)
    kind = _kinds(obj)
    text = _normalised_text(obj.where(kind.ne("bool"), obj.astype(str)))
    yes, no = text.isin(YES_WORDS), text.isin(NO_WORDS)
    blank, error = _text_blank_or_error(text)
    blank |= kind.eq("blank")
    values = pd.Series(pd.array(np.where(yes, True, False), dtype="boolean"), index=s.index)
    values[~(yes | no)] = pd.NA
    problems = pd.Series(np.where(error, "excel_error", "not_yes_no"), index=s.index, dtype=object)
    problems[(yes | no | blank).to_numpy()] = pd.NA
    return Parsed(values, problems)


def parse_levels(s: pd.Series) -> Parsed:
    """Read a score (number) or a level word (高/中/低, high/medium/low → 3/2/1)."""
    numbers = parse_numbers(s)
    if not numbers.unreadable.any():
        return numbers
    bad = numbers.unreadable
    text = _normalised_text(s[bad])
    level = text.map(LEVEL_WORDS)
    values = numbers.values.copy()
    values[bad] = level.astype("float64")
    problems = numbers.problems.copy()
    problems[bad.to_numpy() & level.notna().reindex(s.index, fill_value=False).to_numpy()] = pd.NA
    problems[bad & problems.eq("not_number")] = "not_level"
    return Parsed(values, problems)


def is_level_text(s: pd.Series) -> bool:
    """True when most non-blank cells are level words (高/中/低) rather than scores."""
    if not any(issubclass(t, str) for t in set(map(type, s.dropna()))):
        return False  # only a text can be a level word
    text = _normalised_text(s.dropna())
    text = text[~text.isin(BLANK_TOKENS)]
    return len(text) > 0 and text.isin(LEVEL_WORDS.keys()).mean() >= 0.5


def label_key(text: pd.Series) -> pd.Series:
    """Text compared as a label: NFKC (full width → ASCII), case-folded, without spaces or a trailing colon.

    One pass in plain Python: pandas' `.str` chain walks the cells once per step on object text (pandas 2).
    ASCII letters and digits only (most ids) are already NFKC, hold no space or colon: only lower-cased.
    """
    keys = [t.lower() if t.isascii() and t.isalnum() else
            _SPACES.sub("", unicodedata.normalize("NFKC", t).casefold()).rstrip(":：") for t in text.astype(str)]
    return pd.Series(keys, index=text.index, dtype=object)


_SPACES = re.compile(r"\s+")


def is_label(s: pd.Series, labels: tuple[str, ...] | list[str]) -> np.ndarray:
    """Which cells hold one of `labels` (a total row's 合计 / Grand Total …), compared by `label_key`."""
    wanted = set(label_key(pd.Series(list(labels), dtype=object)))
    codes, uniques = factorize_cells(s)  # each distinct value once
    distinct = pd.Series(uniques, dtype=object)
    texty = distinct.map(type).eq(str).to_numpy()
    hit = np.zeros(len(distinct) + 1, dtype=bool)  # the last slot: blanks (code -1)
    if texty.any() and wanted:
        hit[:-1][texty] = label_key(distinct[texty]).isin(wanted).to_numpy()
    return hit[codes]


_SHARED: ContextVar[dict | None] = ContextVar("shared_factorizing", default=None)


@contextmanager
def shared_factorizing() -> Iterator[None]:
    """Within this block, the same cells factorised twice are factorised once.

    `prepare` reads the customer-id column twice, first for total rows (`is_label`),
    then as the id (`factorize_text`): a million ids hashed once, not twice. The
    cells are known by their memory (an object array's address, stride and length),
    which nothing changes during the block; the memo holds the array, so no other
    can take its place, and is dropped when the block ends.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def factorize_cells(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize` of the cells as objects (code -1 for a blank), once per block of `shared_factorizing`."""
    values = s.to_numpy(dtype=object)
    memo = _SHARED.get()
    if memo is None:
        return pd.factorize(values, use_na_sentinel=True)
    key = (values.__array_interface__["data"][0], values.strides, len(values))
    if key not in memo:
        memo[key] = (values, pd.factorize(values, use_na_sentinel=True))
    return memo[key][1]


def parse_text(s: pd.Series) -> pd.Series:
    """Trimmed text with blanks as NA (ids, names, stages)."""
    codes, uniques = factorize_text(s)
    out = uniques[codes] if len(uniques) else np.full(len(codes), None, dtype=object)
    out[codes < 0] = None
    return pd.Series(out, index=s.index, dtype=object)


def factorize_text(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of the cleaned text (code -1 for blanks).

    Cleaned once per distinct raw value: ids and names repeat, so this is fast
    on order lines. Numbers become text as a person types them (1001.0 → "1001").
    """
    raw_codes, raw_uniques = factorize_cells(s)
    distinct = pd.Series(raw_uniques, dtype=object)
    is_str = distinct.map(type).eq(str).to_numpy()
    cleaned = distinct.copy()
    if is_str.any():
        strings = distinct[is_str]
        stripped = strings.str.strip()
        cleaned[is_str] = stripped.where(~stripped.isin(_BLANK_TEXT), None)
    if not is_str.all():
        cleaned[~is_str] = [_clean_text(u) for u in distinct[~is_str]]
    if is_str.all() and cleaned.notna().all() and cleaned.equals(distinct):
        return raw_codes, np.asarray(raw_uniques, dtype=object)  # already clean: nothing to merge
    remap, uniques = pd.factorize(cleaned, use_na_sentinel=True)
    codes = np.where(raw_codes >= 0, remap[raw_codes] if len(remap) else -1, -1)
    return codes, np.asarray(uniques, dtype=object)


def _clean_text(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if text.lower() in BLANK_TOKENS else text

#: Excel serial number of 1927-05-18. Recency is a count of days; no customer's last purchase is 27 years back,
#: so a column of numbers all at or above this is a column of dates held as serial numbers.
SERIAL_DATE_FLOOR = 10_000


def looks_like_dates(values: np.ndarray) -> bool:
    """Is a column that may hold either dates or day counts a column of dates?

    Yes when any cell is a date, a date text, or every number in it is at least
    `SERIAL_DATE_FLOOR` (dates held as Excel serial numbers, as xlwings Lite sends them).
    """
    if any(issubclass(t, _dt.date) and t is not type(pd.NaT) for t in set(map(type, values))):
        return True
    column = pd.Series(values, dtype=object)
    numbers = parse_numbers(column)
    text = column[numbers.problems.eq("not_number").to_numpy() & column.map(type).eq(str).to_numpy()]
    if len(text) and parse_dates(text).values.notna().any():
        return True
    found = numbers.values.dropna()
    return bool(len(found)) and bool(found.min() >= SERIAL_DATE_FLOOR)
