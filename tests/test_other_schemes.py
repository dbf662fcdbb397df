"""3–9. Lifecycle, quadrants, MAN, follow-up, scorecard, nature, behaviour: hand-computed."""

import numpy as np
import pandas as pd
import pytest

from xlcustseg import schemes, segment
from xlcustseg.settings import DEFAULTS

LIFECYCLE = {f"{k}_days": DEFAULTS[f"lifecycle.{k}_days"] for k in ("new", "active", "dormant")}
BEHAVIOUR = {"discount_min": DEFAULTS["behaviour.discount_share"], "loyal_days": DEFAULTS["behaviour.loyal_days"],
             "loyal_orders": DEFAULTS["behaviour.loyal_orders"], "service_min": DEFAULTS["behaviour.service_requests"],
             "new_product_min": DEFAULTS["behaviour.new_product_share"],
             "brand_quantile": DEFAULTS["behaviour.brand_quantile"]}


def series(values, dtype="float64"):
    return pd.Series(values, dtype=dtype)


def listed(s):
    """Values with every kind of missing shown as None."""
    return [None if pd.isna(x) else x for x in s]


# ---- 3. lifecycle: boundaries are "at most N days"
def test_lifecycle_boundaries():
    first = series([90, 91, 400, 400, 400, 400, 400, np.nan])
    last = series([10, 91, 180, 181, 365, 366, np.nan, np.nan])
    bought = pd.Series([True] * 7 + [False], dtype="boolean")
    got = schemes.lifecycle_stages(first, last, bought, **LIFECYCLE)
    assert listed(got) == ["new", "active", "active", "dormant", "dormant", "churned", None, "prospect"]


def test_lifecycle_unknown_purchase_is_empty():
    got = schemes.lifecycle_stages(series([np.nan]), series([np.nan]), pd.Series([pd.NA], dtype="boolean"),
                                   **LIFECYCLE)
    assert got.isna().all()


def test_lifecycle_custom_days():
    got = schemes.lifecycle_stages(series([100]), series([20]), pd.Series([True], dtype="boolean"),
                                   new_days=7, active_days=10, dormant_days=30)
    assert got.iloc[0] == "dormant"


# ---- 4. quadrants
def test_quadrants_for_customers_and_prospects():
    value = schemes.is_high(series([100, 100, 1, 1, np.nan, np.nan, np.nan, np.nan]), "median", False)  # 50.5
    need = schemes.is_high(series([3, 1, 3, 1, 3, 1, 3, 1]), "median", level_words=True)
    potential = schemes.is_high(series([np.nan] * 4 + [9, 9, 1, 1]), 5, False)
    prospect = pd.Series([False] * 4 + [True] * 4)
    assert list(schemes.quadrants(value, need, potential, prospect)) == [f"q{i}" for i in range(1, 9)]


def test_quadrant_median_tie_is_high_and_missing_need_is_empty():
    value = schemes.is_high(series([1, 2, 3]), "median", False)  # median 2: 2 is High
    need = schemes.is_high(series([5, np.nan, 5]), "median", False)
    got = schemes.quadrants(value, need, value, pd.Series([False] * 3))
    assert got.iloc[0] == "q3" and got.iloc[1] is None and got.iloc[2] == "q1"


# ---- 5. MAN
def test_man_codes_grades_actions():
    m = pd.Series([True, True, False, True, True, False, False, False], dtype="boolean")
    a = pd.Series([True, True, True, False, False, True, False, False], dtype="boolean")
    n = pd.Series([True, False, True, True, False, False, True, False], dtype="boolean")
    codes = schemes.man_codes(m, a, n)
    assert list(codes) == ["MAN", "MAn", "mAN", "MaN", "Man", "mAn", "maN", "man"]
    assert list(schemes.man_grades(codes)) == ["A", "B", "B", "B", "C", "C", "C", "D"]
    assert list(schemes.man_actions(codes)) == ["MAN", "MAn", "mAN", "MaN", "other", "other", "other", "man"]


def test_man_need_from_a_score_is_the_top_third_of_its_scale():
    nine = series([9, 7, 6, 1, np.nan])  # a 1–9 score: 7, 8, 9 are the top third
    assert listed(schemes.need_flags(nine, level_words=False)) == [True, True, False, False, None]
    three = series([3, 2, 1])  # 高/中/低 as read: only 高
    assert listed(schemes.need_flags(three, level_words=True)) == [True, False, False]
    assert listed(schemes.need_flags(series([2, 1]), level_words=True)) == [False, False]  # nobody 高
    assert listed(schemes.need_flags(series([1, 0]), level_words=False)) == [True, False]  # a 0/1 column


def test_man_from_a_need_score_through_segment():
    table = pd.DataFrame({"客户编号": ["a", "b", "c", "d"], "有预算": ["是"] * 4, "决策权": ["是"] * 4,
                          "需求": [9, 7, 5, 1]})
    assert segment(table).classes["man_code"].tolist() == ["MAN", "MAN", "MAn", "MAn"]
    table["需求"] = ["高", "中", "低", None]
    assert listed(segment(table).classes["man_code"]) == ["MAN", "MAn", "MAn", None]


def test_man_missing_answer_is_empty():
    m = pd.Series([True, pd.NA], dtype="boolean")
    assert schemes.man_codes(m, m.fillna(True), m.fillna(True)).isna().tolist() == [False, True]


# ---- 6. follow-up
def test_followup_grades_cadence_next_and_demotion():
    stages = pd.Series(["已付意向金", "有明确意向", "有效沟通", "未联系", "B", "随便聊聊", None], dtype=object)
    grades = schemes.followup_grades(stages, DEFAULTS["followup.stage_map"])
    assert listed(grades) == ["A", "B", "C", "D", "B", None, None]
    last = pd.Series(pd.to_datetime(["2024-03-01", "2024-03-01"]))
    nxt = schemes.next_followup(last, pd.Series([3, 7]))
    assert list(nxt) == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-08")]
    suggested = schemes.suggested_grades(pd.Series(["A", "A", "B"]), series([30, 31, 99]), 30)
    assert list(suggested) == ["A", "B", "B"]


# ---- 7. scorecard
def test_percentile_rank_textbook_definition():
    assert list(schemes.percentile_rank(series([10, 20, 30, 40]))) == [12.5, 37.5, 62.5, 87.5]
    assert list(schemes.percentile_rank(series([5, 5]))) == [50.0, 50.0]


def test_weighted_score_renormalises_per_row():
    revenue = series([10, 20, 30, 40])  # 12.5 37.5 62.5 87.5
    profit = series([40, 30, 20, np.nan])  # 83.33 50 16.67 (n = 3)
    got = schemes.weighted_score({"revenue": revenue, "profit": profit}, {"revenue": 40, "profit": 20})
    assert got.iloc[0] == pytest.approx((12.5 * 40 + 100 * 2.5 / 3 * 20) / 60)
    assert got.iloc[3] == pytest.approx(87.5)  # only revenue present


def test_score_grade_cutoffs():
    got = schemes.score_grades(series([90, 89.9, 75, 50, 25, 24.9, np.nan]), DEFAULTS["score.cutoffs"])
    assert listed(got) == ["VIP", "A", "A", "B", "C", "D", None]


# ---- 8. nature
NATURE_KEYWORDS = {k: DEFAULTS[f"nature.{k}"] for k in schemes.nature.ORDER}
SUFFIXES = DEFAULTS["nature.consumer_suffixes"]


@pytest.mark.parametrize(("name", "expected"), [
    ("海淀区人民政府", "government"), ("市场监督管理局", "government"), ("北京大学", "nonprofit"),
    ("协和医院", "nonprofit"), ("华东经销商行", "channel"), ("上海某某贸易商", "channel"),
    ("深圳星辰科技有限公司", "enterprise"), ("ACME Co., Ltd.", "enterprise"), ("Lincoln Park", "consumer"),
    ("Globex Inc", "enterprise"), ("张伟", "consumer"), ("欧阳娜娜", "consumer"), ("王女士", "consumer"),
    ("Jane Smith", "consumer"), ("星辰", "unknown"), ("北京星辰科技集团", "enterprise"),
])
def test_nature(name, expected):
    assert schemes.customer_nature(pd.Series([name]), NATURE_KEYWORDS, consumer_suffixes=SUFFIXES).iloc[0] == expected


def test_nature_kind_column_wins_and_blank_is_empty():
    got = schemes.customer_nature(pd.Series(["张伟", None]), NATURE_KEYWORDS, consumer_suffixes=SUFFIXES,
                                  kinds=pd.Series(["企业", None]))
    assert got.iloc[0] == "enterprise" and pd.isna(got.iloc[1])


# ---- 9. behaviour and personalities
def test_behaviour_priority_order():
    idx = pd.RangeIndex(6)
    got = schemes.behaviour_types(
        discount_share=series([0.6, 0.1, 0.1, 0.1, 0.1, 0.1]),
        tenure_days=series([999, 999, 10, 10, 10, 10]), orders=series([9, 9, 9, 9, 9, 9]),
        service_requests=series([9, 9, 9, 0, 0, 0]), new_product_share=series([0, 0, 0, 0.5, 0, 0]),
        average_order=series([1, 1, 1, 1, 100, 1]), index=idx, **BEHAVIOUR)
    assert list(got) == ["price", "loyal", "service", "innovation", "brand", "general"]


def test_personality_keys():
    known = DEFAULTS.classes("personality")
    got = schemes.personality_keys(pd.Series(["理智型", "理智", "分析型客户", "外星型", None]), known)
    assert listed(got) == ["理智型", "理智型", "分析型", None, None]


def test_purchase_on_record_and_unknown():
    last = pd.Series([pd.Timestamp("2024-01-01"), pd.NaT, pd.NaT, pd.NaT])
    orders = series([np.nan, 2, 0, np.nan])
    unreadable = np.array([False, False, False, True])  # row 3: a cell we could not read
    got = schemes.purchase_on_record([last], [orders], unreadable)
    assert listed(got) == [True, True, False, None]


def test_without_revenue_is_blank_or_zero_but_not_unreadable():
    got = schemes.without_revenue(series([0, np.nan, 5, np.nan, -3]), np.array([False, False, False, True, False]))
    assert got.tolist() == [True, True, False, False, False]
