"""The settings table: key/value rows, read the same from a settings sheet, a settings file or a DataFrame.

The one-click run reads the workbook's settings sheet, `xlcustseg segment
--settings FILE` reads a CSV or workbook, and `Settings.from_table` reads a
DataFrame; all three hand their rows to `read_settings_table`, so a table that
works on one route works on every route. The first cell of a row is the key,
the second its value; further cells (the description column) are ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlcustseg.cells import is_blank
from xlcustseg.i18n import SETTINGS_HEADERS

#: first-row titles of the key and value columns (ours, SETTINGS_HEADERS, and the usual others, compared
#: case- and width-blind): a first row with one of them is a header, not a setting
KEY_TITLES = frozenset({*(h.casefold() for h in SETTINGS_HEADERS["key"]), "key", "keys", "setting", "settings",
                        "option", "name", "设置", "参数", "项目", "名称", "键"})
VALUE_TITLES = frozenset({*(h.casefold() for h in SETTINGS_HEADERS["value"]), "value", "values", "取值", "设定值",
                          "参数值"})


@dataclass(frozen=True)
class SettingsTable:
    """What a settings table says: key → value as given, and key → its row (0-based among the rows read)."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def read_settings_table(rows: Iterable[Sequence[Any]]) -> SettingsTable:
    """The key/value pairs of a settings table.

    Keys are the first cells' text, trimmed; rows with a blank key are skipped.
    The first row with a key is a header when its key or value is a column
    title (Key/Value, Setting, 设置项/值, 参数 …), whatever the case or width.
    A blank value (None, NaN, "") is read as "". A key given twice keeps the
    later row. Whether keys and values are usable is for `Settings` to say.
    """
    values: dict[str, Any] = {}
    places: dict[str, int] = {}
    first = True
    for i, row in enumerate(rows):
        cells = list(row)
        key = cells[0] if cells else None
        if is_blank(key) or not str(key).strip():
            continue
        value = cells[1] if len(cells) > 1 else None
        if first and _is_header(key, value):
            first = False
            continue
        first = False
        name = str(key).strip()
        values[name] = "" if is_blank(value) else value
        places[name] = i
    return SettingsTable(values, places)


def _is_header(key: Any, value: Any) -> bool:
    return _title(key) in KEY_TITLES or _title(value) in VALUE_TITLES


def _title(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip().casefold()
