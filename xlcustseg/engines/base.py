"""What the engines share: file kinds and locations, literals, and the error of an engine that is not installed.

A location is a local `Path` or a URL kept as the string the user wrote
(`hdfs://nn/orders`, `s3a://bucket/orders.parquet`, `file:///data/orders.parquet`):
`Path` would fold the `//` after the scheme into one slash.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

#: the most customers a sheet holds below its header row
SHEET_ROWS = 1_048_575
#: file endings the engines read and write
FILE_KINDS = {".parquet": "parquet", ".csv": "csv", ".gz": "csv", ".xlsx": "xlsx"}


class EngineError(Exception):
    """One sentence for the user."""


class EngineMissing(Exception):
    """The engine's package (or Java, for Spark) is not installed."""

    def __init__(self, engine: str, extra: str, what: str = ""):
        self.engine, self.extra, self.what = engine, extra, what
        super().__init__(f"{engine}: {what or 'not installed'}")


#: scheme:// at the start of a location
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

Location = Path | str


def location(text: str) -> Location:
    """A command-line location: a URL (scheme://…) stays the string it is, anything else is a Path."""
    return text if _URL.match(text) else Path(text)


def is_url(where: Location) -> bool:
    """Is `where` a URL (hdfs://, s3a://, file://, …) rather than a local path?"""
    return isinstance(where, str) and bool(_URL.match(where))


def scheme(where: Location) -> str:
    """The URL's scheme in lower case ('' for a local path)."""
    return urlsplit(where).scheme.lower() if is_url(where) else ""


def local_path(where: Location) -> Path | None:
    """The local file `where` names: the path itself, a file:// URL's path; None for another URL."""
    if not is_url(where):
        return Path(where)
    if scheme(where) != "file":
        return None
    parts = urlsplit(where)
    return Path(url2pathname(unquote(parts.path)))


def name_of(where: Location) -> str:
    """The last part of a path or URL (its file or folder name)."""
    if not is_url(where):
        return Path(where).name
    return urlsplit(where).path.rstrip("/").rsplit("/", 1)[-1]


def output_format(path: Location) -> str | None:
    """parquet, csv (.csv and .csv.gz), xlsx, or None for another ending."""
    name = name_of(path).lower()
    if name.endswith(".csv.gz"):
        return "csv"
    return None if name.endswith(".gz") else FILE_KINDS.get(Path(name).suffix)


def is_folder(where: Location) -> bool:
    """Is `where` a local folder (of Parquet part files)? A URL without a file ending counts as one."""
    if is_url(where) and scheme(where) != "file":
        return output_format(where) is None and Path(name_of(where)).suffix == ""
    path = local_path(where)
    return path is not None and path.is_dir()


def is_table_file(path: Location) -> bool:
    """Is `path` an order history an engine reads (Parquet file or folder, CSV, CSV.gz)?"""
    if output_format(path) in ("parquet", "csv"):
        return True
    local = local_path(path)
    if local is None:
        return is_folder(path)
    return local.is_dir() and any(local.glob("**/*.parquet"))


def local_or_refuse(where: Location, route: str) -> Path:
    """The local file `where` names, or EngineError saying that `route` needs a local file."""
    from xlcustseg.i18n import text

    path = local_path(where)
    if path is None:
        raise EngineError(text("engine_url_local", "en", url=where, route=route))
    return path


def path_literal(value: str) -> str:
    """A single-quoted SQL string (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"
