"""2. RFM scores, codes and class maps."""

import pandas as pd
import pytest

from xlcustseg.schemes import rank_scores, rfm_classes, rfm_codes, threshold_scores
from xlcustseg.settings import DEFAULTS

#: the Chinese default map with the default high/low rule
RFM8 = {"mapping": "rfm8", "high_rule": DEFAULTS["rfm.high_rule"]}


def scores(values, bins=5, higher=True):
    return list(rank_scores(pd.Series(values, dtype="float64"), bins, higher))


def test_distinct_values_fill_each_score_equally():
    assert scores(range(1, 11)) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores(range(1, 13), bins=4) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]


def test_recency_fewer_days_is_better():
    assert scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], higher=False) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_formula_on_ties():
    # values 1,1,1,2,3: w = 0,0,0,3,4 ; n = 5 → 1 + floor(5w/5)
    assert scores([1, 1, 1, 2, 3]) == [1, 1, 1, 4, 5]


def test_51_percent_one_time_buyers_all_get_f1():
    freq = [1] * 51 + list(range(2, 51))
    s = scores(freq)
    assert set(s[:51]) == {1}
    assert s[51] == 1 + (5 * 51) // 100  # = 3: beats 51 customers of 100


def test_all_equal_never_fails():
    assert scores([7] * 9) == [1] * 9


def test_one_customer_and_empty():
    assert scores([42]) == [1]
    assert scores([]) == []


def test_missing_values_stay_missing_and_n_counts_only_values():
    s = rank_scores(pd.Series([None, 1, 2], dtype="float64"), 2, higher_is_better=True)
    assert pd.isna(s.iloc[0]) and list(s.iloc[1:]) == [1, 2]


def test_threshold_scores():
    r = threshold_scores(pd.Series([0, 30, 31, 90, 91, 365, 366.0]), (30, 90, 180, 365), higher_is_better=False)
    assert list(r) == [5, 5, 4, 4, 3, 2, 1]
    f = threshold_scores(pd.Series([1, 2, 3, 4, 5, 10, 50.0]), (2, 3, 5, 10), higher_is_better=True)
    assert list(f) == [1, 2, 3, 3, 4, 5, 5]


def test_codes():
    r, f, m = (pd.Series(x, dtype="Int64") for x in ([5, 1, None], [4, 1, 2], [5, 2, 3]))
    assert list(rfm_codes(r, f, m).fillna("-")) == ["545", "112", "-"]


RFM8_CASES = [
    # R, F, M (scores), mean of each is 3 over the rows below plus the padding
    ((5, 5, 5), "important_value"), ((5, 1, 5), "important_development"), ((1, 5, 5), "important_retention"),
    ((1, 1, 5), "important_win_back"), ((5, 5, 1), "general_value"), ((5, 1, 1), "general_development"),
    ((1, 5, 1), "general_retention"), ((1, 1, 1), "general_win_back"),
]


def test_rfm8_by_mean_score():
    r = pd.Series([c[0][0] for c in RFM8_CASES], dtype="Int64")
    f = pd.Series([c[0][1] for c in RFM8_CASES], dtype="Int64")
    m = pd.Series([c[0][2] for c in RFM8_CASES], dtype="Int64")
    assert list(rfm_classes(r, f, m, **RFM8)) == [c[1] for c in RFM8_CASES]


def test_rfm8_score_equal_to_mean_is_high():
    r = pd.Series([3, 3, 3], dtype="Int64")  # mean 3: all High
    f = pd.Series([1, 3, 5], dtype="Int64")  # mean 3
    m = pd.Series([2, 2, 5], dtype="Int64")  # mean 3
    assert list(rfm_classes(r, f, m, **RFM8)) == ["general_development", "general_value", "important_value"]


def test_rfm4_groups():
    r = pd.Series([c[0][0] for c in RFM8_CASES], dtype="Int64")
    f = pd.Series([c[0][1] for c in RFM8_CASES], dtype="Int64")
    m = pd.Series([c[0][2] for c in RFM8_CASES], dtype="Int64")
    assert list(rfm_classes(r, f, m, mapping="rfm4", high_rule=DEFAULTS["rfm.high_rule"])) == [
        "high_value", "potential", "general", "churned", "potential", "potential", "general", "churned"]


@pytest.mark.parametrize(("r", "f", "expected"), [
    (5, 1, "new"), (5, 2, "potential_loyalists"), (5, 4, "champions"), (5, 5, "champions"),
    (4, 1, "promising"), (4, 3, "potential_loyalists"), (4, 4, "loyal"),
    (3, 1, "about_to_sleep"), (3, 2, "about_to_sleep"), (3, 3, "need_attention"), (3, 5, "loyal"),
    (2, 1, "hibernating"), (1, 2, "hibernating"), (2, 3, "at_risk"), (1, 4, "at_risk"), (1, 5, "cant_lose"),
])
def test_rfm10_grid(r, f, expected):
    one = pd.Series([r], dtype="Int64")
    got = rfm_classes(one, pd.Series([f], dtype="Int64"), one, mapping="rfm10", high_rule=DEFAULTS["rfm.high_rule"])
    assert got.iloc[0] == expected


def test_rfm8_raw_value_rules():
    r = pd.Series([1, 5, 3], dtype="Int64")
    days = pd.Series([100.0, 1.0, 40.0])  # mean 47, median 40: fewer days is High
    freq = pd.Series([1.0, 10.0, 4.0])  # mean 5, median 4
    money = pd.Series([10.0, 100.0, 60.0])  # mean 56.7, median 60
    raw = {"recency_days": days, "frequency": freq, "monetary": money}
    by_median = rfm_classes(r, r, r, mapping="rfm8", high_rule="value_median", **raw)
    assert list(by_median) == ["general_win_back", "important_value", "important_value"]
    by_mean = rfm_classes(r, r, r, mapping="rfm8", high_rule="value_mean", **raw)
    assert list(by_mean) == ["general_win_back", "important_value", "important_development"]
