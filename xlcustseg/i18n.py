"""Every Chinese and English text the engine shows, in one place.

Headers of the columns and sheets we create (SCHEMES.md "Output columns"), the
reasons a cell could not be read or classed, table-level warnings and the
summary's sentences. Each text is a (zh, en) pair; `pick` chooses by language
and `text` fills a message's placeholders. Class labels and strategy texts are
not here: they are data (the strategy catalogue, `class.*` settings).
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")
Pair = tuple[str, str]


def pick(pair: tuple[T, T], lang: str) -> T:
    """The Chinese one of a (zh, en) pair for 'zh', else the English one."""
    return pair[0] if lang == "zh" else pair[1]



# ---------------------------------------------------------------- the summary sheet's labels
#: headers of the summary's tables, (zh, en) lists
SUMMARY_HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "clusters": (["聚类", "客户数", "占比", "平均R(天)", "平均F", "平均M", "销售额占比"],
                 ["Cluster", "Customers", "Share", "Mean R (days)", "Mean F", "Mean M", "Revenue share"]),
    "tiers": (["等级", "名称", "客户数", "客户占比", "销售额", "销售额占比", "平均销售额"],
              ["Tier", "Name", "Customers", "Customer share", "Revenue", "Revenue share", "Average"]),
    "curve": (["客户占比", "累计销售额占比"], ["Customer share", "Cumulative revenue share"]),
    "lifecycle": (["生命周期", "客户数", "占比"], ["Lifecycle", "Customers", "Share"]),
    "strategies": (["等级", "分群", "客户数", "回访周期(天)", "策略"],
                   ["Tier", "Class", "Customers", "Cadence (days)", "Strategy"]),
}

#: words of the learned segments: a cluster's level on a feature, the join of a rule's conditions, a rule
CLUSTER_LEVELS: dict[str, Pair] = {"mid": ("中", " mid"), "high": ("高", " high"), "low": ("低", " low")}
CLUSTER_RFM_NAME: Pair = ("（{label}）", " ({label})")
RULE_AND: Pair = (" 且 ", " and ")
RULE_ALL_ROWS: Pair = ("所有行", "all rows")
RULE: Pair = ("如果 {when}，则 {grade}（置信度 {share:.0%}，{rows} 行）",
              "If {when}, then {grade} (confidence {share:.0%}, {rows} rows)")

#: the summary's other texts; {placeholders} are filled with str.format
SUMMARY_TEXTS: dict[str, Pair] = {
    "no_clusters": ("未聚类：在设置表中把 cluster.enabled 设为 是，或运行 xlcustseg cluster",
                    "No clusters: set cluster.enabled to yes on the settings sheet, or run xlcustseg cluster"),
    "title": ("客户分层汇总", "Customer segmentation summary"),
    "subtitle": ("数据：{sheet}（{customers} 位客户）  分析日期：{as_of}",
                 "Data: {sheet} ({customers} customers)   Analysis date: {as_of}"),
    "total": ("合计", "Total"),
    "pareto_formula": ('="前 20% 的客户（"&{k}&" 位）贡献了 "&{share}&" 的销售额"',
                       '="The top 20% of customers ("&{k}&") bring "&{share}&" of revenue"'),
    "cross_corner": ("等级 \\ RFM分群", "Tier \\ RFM class"),
    "chart_customers": ("各等级客户数", "Customers per tier"),
    "axis_customers": ("客户数", "Customers"),
    "chart_revenue": ("各等级销售额", "Revenue per tier"),
    "axis_revenue": ("销售额", "Revenue"),
    "chart_pareto": ("帕累托曲线", "Pareto curve"),
    "axis_cumulative": ("累计销售额占比", "Cumulative revenue share"),
    "axis_share": ("客户占比", "Share of customers"),
}


# ---------------------------------------------------------------- columns and sheets we create
#: key, Chinese header, English header — in the order they are written.
OUTPUT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("tier", "客户等级", "Tier"), ("r", "R值", "R"), ("f", "F值", "F"), ("m", "M值", "M"),
    ("rfm_code", "RFM得分", "RFM"), ("rfm_class", "RFM分群", "RFM Class"),
    ("lifecycle", "生命周期", "Lifecycle"), ("customer_type", "客户类型", "Customer Type"),
    ("strategy", "策略", "Strategy"), ("cadence", "回访周期(天)", "Cadence (days)"),
    ("next_contact", "下次回访日期", "Next Contact"), ("notes", "备注", "Notes"),
)

#: the revenue as read, as a number: what the summary sheet's SUMIFS add up (customer tables
#: only; the customer sheet made from order lines has its own revenue column).
REVENUE_VALUE = ("revenue_value", "销售额(数值)", "Revenue (value)")

#: optional columns of the learned segments
CLUSTER_COLUMN = ("cluster", "聚类", "Cluster")
PREDICTED_COLUMNS = (("predicted", "预测等级", "Predicted"), ("confidence", "置信度", "Confidence"))

#: optional customer lifetime value columns (setting clv.enabled; dated order lines only)
CLV_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("p_alive", "活跃概率", "P(alive)"), ("expected_purchases", "预计购买次数", "Expected Purchases"),
    ("predicted_value", "预计客户价值", "Predicted Value"),
)

#: the CLV models by the name `xlcustseg.clv` gives them in its reasons
CLV_MODELS: dict[str, Pair] = {"purchase (BG/NBD)": ("购买模型（BG/NBD）", "purchase (BG/NBD)"),
                               "spend (Gamma-Gamma)": ("金额模型（Gamma-Gamma）", "spend (Gamma-Gamma)")}

#: the CLV block of the summary sheet
CLV_SUMMARY: dict[str, Pair] = {
    "title": ("客户终身价值模型（BG/NBD + Gamma-Gamma，时间单位：周）",
              "Customer lifetime value models (BG/NBD + Gamma-Gamma, time unit: weeks)"),
    "terms": ("预测期 {days} 天，年贴现率 {rate:.1%}", "Horizon {days} days, annual discount rate {rate:.1%}"),
    "parameters": ("模型|参数|估计值|标准误", "Model|Parameter|Estimate|Std. error"),
    "calibration": ("校验：{cutoff} 前拟合，预测其后的再次购买（每位客户平均）",
                    "Check: fitted up to {cutoff}, repeat purchases after it (per customer)"),
    "calibration_columns": ("再次购买次数(拟合期)|客户数|实际|预测",
                            "Repeat purchases (fit period)|Customers|Actual|Predicted"),
    "no_calibration": ("无法校验：{reason}", "No check: {reason}"),
}

#: the customer sheet made from order lines: aggregated columns before the output ones.
AGGREGATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("first_date", "首次购买日期", "First Purchase"), ("last_date", "最近购买日期", "Last Purchase"),
    ("orders", "订单数", "Orders"), ("revenue", "销售额", "Revenue"), ("recency", "最近购买天数", "Recency (days)"),
)

SHEETS: dict[str, Pair] = {
    "customers": ("客户分层", "Customers"), "settings": ("设置", "Settings"),
    "summary": ("分层汇总", "Summary"), "rules": ("规则", "Rules"),
}

#: movement between snapshots (`xlcustseg.engine.movement`): the columns added, the sheet, the
#: tier changes and the matrices' margins
MOVEMENT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("previous_tier", "上期等级", "Previous Tier"), ("previous_rfm_class", "上期RFM分群", "Previous RFM Class"),
    ("tier_change", "等级变动", "Tier Change"),
)
MOVEMENT_SHEET: Pair = ("迁移矩阵", "Movement")
TIER_CHANGES: dict[str, Pair] = {"up": ("升级", "Up"), "down": ("降级", "Down"), "same": ("持平", "Same"),
                                 "new": ("新客户", "New")}
MOVEMENT_MARGINS: dict[str, Pair] = {"new": ("新增", "New"), "lost": ("流失", "Lost")}

#: the settings sheet's columns
SETTINGS_HEADERS: dict[str, Pair] = {"key": ("设置项", "Key"), "value": ("值", "Value"),
                                     "description": ("说明", "Description")}


def output_headers(lang: str) -> list[str]:
    """The output columns' headers in `lang`, in the order they are written."""
    return [pick((zh, en), lang) for _, zh, en in OUTPUT_COLUMNS]


def all_created_headers() -> set[str]:
    """Every header we may have written, in either language, plain or with OURS_SUFFIX (skipped on a re-run)."""
    ours = (*OUTPUT_COLUMNS, REVENUE_VALUE, CLUSTER_COLUMN, *PREDICTED_COLUMNS, *CLV_COLUMNS, *MOVEMENT_COLUMNS)
    return {h + suffix for _, zh, en in ours for h in (zh, en) for suffix in ("", OURS_SUFFIX)}


def sheet_name(key: str, lang: str) -> str:
    """The name of one of our sheets (customers, settings, summary, rules) in `lang`."""
    return pick(SHEETS[key], lang)


# ---------------------------------------------------------------- notes on cells
#: why a cell could not be read (`xlcustseg.fields.values`)
REASONS: dict[str, Pair] = {
    "excel_error": ("是 Excel 错误值", "is an Excel error value"),
    "not_number": ("不是数字", "is not a number"),
    "not_date": ("不是日期", "is not a date"),
    "bad_date": ("不是有效日期", "is not a valid calendar date"),
    "ambiguous_date": ("日期有歧义（日/月顺序不明）", "is an ambiguous date (day/month order unclear)"),
    "not_yes_no": ("不是是/否", "is not a yes/no value"),
    "not_level": ("不是分数或高/中/低", "is not a score or high/medium/low"),
    "date_out_of_range": ("日期过远，无法计算天数（1678–2261 年以外，如占位日期 9999-12-31），按无法读取处理",
                          "is a date too far away to count days with (outside 1678–2261, e.g. the placeholder "
                          "9999-12-31): read as unreadable"),
    "not_finite": ("不是有限的数（无穷大或非数字），按无法读取处理",
                   "is not a finite number (infinite or not a number): read as unreadable"),
}

#: why a scheme leaves a class empty or adds a remark
SCHEME_REASONS: dict[str, Pair] = {
    "negative_revenue": ("为负（净退款），归入最低等级", "is negative (net refunds): lowest tier"),
    "no_purchase_date": ("缺少最近购买日期，无法计算 R 与生命周期",
                         "has no last purchase date: no R and no lifecycle"),
    "future_date": ("晚于分析日期", "is after the analysis date"),
    "unknown_stage": ("不在阶段映射表中（设置 followup.stage_map）",
                      "is not in the stage mapping (setting followup.stage_map)"),
    "unknown_personality": ("不在策略目录中", "is not in the strategy catalogue"),
    "prospect": ("无购买记录，不计算 RFM", "no purchase on record: no RFM"),
    "no_customer_id": ("缺少客户编号，该订单行未计入", "has no customer id: order line left out"),
    "line_left_out": ("无法读取，该订单行未计入", "could not be read: order line left out"),
    "no_revenue_value": ("为空（其他行有销售额）：未分等级与 RFM，其他分群照常",
                         "is blank while other rows have revenue: no tier and no RFM, the other classes as usual"),
    "total_row": ("是合计行，未参与分层", "is a total row: left out of the segmentation"),
    "excluded": ("在留出账户之列（设置 quality.exclude），未参与分层",
                 "is an account to leave out (setting quality.exclude): left out of the segmentation"),
}
ALL_REASONS: dict[str, Pair] = {**REASONS, **SCHEME_REASONS}

#: what stands either side of a cell's value in a note: C4 销售额「abc」不是数字 / C4 Revenue 'abc' is not a number
NOTE_QUOTES: tuple[Pair, Pair] = (("「", "」"), (" '", "' "))

#: between the parts of a combined strategy text, and between a class label and its strategy
SEPARATOR: Pair = ("；", "; ")
COMMA: Pair = ("，", ", ")
COLON: Pair = ("：", ": ")


# ---------------------------------------------------------------- messages
#: why segment() cannot start: one sentence in both languages' terms
NO_TABLE = ("No customer table found: no column header names revenue, orders, purchase dates or "
            "customers (e.g. 销售额/Revenue, 订单数/Orders, 最近购买日期/Last purchase).")
MESSAGES: dict[str, Pair] = {
    "run_segmented": ("已分层 {customers} 位客户（{sheet}）：{per_tier}",
                      "Segmented {customers} customers ({sheet}): {per_tier}"),
    "run_noted": ("{rows} 行有备注（无法读取的单元格等）",
                  "{rows} rows have notes (cells that could not be read, …)"),
    "learn_done": ("从 {labelled} 行已分级的数据学到 {rules} 条规则；{folds} 折交叉验证准确率 {accuracy}；"
                   "已为 {filled} 行填写预测等级。",
                   "Learnt {rules} rules from {labelled} graded rows; {folds}-fold cross-validated "
                   "accuracy {accuracy}; predicted {filled} rows."),
    "learn_title": ("学到的规则", "Learnt rules"),
    "learn_accuracy": ("{folds} 折交叉验证准确率：{accuracy}（{labelled} 行已分级）",
                       "{folds}-fold cross-validated accuracy: {accuracy} ({labelled} graded rows)"),
    "button_title": ("客户分层", "Segmentation"),
    "button_skipped": ("未能完成：{what}", "Not done here: {what}"),
    "output_tag": ("分层", "segmented"),
    "no_revenue": ("缺少销售额列：未做客户等级。", "No revenue column: no value tiers."),
    "no_lifecycle": ("缺少最近购买日期：未做生命周期。", "No last purchase date column: no lifecycle stage."),
    "no_rfm": ("缺少最近购买日期、订单数或销售额：未做 RFM。",
               "No last purchase date, orders or revenue column: no RFM."),
    "no_first_date": ("缺少首次购买日期：生命周期不区分新客户。",
                      "No first purchase date column: the lifecycle does not tell new customers apart."),
    "weights_renormalised": ("评分卡缺少 {missing}：权重按现有项重新归一。",
                             "Scorecard: {missing} missing; weights renormalised over the rest."),
    "pareto": ("前 {top:.0%} 的客户（{customers} 位）贡献了 {share} 的销售额",
               "The top {top:.0%} of customers ({customers}) bring {share} of revenue"),
    "clv_needs_orders": ("客户终身价值需要带日期和金额的订单明细：未计算。",
                         "Customer lifetime value needs dated order lines with amounts: not computed."),
    "clv_few_customers": ("客户太少（不足 5 位）：未计算客户终身价值。",
                          "Too few customers (under 5): no customer lifetime value."),
    "clv_no_repeat": ("没有客户在另一天再次购买（都是一次性购买）：未计算客户终身价值。",
                      "No customer bought again on another day (all one-time buyers): no customer lifetime value."),
    "clv_no_spend": ("再次购买且金额为正的客户不足 4 位：未计算客户终身价值。",
                     "Fewer than 4 repeat buyers with a positive spend: no customer lifetime value."),
    "clv_no_fit": ("客户终身价值模型无法拟合这些数据（{reason}）：未计算。",
                   "The customer lifetime value models cannot be fitted to these data ({reason}): not computed."),
    "clv_reason_runs_off": ("这些客户无法确定{model}（参数 {params} 趋于 0 或无穷大），需要更多、更多样的客户",
                            "these customers cannot pin down the {model} model ({params} run off to 0 or infinity); "
                            "it needs more, and more varied, customers"),
    "clv_reason_no_convergence": ("{model}在这些客户上没有收敛",
                                  "the {model} model did not converge on these customers"),
    "clv_reason_no_peak": ("这些客户无法确定{model}（似然函数没有明确的最高点）",
                           "these customers cannot pin down the {model} model (its likelihood has no clear peak)"),
    "clv_reason_few_customers": ("购买模型至少需要 {least} 位客户（现有 {got} 位）",
                                 "the purchase model needs at least {least} customers (got {got})"),
    "clv_reason_no_repeat": ("没有客户在另一天再次购买（同一天的多次购买算一次）",
                             "no customer bought again on a later day (purchases on the same day count as one)"),
    "clv_reason_no_history": ("所有客户的观察期都是 0，没有历史可以学习",
                              "every customer's history is 0 long, so there is nothing to learn from"),
    "clv_reason_few_spenders": ("金额模型至少需要 {least} 位金额为正的再次购买客户（现有 {got} 位）",
                                "the spend model needs at least {least} repeat buyers with a positive spend "
                                "(got {got})"),
    "clv_reason_wild_spend": ("客户之间的消费金额差异过大，金额模型无法使用（q ≤ 1，平均金额将为无穷大）",
                              "spend varies too wildly between customers for the spend model (q <= 1: its average "
                              "spend would be infinite)"),
    "clv_reason_no_lines": ("{date} 及以前没有订单明细", "no order lines on or before {date}"),
    "clv_reason_not_finite": ("预测值不是有限的数", "a prediction is not a finite number"),
    "clv_reason_short_history": ("历史太短，无法分成两半", "the history is too short to split in two"),
    "movement_done": ("与上期（{source}）相比：升级 {up}，降级 {down}，持平 {same}，新客户 {new}，流失 {lost}；"
                      "迁移矩阵见「{sheet}」表。",
                      "Compared with the previous snapshot ({source}): {up} up, {down} down, {same} same, {new} new, "
                      "{lost} lost; the matrices are on the '{sheet}' sheet."),
    "as_of_not_a_date": ("「{value}」不是日期（例如 2024-03-31）。", "'{value}' is not a date (e.g. 2024-03-31)."),
    "as_of_needs_orders": ("按较早日期对比需要带日期的订单明细；这是一张客户表。",
                           "Comparing as of an earlier date needs dated order lines; this is a customer table."),
    "as_of_no_lines": ("{date} 及以前没有订单明细。", "No order lines on or before {date}."),
    "as_of_one_line_each": ("截至 {date} 每位客户只有一行订单，读作客户表而不是订单明细：请选较晚的日期。",
                            "Up to {date} every customer has one order line, which reads as a customer table, not "
                            "order lines; choose a later date."),
    "as_of_not_before": ("对比日期 {date} 必须早于分析日期 {as_of}。",
                         "The comparison date {date} must be before the analysis date {as_of}."),
    "movement_failed": ("分层已完成，但未做上期对比：{reason}", "Segmented, but not compared with the previous "
                        "snapshot: {reason}"),
    "empty_class": ("{label}：没有客户", "{label}: no customers"),
    "small_class": ("{label}：仅 {count} 位客户（不足 1%）", "{label}: only {count} customers (under 1%)"),
    "ambiguous_match": ("「{name}」上期出现 {before} 次、本期出现 {now} 次：按出现顺序配对。",
                        "'{name}' occurs {before} times before and {now} times now: paired in order of appearance."),
    "unknown_tier": ("「{value}」不是客户等级：未判断等级变动。", "'{value}' is not a tier: no tier change."),
    "no_match_column": ("两期数据缺少共同的{what}列：无法配对客户。",
                        "No {what} column in both snapshots: customers cannot be matched."),
}


# ---------------------------------------------------------------- where the run puts things (workbook/run.py)
#: added to one of our headers or sheet names when the user's workbook already uses it for something of its own
OURS_SUFFIX = " (xlcustseg)"
#: the first cell of the record on our settings sheet of what we wrote where (found again by it, not by names)
RECORD_MARK = "xlcustseg-record"
MESSAGES.update({
    "record_title": ("xlcustseg 据此记录找回它写的列和工作表，请勿修改",
                     "xlcustseg finds the columns and sheets it wrote by this record; please leave it as is"),
    "totals_row": ("{cell}：Excel 表的汇总行，未参与分层",
                   "{cell}: the Excel Table's totals row, left out of the segmentation"),
    "formula_no_result": ("{cell}：公式没有保存的结果，请在 Excel 中打开并保存文件，或重新计算",
                          "{cell}: formula without a saved result: open and save the file in Excel, or recalculate"),
    "run_cell_notes": ("{count} 个单元格另有备注，例如 {first}", "{count} cells noted besides, e.g. {first}"),
    "column_limit": ("工作表“{sheet}”右侧放不下 xlcustseg 的 {count} 列（会超出 Excel 的最后一列 XFD）："
                     "请把表格复制到新工作表再运行。",
                     "Sheet '{sheet}' has no room for xlcustseg's {count} columns (they would go past XFD, Excel's "
                     "last column): copy the table to a new sheet and run again."),
    "our_sheet": ("工作表“{sheet}”是 xlcustseg 写的输出，不是客户表：请选择客户表所在的工作表。",
                  "Sheet '{sheet}' is an output xlcustseg wrote, not a customer table: choose the sheet of the "
                  "customer table."),
})

# ---------------------------------------------------------------- refusals of workbook/limits.py (issue #15)
MESSAGES.update({
    "limit_refused": ("{name} 已拒绝读取：{what}，超过上限 {limit}（{variable}；只对信任的文件调高它）。",
                      "{name} is refused: {what}, over the limit of {limit} ({variable}; raise it only for a file "
                      "you trust)."),
    "limit_part_declares": ("其部件 {part} 声明解压后有 {size} 字节",
                            "its part {part} declares {size} bytes uncompressed"),
    "limit_ratio_declared": ("其部件 {part} 膨胀 {ratio} 倍（{packed} 字节解压为 {size} 字节）",
                             "its part {part} inflates {ratio} times ({packed} to {size} bytes)"),
    "limit_total_declares": ("其各部件声明解压后共 {size} 字节", "its parts declare {size} bytes uncompressed"),
    "limit_part_inflates": ("其部件 {part} 解压后更大", "its part {part} inflates to more bytes"),
    "limit_total_inflates": ("其各部件解压后更大", "its parts inflate to more bytes"),
    "limit_ratio": ("其部件 {part} 膨胀超过 {ratio} 倍（{packed} 字节解压为超过 {size} 字节）",
                    "its part {part} inflates more than {ratio} times ({packed} to over {size} bytes)"),
    "limit_cells": ("其工作表至少有 {cells} 个单元格", "its sheets hold {cells} cells or more"),
    "limit_xlsb_area": ("其 .xlsb 工作表部件 {part} 的单元格跨越 {area} 个网格单元格（到 {corner}；"
                        "另存为 .xlsx 则会略去远处的单元格）",
                        "its .xlsb sheet part {part} has cells spanning {area} grid cells (to {corner}; saved as "
                        ".xlsx, the far ones would be left out)"),
    "limit_shared_strings": ("它声明了 {count} 个共享字符串", "it declares {count} shared strings"),
    "limit_area": ("工作表“{sheet}”跨越 {area} 个网格单元格（到 {corner}），太大，无法略去远处的单元格",
                   "sheet '{sheet}' spans {area} grid cells (to {corner}), too large a sheet to leave its far "
                   "cells out"),
    "limit_area_kept": ("略去远处的单元格后，其单元格仍跨越 {area} 个网格单元格",
                        "its cells span {area} grid cells even without the far ones"),
    "limit_not_a_count": ("{variable}={value} 不是大于 0 的整数。",
                          "{variable}={value} is not a whole number above 0."),
    "limit_size_lie": ("{name} 已拒绝读取：其 zip 目录称 {part} 有 {declared} 字节，解压却得到 {size} 字节"
                       "（文件已损坏或被篡改）。",
                       "{name} is refused: its zip directory gives {part} {declared} bytes but it inflates to {size} "
                       "(the file is damaged or crafted)."),
    "limit_damaged": ("{name} 无法作为工作簿读取（其部件 {part} 已损坏）。",
                      "{name} could not be read as a workbook (its part {part} is damaged)."),
    "limit_encrypted": ("{name} 有密码保护（其 zip 条目已加密）。",
                        "{name} is password-protected (its zip entries are encrypted)."),
    "limit_compression": ("{name} 无法作为工作簿读取（其部件 {part} 使用了 Excel 不会写的压缩方式）。",
                          "{name} could not be read as a workbook (its part {part} uses a compression Excel does "
                          "not write)."),
})


# ---------------------------------------------------------------- reading files (workbook/reading.py, files.py)
MESSAGES.update({
    "far_cells": ("工作表“{sheet}”：{count} 个远离表格的单元格（{cells}）未读入；读取了 {block}"
                  "（文件中仍保留这些单元格）。",
                  "sheet '{sheet}': {count} cell(s) far from the table ({cells}) left out of the reading; read "
                  "{block} (the file keeps them)."),
    "far_cells_more": ("等另外 {count} 个", " and {count} more"),
    "converted": ("{name} 已转换为新的 .xlsx：保留了数值和每个工作表的隐藏状态，但公式变为其最后的结果，"
                  "格式、合并单元格、批注、图表、图片、定义的名称、数据验证和宏都没有带过来（输入文件未改动）。",
                  "{name} was converted to a new .xlsx: its values and each sheet's visibility are kept, but "
                  "formulas become their last results, and formatting, merged cells, comments, charts, images, "
                  "defined names, data validation and macros are not carried over (the input file is unchanged)."),
})


# ---------------------------------------------------------------- the data-quality sheet (workbook/quality_sheet.py)
QUALITY_SHEET: Pair = ("数据质量", "Data quality")
#: its title, section headings, overview labels and column headers
QUALITY_TEXTS: dict[str, Pair] = {
    "title": ("数据质量", "Data quality"),
    "overview": ("概览", "Overview"),
    "customers": ("参与分层的客户", "Customers segmented"),
    "excluded": ("留出的行（设置 quality.exclude）", "Rows left out (setting quality.exclude)"),
    "excluded_accounts": ("留出的账户", "Accounts left out"),
    "duplicate_ids": ("重复的客户编号", "Duplicate customer ids"),
    "duplicate_rows": ("重复编号所在的行", "Rows with a duplicate id"),
    "negative": ("销售额为负", "Negative revenue"),
    "outlier": ("销售额异常高", "Revenue outliers"),
    "limit": ("异常上限（{multiple:g} × 第 99 百分位）", "Outlier limit ({multiple:g} × 99th percentile)"),
    "notes": ("备注", "Notes"),
    "by_reason": ("按原因统计备注", "Notes by reason"),
    "reason": ("原因", "Reason"),
    "count": ("数量", "Count"),
    "cell": ("单元格", "Cell"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "message": ("说明", "Message"),
    "customer_id": ("客户编号", "Customer id"),
    "occurrences": ("出现次数", "Occurrences"),
    "revenue": ("销售额", "Revenue"),
    "flag": ("标记", "Flag"),
    "duplicates_flag": ("重复编号只做标记，不合并（设置 quality.duplicates = flag）",
                        "Duplicate ids are flagged, not merged (setting quality.duplicates = flag)"),
    "none": ("无", "None"),
}
QUALITY_FLAGS: dict[str, Pair] = {
    "negative": ("为负", "negative"),
    "outlier": ("超过异常上限", "above the outlier limit"),
}


def text(key: str, lang: str, **values: object) -> str:
    """One of `MESSAGES` in `lang`, its placeholders filled with `values`."""
    return pick(MESSAGES[key], lang).format(**values)


# ---------------------------------------------------------------- the SQL engines (xlcustseg/engines/)
MESSAGES.update({
    "engine_done": ("已用 {engine} 分层 {customers} 位客户：{per_tier}",
                    "Segmented {customers} customers with {engine}: {per_tier}"),
    "engine_incomplete": ("该客户有订单行的日期或金额无法读取：未计算汇总与分层",
                          "the date or amount of an order line could not be read: no figures or classes for this "
                          "customer"),
    "engine_no_columns": ("{file} 缺少 {missing} 列（订单明细需要客户编号、下单日期和金额）；现有列：{found}。",
                          "{file} has no {missing} column (order lines need a customer id, an order date and an "
                          "amount); its columns: {found}."),
    "engine_too_many": ("{customers} 位客户超出一张工作表的 {limit} 行：请输出 Parquet 或 CSV"
                        "（-o customers.parquet）。",
                        "{customers} customers do not fit a sheet ({limit} rows): write Parquet or CSV instead "
                        "(-o customers.parquet)."),
    "engine_missing": ("--engine {engine} 需要安装 {what}：pip install \"xlcustseg[{extra}]\"。",
                       "--engine {engine} needs {what}: pip install \"xlcustseg[{extra}]\"."),
    "engine_setting": ("--engine {engine} 不支持设置 {setting} = {value}；请用 --engine pandas。",
                       "--engine {engine} does not compute the setting {setting} = {value}; use --engine pandas."),
    "engine_output": ("{name}：请输出 .xlsx、.parquet、.csv 或 .csv.gz 文件。",
                      "{name}: write an .xlsx, .parquet, .csv or .csv.gz file."),
    "engine_workbook": ("--engine {engine} 读取 Parquet 或 CSV 订单明细；工作簿请用 --engine pandas。",
                        "--engine {engine} reads Parquet or CSV order lines; a workbook goes through --engine pandas."),
    "engine_url_local": ("{url}：{route} 只读写本机文件；网址请用 --engine duckdb 或 --engine spark，或先复制到本机。",
                         "{url}: {route} reads and writes local files only; give a URL to --engine duckdb or "
                         "--engine spark, or copy the file here first."),
    "engine_url_scheme": ("{name}：--engine {engine} 不能读写 {scheme}:// 地址；请用 --engine spark（Hadoop 文件系统）"
                          "或先复制到本机。",
                          "{name}: --engine {engine} does not read or write {scheme}:// locations; use --engine "
                          "spark (Hadoop file systems) or a local copy."),
})


# ---------------------------------------------------------------- the PivotTables sheet (workbook/pivot_sheet.py)
PIVOT_SHEET: Pair = ("透视", "Pivots")
PIVOT_TEXTS: dict[str, Pair] = {
    "title": ("数据透视表：打开文件时自动刷新；在“数据透视表字段”中拖动字段即可换个角度看",
              "PivotTables: refreshed when the file opens; drag fields in the PivotTable Fields pane to look "
              "another way"),
    "by_tier": ("各等级的客户数与销售额", "Customers and revenue by tier"),
    "tier_rfm": ("等级 × RFM分群（客户数）", "Tier × RFM class (customers)"),
    "lifecycle_tier": ("生命周期 × 等级（客户数）", "Lifecycle × tier (customers)"),
    "customers": ("客户数", "Customers"),
    "revenue": ("销售额", "Revenue"),
    "grand": ("总计", "Grand Total"),
    "blank": ("(空白)", "(blank)"),
    "no_table": ("表头不是互不相同的非空文字，未设为 Excel 表；数据透视表只读取 xlcustseg 写的列",
                 "The table's headers are not distinct non-empty texts, so it is not made an Excel Table; the "
                 "PivotTables read only the columns xlcustseg wrote"),
}


# ---------------------------------------------------------------- the rule's numbers (engine/explain.py, issue #12)
#: the optional column saying why a row is in its classes (setting output.why)
WHY_COLUMN = ("why", "分层依据", "Why")
#: the cut-points block on the summary and settings sheets, the Why column and `segment --explain`
EXPLAIN: dict[str, Pair] = {
    "title": ("分层依据（本次运行的分界值）", "Cut points (the numbers this run classed by)"),
    "header": ("方案|类别|规则|分界值", "Scheme|Class|Rule|Cut point"),
    "tier": ("客户等级", "Tier"),
    "revenue": ("销售额", "revenue"),
    "r": ("最近购买天数", "days since last purchase"),
    "first_days": ("首次购买天数", "days since first purchase"),
    "f": ("订单数", "orders"),
    "m_total": ("销售额", "revenue"),
    "m_average": ("平均订单金额", "average order"),
    "tier_low": ("销售额 ≥ {low}", "revenue ≥ {low}"),
    "tier_count": ("销售额前 {share} 的客户，本次 {k} 位", "top {share} of customers, {k} this run"),
    "tier_share": ("累计贡献前 {share} 的销售额", "customers bringing the first {share} of revenue"),
    "tier_empty": ("本次无客户", "nobody this run"),
    "tier_rest": ("销售额 < {low}", "revenue < {low}"),
    "tier_rest_all": ("其余", "the rest"),
    "tier_not_positive": ("销售额 ≤ 0，归入最低等级", "revenue ≤ 0: the lowest tier"),
    "rank_rule": ("按客户排名：每档约 {share}", "by rank: about {share} of customers each"),
    "threshold_rule": ("固定分界值（设置 rfm.{dim}_thresholds）", "fixed limits (setting rfm.{dim}_thresholds)"),
    "all": ("全部", "all"),
    "high": ("高", "high"),
    "low": ("低", "low"),
    "high_score": ("{dim}分 ≥ {centre}（平均分）", "{dim} score ≥ {centre} (mean score)"),
    "high_value_mean": ("{what} {op} {centre}（平均值）", "{what} {op} {centre} (mean)"),
    "high_value_median": ("{what} {op} {centre}（中位数）", "{what} {op} {centre} (median)"),
    "rfm_high": ("RFM分群：{dim} 高", "RFM class: {dim} high"),
    "rfm_side": ("{dim}{side}：{value} {op} {centre}", "{dim} {side}: {value} {op} {centre}"),
    "rfm10": ("由 R{r} 与 F{f} 查表（rfm10）", "looked up from R{r} and F{f} (rfm10 grid)"),
    "lifecycle": ("生命周期", "Lifecycle"),
    "prospect": ("无购买记录", "no purchase on record"),
    "new": ("首次购买天数 ≤ {new}", "days since first purchase ≤ {new}"),
    "active": ("最近购买天数 ≤ {active}", "days since last purchase ≤ {active}"),
    "dormant": ("{active} < 最近购买天数 ≤ {dormant}", "{active} < days since last purchase ≤ {dormant}"),
    "churned": ("最近购买天数 > {dormant}", "days since last purchase > {dormant}"),
    "customer": ("客户 {who}", "Customer {who}"),
    "value": ("{what} = {value}", "{what} = {value}"),
    "missing": ("缺少所需的值", "the values it needs are missing"),
    "notes": ("备注", "Notes"),
    "not_found": ("找不到客户“{who}”：没有客户编号或名称与之相同。",
                  "No customer '{who}': no customer id or name is that."),
    "ambiguous": ("“{who}”对应 {count} 位客户（{matches}）：请用客户编号。",
                  "'{who}' matches {count} customers ({matches}): give the customer id."),
}
