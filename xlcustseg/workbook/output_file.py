"""Writing an output file: to a temporary file beside the target, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from xlcustseg.workbook.port import WorkbookFile


def save_atomic(book: WorkbookFile, target: Path) -> None:
    """Write to a temporary file beside the target, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xlcustseg-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        book.save(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
