"""Test workbooks built from the bundled samples."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd


def with_settings(sample: Path, path: Path, settings: dict[str, str], extra: pd.DataFrame | None = None) -> Path:
    """`sample` with a Settings sheet of `settings` (and a sheet 'Last quarter' of `extra`), saved at `path`."""
    wb = openpyxl.load_workbook(sample)
    ws = wb.create_sheet("Settings")
    for row in (["Key", "Value"], *settings.items()):
        ws.append(list(row))
    if extra is not None:
        last = wb.create_sheet("Last quarter")
        for row in (list(extra.columns), *extra.itertuples(index=False)):
            last.append(list(row))
    wb.active = 0
    wb.save(path)
    return path
