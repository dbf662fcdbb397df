"""Every benchmark script runs, at a small size, so none rots (timings are not judged here: machines are noisy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

#: script -> the small-size arguments and a line its output must hold
SMALL = {
    "engine.py": (["--quick"], "ratio segment / baseline"),
    "engines.py": (["--lines", "20000", "--side-by-side", "20000"], "ratio ours / bare DuckDB"),
    "functions.py": (["--rows", "3000"], "=CUSTTIER(B2, B$2:B$5001) filled down"),
    "workbook.py": (["--rows", "2000"], "ratio segment / calamine read"),
    "learn.py": ([], "ratio"),
    "clv.py": (["--customers", "3000"], "ours"),
    "oneclick.py": (["--rows", "2000"], "ratio one-click / calamine"),
    "recalc.py": (["--rows", "2000"], "LibreOffice recalculates the whole output"),  # needs LibreOffice
}


def test_every_benchmark_is_listed():
    scripts = {p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(SMALL)


@pytest.mark.parametrize("script", sorted(SMALL))
def test_benchmark_runs_small(script):
    args, expected = SMALL[script]
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout, done.stdout[-2000:]
