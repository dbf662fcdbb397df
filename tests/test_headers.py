"""5. Header detection: synonyms, normalisation, overrides, the header row below titles."""

import pandas as pd
import pytest

from xlcustseg.fields.headers import find_table, match_fields, normalise_header


@pytest.mark.parametrize(("header", "field"), [
    ("客户编号", "customer_id"), ("客户ID", "customer_id"), ("Customer ID", "customer_id"), ("cust_id", "customer_id"),
    ("CUSTOMER  ID", "customer_id"), ("客户名称", "customer_name"), ("Company", "customer_name"),
    ("销售额（元）", "revenue"), ("销售额(万元)", "revenue"), ("2024年销售额", "revenue"), ("累计消费金额", "revenue"),
    ("Revenue", "revenue"), ("ＲＥＶＥＮＵＥ", "revenue"), ("Monetary", "revenue"), ("订单数", "orders"),
    ("购买次数", "orders"), ("Frequency", "orders"), ("首次购买日期", "first_date"), ("最近购买日期", "last_date"),
    ("Last order date", "last_date"), ("last-purchase", "last_date"), ("下单日期", "order_date"),
    ("Order Date", "order_date"), ("订单号", "order_id"), ("需求程度", "need"), ("成长潜力", "potential"),
    ("决策权", "authority"), ("有预算", "money"), ("跟进状态", "stage"), ("最近回访日期", "last_contact"),
    ("优惠使用率", "discount_share"), ("新品占比", "new_product_share"), ("服务请求次数", "service_requests"),
    ("省份", "region"), ("行业", "industry"),
])
def test_synonyms(header, field):
    assert match_fields([header]) == {field: 0}


def test_normalisation():
    assert normalise_header(" Customer_ID ") == "customerid"
    assert normalise_header("销售额（元）") == "销售额"


def test_unrelated_headers_do_not_match():
    assert match_fields(["客户经理", "备用字段", "Remarks"]) == {}


def test_each_field_once_exact_match_wins():
    fields = match_fields(["订单金额合计", "销售额", "客户", "客户名称"])
    assert fields["revenue"] == 1 and fields["customer_name"] == 2  # equal strength: leftmost


def test_override_maps_any_header():
    assert match_fields(["营收（含税）", "X"], {"revenue": "营收（含税）"}) == {"revenue": 0}
    assert match_fields(["销售额", "Y"], {"revenue": "Y"})["revenue"] == 1


def test_output_headers_are_ignored():
    assert "customer_kind" not in match_fields(["客户类型"], ignore=["客户类型"])


def test_header_row_below_title_rows():
    frame = pd.DataFrame([["2024 年客户清单", None, None], ["制表：销售部", None, None], [None, None, None],
                          ["客户编号", "销售额", "最近购买日期"], ["C1", 1, "2024-01-01"]])
    layout = find_table(frame)
    assert layout.header_row == 3 and layout.fields == {"customer_id": 0, "revenue": 1, "last_date": 2}


def test_frame_columns_as_header():
    layout = find_table(pd.DataFrame({"Customer ID": ["c1"], "Revenue": [1]}))
    assert layout.header_row is None and set(layout.fields) == {"customer_id", "revenue"}
