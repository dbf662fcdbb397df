"""Per-cell and per-row notes: what could not be read or classed, and why."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlcustseg.cells import column_letter
from xlcustseg.i18n import ALL_REASONS, NOTE_QUOTES, pick

COLUMNS = ["row", "cell", "column", "value", "reason"]


def note_part(rows: np.ndarray, cells: np.ndarray | list, column: str, values: pd.Series | np.ndarray,
              reasons: pd.Series | np.ndarray | str) -> tuple[pd.DataFrame, ...]:
    """Notes on `rows` (positions in the customer table) as one frame: () when there are none."""
    if len(rows) == 0:
        return ()
    return (pd.DataFrame({"row": rows, "cell": cells, "column": column,
                          "value": np.asarray(values, dtype=object), "reason": reasons}),)


@dataclass
class NoteBook:
    """Collects notes about cells while a table is read."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, rows: np.ndarray, cells: np.ndarray | list, column: str,
            values: pd.Series | np.ndarray, reasons: pd.Series | np.ndarray | str) -> None:
        """Note the given rows' cells of one column, each with its reason."""
        self.parts.extend(note_part(rows, cells, column, values, reasons))

    def remap_rows(self, to_row: np.ndarray) -> None:
        """Order lines: point each note at its line's customer row (NA for lines without one)."""
        for part in self.parts:
            mapped = pd.Series(to_row[part["row"].to_numpy(dtype=int)]).astype("Int64")
            part["row"] = mapped.where(mapped >= 0)


def notes_frame(parts: Iterable[pd.DataFrame], lang: str) -> pd.DataFrame:
    """Every note, one row each, with its sentence in `lang`, ordered by row and cell."""
    parts = list(parts)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*COLUMNS, "message"]})
    notes = pd.concat(parts, ignore_index=True)
    notes["row"] = notes["row"].astype("Int64")
    notes["message"] = render(notes, lang)
    return notes.sort_values(["row", "cell"], kind="stable").reset_index(drop=True)


def render(notes: pd.DataFrame, lang: str) -> pd.Series:
    """Each note as a sentence: cell, header, the value as shown, the reason."""
    reason = notes["reason"].map(lambda r: pick(ALL_REASONS.get(r, (r, r)), lang))
    value = notes["value"].map(_show)
    where = notes["cell"].fillna("").astype(str)
    before, after = pick(NOTE_QUOTES, lang)
    return where + " " + notes["column"] + before + value + after + reason


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, _dt.date):  # a Timestamp too; any year, 0001 and 9999 included
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as a spreadsheet shows 0.0
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def cell_names(sheet_rows: np.ndarray, sheet_col: int) -> np.ndarray:
    """'C7'-style addresses (1-based row and column)."""
    letter = column_letter(sheet_col)
    return np.char.add(letter, np.asarray(sheet_rows).astype(str)).astype(object)


def per_row(notes: pd.DataFrame, n_rows: int) -> pd.Series:
    """The notes column: every message about a row, joined with '; '."""
    out = pd.Series([None] * n_rows, dtype=object)
    if len(notes):
        known = notes.dropna(subset=["row"])
        joined = known.groupby("row", sort=True)["message"].agg("; ".join)
        out.iloc[joined.index.to_numpy(dtype=int)] = joined.to_numpy()
    return out
