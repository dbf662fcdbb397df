"""`xlcustseg lite build DIR`: main.py and requirements.txt for xlwings Lite, with xlcustseg inside.

xlwings Lite runs Python in the browser (Pyodide) and installs what its
requirements.txt names: Pyodide's own builds (pandas, numpy, scikit-learn, scipy) and
pure-Python wheels from PyPI (xlwings, openpyxl). xlcustseg is on neither, so
the main.py written here carries it: the installed package's modules and data
(not the sample workbooks, not the Lite templates) as a zip, base64-encoded in
the file, unpacked at import into a temporary folder and imported from there.

The zip is deterministic (sorted entries, fixed timestamps and permissions), so
the same installed package always gives the same main.py, byte for byte.

    >>> build(Path("xlcustseg-lite"))
    [PosixPath('xlcustseg-lite/main.py'), PosixPath('xlcustseg-lite/requirements.txt')]
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import re
import zipfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import xlcustseg
from xlcustseg import resources

#: dependencies only the desktop file route uses (reading .xls/.xlsb, the progress bar, openpyxl's
#: hardened XML parser); the Lite run never imports them, so requirements.txt must not name them
FILE_ROUTE_ONLY = frozenset({"python-calamine", "tqdm", "defusedxml"})
#: what the bundle carries of the package: modules and data files
CARRIED_SUFFIXES = (".py", ".tsv", ".xlsx")
SKIPPED_FOLDERS = frozenset({"__pycache__", "tests", "workbook_templates"})
PLACEHOLDERS = ("__XLCUSTSEG_VERSION__", "__XLCUSTSEG_FILES__", "__XLCUSTSEG_SHA256__", "__XLCUSTSEG_BUNDLE__")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


class LiteError(Exception):
    """One sentence for the user: why the Lite bundle could not be built."""


def build(folder: Path) -> list[Path]:
    """Write main.py (carrying xlcustseg) and requirements.txt into `folder`; return their paths."""
    folder = Path(folder)
    carried = package_files()
    main_py = main_source(carried)
    requirements = requirements_source()
    written = [folder / "main.py", folder / "requirements.txt"]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written[0].write_bytes(main_py.encode("utf-8"))
        written[1].write_bytes(requirements.encode("utf-8"))
    except OSError as exc:
        raise LiteError(f"could not write the xlwings Lite files to {folder}: {exc.strerror or exc}.") from None
    return written


def package_files() -> dict[str, bytes]:
    """What the bundle carries, by path inside the zip: the package's modules and data, sorted.

    The templates subpackage (the repository's workbook_templates/) contributes its
    module and the summary template, but neither the sample workbooks nor the Lite files.
    """
    carried: dict[str, bytes] = {}
    _collect(files("xlcustseg"), "xlcustseg", carried)
    templates_path = resources.TEMPLATES.replace(".", "/")
    samples = set(resources.sample_names())
    for item in resources.templates().iterdir():
        if item.is_file() and item.name.endswith(CARRIED_SUFFIXES) and item.name not in samples:
            carried[f"{templates_path}/{item.name}"] = item.read_bytes()
    if f"{templates_path}/{resources.SUMMARY_TEMPLATE}" not in carried:
        raise LiteError(f"the summary template {resources.SUMMARY_TEMPLATE} is missing from the installed package.")
    return dict(sorted(carried.items()))


def _collect(folder: Traversable, prefix: str, carried: dict[str, bytes]) -> None:
    for item in folder.iterdir():
        if item.is_dir() and item.name not in SKIPPED_FOLDERS:
            _collect(item, f"{prefix}/{item.name}", carried)
        elif item.is_file() and item.name.endswith(CARRIED_SUFFIXES):
            carried[f"{prefix}/{item.name}"] = item.read_bytes()


def bundle(carried: dict[str, bytes]) -> bytes:
    """The zip of `carried`: entries in sorted order with fixed time and permissions, so the bytes repeat."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(carried):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever it is built
            info.external_attr = 0o644 << 16
            archive.writestr(info, carried[name], compresslevel=9)
    return out.getvalue()


def main_source(carried: dict[str, bytes]) -> str:
    """The text of main.py: the template workbook_templates/lite/main.py with the bundle filled in."""
    data = bundle(carried)
    values = {"__XLCUSTSEG_VERSION__": xlcustseg.__version__, "__XLCUSTSEG_FILES__": str(len(carried)),
              "__XLCUSTSEG_SHA256__": hashlib.sha256(data).hexdigest(),
              "__XLCUSTSEG_BUNDLE__": base64.encodebytes(data).decode("ascii").rstrip("\n")}
    text = resources.lite_source("main.py")
    for key in PLACEHOLDERS:
        if key not in text:
            raise LiteError(f"the Lite template main.py lacks its placeholder {key}.")
        text = text.replace(key, values[key])
    return text


def requirements_source() -> str:
    """The text of requirements.txt: the template's packages, checked against the package's dependencies.

    Every run-time dependency of xlcustseg must be named there unless only the file
    route uses it (FILE_ROUTE_ONLY), and none of those may be named.
    """
    text = resources.lite_source("requirements.txt")
    named = {_name(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}
    wrong = sorted(named & FILE_ROUTE_ONLY)
    if wrong:
        raise LiteError(f"the Lite requirements.txt names {', '.join(wrong)}, which xlwings Lite does not need.")
    missing = sorted(set(_dependencies()) - FILE_ROUTE_ONLY - named)
    if missing:
        raise LiteError(f"the Lite requirements.txt lacks {', '.join(missing)}, a dependency of xlcustseg.")
    return text


def _dependencies() -> list[str]:
    """The installed xlcustseg's run-time dependencies (no extras); none known without its metadata."""
    try:
        required = importlib.metadata.requires("xlcustseg") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [_name(r) for r in required if "extra ==" not in r.replace("extra==", "extra ==")]


def _name(requirement: str) -> str:
    """The normalised project name at the start of a requirement line ("Python_Calamine>=0.2" -> "python-calamine")."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else requirement.strip().lower()
