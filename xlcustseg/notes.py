"""Per-cell and per-row notes: what could not be read or classed, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from xlcustseg.fields.values import REASONS

#: reasons a scheme leaves a class empty or adds a remark (zh, en).
SCHEME_REASONS: dict[str, tuple[str, str]] = {
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
}
ALL_REASONS = {**REASONS, **SCHEME_REASONS}

COLUMNS = ["row", "cell", "column", "value", "reason"]


@dataclass
class NoteBook:
    """Collects notes about cells; `row` is the position in the customer table."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, rows: np.ndarray, cells: np.ndarray | list, column: str,
            values: pd.Series | np.ndarray, reasons: pd.Series | np.ndarray | str) -> None:
        if len(rows) == 0:
            return
        frame = pd.DataFrame({"row": rows, "cell": cells, "column": column,
                              "value": np.asarray(values, dtype=object), "reason": reasons})
        self.parts.append(frame)

    def remap_rows(self, to_row: np.ndarray) -> None:
        """Order lines: point each note at its line's customer row (NA for lines without one)."""
        for part in self.parts:
            mapped = pd.Series(to_row[part["row"].to_numpy(dtype=int)]).astype("Int64")
            part["row"] = mapped.where(mapped >= 0)

    def frame(self, lang: str) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in [*COLUMNS, "message"]})
        notes = pd.concat(self.parts, ignore_index=True)
        notes["row"] = notes["row"].astype("Int64")
        notes["message"] = render(notes, lang)
        return notes.sort_values(["row", "cell"], kind="stable").reset_index(drop=True)


def render(notes: pd.DataFrame, lang: str) -> pd.Series:
    i = 0 if lang == "zh" else 1
    reason = notes["reason"].map(lambda r: ALL_REASONS.get(r, (r, r))[i])
    value = notes["value"].map(_show)
    where = notes["cell"].fillna("").astype(str)
    if lang == "zh":
        return where + " " + notes["column"] + "「" + value + "」" + reason
    return where + " " + notes["column"] + " '" + value + "' " + reason


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as a spreadsheet shows 0.0
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def cell_names(sheet_rows: np.ndarray, sheet_col: int) -> np.ndarray:
    """'C7'-style addresses (1-based row and column)."""
    letter = get_column_letter(sheet_col)
    return np.char.add(letter, np.asarray(sheet_rows).astype(str)).astype(object)


def per_row(notes: pd.DataFrame, n_rows: int) -> pd.Series:
    """The notes column: every message about a row, joined with '; '."""
    out = pd.Series([None] * n_rows, dtype=object)
    if len(notes):
        known = notes.dropna(subset=["row"])
        joined = known.groupby("row", sort=True)["message"].agg("; ".join)
        out.iloc[joined.index.to_numpy(dtype=int)] = joined.to_numpy()
    return out
