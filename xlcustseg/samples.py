"""`xlcustseg sample DIR`: the two bundled sample workbooks, written out to try the tool on."""

from __future__ import annotations

from pathlib import Path

from xlcustseg import resources


def write_samples(folder: Path) -> list[Path]:
    """Write the bundled sample workbooks into `folder` (created if needed) and return their paths.

    An existing file of the same name is left alone when it is identical; when it
    differs, FileExistsError is raised before anything is written.
    """
    folder = Path(folder)
    samples = {folder / name: resources.sample_bytes(name) for name in resources.sample_names()}
    for path, data in samples.items():
        _refuse_to_overwrite(path, data)
    folder.mkdir(parents=True, exist_ok=True)
    for path, data in samples.items():
        if not path.exists():
            path.write_bytes(data)
    return list(samples)


def _refuse_to_overwrite(path: Path, data: bytes) -> None:
    """Raise FileExistsError when `path` exists with content other than `data`."""
    if path.exists() and (not path.is_file() or path.read_bytes() != data):
        raise FileExistsError(f"{path} already exists and is not the bundled sample; "
                              "move it away or choose another folder (nothing was written)")
