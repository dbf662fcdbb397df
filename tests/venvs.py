"""Fresh virtual environments for the tests that use what a user installs (the wheel, the Lite bundle)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env(venv: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without PYTHONPATH/PYTHONHOME/VIRTUAL_ENV; `venv`'s bin first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def checked(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """`done`, after asserting it exited 0 (the message carries the ends of its output)."""
    assert done.returncode == 0, f"{done.args} exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def fresh_venv(venv: Path, requirements: list[str | Path], cwd: Path) -> Path:
    """A new virtual environment at `venv` (no system packages) with `requirements` installed by pip."""
    env = clean_env()
    checked(subprocess.run([sys.executable, "-m", "venv", str(venv)], cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=300))
    checked(subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *map(str, requirements)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=1200))
    return venv
