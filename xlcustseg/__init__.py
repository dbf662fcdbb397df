"""xlcustseg — customer segmentation for Excel workbooks (the public API: `xlcustseg.api`).

    >>> from xlcustseg import segment
    >>> result = segment(table)            # a pandas DataFrame
    >>> result.table                       # one row per customer, with the output columns
"""

from xlcustseg.api import SegmentationError, SegmentResult, Settings, SettingsError, main, segment

__version__ = "0.2.0"
__all__ = ["SegmentResult", "SegmentationError", "Settings", "SettingsError", "__version__", "main", "segment"]
