"""Every messy form SCHEMES.md lists is read as a person reads it."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from xlcustseg.fields.values import parse_dates, parse_levels, parse_numbers, parse_text, parse_yes_no


def one(parser, value):
    parsed = parser(pd.Series([value], dtype=object))
    return parsed.values.iloc[0], parsed.problems.iloc[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("¥1,234.50", 1234.5), ("￥1,234.50", 1234.5), ("$1,234", 1234.0), ("1,234,567", 1234567.0),
    ("1.2万", 12000.0), ("3亿", 3e8), ("2.5万元", 25000.0), ("(1,234)", -1234.0), ("（1,000）", -1000.0),
    ("12%", 0.12), ("１２３", 123.0), ("１，２３４．５", 1234.5), ("-¥12", -12.0), ("¥-12", -12.0),
    (" 2,000 元 ", 2000.0), ("RMB 300", 300.0), ("1e3", 1000.0), ("+7", 7.0), (5, 5.0), (7.5, 7.5),
    ("0", 0.0), ("3k", 3000.0),
])
def test_numbers_read(text, expected):
    value, problem = one(parse_numbers, text)
    assert value == pytest.approx(expected)
    assert pd.isna(problem)


@pytest.mark.parametrize("blank", [None, "", "  ", "-", "—", "N/A", "n/a", "NA", "null", np.nan])
def test_number_blanks_are_missing_without_a_note(blank):
    value, problem = one(parse_numbers, blank)
    assert pd.isna(value) and pd.isna(problem)


@pytest.mark.parametrize(("text", "reason"), [
    ("#N/A", "excel_error"), ("#DIV/0!", "excel_error"), ("#VALUE!", "excel_error"), ("#REF!", "excel_error"),
    ("abc", "not_number"), ("1,5", "not_number"), ("12..3", "not_number"), (True, "not_number"),
    (dt.datetime(2024, 1, 1), "not_number"),
])
def test_unreadable_numbers_get_a_reason(text, reason):
    value, problem = one(parse_numbers, text)
    assert pd.isna(value) and problem == reason


def test_typed_numbers_take_the_fast_path():
    s = pd.Series([1.0, np.nan, 3.0])
    parsed = parse_numbers(s)
    assert parsed.values.equals(s) and not parsed.unreadable.any()


@pytest.mark.parametrize(("value", "expected"), [
    ("2024/3/5", "2024-03-05"), ("2024年3月5日", "2024-03-05"), ("２０２４年３月５日", "2024-03-05"),
    ("2024-03-05 10:20", "2024-03-05 10:20"), ("2024-03-05T10:20:30", "2024-03-05 10:20:30"),
    ("2024.3.5", "2024-03-05"), ("20240305", "2024-03-05"), (45356, "2024-03-05"), ("45356", "2024-03-05"),
    (45356.5, "2024-03-05 12:00"), (dt.datetime(2024, 3, 5), "2024-03-05"), (dt.date(2024, 3, 5), "2024-03-05"),
    (pd.Timestamp("2024-03-05"), "2024-03-05"), ("13/5/2024", "2024-05-13"), ("5/13/2024", "2024-05-13"),
])
def test_dates_read(value, expected):
    got, problem = one(parse_dates, value)
    assert got == pd.Timestamp(expected) and pd.isna(problem)


@pytest.mark.parametrize(("value", "reason"), [
    ("hello", "not_date"), ("2024-02-30", "bad_date"), ("3/5/2024", "ambiguous_date"), ("#N/A", "excel_error"),
    (-5, "not_date"), (True, "not_date"), (247231.15, "date_out_of_range"), ("2958465", "date_out_of_range"),
    ("2958467", "not_date"),
])
def test_unreadable_dates_get_a_reason(value, reason):
    got, problem = one(parse_dates, value)
    assert pd.isna(got) and problem == reason


def test_date_blanks_are_missing():
    parsed = parse_dates(pd.Series([None, "", "-", "N/A"], dtype=object))
    assert parsed.values.isna().all() and not parsed.unreadable.any()


@pytest.mark.parametrize("yes", ["是", "有", "Y", "y", "yes", 1, "1", "TRUE", True, "✓", "√"])
def test_yes_words(yes):
    assert bool(one(parse_yes_no, yes)[0]) is True


@pytest.mark.parametrize("no", ["否", "无", "N", "no", 0, "0", "FALSE", False, "×"])
def test_no_words(no):
    assert bool(one(parse_yes_no, no)[0]) is False


def test_yes_no_unreadable_and_blank():
    parsed = parse_yes_no(pd.Series(["maybe", None, "#N/A"], dtype=object))
    assert list(parsed.problems.fillna("")) == ["not_yes_no", "", "excel_error"]


def test_levels_read_words_and_scores():
    parsed = parse_levels(pd.Series(["高", "中", "低", "High", 4.5, "x"], dtype=object))
    assert list(parsed.values.iloc[:5]) == [3.0, 2.0, 1.0, 3.0, 4.5]
    assert parsed.problems.iloc[5] == "not_level"


def test_text_trims_and_reads_float_ids():
    assert list(parse_text(pd.Series([" C1 ", 1001.0, None, "-"], dtype=object))) == ["C1", "1001", None, None]
