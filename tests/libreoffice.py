"""LibreOffice as the real spreadsheet engine in tests: recalculate what we write."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    """The soffice binary; a missing one fails under CI (CI=true) and skips elsewhere."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required under CI: scripts/setup.sh installs libreoffice-calc")
    pytest.skip("LibreOffice is not installed (outside CI only; scripts/setup.sh installs it)")
    raise AssertionError("unreachable")


def convert(path: Path, to: str, out_dir: Path | None = None) -> Path:
    """Open `path` in LibreOffice headless (which recalculates every formula) and save as `to`."""
    out_dir = out_dir or Path(tempfile.mkdtemp(prefix="lo-"))
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    cmd = [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
           "--convert-to", to, "--outdir", str(out_dir), str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    produced = out_dir / f"{path.stem}.{to.split(':')[0]}"
    assert produced.exists(), f"LibreOffice did not convert {path.name}: {done.stdout} {done.stderr}"
    shutil.rmtree(profile, ignore_errors=True)
    return produced
