"""What a run imports: heavy libraries only where they are used (each costs a second or more per run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).parents[1] / "workbook_templates" / "客户名单示例.xlsx"
HEAVY = ("scipy", "sklearn", "duckdb", "pyspark", "xlwings")


def _loaded_after(code: str) -> list[str]:
    """The HEAVY modules loaded in a fresh Python after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    assert _loaded_after("import xlcustseg.cli") == []


def test_segmenting_a_customer_table_loads_no_heavy_library(tmp_path: Path) -> None:
    """A customer table needs no CLV fit (SciPy), no clusters (scikit-learn) and no SQL engine."""
    out = tmp_path / "out.xlsx"
    code = f"from xlcustseg.cli import main\nassert main(['segment', {str(SAMPLE)!r}, '-o', {str(out)!r}]) == 0"
    assert _loaded_after(code) == []
    assert out.stat().st_size > 0


def test_order_lines_fit_clv_with_scipy(tmp_path: Path) -> None:
    """The counter-check: the probe does see SciPy when a run needs it (order lines fit BG/NBD by default)."""
    out = tmp_path / "out.xlsx"
    sample = SAMPLE.with_name("orders_sample.xlsx")
    code = f"from xlcustseg.cli import main\nassert main(['segment', {str(sample)!r}, '-o', {str(out)!r}]) == 0"
    assert "scipy" in _loaded_after(code)
