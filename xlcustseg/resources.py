"""The one place that finds the files xlcustseg ships: template, catalogue, samples, Lite bundle.

They are package data, read through importlib.resources, so the same calls work
from a wheel, from the editable install of a checkout (where they are the
repository's own workbook_templates/ and xlcustseg/data/ files) and from a zip
on sys.path (zipimport, as xlwings Lite runs packages).

    >>> summary_template()[:2]                # the workbook's bytes
    b'PK'
"""

from __future__ import annotations

import atexit
import contextlib
from functools import cache
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

TEMPLATES = "xlcustseg.workbook_templates"
SUMMARY_TEMPLATE = "summary_template.xlsx"
SAMPLES = ("客户名单示例.xlsx", "orders_sample.xlsx")
LITE = "lite"

_extracted = contextlib.ExitStack()  # temporary copies made by summary_template_path() under zipimport
atexit.register(_extracted.close)


def templates() -> Traversable:
    """The folder of bundled workbooks (the repository's workbook_templates/)."""
    return files(TEMPLATES)


def summary_template() -> bytes:
    """The summary sheet's template workbook (openpyxl reads it from a BytesIO)."""
    return (templates() / SUMMARY_TEMPLATE).read_bytes()


@cache
def summary_template_path() -> Path:
    """The summary template as a file on disk, for what needs a path (Excel opening it).

    The installed file itself where there is one; under zipimport a temporary
    copy, removed when Python exits.
    """
    return _extracted.enter_context(as_file(templates() / SUMMARY_TEMPLATE))


def catalogue() -> Traversable:
    """The default strategy catalogue (tab-separated, UTF-8); open it with `.open(encoding="utf-8")`."""
    return files("xlcustseg") / "data" / "catalogue.tsv"


def sample_names() -> tuple[str, ...]:
    """File names of the bundled sample workbooks: the Chinese customer list and the English order lines."""
    return SAMPLES


def sample_bytes(name: str) -> bytes:
    """The bytes of the bundled sample workbook `name` (one of sample_names())."""
    if name not in SAMPLES:
        raise KeyError(f"no bundled sample {name!r}; there are {', '.join(SAMPLES)}")
    return (templates() / name).read_bytes()


def lite_names() -> tuple[str, ...]:
    """File names of the xlwings Lite bundle sources (main.py, requirements.txt)."""
    return tuple(sorted(f.name for f in (templates() / LITE).iterdir() if f.is_file() and not f.name.endswith(".pyc")))


def lite_source(name: str) -> str:
    """The text of the xlwings Lite bundle file `name`, e.g. lite_source("main.py")."""
    if name not in lite_names():
        raise KeyError(f"no xlwings Lite source {name!r}; there are {', '.join(lite_names())}")
    return (templates() / LITE / name).read_text(encoding="utf-8")
