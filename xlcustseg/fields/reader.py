"""From the located table to typed columns, one per canonical field, with notes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlcustseg.fields import values as V
from xlcustseg.fields.headers import TableLayout
from xlcustseg.notes import NoteBook, cell_names, note_part

TEXT, KEY, NUMBER, DATE, YESNO, LEVEL = "text", "key", "number", "date", "yesno", "level"
FIELD_KINDS: dict[str, str] = {
    "customer_id": TEXT, "customer_name": TEXT, "order_id": KEY, "stage": TEXT,
    "industry": TEXT, "region": TEXT, "customer_kind": TEXT, "personality": TEXT,
    "revenue": NUMBER, "profit": NUMBER, "orders": NUMBER, "recency": NUMBER,
    "discount_share": NUMBER, "complaints": NUMBER, "new_product_share": NUMBER,
    "service_requests": NUMBER, "return_rate": NUMBER, "referrals": NUMBER,
    "first_date": DATE, "last_date": DATE, "order_date": DATE, "last_contact": DATE,
    "money": YESNO, "authority": YESNO, "need_flag": YESNO,
    "need": LEVEL, "potential": LEVEL, "relationship": LEVEL,
}
SHARE_FIELDS = ("discount_share", "new_product_share", "return_rate")
_PARSERS = {NUMBER: V.parse_numbers, DATE: V.parse_dates, YESNO: V.parse_yes_no, LEVEL: V.parse_levels}


@dataclass
class FieldTable:
    """Typed columns of one table (index 0..n-1) and where each came from."""

    n: int
    values: dict[str, pd.Series] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    level_words: dict[str, bool] = field(default_factory=dict)
    sheet_rows: np.ndarray | None = None  # sheet row of each row (None: a table we made)
    sheet_cols: dict[str, int] = field(default_factory=dict)  # field -> sheet column
    problems: dict[str, np.ndarray] = field(default_factory=dict)  # field -> unreadable per row
    raw: dict[str, pd.Series] = field(default_factory=dict)  # field -> the cells as handed over
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # text field -> factorize codes

    def has(self, *names: str) -> bool:
        return all(n in self.values for n in names)

    def get(self, name: str) -> pd.Series | None:
        return self.values.get(name)

    def cells(self, name: str, rows: np.ndarray) -> np.ndarray:
        """'C7'-style addresses of `name`'s cells in the given rows ('' for a table we made)."""
        if self.sheet_rows is None or name not in self.sheet_cols:
            return np.full(len(rows), "", dtype=object)
        return cell_names(self.sheet_rows[rows], self.sheet_cols[name])

    def notes(self, name: str, mask: np.ndarray, reason: str) -> tuple[pd.DataFrame, ...]:
        """Notes on `name`'s cells in the rows of `mask`, showing each cell as it was handed over."""
        rows = np.flatnonzero(mask)
        shown = self.raw.get(name, self.values[name])
        return note_part(rows, self.cells(name, rows), self.headers.get(name, name), shown.iloc[rows], reason)


def body_of(frame: pd.DataFrame, layout: TableLayout) -> tuple[pd.DataFrame, np.ndarray]:
    """The data rows under the header, blank rows dropped; and their frame positions."""
    start = 0 if layout.header_row is None else layout.header_row + 1
    body = frame.iloc[start:, sorted(layout.fields.values())]
    blank = np.ones(len(body), dtype=bool)
    typed_first = sorted(range(body.shape[1]), key=lambda j: body.dtypes.iloc[j].kind == "O")  # text checked last,
    for j in typed_first:  # only in rows still blank (order lines: their amount or date already says no)
        still = np.flatnonzero(blank)
        if not len(still):
            break
        column = body.iloc[:, j] if len(still) == len(blank) else body.iloc[still, j]
        blank[still] = column.isna().to_numpy() | _blank_text(column)
    keep = ~blank
    return frame.iloc[start:].iloc[np.flatnonzero(keep)], np.arange(start, len(frame))[keep]


def _blank_text(column: pd.Series) -> np.ndarray:
    """Which cells are empty or whitespace-only strings."""
    out = np.zeros(len(column), dtype=bool)
    if column.dtype != object or not len(column):
        return out
    cells = column.to_numpy()
    codes, types = V.cell_types(cells)
    is_str = np.isin(codes, [i for i, t in enumerate(types) if t is str])
    texts = cells[is_str]  # str.isspace is the whitespace .strip() removes; one C-level pass, no .str
    out[is_str] = np.fromiter(map(str.isspace, texts), bool, len(texts)) | np.equal(texts, "")
    return out


def _only_text(column: pd.Series) -> bool:
    """Does an object column hold strings only (so no blank to make None)? One pass over the types, in C."""
    return column.dtype == object and set(map(type, column.to_numpy())) == {str}


def read_fields(body: pd.DataFrame, layout: TableLayout, sheet_rows: np.ndarray,
                first_col: int, notes: NoteBook) -> FieldTable:
    """Parse every detected field of `body`; unreadable cells become notes."""
    table = FieldTable(n=len(body), sheet_rows=np.asarray(sheet_rows))
    for name, pos in layout.fields.items():
        kind = FIELD_KINDS.get(name, TEXT)
        column = body.iloc[:, pos]  # on positions 0..n-1, sharing its cells (reset_index copies them on pandas 2)
        cells = column.array if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) else column.to_numpy()
        raw = pd.Series(cells, index=pd.RangeIndex(len(column)), name=column.name, dtype=column.dtype, copy=False)
        header = layout.headers[pos]
        table.headers[name], table.raw[name] = header, raw
        table.sheet_cols[name] = first_col + pos
        if kind == KEY:  # only ever compared for equality: no cleaning needed
            table.values[name] = raw if _only_text(raw) else raw.where(raw.notna(), None)
            table.problems[name] = np.zeros(len(raw), dtype=bool)
            continue
        if kind == TEXT:
            codes, uniques = V.factorize_text(raw)
            text = uniques[codes] if len(uniques) else np.full(len(codes), None, dtype=object)
            text[codes < 0] = None
            table.values[name], table.codes[name] = pd.Series(text, dtype=object), codes
            table.problems[name] = np.zeros(len(raw), dtype=bool)
            continue
        parsed = _PARSERS[kind](raw)
        values = parsed.values
        if name in SHARE_FIELDS:
            values = values.where(values <= 1, values / 100.0)
        if kind == LEVEL:
            table.level_words[name] = V.is_level_text(raw)
        table.values[name] = values
        table.problems[name] = parsed.unreadable.to_numpy()
        bad = np.flatnonzero(table.problems[name])
        notes.add(bad, table.cells(name, bad), header, raw.iloc[bad], parsed.problems.iloc[bad].to_numpy())
    return table
