"""PivotTables as Open XML parts, built from a DataFrame: the pivot cache and the tables over it.

Pure functions, no package I/O: `workbook.package_write` puts the parts into the
output package. One pivot cache (definition and records) reads a block of a
sheet (`Source`: its header row and the values below, as the sheet holds them);
each `Pivot` reads that cache with one row field, at most one column field and
one or more data fields (count or sum). The cache is marked refreshOnLoad, so
Excel and LibreOffice recompute every table from the sheet when they open the
file; the records and the rendered cells (`rendered`) let a reader that does not
refresh show the same figures.

Axis fields list their items (`axis_items`: the order given first, then the rest
sorted, a blank last); every other field keeps its values in the records
(numbers, dates, texts, blanks) with the flags Excel expects on its
<sharedItems>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from xlcustseg.cells import column_letter
from xlcustseg.workbook.ooxml import DOC_REL_NS, MAIN_NS

PIVOT_TABLE_REL = f"{DOC_REL_NS}/pivotTable"
CACHE_REL = f"{DOC_REL_NS}/pivotCacheDefinition"
RECORDS_REL = f"{DOC_REL_NS}/pivotCacheRecords"
_KINDS = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PIVOT_TABLE_TYPE = f"{_KINDS}.pivotTable+xml"
CACHE_TYPE = f"{_KINDS}.pivotCacheDefinition+xml"
RECORDS_TYPE = f"{_KINDS}.pivotCacheRecords+xml"
NAME_PREFIX = "xlcustseg_"  # our PivotTables' names begin so
#: a cache of more cells (rows × fields) than this is written without its records (saveData="0"): readers
#: rebuild it from the sheet on open (refreshOnLoad), and the package stays small
RECORDS_LIMIT = 2_000_000
_EPOCH = np.datetime64("1899-12-30")


@dataclass(frozen=True)
class Source:
    """A block of a sheet the pivot cache reads: the header row at (first_row, first_col), values below.

    frame: one column per sheet column, named by its header (unique, non-empty
    texts), holding the values as read (str, int, float, bool, date, None).
    """

    sheet: str
    first_row: int
    first_col: int
    frame: pd.DataFrame

    @property
    def ref(self) -> str:
        """The block as a range: 'A1:Q101'."""
        last_row = self.first_row + max(len(self.frame), 1)
        last_col = self.first_col + len(self.frame.columns) - 1
        return f"{column_letter(self.first_col)}{self.first_row}:{column_letter(last_col)}{last_row}"


@dataclass(frozen=True)
class Pivot:
    """One PivotTable: a row field, an optional column field, data fields (field, 'count' or 'sum', caption).

    anchor: its top-left cell (row, column) on the pivots sheet; captions: the
    row and column headers' and the grand total's texts; blank: how a blank item shows.
    """

    name: str
    rows: str
    cols: str | None
    values: tuple[tuple[str, str, str], ...]
    anchor: tuple[int, int]
    row_caption: str
    col_caption: str
    grand: str
    blank: str


def axis_items(values: pd.Series, order: Sequence[Any] = ()) -> list[Any]:
    """The items of an axis field: those of `order` present, then the others sorted as text; None last if blank."""
    present = pd.unique(values[values.notna()].astype(str))
    first = [v for v in map(str, order) if v in set(present)]
    rest = sorted(set(present) - set(first))
    return [*first, *rest, *([None] if values.isna().any() else [])]


def carries_records(source: Source) -> bool:
    """Whether the cache of `source` is written with its records (at most RECORDS_LIMIT cells)."""
    return len(source.frame) * len(source.frame.columns) <= RECORDS_LIMIT


def cache_definition(source: Source, axes: dict[str, list[Any]], records_id: str | None) -> str:
    """The pivotCacheDefinition part: refreshed on load, over `source`, its records at relationship `records_id`
    (None: written without records, saveData="0")."""
    fields = "".join(_cache_field(str(name), source.frame[name], axes.get(name)) for name in source.frame.columns)
    records = f'r:id="{records_id}"' if records_id is not None else 'saveData="0"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<pivotCacheDefinition xmlns="{MAIN_NS}" xmlns:r="{DOC_REL_NS}" {records} '
            f'refreshOnLoad="1" refreshedBy="xlcustseg" createdVersion="6" refreshedVersion="6" '
            f'minRefreshableVersion="3" recordCount="{len(source.frame)}">'
            f'<cacheSource type="worksheet"><worksheetSource ref="{source.ref}" sheet={quoteattr(source.sheet)}/>'
            f'</cacheSource><cacheFields count="{len(source.frame.columns)}">{fields}</cacheFields>'
            f"</pivotCacheDefinition>")


def cache_records(source: Source, axes: dict[str, list[Any]]) -> str:
    """The pivotCacheRecords part: a record per row, an axis field by its item's index, any other by its value."""
    fields = [_record_values(source.frame[name], axes.get(name)) for name in source.frame.columns]
    body = "".join(["<r>" + "".join(row) + "</r>" for row in zip(*fields, strict=True)])
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<pivotCacheRecords xmlns="{MAIN_NS}" xmlns:r="{DOC_REL_NS}" count="{len(source.frame)}">'
            f"{body}</pivotCacheRecords>")


def pivot_table(pivot: Pivot, cache_id: int, source: Source, axes: dict[str, list[Any]]) -> str:
    """The pivotTableDefinition part of `pivot` over cache `cache_id` (its location as `rendered` fills it)."""
    names = [str(c) for c in source.frame.columns]
    data_fields = {field for field, _, _ in pivot.values}
    fields = []
    for name in names:
        axis = ' axis="axisRow"' if name == pivot.rows else ' axis="axisCol"' if name == pivot.cols else ""
        data = ' dataField="1"' if name in data_fields else ""
        if axis:
            items = "".join(f'<item x="{i}"/>' for i in range(len(axes[name])))
            fields.append(f'<pivotField{axis}{data} showAll="0"><items count="{len(axes[name]) + 1}">{items}'
                          f'<item t="default"/></items></pivotField>')
        else:
            fields.append(f'<pivotField{data} showAll="0"/>')
    rows = _axis_items(len(axes[pivot.rows]))
    if pivot.cols is not None:
        col_fields = f'<colFields count="1"><field x="{names.index(pivot.cols)}"/></colFields>'
        cols = _axis_items(len(axes[pivot.cols]), "colItems")
    elif len(pivot.values) > 1:
        col_fields = '<colFields count="1"><field x="-2"/></colFields>'
        cols = "".join("<i><x/></i>" if i == 0 else f'<i i="{i}"><x v="{i}"/></i>' for i in range(len(pivot.values)))
        cols = f'<colItems count="{len(pivot.values)}">{cols}</colItems>'
    else:
        col_fields, cols = "", '<colItems count="1"><i/></colItems>'
    data = "".join(_data_field(caption, names.index(field), how) for field, how, caption in pivot.values)
    col_caption = f" colHeaderCaption={quoteattr(pivot.col_caption)}" if pivot.cols is not None else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<pivotTableDefinition xmlns="{MAIN_NS}" name={quoteattr(pivot.name)} cacheId="{cache_id}" '
            f'applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" '
            f'applyAlignmentFormats="0" applyWidthHeightFormats="1" dataCaption="Values" '
            f'grandTotalCaption={quoteattr(pivot.grand)} updatedVersion="6" minRefreshableVersion="3" '
            f'useAutoFormatting="1" itemPrintTitles="1" createdVersion="6" indent="0" outline="1" outlineData="1" '
            f'multipleFieldFilters="0" rowHeaderCaption={quoteattr(pivot.row_caption)}{col_caption}>'
            f"{_location(pivot, axes)}"
            f'<pivotFields count="{len(names)}">{"".join(fields)}</pivotFields>'
            f'<rowFields count="1"><field x="{names.index(pivot.rows)}"/></rowFields>{rows}'
            f"{col_fields}{cols}"
            f'<dataFields count="{len(pivot.values)}">{data}</dataFields>'
            f'<pivotTableStyleInfo name="PivotStyleLight16" showRowHeaders="1" showColHeaders="1" '
            f'showRowStripes="0" showColStripes="0" showLastColumn="1"/></pivotTableDefinition>')


def rendered(pivot: Pivot, source: Source, axes: dict[str, list[Any]]) -> list[list[Any]]:
    """The cells the PivotTable shows, from its anchor: headers, a line per row item, the grand total."""
    frame = source.frame
    rows = _labels(frame[pivot.rows])
    row_items = [pivot.blank if v is None else v for v in axes[pivot.rows]]
    if pivot.cols is None:
        columns = [_aggregate(frame[field], rows, how, row_items) for field, how, _ in pivot.values]
        body = [[item, *(c[i] for c in columns)] for i, item in enumerate(row_items)]
        grand = [pivot.grand, *(_total(frame[field], how) for field, how, _ in pivot.values)]
        return [[pivot.row_caption, *(caption for _, _, caption in pivot.values)], *body, grand]
    field, _how, caption = pivot.values[0]
    col_items = [pivot.blank if v is None else v for v in axes[pivot.cols]]
    cols = _labels(frame[pivot.cols])
    counted = _kinds(frame[field]).ne("m")
    table = pd.crosstab(rows[counted].fillna(pivot.blank), cols[counted].fillna(pivot.blank))
    table = table.reindex(index=row_items, columns=col_items, fill_value=0)
    grid = table.to_numpy().tolist()
    body = [[item, *(v or None for v in grid[i]), sum(grid[i]) or None] for i, item in enumerate(row_items)]
    totals = [int(table[c].sum()) or None for c in col_items]
    return [[caption, pivot.col_caption], [pivot.row_caption, *col_items, pivot.grand], *body,
            [pivot.grand, *totals, int(counted.sum())]]


def size(pivot: Pivot, axes: dict[str, list[Any]]) -> tuple[int, int]:
    """(rows, columns) the rendered table takes."""
    if pivot.cols is None:
        return len(axes[pivot.rows]) + 2, len(pivot.values) + 1
    return len(axes[pivot.rows]) + 3, len(axes[pivot.cols]) + 2


# ---------------------------------------------------------------- helpers
def _location(pivot: Pivot, axes: dict[str, list[Any]]) -> str:
    rows, cols = size(pivot, axes)
    r0, c0 = pivot.anchor
    ref = f"{column_letter(c0)}{r0}:{column_letter(c0 + cols - 1)}{r0 + rows - 1}"
    if pivot.cols is None:
        return f'<location ref="{ref}" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
    return f'<location ref="{ref}" firstHeaderRow="1" firstDataRow="2" firstDataCol="1"/>'


def _axis_items(n: int, tag: str = "rowItems") -> str:
    """<rowItems> (or <colItems>) of an axis of n items and its grand total."""
    items = "".join("<i><x/></i>" if i == 0 else f'<i><x v="{i}"/></i>' for i in range(n))
    return f'<{tag} count="{n + 1}">{items}<i t="grand"><x/></i></{tag}>'


def _data_field(caption: str, index: int, how: str) -> str:
    count = ' subtotal="count"' if how == "count" else ""
    number = ' numFmtId="4"' if how == "sum" else ""
    return f'<dataField name={quoteattr(caption)} fld="{index}"{count} baseField="0" baseItem="0"{number}/>'


def _labels(values: pd.Series) -> pd.Series:
    """An axis field's values as its items: texts, blank as None."""
    text = values.astype(object).where(values.notna(), None)
    return text.map(lambda v: None if v is None else str(v), na_action="ignore")


def _aggregate(values: pd.Series, rows: pd.Series, how: str, items: list[Any]) -> list[Any]:
    """Per row item: the count of non-blank values, or their sum (None where the item has none)."""
    keys = rows.fillna("\x00blank")
    items_keys = ["\x00blank" if i is None else i for i in items]
    if how == "count":
        found = _kinds(values).ne("m")
        out = found.groupby(keys).sum().reindex(items_keys, fill_value=0)
        return [int(v) or None for v in out]
    numbers = pd.to_numeric(values, errors="coerce")
    out = numbers.groupby(keys).sum(min_count=1).reindex(items_keys)
    return [None if pd.isna(v) else float(v) for v in out]


def _total(values: pd.Series, how: str) -> Any:
    if how == "count":
        return int(_kinds(values).ne("m").sum())
    return float(pd.to_numeric(values, errors="coerce").sum())


def _cache_field(name: str, values: pd.Series, items: list[Any] | None) -> str:
    """A <cacheField>: an axis field lists its items; any other gives the flags of the values it holds."""
    if items is not None:
        shared = "".join("<m/>" if v is None else f"<s v={quoteattr(str(v))}/>" for v in items)
        blank = ' containsBlank="1"' if None in items else ""
        return (f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems{blank} count="{len(items)}">'
                f"{shared}</sharedItems></cacheField>")
    found = _distinct(values)  # the flags of the distinct values are the column's
    flags = _flags(values if found is None else found[1])
    return f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems{flags}/></cacheField>'


_TYPE_KINDS = {type(None): "m", bool: "b", np.bool_: "b", int: "n", float: "n", np.int64: "n", np.int32: "n",
               np.float64: "n", np.float32: "n", dt.datetime: "d", dt.date: "d", pd.Timestamp: "d", str: "s",
               type(pd.NaT): "m"}


def _kinds(values: pd.Series) -> pd.Series:
    """Each value's kind: 'm' blank, 'n' number, 'd' date, 'b' boolean, 's' text (by its type, then NaN and ''
    blank, an infinite number text)."""
    raw = values.to_numpy(dtype=object)
    codes, types = pd.factorize(pd.Series([type(v) for v in raw], dtype=object))
    kinds = np.array([_TYPE_KINDS.get(t, "s") for t in types] or ["m"], dtype=object)[codes] if len(raw) else \
        np.array([], dtype=object)
    numeric = kinds == "n"
    numbers = pd.to_numeric(pd.Series(raw[numeric], dtype=object), errors="coerce").to_numpy(dtype=float)
    kinds[np.flatnonzero(numeric)[np.isnan(numbers)]] = "m"
    kinds[np.flatnonzero(numeric)[np.isinf(numbers)]] = "s"
    texts = np.flatnonzero(kinds == "s")
    kinds[texts[raw[texts] == ""]] = "m"
    return pd.Series(kinds, index=values.index, dtype=object)


def _flags(values: pd.Series) -> str:
    """<sharedItems> attributes for a field whose values are written in the records."""
    kinds = _kinds(values)
    present = set(pd.unique(kinds.to_numpy()))
    attrs = []
    numbers = pd.to_numeric(values[kinds.eq("n")], errors="coerce").astype(float)
    dates = pd.to_datetime(values[kinds.eq("d")].astype(object), errors="coerce")
    texts = bool(present & {"s", "b"})
    if not texts and present - {"m"}:
        attrs.append('containsSemiMixedTypes="0"' if "m" not in present else "")
        if "d" in present and "n" not in present:
            attrs.append('containsNonDate="0"')
        attrs.append('containsString="0"')
    if len(present - {"m"}) > 1 and texts:
        attrs.append('containsMixedTypes="1"')
    if "m" in present:
        attrs.append('containsBlank="1"')
    if "n" in present:
        integer = bool(np.all(np.mod(numbers.to_numpy(), 1) == 0))
        attrs.append('containsNumber="1"' + (' containsInteger="1"' if integer else ""))
        attrs.append(f'minValue="{_number(numbers.min())}" maxValue="{_number(numbers.max())}"')
    if "d" in present and dates.notna().any():
        attrs.append(f'containsDate="1" minDate="{_date(dates.min())}" maxDate="{_date(dates.max())}"')
    return "".join(" " + a for a in attrs if a)


def _record_values(values: pd.Series, items: list[Any] | None) -> np.ndarray:
    """Each row's XML for one field: <x v=".."/> (an axis field's item), <n/>, <d/>, <b/>, <s/> or <m/>
    (rendered once per distinct value where `_distinct` allows)."""
    found = _distinct(values)
    if found is None:
        return _each_record_value(values, items)
    codes, distinct = found
    return _each_record_value(distinct, items)[codes]


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """Each value's code and the distinct values (a blank, None, last: the code of None and NaN is -1), or None
    when that would not save work (all distinct) or would merge values (booleans with others: True hashes as 1)."""
    raw = values.to_numpy(dtype=object)
    codes, distinct = pd.factorize(raw, use_na_sentinel=True)
    kinds = set(map(type, raw))
    if len(distinct) == len(raw) or (kinds & {bool, np.bool_} and len(kinds) > 1):
        return None
    blank = [None] if (codes < 0).any() else []
    return codes, pd.Series([*distinct, *blank], dtype=object)


def _each_record_value(values: pd.Series, items: list[Any] | None) -> np.ndarray:
    """`_record_values` value by value."""
    if items is not None:
        index = {("\x00blank" if v is None else v): i for i, v in enumerate(items)}
        codes = _labels(values).fillna("\x00blank").map(index)
        return '<x v="' + codes.to_numpy(dtype=int).astype(str).astype(object) + '"/>'
    kinds = _kinds(values).to_numpy()
    raw = values.to_numpy(dtype=object)
    out = np.full(len(raw), "<m/>", dtype=object)
    numbers = kinds == "n"
    out[numbers] = '<n v="' + raw[numbers].astype(float).astype(str).astype(object) + '"/>'
    booleans = kinds == "b"
    out[booleans] = np.where(raw[booleans].astype(bool), '<b v="1"/>', '<b v="0"/>')
    dates = kinds == "d"
    stamps = pd.to_datetime(pd.Series(raw[dates], dtype=object), errors="coerce").to_numpy(dtype="datetime64[s]")
    out[dates] = '<d v="' + stamps.astype(str).astype(object) + '"/>'
    texts = kinds == "s"
    out[texts] = '<s v="' + _escaped(raw[texts]) + '"/>'
    return out


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _date(value: pd.Timestamp) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")


_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                           "\t": "&#9;", **{chr(c): None for c in (*range(9), 11, 12, *range(14, 32))}})


def _escaped(texts: np.ndarray) -> np.ndarray:
    """Texts as XML attribute values: escaped, without the control characters XML 1.0 cannot hold."""
    return np.array([str(t).translate(_XML_ATTR) for t in texts], dtype=object)


__all__ = ["CACHE_REL", "CACHE_TYPE", "NAME_PREFIX", "PIVOT_TABLE_REL", "PIVOT_TABLE_TYPE", "RECORDS_LIMIT",
           "RECORDS_REL", "RECORDS_TYPE", "Pivot", "Source", "axis_items", "cache_definition", "cache_records",
           "carries_records", "pivot_table", "rendered", "size"]
