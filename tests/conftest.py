import os

# xlwings PRO's free noncommercial key unlocks xlwings' JSON Book (the engine of Lite and Server) for our tests
# only; it is read when xlwings is first imported, so it is set here, before any test module imports xlwings.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pandas as pd
import pytest


@pytest.fixture
def zh_customers() -> pd.DataFrame:
    """A small Chinese customer table with messy values (as openpyxl hands it over)."""
    return pd.DataFrame({
        "客户编号": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "客户名称": ["北京星辰科技有限公司", "张伟", "海淀区人民政府", "华东经销商", "北京大学", "李娜"],
        "销售额": ["¥12,000", "1.2万", "abc", 500, "(100)", 0],
        "订单数": [3, "１０", 1, 2, 0, 1],
        "首次购买日期": ["2020-01-01", "2024年2月20日", "2022-01-01", 43466, None, "2023/6/1"],
        "最近购买日期": ["2024/3/5", "2024年3月1日", "2023-01-01", 45000, None, "2023-09-01"],
    })
