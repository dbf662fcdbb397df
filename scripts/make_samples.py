"""Build the bundled sample workbooks in workbook_templates/ (seeded, reproducible).

- 客户名单示例.xlsx: a Chinese customer list of 2,000 rows with title rows above the
  header and the messy values staff really type (¥, 万, full-width digits, mixed
  date forms, Excel serial dates, a few unreadable cells).
- orders_sample.xlsx: English order lines (Order ID, Customer ID, Customer, Order Date, Amount) of
  customers who buy at their own pace and leave (the BG/NBD story, so the CLV models fit them).
Run: python scripts/make_samples.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

OUT = Path(__file__).resolve().parents[1] / "workbook_templates"
AS_OF = dt.date(2024, 12, 31)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "苏州", "西安"]
INDUSTRIES = ["制造业", "零售", "教育", "医疗", "政府", "物流", "互联网", "建筑"]
STAGES = ["已成交", "已付意向金", "有明确意向", "有效沟通", "已拜访", "未联系"]
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def _name(rng: np.random.Generator, i: int) -> str:
    city = CITIES[i % len(CITIES)]
    kind = rng.choice(["company", "company", "company", "person", "gov", "school", "channel"])
    if kind == "person":
        return rng.choice(list(SURNAMES)) + "".join(rng.choice(list(GIVEN), size=rng.integers(1, 3)))
    if kind == "gov":
        return f"{city}市{rng.choice(['市场监督管理局', '教育局', '人民政府办公室', '卫生健康委员会'])}"
    if kind == "school":
        return f"{city}{rng.choice(['第一中学', '理工大学', '人民医院', '职业技术学院'])}"
    if kind == "channel":
        return f"{city}{rng.choice(['华信', '通达', '恒昌'])}{rng.choice(['经销部', '批发商行', '代理有限公司'])}"
    brand = rng.choice(["星辰", "远航", "恒泰", "鼎盛", "博远", "嘉禾"])
    return f"{city}{brand}{rng.choice(['科技', '贸易', '制造'])}有限公司"


def _money(rng: np.random.Generator, value: float) -> object:
    form = rng.integers(0, 10)
    if form == 0:
        return f"¥{value:,.2f}"
    if form == 1 and value >= 10000:
        return f"{value / 10000:.2f}万"
    if form == 2:
        return f"{value:,.0f}".translate(FULLWIDTH)
    if form == 3:
        return f"{value:,.2f}元"
    return round(value, 2)


def _date(rng: np.random.Generator, day: dt.date) -> object:
    form = rng.integers(0, 6)
    if form == 0:
        return f"{day.year}/{day.month}/{day.day}"
    if form == 1:
        return f"{day.year}年{day.month}月{day.day}日"
    if form == 2:
        return (day - dt.date(1899, 12, 30)).days  # an Excel serial typed as a number
    if form == 3:
        return day.strftime("%Y-%m-%d")
    return dt.datetime(day.year, day.month, day.day)


def chinese_customers(n: int = 2000, seed: int = 2024) -> Path:
    rng = np.random.default_rng(seed)
    wb = Workbook()
    ws = wb.active
    ws.title = "客户名单"
    ws["A1"] = "2024 年度客户清单"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A2"] = "制表：华东销售部    数据截至 2024-12-31"
    header = ["客户编号", "客户名称", "行业", "地区", "销售额（元）", "订单数", "首次购买日期", "最近购买日期",
              "最近联系日期", "跟进状态", "需求程度", "有预算", "决策权", "有需求"]
    man = np.random.default_rng(seed + 1)  # its own stream: the other columns stay as they were
    ws.append([])
    ws.append(header)
    for cell in ws[4]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="305496")
    for i in range(n):
        orders = int(rng.choice([0, 1, 1, 1, 2, 3, 4, 5, 8, 12, 20])) if rng.random() > 0.03 else 0
        revenue = float(np.round(rng.lognormal(9, 1.3) * max(orders, 1) ** 0.5, 2)) if orders else 0.0
        last = AS_OF - dt.timedelta(days=int(rng.integers(0, 900)))
        first = last - dt.timedelta(days=int(rng.integers(0, 1400))) if orders > 1 else last
        contact = last + dt.timedelta(days=int(rng.integers(0, 30)))
        row = [f"KH{i + 1:05d}", _name(rng, i), rng.choice(INDUSTRIES), rng.choice(CITIES),
               _money(rng, revenue), orders, _date(rng, first) if orders else None,
               _date(rng, last) if orders else None, _date(rng, min(contact, AS_OF)),
               rng.choice(STAGES), rng.choice(["高", "中", "低"]),
               *man.choice(["是", "否", "有", "无", "Y", "N", "✓", "×", None], size=3).tolist()]
        if i % 250 == 17:
            row[4] = rng.choice(["待确认", "#N/A", "见附件"])  # what cannot be read
        if i % 400 == 33:
            row[7] = "2024-02-30"
        ws.append(row)
    ws.column_dimensions["B"].width = 30
    path = OUT / "客户名单示例.xlsx"
    wb.save(path)
    return path


#: how the English sample's customers buy and leave: the BG/NBD story (Fader, Hardie & Lee 2005) with
#: rates per week ~ Gamma(r, alpha) and the chance to leave after each purchase ~ Beta(a, b), so the
#: CLV models fit it; first purchases spread over the last SPAN_DAYS, spend per customer lognormal
CHURN = {"r": 1.5, "alpha": 20.0, "a": 1.0, "b": 4.0}
SPAN_DAYS = 1000


def _purchase_days(rng: np.random.Generator) -> list[dt.date]:
    """One customer's purchase days: from a first day, at their own rate, until they leave or AS_OF."""
    day = AS_OF - dt.timedelta(days=int(rng.integers(0, SPAN_DAYS)))
    per_day = rng.gamma(CHURN["r"], 1 / CHURN["alpha"]) / 7
    leave = rng.beta(CHURN["a"], CHURN["b"])
    days = []
    while day <= AS_OF:
        days.append(day)
        if len(days) > 1 and rng.random() < leave:  # as in the model: one may leave after a repeat purchase
            break
        day += dt.timedelta(days=max(1, int(np.ceil(rng.exponential(1 / per_day)))))
    return days


def english_orders(n_customers: int = 400, seed: int = 7) -> Path:
    """Order lines of customers who buy at their own pace and some of whom have left (see CHURN)."""
    rng = np.random.default_rng(seed)
    first_names = ["Ann", "Bob", "Carla", "Dev", "Eve", "Finn", "Gita", "Hugo", "Ines", "Jon"]
    companies = ["Acme Ltd", "Globex Inc", "Initech LLC", "Umbrella GmbH", "Stark Co.", "Wayne Corp"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Order ID", "Customer ID", "Customer", "Order Date", "Amount"])
    order = 10000
    for c in range(n_customers):
        name = (f"{rng.choice(first_names)} {rng.choice(['Lee', 'Smith', 'Khan', 'Wong', 'Garcia'])}"
                if rng.random() < 0.6 else f"{rng.choice(companies)} #{c}")
        usual = rng.lognormal(4, 0.6)  # this customer's usual line amount
        for day in _purchase_days(rng):
            order += 1
            for _line in range(int(rng.integers(1, 3))):
                amount = float(np.round(usual * rng.lognormal(0, 0.5), 2))
                ws.append([f"SO{order}", f"CUST-{c + 1:04d}", name, dt.datetime(day.year, day.month, day.day),
                           f"${amount:,.2f}" if rng.random() < 0.2 else amount])
    ws.append([f"SO{order + 1}", "CUST-0001", None, "not recorded", 12.5])
    path = OUT / "orders_sample.xlsx"
    wb.save(path)
    return path


if __name__ == "__main__":
    for made in (chinese_customers(), english_orders()):
        print(f"wrote {made}")
