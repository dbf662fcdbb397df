"""1. Value tiers: hand-computed expectations, ties at every boundary."""

import numpy as np
import pandas as pd
import pytest

from xlcustseg.schemes import value_tiers
from xlcustseg.settings import DEFAULTS

#: the default rule, from the options table
DEFAULT = {"basis": DEFAULTS["tier.basis"], "cutoffs": DEFAULTS.tier_cutoffs(), "letters": DEFAULTS.tier_letters()}


def tiers(values, **kw):
    return list(value_tiers(pd.Series(values, dtype="float64"), **{**DEFAULT, **kw}))


def test_twenty_distinct_customers():
    # n = 20: A while rank ≤ ceil(1) = 1, B while rank ≤ ceil(4) = 4
    revenue = list(range(20, 0, -1))
    assert tiers(revenue) == ["A"] + ["B"] * 3 + ["C"] * 16


def test_hundred_customers_boundaries():
    t = tiers(list(range(100, 0, -1)))
    assert t.count("A") == 5 and t.count("B") == 15 and t.count("C") == 80
    assert t[4] == "A" and t[5] == "B" and t[19] == "B" and t[20] == "C"


def test_tie_across_the_a_boundary_shares_the_better_tier():
    # n = 20, ranks: 100 → 1, the two 90s → 2 (min) ... A holds rank ≤ 1 only
    revenue = [100, 90, 90, 80, 70] + [10] * 15
    assert tiers(revenue)[:5] == ["A", "B", "B", "B", "C"]
    # a tie straddling rank 1 / 2: both share rank 1 → both A
    assert tiers([100, 100, *list(range(18, 0, -1))])[:3] == ["A", "A", "B"]


def test_tie_across_the_b_boundary():
    revenue = [100, 90, 80, 70, 70, 70] + [1] * 14  # ranks 1,2,3,4,4,4: B ends at rank 4
    assert tiers(revenue)[:7] == ["A", "B", "B", "B", "B", "B", "C"]


def test_one_customer_is_a():
    assert tiers([500]) == ["A"]


def test_all_equal_share_the_best_tier():
    assert tiers([100.0] * 10) == ["A"] * 10


def test_zero_is_c_and_negative_is_c():
    assert tiers([0, -50, 100]) == ["C", "C", "A"]
    assert tiers([0.0] * 5) == ["C"] * 5


def test_missing_revenue_is_not_counted_in_n():
    t = tiers([np.nan] * 5 + [10, 9, 8, 7, 6])  # n = 5: A rank ≤ 1, B rank ≤ 1
    assert t[:5] == [None] * 5 or all(pd.isna(x) for x in t[:5])
    assert t[5:] == ["A", "C", "C", "C", "C"]


def test_empty():
    assert tiers([]) == []


def test_revenue_share_basis():
    # total 100: 50 (above 0%) A, 30 (above 50%) A, 10 (above 80%) B, 6 (above 90%) B, 4 (above 96%) C
    assert tiers([50, 30, 10, 6, 4], basis="revenue_share", cutoffs=(0.8, 0.95)) == ["A", "A", "B", "B", "C"]


def test_revenue_share_crossing_customer_stays_upper_and_ties_share():
    # 40 above 0 → A; 40 (tie) above 0 too → A; 20 above 80% → B (exactly 80% is not < 80%)
    assert tiers([40, 40, 20], basis="revenue_share", cutoffs=(0.8, 0.95)) == ["A", "A", "B"]
    assert tiers([79, 21], basis="revenue_share", cutoffs=(0.8, 0.95)) == ["A", "A"]


def test_five_levels():
    t = tiers(list(range(100, 0, -1)), cutoffs=(0.01, 0.05, 0.20, 0.50), letters=("VIP", "A", "B", "C", "D"))
    assert [t.count(x) for x in ("VIP", "A", "B", "C", "D")] == [1, 4, 15, 30, 50]


def test_fixed_thresholds():
    assert tiers([100000, 50000, 49999, 10000, 0], basis="threshold", cutoffs=(50000, 10000)) == \
        ["A", "A", "B", "B", "C"]


def test_wrong_number_of_cutoffs_is_refused():
    with pytest.raises(ValueError, match="need 2 cut-offs"):
        value_tiers(pd.Series([1.0]), **{**DEFAULT, "cutoffs": (0.1,)})
