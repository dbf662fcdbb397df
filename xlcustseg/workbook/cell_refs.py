"""Where the cells of a sheet's XML are, read from their r="A1" references by NumPy over the bytes.

A sheet of a million rows holds millions of `<c>` elements; a regular expression
walked cell by cell in Python takes seconds for them. `references` finds every
cell tag with a few vectorised comparisons over the whole text instead, and says
so (None) when a cell is written in a form it does not read, so a caller can fall
back to a careful reading then.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_NAME_BYTE = np.zeros(256, dtype=bool)  # bytes that go on an element's name (<c, <col, <cfRule …)
_NAME_BYTE[list(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:")] = True
_NAME_END = np.zeros(256, dtype=bool)  # bytes that end an element's name
_NAME_END[list(b" \t\r\n/>")] = True
_UPPER = np.zeros(256, dtype=bool)
_UPPER[65:91] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True


def references(xml: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows, columns) of every `<c>` in whole tags of sheet XML, each from its r="A1" reference, read by NumPy
    over the bytes. None when a cell is written otherwise (no r first in double quotes: <c>, <c s="1" r=…>,
    r='A1', a namespace prefix <x:c>, a lower-case or over-long reference): the caller reads those its careful way."""
    size = len(xml)
    data = np.frombuffer(xml + bytes(24), dtype=np.uint8)
    colon = np.flatnonzero((data[:size] == 58) & (data[1:size + 1] == 99))  # ":c"
    if _NAME_END[data[colon + 2]].any():
        return None
    at = np.flatnonzero((data[:size] == 60) & (data[1:size + 1] == 99))  # "<c", then a cell or <col, <cfRule …
    at = at[~_NAME_BYTE[data[at + 2]]]
    tag = sliding_window_view(data, 18)[at]  # <c r="XFD1048576"
    if not ((tag[:, 2] == 32) & (tag[:, 3] == 114) & (tag[:, 4] == 61) & (tag[:, 5] == 34)).all():
        return None
    upper = _UPPER[tag[:, 6:10]]
    letters = upper[:, 0].astype(np.int64) + (upper[:, 0] & upper[:, 1]) + (upper[:, 0] & upper[:, 1] & upper[:, 2])
    if not upper[:, 0].all() or (upper[:, 3] & (letters == 3)).any():
        return None
    v = tag[:, 6:9].astype(np.int64) - 64
    cols = np.select([letters == 1, letters == 2], [v[:, 0], v[:, 0] * 26 + v[:, 1]],
                     (v[:, 0] * 26 + v[:, 1]) * 26 + v[:, 2])
    digits = np.select([letters[:, None] == 1, letters[:, None] == 2], [tag[:, 7:15], tag[:, 8:16]], tag[:, 9:17])
    rows, width = np.zeros(len(at), dtype=np.int64), np.zeros(len(at), dtype=np.int64)
    going = np.ones(len(at), dtype=bool)
    for j in range(7):  # the leading digits, one place at a time
        going &= _DIGIT[digits[:, j]]
        rows = np.where(going, rows * 10 + digits[:, j] - 48, rows)
        width += going
    if (width == 0).any() or (digits[np.arange(len(at)), width] != 34).any():
        return None  # no row number, or more than seven digits, or more after them
    return rows, cols
