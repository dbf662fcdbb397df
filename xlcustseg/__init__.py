"""xlcustseg — customer segmentation for Excel workbooks.

    >>> from xlcustseg import segment
    >>> result = segment(table)            # a pandas DataFrame
    >>> result.table                       # one row per customer, with the output columns
"""

from xlcustseg.engine import SegmentationError, SegmentResult, segment
from xlcustseg.settings import Settings, SettingsError

__version__ = "0.2.0"
__all__ = ["SegmentResult", "SegmentationError", "Settings", "SettingsError", "__version__", "main", "segment"]


def main(book=None):
    """The ribbon button: segment the active sheet of `book` (default: `xw.Book.caller()`)."""
    from xlcustseg.excel.ribbon import main as run

    return run(book)
