"""The engine: segment() and what it returns.

    prepare.py   the frame → typed customers (language, order lines, analysis date, days, notes)
    steps.py     one typed step per scheme
    output.py    the steps' answers laid out (classes, notes, output table)
    pipeline.py  segment(): the steps in order
    result.py    SegmentResult, Summary, SegmentationError
    orders.py, summary.py, strategies.py   order lines → customers; the summary; catalogue look-ups
"""

from xlcustseg.engine.pipeline import segment
from xlcustseg.engine.result import SegmentationError, SegmentResult, Summary

__all__ = ["SegmentResult", "SegmentationError", "Summary", "segment"]
