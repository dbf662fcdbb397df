"""xlcustseg — customer segmentation for Excel workbooks (the public API: `xlcustseg.api`).

    >>> from xlcustseg import segment
    >>> result = segment(table)            # a pandas DataFrame
    >>> result.table                       # one row per customer, with the output columns
"""

from xlcustseg.api import (
    Movement,
    SegmentationError,
    SegmentResult,
    Settings,
    SettingsError,
    compare,
    main,
    segment,
    segment_as_of,
)

__version__ = "0.2.0"
__all__ = ["Movement", "SegmentResult", "SegmentationError", "Settings", "SettingsError", "__version__", "compare",
           "main", "segment", "segment_as_of"]
