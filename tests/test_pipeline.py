"""segment(): the public API end to end on small tables."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from xlcustseg import SegmentationError, Settings, segment
from xlcustseg.engine import steps
from xlcustseg.engine.prepare import prepare
from xlcustseg.i18n import output_headers


def test_chinese_customer_table(zh_customers):
    result = segment(zh_customers)
    t = result.table
    assert result.language == "zh" and result.kind == "customers"
    assert list(t.columns) == ["客户编号", *output_headers("zh")]
    assert list(t["客户编号"]) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    # revenue 12000, 12000, ?, 500, -100, 0 → n = 5; A rank ≤ 1 (ties share), B rank ≤ 1
    assert t["客户等级"].tolist()[:2] == ["A", "A"]
    assert pd.isna(t["客户等级"].iloc[2]) and t["客户等级"].iloc[3:].tolist() == ["C", "C", "C"]
    assert result.as_of == pd.Timestamp("2024-03-05")
    assert t["生命周期"].tolist() == ["活跃客户", "新客户", "流失客户", "沉默客户", "潜在客户", "沉默客户"]
    assert t["客户类型"].tolist()[:5] == ["企业客户", "个人客户", "政府机构", "渠道客户", "事业单位/非营利"]
    assert t["RFM分群"].iloc[0] in {"重要价值客户", "重要保持客户", "一般价值客户", "重要发展客户"}


def test_unreadable_cell_empties_the_row_class_with_a_note_naming_the_cell(zh_customers):
    result = segment(zh_customers)
    row = result.table.iloc[2]
    assert pd.isna(row["客户等级"]) and pd.isna(row["RFM分群"])
    assert row["备注"] == "C4 销售额「abc」不是数字"
    note = result.notes[result.notes["reason"] == "not_number"].iloc[0]
    assert (note["row"], note["cell"], note["column"], note["value"]) == (2, "C4", "销售额", "abc")


def test_negative_revenue_is_lowest_tier_with_a_note(zh_customers):
    result = segment(zh_customers)
    assert result.table["客户等级"].iloc[4] == "C"
    assert "C6 销售额「(100)」为负" in result.table["备注"].iloc[4]


def test_english_labels_and_rfm10(zh_customers):
    english = zh_customers.rename(columns={"客户编号": "Customer ID", "客户名称": "Customer", "销售额": "Revenue",
                                           "订单数": "Orders", "首次购买日期": "First purchase",
                                           "最近购买日期": "Last purchase"})
    result = segment(english)
    assert result.language == "en" and list(result.table.columns) == ["Customer ID", *output_headers("en")]
    rfm10 = {"Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising",
             "Need Attention", "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating"}
    assert set(result.table["RFM Class"].dropna()) <= rfm10
    assert result.table["Lifecycle"].iloc[0] == "Active"


def test_language_setting_overrides(zh_customers):
    result = segment(zh_customers, {"language": "en"})
    assert "Tier" in result.table.columns and result.table["Lifecycle"].iloc[0] == "Active"


def test_order_lines_aggregate_to_customers():
    lines = pd.DataFrame({
        "Order ID": ["o1", "o1", "o2", "o3", "o4", "o5"],
        "Customer ID": ["c1", "c1", "c2", "c1", "c3", "c3"],
        "Order Date": ["2024-01-01", "2024-01-01", "2024-02-01", "2024-03-01", "2023-01-01", "2023-02-01"],
        "Amount": ["$100", "50", 200, "1,000", 5, 10],
    })
    result = segment(lines)
    t = result.table.set_index("Customer ID")
    assert result.kind == "orders"
    assert t.loc["c1", "Orders"] == 2 and t.loc["c1", "Revenue"] == 1150.0
    assert t.loc["c1", "First Purchase"] == pd.Timestamp("2024-01-01")
    assert t.loc["c3", "Recency (days)"] == (pd.Timestamp("2024-03-01") - pd.Timestamp("2023-02-01")).days
    assert t.loc["c3", "Lifecycle"] == "Churned" and t.loc["c1", "Tier"] == "A"


def test_order_lines_without_order_id_count_distinct_days():
    lines = pd.DataFrame({"客户编号": ["a", "a", "a", "b"],
                          "下单日期": ["2024-01-01", "2024-01-01 15:00", "2024-01-02", "2024-01-01"],
                          "金额": [1, 2, 3, 4]})
    t = segment(lines).table.set_index("客户编号")
    assert t.loc["a", "订单数"] == 2 and t.loc["a", "销售额"] == 6


def test_bad_order_line_leaves_its_customer_unclassed_with_a_note():
    lines = pd.DataFrame({"Customer ID": ["c1", "c1", "c2", None], "Order ID": ["1", "2", "3", "4"],
                          "Order Date": ["2024-01-01", "bad", "2024-01-05", "2024-01-06"], "Amount": [1, 2, 3, 4]})
    result = segment(lines)
    t = result.table.set_index("Customer ID")
    assert pd.isna(t.loc["c1", "Tier"]) and "C3 Order Date 'bad' is not a date" in t.loc["c1", "Notes"]
    assert (result.notes["reason"] == "no_customer_id").sum() == 1


def test_one_customer():
    t = segment(pd.DataFrame({"客户编号": ["x"], "销售额": [10], "订单数": [1],
                              "最近购买日期": ["2024-01-01"]})).table
    assert t["客户等级"].tolist() == ["A"] and t["RFM得分"].tolist() == ["111"]


def test_empty_table_gives_empty_result():
    result = segment(pd.DataFrame({"客户编号": [], "销售额": []}))
    assert len(result.table) == 0 and list(result.table.columns)[1:] == output_headers("zh")
    assert result.summary.tiers["customers"].sum() == 0


def test_all_equal_and_zero_revenue():
    t = segment(pd.DataFrame({"Customer ID": list("abcd"), "Revenue": [0, 0, 0, 0]})).table
    assert t["Tier"].tolist() == ["C"] * 4
    t = segment(pd.DataFrame({"Customer ID": list("abcd"), "Revenue": [5, 5, 5, 5]})).table
    assert t["Tier"].tolist() == ["A"] * 4


def test_missing_columns_skip_schemes_with_one_note():
    result = segment(pd.DataFrame({"Customer ID": ["a", "b"], "Revenue": [1, 2]}))
    assert result.table["Tier"].tolist() == ["C", "A"]
    assert result.table["RFM Class"].isna().all()
    assert sum("no RFM" in w for w in result.warnings) == 1
    assert sum("no lifecycle" in w for w in result.warnings) == 1


def test_nothing_to_segment_is_a_clear_error():
    with pytest.raises(SegmentationError, match="No customer table found"):
        segment(pd.DataFrame({"foo": [1], "bar": [2]}))
    with pytest.raises(TypeError, match="DataFrame"):
        segment([[1, 2]])  # type: ignore[arg-type]


def test_settings_as_mapping_and_five_levels():
    table = pd.DataFrame({"Customer ID": [str(i) for i in range(100)], "Revenue": np.arange(100, 0, -1)})
    t = segment(table, {"tier.levels": 5}).table
    assert t["Tier"].value_counts().to_dict() == {"D": 50, "C": 30, "B": 15, "A": 4, "VIP": 1}
    t = segment(table, Settings({"tier.basis": "threshold", "tier.thresholds": "90, 50"})).table
    assert t["Tier"].value_counts().to_dict() == {"C": 49, "B": 40, "A": 11}


def test_header_below_title_rows_and_cells_in_notes():
    frame = pd.DataFrame([["客户清单", None, None], [None, None, None], ["客户编号", "销售额", "订单数"],
                          ["a", "12x", 1], ["b", 5, 2]])
    result = segment(frame)  # a frame with no header of its own starts at A1
    assert result.layout.header_row == 2
    assert result.notes["cell"].tolist() == ["B4"]


def test_strategy_cadence_and_next_contact(zh_customers):
    t = segment(zh_customers).table
    first = t.iloc[0]
    assert first["策略"].startswith("A 关键客户：专属客户经理")
    assert first["回访周期(天)"] == 14  # A: 14 days, its RFM class no shorter
    assert first["下次回访日期"] == pd.Timestamp("2024-03-05") + pd.Timedelta(days=int(first["回访周期(天)"]))


def test_followup_man_quadrant_scorecard_and_behaviour_columns():
    table = pd.DataFrame({
        "客户编号": ["a", "b", "c", "d"], "销售额": [100, 50, 10, 0], "订单数": [5, 2, 1, 0],
        "最近购买日期": ["2024-03-01", "2024-01-01", "2023-01-01", None], "需求": ["高", "低", "高", "高"],
        "潜力": [None, None, None, "高"], "有预算": ["是", "否", "是", "否"], "决策权": ["Y", "Y", "N", "N"],
        "有需求": ["✓", "✓", "×", "×"], "跟进状态": ["已选定", "有明确意向", "神秘状态", None],
        "最近联系日期": ["2024-01-01", "2024-03-01", None, None], "折扣订单占比": ["60%", "10%", 0, None],
    })
    result = segment(table)
    c = result.classes
    assert c["man_code"].tolist() == ["MAN", "mAN", "Man", "man"]
    assert c["man_grade"].tolist() == ["A", "B", "C", "D"]
    assert c["followup"].tolist()[:2] == ["A", "B"] and pd.isna(c["followup"].iloc[2])
    assert c["suggested_grade"].iloc[0] == "B"  # an A with no contact for 64 days
    assert "「神秘状态」不在阶段映射表中" in result.table["备注"].iloc[2]
    assert c["quadrant"].tolist() == ["q1", "q2", "q3", "q5"]
    assert result.table["客户类型"].iloc[0] == "价格敏感型"
    assert c["score_grade"].notna().all()
    # next contact from the last contact date, cadence = shortest of tier / RFM / follow-up grade
    assert result.table["下次回访日期"].iloc[0] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=3)


def test_second_run_on_output_gives_same_classes(zh_customers):
    first = segment(zh_customers)
    again = pd.concat([zh_customers, first.table.drop(columns=["客户编号"])], axis=1)
    second = segment(again)
    pd.testing.assert_frame_equal(first.table, second.table)


def test_summary_frames(zh_customers):
    s = segment(zh_customers).summary
    assert s.tiers["customers"].tolist() == [2, 0, 3]
    assert s.tiers["revenue"].tolist() == [24000.0, 0.0, 400.0]
    assert s.pareto.customers == 1 and s.pareto.statement.startswith("前 20% 的客户（1 位）")
    assert s.lifecycle["customers"].sum() == 6
    assert any("主要客户" in w for w in s.quality)


def test_the_result_cannot_be_changed_by_whoever_holds_it(zh_customers):
    result = segment(zh_customers)
    table = result.table
    table["客户等级"] = "Z"
    table["extra"] = 1
    assert "extra" not in result.table.columns and "Z" not in set(result.table["客户等级"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "en"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.source_rows[0] = 99
    assert result.rfm_map == "rfm8" and result.secondary == ("rfm_class", "rfm8")


def test_steps_leave_their_inputs_as_they_were(zh_customers):
    settings = Settings()
    c = prepare(zh_customers, settings, None).customers
    before = {name: series.copy() for name, series in c.fields.values.items()}
    days = [s.copy() for s in (c.recency, c.tenure, c.purchased)]
    outputs = [steps.tiers(c, settings), steps.rfm(c, settings), steps.lifecycle(c, settings),
               steps.quadrants(c, settings), steps.man(c), steps.followup(c, settings), steps.scorecard(c, settings),
               steps.customer_type(c, settings), steps.personality(c, settings)]
    steps.strategy(c, settings, outputs[0], outputs[1], outputs[2], outputs[8], outputs[5])
    for name, series in before.items():
        pd.testing.assert_series_equal(c.fields.values[name], series)
    for now, then in zip((c.recency, c.tenure, c.purchased), days, strict=True):
        pd.testing.assert_series_equal(now, then)
