"""A template sheet's styles on xlwings' remote engines (Lite, Server, the JSON book), in few actions.

Desktop Excel copies the styled template sheet in; the remote engines cannot (an
xlwings action addresses one rectangle of one open workbook), so there the
values go in as one block and the styles follow as actions. Each style the
template sets (a fill, bold, a font size or colour, a number format, a border,
an alignment, a column width) is sent once per rectangle of cells that share
it: the cells holding it are cut into the fewest row runs, and runs of the same
columns on consecutive rows become one rectangle. An action addresses a single
rectangle (a multi-area address such as "A1:C1,E1" is cut to its first area by
xlwings' remote Range), so rectangles are the unit. The count depends on the
template only, never on the data.

Which actions a client carries out depends on the client: the Office.js client
(xlwings Lite, Office.js add-ins) runs all of these; the Office Scripts and VBA
clients register only fills and number formats among them (xlwings/js/xlwings.ts
and xlwings/addin/Remote.bas of the installed xlwings), so there the rest is
noted as skipped rather than sent to a client that would stop at it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import DEFAULT_FONT
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

Box = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)

#: the remote action each style kind becomes (xlwings' remote Range)
ACTIONS = {"fill": "setRangeColor", "number_format": "setNumberFormat", "bold": "setFontProperty",
           "italic": "setFontProperty", "size": "setFontProperty", "font_color": "setFontProperty",
           "font_name": "setFontProperty", "border": "setBorderProperty", "wrap": "setWrapText",
           "horizontal": "setHorizontalAlignment", "vertical": "setVerticalAlignment",
           "width": "setColumnWidth", "height": "setRowHeight", "gridlines": "setShowGridlines"}
#: the actions every xlwings client registers (Office.js, Office Scripts, VBA); the rest need Office.js
EVERY_CLIENT = frozenset({"setRangeColor", "setNumberFormat"})
FULL_CLIENT = "Office.js"

# openpyxl's border styles as xlwings' (line style, weight); Excel draws a plain continuous line thin
_BORDERS = {"thin": ("continuous", "thin"), "medium": ("continuous", "medium"), "thick": ("continuous", "thick"),
            "hair": ("continuous", "hairline"), "dashed": ("dash", "thin"), "mediumDashed": ("dash", "medium"),
            "dotted": ("dot", "thin"), "double": ("double", None), "dashDot": ("dash_dot", "thin"),
            "mediumDashDot": ("dash_dot", "medium"), "dashDotDot": ("dash_dot_dot", "thin"),
            "mediumDashDotDot": ("dash_dot_dot", "medium"), "slantDashDot": ("slant_dash_dot", "medium")}
_HORIZONTAL = {"left": "left", "center": "center", "right": "right", "fill": "fill", "justify": "justify",
               "centerContinuous": "center_across_selection", "distributed": "distributed"}
_VERTICAL = {"top": "top", "center": "center", "justify": "justify", "distributed": "distributed"}
_SIDES = {"left": ("edge_left", "inside_vertical"), "right": ("edge_right", "inside_vertical"),
          "top": ("edge_top", "inside_horizontal"), "bottom": ("edge_bottom", "inside_horizontal")}
_ALL_SIDES = ("edge_top", "edge_bottom", "edge_left", "edge_right", "inside_vertical", "inside_horizontal")
# Excel's column width unit is the width of a digit of the default font (7 pixels for Calibri 11);
# the remote engines take points (3/4 of a pixel)
_POINTS_PER_CHARACTER = 7 * 0.75


@dataclass(frozen=True)
class Style:
    """One style value and the rectangles of the template's cells (or columns, rows) that carry it."""

    kind: str  # a key of ACTIONS
    value: Any
    boxes: tuple[Box, ...]

    @property
    def action(self) -> str:
        """The remote action this style is sent as."""
        return ACTIONS[self.kind]


def template_styles(ws: Worksheet) -> list[Style]:
    """Every style the sheet sets beyond a blank sheet's defaults, each with the fewest rectangles over its cells."""
    cells: dict[tuple[str, Any], set[tuple[int, int]]] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.has_style:
                for key in _cell_styles(cell):
                    cells.setdefault(key, set()).add((cell.row, cell.column))
    styles = [Style(kind, value, tuple(rectangles(where))) for (kind, value), where in cells.items()]
    styles += _widths(ws)
    heights: dict[float, set[tuple[int, int]]] = {}
    for index, dim in ws.row_dimensions.items():
        if dim.ht is not None:
            heights.setdefault(float(dim.ht), set()).add((index, 1))
    styles += [Style("height", h, tuple(rectangles(rows))) for h, rows in heights.items()]
    if ws.sheet_view.showGridLines is False:  # None: the default, shown
        styles.append(Style("gridlines", False, ()))
    return styles


def _cell_styles(cell: Any) -> Iterable[tuple[str, Any]]:
    """(kind, value) of each style of the cell that differs from a blank cell's."""
    fill, font, align = cell.fill, cell.font, cell.alignment
    if fill.fill_type == "solid" and _rgb(fill.fgColor):
        yield "fill", _rgb(fill.fgColor)
    if font.b:
        yield "bold", True
    if font.i:
        yield "italic", True
    if font.sz is not None and float(font.sz) != float(DEFAULT_FONT.sz):
        yield "size", float(font.sz)
    if _rgb(font.color):
        yield "font_color", _rgb(font.color)
    if font.name and font.name != DEFAULT_FONT.name:
        yield "font_name", font.name
    if cell.number_format and cell.number_format != "General":
        yield "number_format", cell.number_format
    sides = {side: (b.style, _rgb(b.color)) for side in _SIDES
             if (b := getattr(cell.border, side)) is not None and b.style in _BORDERS}
    if len(sides) == len(_SIDES) and len(set(sides.values())) == 1:
        yield "border", ("all", *sides["left"])  # a box: one action per grid side, not two per cell side
    else:
        yield from (("border", (side, style, color)) for side, (style, color) in sides.items())
    if align.wrap_text:
        yield "wrap", True
    if align.horizontal in _HORIZONTAL:
        yield "horizontal", _HORIZONTAL[align.horizontal]
    if align.vertical in _VERTICAL:
        yield "vertical", _VERTICAL[align.vertical]


def _rgb(color: Any) -> str | None:
    """'#RRGGBB' of an explicit RGB colour; None for none, a theme or an indexed colour."""
    if color is None or getattr(color, "type", None) != "rgb" or not isinstance(color.rgb, str):
        return None
    return None if color.rgb == "00000000" else "#" + color.rgb[-6:].upper()  # openpyxl's "no colour"


def _widths(ws: Worksheet) -> list[Style]:
    """Column widths in points, grouped over adjacent columns of the same width (one row stands for the column)."""
    columns: dict[float, set[tuple[int, int]]] = {}
    for key, dim in ws.column_dimensions.items():
        if dim.width:  # a width the sheet sets (openpyxl lists no column it does not)
            first = dim.min or column_index_from_string(key)
            for col in range(first, (dim.max or first) + 1):
                columns.setdefault(round(dim.width * _POINTS_PER_CHARACTER, 2), set()).add((1, col))
    return [Style("width", points, tuple(rectangles(where))) for points, where in columns.items()]


def rectangles(cells: Iterable[tuple[int, int]]) -> list[Box]:
    """Rectangles covering exactly `cells` ((row, column) pairs): runs along each row, stacked where the
    same columns continue on the next row."""
    runs: list[tuple[int, int, int]] = []  # (row, first col, last col)
    for r, c in sorted(set(cells)):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1:
            runs[-1] = (r, runs[-1][1], c)
        else:
            runs.append((r, c, c))
    boxes: list[Box] = []
    open_: dict[tuple[int, int], int] = {}  # (first col, last col) -> index in boxes of the box ending a row above
    for r, c0, c1 in runs:
        i = open_.get((c0, c1))
        if i is not None and boxes[i][2] == r - 1:
            boxes[i] = (boxes[i][0], c0, r, c1)
        else:
            open_[(c0, c1)] = len(boxes)
            boxes.append((r, c0, r, c1))
    return boxes


def apply(sheet: Any, styles: Iterable[Style], client: str) -> list[str]:
    """Send the styles to the xlwings sheet, through its public API; the kinds left out (the client or
    the engine cannot) are returned."""
    left_out: list[str] = []
    for style in styles:
        if client != FULL_CLIENT and style.action not in EVERY_CLIENT:
            left_out.append(style.kind)
            continue
        try:
            _send(sheet, style)
        except (NotImplementedError, AttributeError, ValueError):
            left_out.append(style.kind)
    return list(dict.fromkeys(left_out))


def _send(sheet: Any, style: Style) -> None:
    if style.kind == "gridlines":
        sheet.show_gridlines = style.value
        return
    for r0, c0, r1, c1 in style.boxes:
        rng = sheet.range((r0, c0), (r1, c1))
        if style.kind == "border":
            _border(rng, *style.value, many_rows=r1 > r0, many_cols=c1 > c0)
        else:
            _set(rng, style.kind, style.value)


_FONT = {"bold": "bold", "italic": "italic", "size": "size", "font_color": "color", "font_name": "name"}
_RANGE = {"fill": "color", "number_format": "number_format", "wrap": "wrap_text", "horizontal": "horizontal_alignment",
          "vertical": "vertical_alignment", "width": "column_width", "height": "row_height"}


def _set(rng: Any, kind: str, value: Any) -> None:
    """One style on one rectangle: one action."""
    if kind in _FONT:
        setattr(rng.font, _FONT[kind], value)
    else:
        setattr(rng, _RANGE[kind], value)


def _border(rng: Any, side: str, style: str, color: str | None, many_rows: bool, many_cols: bool) -> None:
    """A border on every cell of the rectangle on `side` ("all": every side): its edge, and the inside line
    between its rows or columns when it has several; one action per drawn side and attribute."""
    wanted = _ALL_SIDES if side == "all" else _SIDES[side]
    sides = [s for s in wanted if (s != "inside_horizontal" or many_rows) and (s != "inside_vertical" or many_cols)]
    line, weight = _BORDERS[style]
    extra = ({"weight": weight} if weight not in (None, "thin") else {}) | ({"color": color} if color else {})
    rng.borders.set(sides, line_style=line, **extra)
