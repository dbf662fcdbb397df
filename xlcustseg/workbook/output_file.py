"""Writing an output file safely: the user's bytes are never half-replaced, lost or mislabelled.

- `save_atomic` writes to a temporary file beside the target (`.xlcustseg-PID-…`),
  checks that the bytes match the name (.xlsx or .xlsm), gives it the target's
  mode (an existing file keeps its own; a new one gets 0666 less the umask, as
  any program's new file) and renames it into place. A temporary file is removed
  on any failure, on SIGINT and on SIGTERM/SIGHUP (the command makes them raise
  SystemExit), and, after a SIGKILL, by the next save into that folder (its pid is dead).
- `--in-place` runs take `locked(path)` (an flock on `.~xlcustseg.NAME.lock`
  beside the file, released by the system when a run dies, so a stale lock never
  blocks), refuse a read-only file or one open in Excel or LibreOffice, write
  through a symlink to its target, and keep the original bytes in a backup that
  is never overwritten with anything else (`backup`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from xlcustseg.workbook.port import WorkbookFile
from xlcustseg.workbook.run import WorkbookError

__all__ = ["OutputError", "backup", "check_target", "has_macros", "locked", "real_target", "refuse_unwritable",
           "save_atomic", "signature", "sweep_temps"]

TEMP_PREFIX = ".xlcustseg-"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: a temporary file of ours with no pid in its name (older versions) is stale after this long
STALE_SECONDS = 3600
MACRO_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
#: our temporary files: .xlcustseg-PID-8HEX.xlsx, and mkstemp's .xlcustseg-XXXXXXXX.xlsx of older versions
_TEMP_NAME = re.compile(r"^\.xlcustseg-(?:(\d+)-[0-9a-f]{8}|([a-z0-9_]{8}))\.xls[xm]$", re.IGNORECASE)


class OutputError(WorkbookError):
    """The output cannot be written as asked: one sentence, nothing written."""


def check_target(target: Path, macros: bool | None = None) -> None:
    """Refuse an output name whose extension cannot hold what we write (OutputError, one sentence).

    `macros`: whether the workbook keeps VBA macros (None: not known yet, only the extension is checked).
    """
    suffix = target.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        raise OutputError(f"{target.name}: the output is an Excel workbook; give it an .xlsx name "
                          f"(or .xlsm for one with macros){'' if not suffix else f', not {suffix}'}.")
    if macros is True and suffix != ".xlsm":
        raise OutputError(f"{target.name}: the workbook keeps its VBA macros, which an .xlsx cannot hold; "
                          "nothing was written, name the output .xlsm.")
    if macros is False and suffix == ".xlsm":
        raise OutputError(f"{target.name}: the workbook holds no macros, so it is an .xlsx; "
                          "nothing was written, name the output .xlsx.")


def has_macros(path: Path) -> bool:
    """Whether a workbook file holds VBA macros that opening it keeps (.xlsm with xl/vbaProject.bin)."""
    if path.suffix.lower() != ".xlsm" or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "xl/vbaProject.bin" in archive.namelist()


def save_atomic(book: WorkbookFile, target: Path) -> None:
    """Write to a temporary file beside the target, check it, give it the target's mode, rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    check_target(target)
    if target.exists():
        refuse_unwritable(target, "choose another output")
    sweep_temps(target.parent)
    mode = _mode_for(target)
    made: list[Path] = []
    try:  # (a stop signal can come the moment the temporary file exists: it is in `made` before that)
        tmp = _new_temp(target, made)
        book.save(tmp)
        check_target(target, macros=_macro_content(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """An existing file's permission bits; for a new one 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _new_temp(target: Path, made: list[Path]) -> Path:
    """A new, empty temporary file beside `target`, named with our pid so a later run knows whose it is; its
    path is put in `made` before the file is made (and taken out if the name was someone else's)."""
    for _ in range(16):
        tmp = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{target.suffix}")
        made.append(tmp)
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return tmp
        except FileExistsError:
            made.remove(tmp)
            continue
    raise OutputError(f"could not create a temporary file beside {target.name}.")


def _macro_content(path: Path) -> bool:
    """Whether the saved bytes are a macro-enabled workbook (by its [Content_Types].xml)."""
    with zipfile.ZipFile(path) as archive:
        return MACRO_TYPE in archive.read("[Content_Types].xml")


def sweep_temps(folder: Path) -> list[Path]:
    """Remove the temporary files of runs that died in `folder` (their pid is gone); the ones removed."""
    removed = []
    try:
        names = [(p, _TEMP_NAME.match(p.name)) for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    for path, name in names:
        if name is not None and _stale(path, name.group(1)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _stale(path: Path, pid_text: str | None) -> bool:
    """A temporary file of a run that is over: its pid is dead (or, without a pid, it is an hour old)."""
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    if pid_text is None:
        return age > STALE_SECONDS  # an older version's name, without a pid
    pid = int(pid_text)
    return pid != os.getpid() and (not _alive(pid) or age > 24 * STALE_SECONDS)


def _alive(pid: int) -> bool:
    """Whether a process with this pid is running (on Windows asked of the kernel: kill(pid, 0) is Ctrl+C there)."""
    if os.name == "nt":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def real_target(path: Path) -> Path:
    """The file a path names, through any symlinks (writing it in place keeps the links)."""
    return Path(os.path.realpath(path))


def refuse_unwritable(path: Path, way_out: str = "leave out --in-place to write a new file") -> None:
    """OutputError if `path` is read-only (no write permission bit, or not writable by us) or open elsewhere."""
    mode = path.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise OutputError(f"{path.name} is read-only; nothing was written (make it writable, or {way_out}).")
    for other, program in ((path.with_name(f".~lock.{path.name}#"), "LibreOffice"),
                           (path.with_name(f"~${path.name}"), "Excel")):
        if other.exists():
            raise OutputError(f"{path.name} is open in {program} ({other.name} exists); close it first, or "
                              f"delete {other.name} if {program} is not running.")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on writing `path` in place; OutputError at once if another run holds it."""
    lock = path.with_name(f".~xlcustseg.{path.name}.lock")
    try:
        import fcntl
    except ImportError:  # Windows: the lock file itself, created exclusively
        yield from _exclusive_file(lock, path)
        return
    while True:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputError(f"{path.name} is being written by another xlcustseg run"
                              f"{f' (pid {holder})' if holder.isdigit() else ''}; try again when it ends.") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the lock file was removed by its last holder meanwhile: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _exclusive_file(lock: Path, path: Path) -> Iterator[None]:
    """The lock as a file created exclusively, holding our pid; one left by a dead pid is taken over."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            holder = lock.read_text(errors="replace").strip()
            if holder.isdigit() and not _alive(int(holder)):
                lock.unlink(missing_ok=True)
                continue
            raise OutputError(f"{path.name} is being written by another xlcustseg run"
                              f"{f' (pid {holder})' if holder.isdigit() else ''}; try again when it ends.") from None
    else:
        raise OutputError(f"{path.name} is being written by another xlcustseg run; try again when it ends.")
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def backup(path: Path, real: Path) -> Path:
    """A copy of `real`'s bytes as they are now, named after `path` (NAME.backup.xlsx beside it).

    An existing backup is never overwritten with other bytes: if it holds the same bytes it is the
    backup; if not, the next free NAME.backup-2.xlsx, -3 … is written (so the original of a first run
    stays where it was).
    """
    data = real.read_bytes()
    for n in range(1, 1000):
        name = f"{path.stem}.backup{'' if n == 1 else f'-{n}'}{path.suffix}"
        candidate = path.with_name(name)
        try:
            if candidate.read_bytes() == data:
                return candidate
            continue
        except FileNotFoundError:
            pass
        if _write_new(candidate, data, real):
            return candidate
    raise OutputError(f"could not find a free backup name beside {path.name}.")


def _write_new(target: Path, data: bytes, like: Path) -> bool:
    """Write `data` to `target` only if it does not exist (False if it appeared meanwhile)."""
    made: list[Path] = []
    try:
        tmp = _new_temp(target, made)
        tmp.write_bytes(data)
        os.chmod(tmp, stat.S_IMODE(like.stat().st_mode))
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system: create it exclusively instead
            try:
                with open(target, "xb") as out:
                    out.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        for path in made:
            path.unlink(missing_ok=True)


def signature(path: Path) -> tuple[int, int]:
    """(size, modification time) of a file: unchanged while a run reads and rewrites it in place."""
    info = path.stat()
    return info.st_size, info.st_mtime_ns
