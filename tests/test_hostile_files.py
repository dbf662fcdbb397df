"""Hostile and careless files on the file route: bounded reading, safe writes, .xls conversion (issue #15).

Every file is generated here. A run that could blow up is a subprocess of the real
command under a memory cap (RLIMIT_AS) and a time limit: it must end with exit code
1 or 2 (never a signal), one sentence, and no traceback. The zip bombs are written
from one compressed block repeated (full flushes make the blocks independent), so
a 2.4 GB sheet costs seconds to generate and nothing to store.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import random
import resource
import signal
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from xlcustseg.cli import main
from xlcustseg.workbook import limits, output_file, reading
from xlcustseg.workbook.limits import Limits, SheetFacts

ROOT = Path(__file__).resolve().parents[1]
MEMORY_CAP = 1 << 30  # 1 GiB of address space: a normal run needs about 130 MB resident
#: one thread per numeric library and few malloc arenas, so the address space a run reserves does not grow
#: with the machine's cores (each thread's stack and arena counts against RLIMIT_AS)
CAPPED_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
              "RAYON_NUM_THREADS": "1"}
SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# -- files -----------------------------------------------------------------------------------------------------


def customers(path: Path, rows: int = 40, far: str | None = None) -> Path:
    """A small customer table (id, name, revenue, orders, last purchase), optionally one value in a far cell."""
    rng = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["Customer ID", "Customer", "Revenue", "Orders", "Last Purchase"])
    for i in range(rows):
        ws.append([f"C{i:04d}", f"Shop {i}", round(rng.uniform(100, 9000), 2), rng.randint(1, 30),
                   dt.datetime(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 300))])
    if far:
        ws[far] = "stray"
    wb.save(path)
    return path


def repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, size) of head + block * times + tail, compressing the block once."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    one = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(tail) + deflate.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return first + one * times + last, zlib.crc32(tail, crc), len(head) + len(block) * times + len(tail)


def write_zip(path: Path, entries: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip written by hand: (name, raw deflate data, crc, true size, size declared in the directory)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, _, declared in entries:
        encoded, offset = name.encode(), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                           len(encoded), 0) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    path.write_bytes(bytes(out))
    return path


def with_part(base: Path, path: Path, part: str, stream: tuple[bytes, int, int], declared: int | None = None) -> Path:
    """`base` with one part replaced by a prepared deflate stream (declared size: the true one unless given)."""
    data, crc, size = stream
    entries = []
    with zipfile.ZipFile(base) as archive:
        for info in archive.infolist():
            if info.filename == part:
                continue
            raw = archive.read(info.filename)
            if part == SST and info.filename in LINKS:  # openpyxl wrote inline strings: link the part in
                raw = raw.replace(LINKS[info.filename][0], LINKS[info.filename][1] + LINKS[info.filename][0])
            entries.append((info.filename, _deflate(raw), zlib.crc32(raw), len(raw), len(raw)))
    entries.append((part, data, crc, size, size if declared is None else declared))
    return write_zip(path, entries)


LINKS = {
    "[Content_Types].xml": (b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                         b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'),
    "xl/_rels/workbook.xml.rels": (b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.'
                                   b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                   b'Target="sharedStrings.xml"/>'),
}


def _deflate(data: bytes) -> bytes:
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return customers(tmp_path_factory.mktemp("base") / "customers.xlsx")


@pytest.fixture(scope="module")
def sheet_bomb() -> tuple[bytes, int, int]:
    """A worksheet of 2.4 GB of rows that deflates to about 7 MB."""
    head = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    block = b'<row><c t="inlineStr"><is><t>bomb</t></is></c></row>' * (1 << 16)
    return repeated_deflate(head, block, 2300 * 2**20 // len(block), b"</sheetData></worksheet>")


def sst_bomb(megabytes: int) -> tuple[bytes, int, int]:
    """A shared-strings part of about `megabytes` MB of short strings."""
    block = b"<si><t>customer name</t></si>" * (1 << 15)
    times = max(megabytes * 2**20 // len(block), 1)
    head = f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="{times << 15}" uniqueCount="{times << 15}">'
    return repeated_deflate(head.encode(), block, times, b"</sst>")


# -- running the command ---------------------------------------------------------------------------------------


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60,
        umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m xlcustseg ARGS` under the memory cap and a time limit."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if umask is not None:
            os.umask(umask)

    environment = {**os.environ, "PYTHONPATH": str(ROOT), **CAPPED_ENV, **(env or {})}
    return subprocess.run([sys.executable, "-m", "xlcustseg", *args], cwd=cwd, env=environment, text=True,
                          capture_output=True, timeout=timeout, preexec_fn=limit)


def refused(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one sentence of a refusal (exit 1 or 2, no traceback, nothing on stdout), holding `words`."""
    assert done.returncode in (1, 2), (done.returncode, done.stdout, done.stderr)
    text = done.stderr.strip()
    assert "Traceback" not in done.stderr and "internal error" not in text, done.stderr
    assert len(text.splitlines()) == 1 and text.startswith("xlcustseg: ") and text.endswith((".", "。")), text
    assert done.stdout == ""
    for word in words:
        assert word in text, (word, text)
    return text


# -- 1. bounded on any input -----------------------------------------------------------------------------------


def test_a_stray_far_cell_is_left_out_with_a_note_not_allocated(tmp_path: Path) -> None:
    source = customers(tmp_path / "far.xlsx", far="XFD1048576")
    assert source.stat().st_size < 8000
    wb = openpyxl.Workbook()  # a --settings workbook with its own stray cell
    wb.active.append(["key", "value"])
    wb.active.append(["language", "zh"])
    wb.active["XFD1048576"] = "stray"
    wb.save(tmp_path / "settings.xlsx")
    done = run("segment", source.name, "-o", "out.xlsx", "--settings", "settings.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "40" in done.stdout and "Customers" in done.stdout
    sheets = openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames
    assert sheets[-3:] == ["分层汇总", "数据质量", "透视"]  # Chinese names: the settings were read
    note = next(line for line in done.stdout.splitlines() if "远离表格" in line)  # in the language of the run
    assert "XFD1048576" in note and "A1:E41" in note and note.startswith("Note: 工作表“Customers”")
    assert (tmp_path / "out.xlsx").exists()


def test_a_far_cell_behind_a_dimension_that_understates_it(tmp_path: Path) -> None:
    """The sheet says A1:E41, its last row is at 1048576: it is still read cell by cell and trimmed."""
    honest = customers(tmp_path / "honest.xlsx", far="XFD1048576")
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(honest) as src, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info.filename, data.replace(b'ref="A1:XFD1048576"', b'ref="A1:E41"'))
    assert b'ref="A1:E41"' in zipfile.ZipFile(lying).read(SHEET)
    code = ("import sys; from pathlib import Path; from xlcustseg.workbook import reading; "
            "rows, r, c = reading.sheet_values(Path(sys.argv[1]), 'Customers'); "
            "print(len(rows), max(map(len, rows)), r, c); print(reading.notes(Path(sys.argv[1]))[0])")
    done = subprocess.run([sys.executable, "-c", code, str(lying)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **CAPPED_ENV},
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP)))
    assert done.returncode == 0, done.stderr
    shape, note = done.stdout.splitlines()
    assert shape == "41 5 1 1"
    assert "XFD1048576" in note


@pytest.mark.parametrize("where", ["in row 3", "a row before the last"])
def test_a_far_cell_before_the_last_row_under_an_understated_dimension(tmp_path: Path, where: str) -> None:
    """<dimension ref="A1:E41"/> and a last row of 41 agree, yet a cell at XFD1048576 comes earlier (inside
    row 3, or in a <row r="1048576"> put before row 41): calamine places it by its reference, so the cells'
    own references decide, and the run ends with the far cell left out and a note, under the memory cap."""
    source = customers(tmp_path / "lying.xlsx")
    stray = b'<c r="XFD1048576" t="inlineStr"><is><t>stray</t></is></c>'
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    xml = parts[SHEET]
    if where == "in row 3":
        at = xml.index(b'<row r="4"')
        assert xml[at - 6:at] == b"</row>"
        parts[SHEET] = xml[:at - 6] + stray + xml[at - 6:]
    else:
        at = xml.index(b'<row r="41"')
        parts[SHEET] = xml[:at] + b'<row r="1048576">' + stray + b"</row>" + xml[at:]
    assert b'<dimension ref="A1:E41"' in parts[SHEET] and parts[SHEET].rindex(b"<row ") > parts[SHEET].index(stray)
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    assert limits.check_file(source).sheets[SHEET].last_row == 41  # what the sheet declares looks honest
    done = run("segment", source.name, "-o", "out.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "40" in done.stdout and "Customers" in done.stdout
    note = next(line for line in done.stdout.splitlines() if "XFD1048576" in line)
    assert "1 cell(s)" in note and "A1:E41" in note, note


def test_a_far_cell_in_an_ods_file_is_refused_in_one_sentence(tmp_path: Path) -> None:
    """.ods is converted by calamine, which refuses the 17-billion-cell range itself: said in one sentence."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
        f'opendocument:xmlns:office:1.0" xmlns:table="{table}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
        'text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Customers">'
        f"<table:table-row>{cell.format('Customer ID')}{cell.format('Revenue')}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="16383"/>{cell.format("stray")}'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(tmp_path / "far.ods", "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", content)
        ods.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:'
                     'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                     'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    refused(run("segment", "far.ods", cwd=tmp_path), "far.ods is refused", "Cell limit exceeded", "save it as .xlsx")


def test_a_far_reaching_sheet_too_large_to_trim_is_measured_piece_by_piece(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Over TRIM_BYTES the sheet is not held whole: read as it is within XLCUSTSEG_MAX_AREA, refused beyond."""
    monkeypatch.setattr(reading, "TRIM_BYTES", 1000)
    monkeypatch.setattr(reading, "_PIECE", 700)  # many pieces: elements cut across pieces are put together
    monkeypatch.setattr(reading, "TRIM_AREA", 100)
    near = customers(tmp_path / "near.xlsx", far="H300")
    rows, first_row, first_col = reading.sheet_values(near, "Customers")
    assert (len(rows), max(map(len, rows)), first_row, first_col) == (300, 8, 1, 1) and rows[-1][-1] == "stray"
    assert reading.notes(near) == []
    far = customers(tmp_path / "far.xlsx", far="XFD1048576")
    with pytest.raises(limits.LimitError, match=r"spans 17,179,869,184 grid cells \(to XFD1048576\).*"
                                                r"XLCUSTSEG_MAX_AREA"):
        reading.sheet_values(far, "Customers")


def test_keep_box_cuts_far_rows_and_columns_and_keeps_a_dense_block() -> None:
    block = np.array([(r, c) for r in range(1, 2001) for c in range(1, 6)])
    rows = np.concatenate([block[:, 0], [1048576, 3]])
    cols = np.concatenate([block[:, 1], [5, 16384]])
    assert reading.keep_box(rows, cols, Limits()) == (1, 2000, 1, 5)
    assert reading.keep_box(block[:, 0], block[:, 1], Limits()) == (1, 2000, 1, 5)  # nothing far: all kept
    with pytest.raises(limits.LimitError, match="XLCUSTSEG_MAX_AREA"):
        reading.keep_box(block[:, 0], block[:, 1], Limits(area=5000))


def test_a_sheet_that_inflates_to_2_4_gb_is_refused_at_once(tmp_path: Path, base: Path,
                                                              sheet_bomb: tuple[bytes, int, int]) -> None:
    bomb = with_part(base, tmp_path / "bomb.xlsx", SHEET, sheet_bomb)
    assert bomb.stat().st_size < 9_000_000 and sheet_bomb[2] > 2 * 2**30
    started = time.monotonic()
    text = refused(run("segment", bomb.name, cwd=tmp_path), "xl/worksheets/sheet1.xml", "XLCUSTSEG_MAX_RATIO")
    assert time.monotonic() - started < 30
    assert "inflates" in text and not list(tmp_path.glob("bomb_*"))


def test_a_zip_directory_that_lies_about_sizes_is_read_through_a_bounded_inflater(
        tmp_path: Path, base: Path, sheet_bomb: tuple[bytes, int, int]) -> None:
    """The directory declares 1 MB for the 2.4 GB sheet: inflating stops at the ratio, then at the part size."""
    bomb = with_part(base, tmp_path / "liar.xlsx", SHEET, sheet_bomb, declared=1_000_000)
    refused(run("segment", bomb.name, cwd=tmp_path), "more than 100 times", "XLCUSTSEG_MAX_RATIO")
    loose = {"XLCUSTSEG_MAX_RATIO": "1000000", "XLCUSTSEG_MAX_PART_BYTES": "50000000"}
    refused(run("segment", bomb.name, cwd=tmp_path, env=loose), "inflates to more bytes, over the limit of 50,000,000",
            "XLCUSTSEG_MAX_PART_BYTES")


def test_a_shared_strings_bomb_is_refused(tmp_path: Path, base: Path) -> None:
    full = sst_bomb(1000)  # about 1 GB of shared strings
    bomb = with_part(base, tmp_path / "sst.xlsx", SST, full)
    assert bomb.stat().st_size < 4_000_000 and full[2] > 900 * 2**20
    refused(run("segment", bomb.name, cwd=tmp_path), "xl/sharedStrings.xml", "XLCUSTSEG_MAX_RATIO")


def said(capsys: pytest.CaptureFixture, *words: str) -> str:
    """The one sentence an in-process run refused with (no output on stdout), holding `words`."""
    captured = capsys.readouterr()
    text = captured.err.strip()
    assert captured.out == "" and len(text.splitlines()) == 1 and "internal error" not in text, captured
    for word in words:
        assert word in text, (word, text)
    return text


@pytest.mark.parametrize(("variable", "value", "words"), [
    ("XLCUSTSEG_MAX_SHARED_STRINGS", "10000", ("65,536 shared strings", "10,000")),
    ("XLCUSTSEG_MAX_CELLS", "100", ("cells or more, over the limit of 100 ",)),
    ("XLCUSTSEG_MAX_TOTAL_BYTES", "5000", ("bytes uncompressed, over the limit of 5,000",)),
    ("XLCUSTSEG_MAX_CELLS", "lots", ("XLCUSTSEG_MAX_CELLS='lots'", "whole number")),
])
def test_each_limit_lowered_gives_one_sentence_naming_it(tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture, variable: str, value: str,
                                                         words: tuple[str, ...]) -> None:
    """Small files over lowered limits (safe to run in this process: nothing here is a bomb)."""
    source = with_part(base, tmp_path / "strings.xlsx", SST, sst_bomb(2))  # 65,536 strings, 2 MB
    monkeypatch.setenv(variable, value)
    assert main(["segment", str(source), "-o", str(tmp_path / "out.xlsx")]) == 1
    said(capsys, variable, *words)
    assert not (tmp_path / "out.xlsx").exists()


def test_the_defaults_pass_a_full_1048576_by_50_sheet(base: Path) -> None:
    """The limits hold what such a sheet is (the figures of one, not a 2.5 GB file in the test)."""
    full = Limits.from_env({})
    rows, cols = 1_048_576, 50
    xml_bytes = rows * cols * 48  # <c r="AX1048576" s="1"><v>12345.67</v></c> and the row tags
    assert rows * cols <= full.cells and rows * cols <= full.area and rows * cols <= full.shared_strings
    assert xml_bytes <= full.part_bytes and xml_bytes * 2 <= full.total_bytes
    facts = SheetFacts(SHEET, xml_bytes, rows * cols, (1, 1, rows, cols), rows)
    assert not reading._reaches_far(facts, full)
    scanned = limits.check_file(base, full)  # and a real package's facts, as the scan sees them
    assert scanned.sheets[SHEET].cells == 41 * 5 and scanned.sheets[SHEET].dimension == (1, 1, 41, 5)
    assert scanned.sheets[SHEET].last_row == 41


# -- 2. safe writes --------------------------------------------------------------------------------------------


def test_new_outputs_get_the_normal_mode(tmp_path: Path, base: Path, capsys: pytest.CaptureFixture) -> None:
    mask = os.umask(0o027)
    try:
        assert main(["segment", str(base), "-o", str(tmp_path / "out.xlsx")]) == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "out.xlsx").stat().st_mode) == 0o640
    capsys.readouterr()


def test_in_place_keeps_mode_follows_a_symlink_and_backs_up_the_original(tmp_path: Path, base: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    real = tmp_path / "real.xlsx"
    real.write_bytes(base.read_bytes())
    real.chmod(0o604)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real.name)
    assert main(["segment", str(link), "--in-place"]) == 0
    assert link.is_symlink() and os.readlink(link) == "real.xlsx"
    assert stat.S_IMODE(real.stat().st_mode) == 0o604
    assert real.read_bytes() != base.read_bytes()
    assert (tmp_path / "link.backup.xlsx").read_bytes() == base.read_bytes()
    out = capsys.readouterr().out
    assert f"Output: {link}" in out and "Backup: " in out
    assert not list(tmp_path.glob(".xlcustseg-*")) and not list(tmp_path.glob(".~xlcustseg*"))


def test_in_place_refuses_a_read_only_file(tmp_path: Path, base: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "ro.xlsx"
    source.write_bytes(base.read_bytes())
    source.chmod(0o444)
    assert main(["segment", str(source), "--in-place"]) == 1
    assert "ro.xlsx is read-only" in capsys.readouterr().err
    assert source.read_bytes() == base.read_bytes() and not (tmp_path / "ro.backup.xlsx").exists()


def test_a_backup_is_never_overwritten_with_other_bytes(tmp_path: Path, base: Path) -> None:
    """A second run (after a first one changed the file) numbers its backup; the original stays."""
    source = tmp_path / "book.xlsx"
    source.write_bytes(base.read_bytes())
    first = output_file.backup(source, source)
    assert first.name == "book.backup.xlsx" and first.read_bytes() == base.read_bytes()
    assert output_file.backup(source, source) == first  # the same bytes: the same backup
    source.write_bytes(b"the first run's output")
    second = output_file.backup(source, source)
    assert second.name == "book.backup-2.xlsx" and second.read_bytes() == b"the first run's output"
    assert first.read_bytes() == base.read_bytes()


def test_a_run_holding_the_lock_makes_a_second_in_place_run_refuse(tmp_path: Path, base: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "shared.xlsx"
    source.write_bytes(base.read_bytes())
    lock = tmp_path / ".~xlcustseg.shared.xlsx.lock"
    with open(lock, "w") as held:  # as a run in progress holds it (an flock is per open file, even here)
        held.write("4242\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        assert main(["segment", str(source), "--in-place"]) == 1
        said(capsys, "shared.xlsx is being written by another xlcustseg run (pid 4242)")
    assert source.read_bytes() == base.read_bytes() and not (tmp_path / "shared.backup.xlsx").exists()
    assert lock.exists()  # the lock file of a run that died: nobody holds it, so it does not block
    assert main(["segment", str(source), "--in-place"]) == 0
    assert (tmp_path / "shared.backup.xlsx").read_bytes() == base.read_bytes() and not lock.exists()
    capsys.readouterr()


def test_two_in_place_runs_at_once_keep_the_original_bytes(tmp_path: Path, base: Path) -> None:
    """The first run is frozen (SIGSTOP) while it holds the lock; the second refuses; the first then finishes."""
    source = tmp_path / "twice.xlsx"
    source.write_bytes(base.read_bytes())
    lock = tmp_path / ".~xlcustseg.twice.xlsx.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, "-m", "xlcustseg", "segment", source.name, "--in-place"],
                             cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip()) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    first.send_signal(signal.SIGSTOP)
    try:
        assert lock.read_text().strip() == str(first.pid)
        refused(run("segment", source.name, "--in-place", cwd=tmp_path),
                f"twice.xlsx is being written by another xlcustseg run (pid {first.pid})")
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert (tmp_path / "twice.backup.xlsx").read_bytes() == base.read_bytes()
    assert source.read_bytes() != base.read_bytes() and not lock.exists()


def test_output_extension_matches_the_content(tmp_path: Path, base: Path, capsys: pytest.CaptureFixture) -> None:
    macro = _with_macros(base, tmp_path / "macro.xlsm")
    assert main(["segment", str(macro), "-o", str(tmp_path / "out.xlsx")]) == 1
    assert "keeps its VBA macros" in capsys.readouterr().err and not (tmp_path / "out.xlsx").exists()
    assert main(["segment", str(base), "-o", str(tmp_path / "x.csv")]) == 1
    assert "give it an .xlsx name" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
    assert main(["segment", str(macro)]) == 0
    written = tmp_path / "macro_segmented.xlsm"
    with zipfile.ZipFile(written) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()
        assert output_file.MACRO_TYPE in archive.read("[Content_Types].xml")


def _with_macros(base: Path, path: Path) -> Path:
    """`base` as an .xlsm with a (dummy) VBA project part."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"x").replace(
                    b"application/vnd.openxmlformats-officedocument.x", output_file.MACRO_TYPE).replace(
                    b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                 b"</Types>")
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.'
                                    b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            out.writestr(info, data)
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real project" * 50)
    return path


def test_sigterm_during_the_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    source = customers(tmp_path / "big.xlsx", rows=6000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "xlcustseg", "segment", source.name, "-o", "out.xlsx"],
                            cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".xlcustseg-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert code == 128 + signal.SIGTERM, (code, err)
    assert "Traceback" not in err and err.strip() == "xlcustseg: stopped."
    assert not list(tmp_path.glob(".xlcustseg-*")) and not (tmp_path / "out.xlsx").exists()


def test_the_temporary_file_of_a_killed_run_is_removed_by_the_next_run(tmp_path: Path, base: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".xlcustseg-{dead.pid}-0badf00d.xlsx"
    left.write_bytes(b"half a workbook")
    alive = tmp_path / f".xlcustseg-{os.getppid()}-0badf00d.xlsx"  # a live pid: another run still writing
    alive.write_bytes(b"being written")
    older = tmp_path / ".xlcustseg-k2j_x9aq.xlsx"  # an older version's mkstemp name, two hours old
    older.write_bytes(b"half a workbook")
    other = tmp_path / ".xlcustseg-notes.txt"  # not a name of ours: never removed, however old
    other.write_bytes(b"x")
    for path in (older, other):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    assert main(["segment", str(base), "-o", str(tmp_path / "out.xlsx")]) == 0
    assert not left.exists() and not older.exists() and alive.exists() and other.exists()
    capsys.readouterr()


def test_an_existing_read_only_output_is_not_replaced(tmp_path: Path, base: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"someone's report")
    target.chmod(0o444)
    assert main(["segment", str(base), "-o", str(target)]) == 1
    said(capsys, "out.xlsx is read-only; nothing was written (make it writable, or choose another output).")
    assert target.read_bytes() == b"someone's report"


def test_a_closed_pipe_after_the_save_is_not_reported_as_nothing_written(tmp_path: Path, base: Path) -> None:
    """`xlcustseg segment … | head -1`: the reader goes away; the file is written and the exit is quiet."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "xlcustseg", "segment", str(base), "-o", "out.xlsx"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # as head does after its line
    code = proc.wait(timeout=120)
    err = proc.stderr.read().decode()
    assert code == 141, (code, err)
    assert err == "" and (tmp_path / "out.xlsx").exists()


# -- 3. .xls input ---------------------------------------------------------------------------------------------


def test_xls_input_keeps_sheet_visibility_and_says_what_it_could_not_keep(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    from libreoffice import convert

    source = customers(tmp_path / "legacy.xlsx")
    wb = openpyxl.load_workbook(source)
    wb.create_sheet("Hidden notes")["A1"] = "internal"
    wb["Hidden notes"].sheet_state = "hidden"
    wb.create_sheet("Lookup")["A1"] = "codes"
    wb.create_sheet("VH")["A1"] = "macro data"
    wb["VH"].sheet_state = "hidden"  # LibreOffice writes very hidden as hidden: set it in the BIFF record below
    wb.save(source)
    xls = convert(source, "xls", tmp_path / "xls")
    record = b"\x01\x00\x02\x00VH"  # BOUNDSHEET: hidden state 1, sheet type 0, a 2-letter name "VH"
    assert xls.read_bytes().count(record) == 1
    xls.write_bytes(xls.read_bytes().replace(record, b"\x02" + record[1:]))  # 2: very hidden
    assert main(["segment", str(xls), "-o", str(tmp_path / "out.xlsx")]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "was converted" in line]
    assert len(notes) == 1 and "formulas become their last results" in notes[0]
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert out["Hidden notes"].sheet_state == "hidden" and out["VH"].sheet_state == "veryHidden"
    assert out["Lookup"].sheet_state == "visible" and out["Customers"].sheet_state == "visible"


# -- the limits' refusals in the run's language (issue #15) ------------------------------------------------------
@pytest.mark.parametrize(("variable", "value", "lang", "words"), [
    ("XLCUSTSEG_MAX_SHARED_STRINGS", "10000", "zh", ("已拒绝读取", "65,536 个共享字符串", "超过上限 10,000")),
    ("XLCUSTSEG_MAX_SHARED_STRINGS", "10000", "en", ("is refused", "65,536 shared strings", "limit of 10,000")),
    ("XLCUSTSEG_MAX_CELLS", "100", "zh", ("个单元格", "超过上限 100（", "只对信任的文件调高它")),
    ("XLCUSTSEG_MAX_TOTAL_BYTES", "5000", "zh", ("字节", "超过上限 5,000")),
    ("XLCUSTSEG_MAX_CELLS", "lots", "zh", ("XLCUSTSEG_MAX_CELLS='lots'", "不是大于 0 的整数")),
    ("XLCUSTSEG_MAX_CELLS", "lots", "en", ("XLCUSTSEG_MAX_CELLS='lots'", "is not a whole number above 0")),
])
def test_a_limit_refusal_follows_the_language_asked_for(tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture, variable: str, value: str,
                                                        lang: str, words: tuple[str, ...]) -> None:
    """Checked before the settings sheet is read, so --lang (or a settings file's language) chooses; English
    without either."""
    source = with_part(base, tmp_path / "strings.xlsx", SST, sst_bomb(2))
    monkeypatch.setenv(variable, value)
    assert main(["segment", str(source), "--lang", lang, "-o", str(tmp_path / "out.xlsx")]) == 1
    text = said(capsys, variable, *words)
    assert ("is refused" in text or "whole number" in text) == (lang == "en")
    settings = tmp_path / "settings.csv"
    settings.write_text(f"language,{lang}\n", encoding="utf-8")
    assert main(["segment", str(source), "--settings", str(settings), "-o", str(tmp_path / "out.xlsx")]) == 1
    assert said(capsys, *words) == text
    assert not (tmp_path / "out.xlsx").exists()


def test_every_limit_sentence_has_both_languages() -> None:
    """Each refusal limits.py makes is a message of xlcustseg.i18n with a Chinese and an English text."""
    import re

    from xlcustseg.i18n import MESSAGES

    keys = set(re.findall(r'"(limit_[a-z_]+)"', (ROOT / "xlcustseg" / "workbook" / "limits.py").read_text()))
    assert {"limit_cells", "limit_shared_strings", "limit_ratio", "limit_part_declares", "limit_refused"} <= keys
    for key in keys:
        zh, en = MESSAGES[key]
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en), key


# -- .xlsb: binary sheet parts counted against the cell limit ----------------------------------------------------
def _record(kind: int, data: bytes = b"") -> bytes:
    """One BIFF12 record: its type (one or two bytes of 7 bits), its size (7 bits a byte), its data."""
    head = bytes([kind]) if kind < 128 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    n, size = len(data), b""
    while True:
        size += bytes([(n & 0x7F) | (0x80 if n >> 7 else 0)])
        n >>= 7
        if not n:
            return head + size + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb(path: Path, rows: list[list[object]], strings: int | None = None) -> Path:
    """A minimal .xlsb (no writer exists here: pyxlsb and LibreOffice only read it) with one sheet, Data, of
    `rows` (text and numbers, as BrtCellSt and BrtCellReal); `strings`: a sharedStrings.bin declaring that many."""
    book = (_record(131) + _record(143) + _record(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("Data"))
            + _record(144) + _record(132))
    sheet = _record(129) + _record(148, struct.pack("<IIII", 0, len(rows) - 1, 0, max(map(len, rows)) - 1))
    sheet += _record(145)
    for r, row in enumerate(rows):
        sheet += _record(0, struct.pack("<IIH", r, 0, 300) + bytes(3) + struct.pack("<I", 0))
        for c, value in enumerate(row):
            sheet += (_record(6, struct.pack("<II", c, 0) + _wide(value)) if isinstance(value, str)
                      else _record(5, struct.pack("<IId", c, 0, float(value))))
    sheet += _record(146) + _record(130)
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    package = "http://schemas.openxmlformats.org/package/2006/"
    binary = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
    types = (f'<Types xmlns="{package}content-types"><Default Extension="bin" ContentType="{binary}"/>'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
             '</Types>')

    def relationship(kind: str, target: str) -> str:
        return (f'<Relationships xmlns="{package}relationships"><Relationship Id="rId1" Type="{rel}{kind}" '
                f'Target="{target}"/></Relationships>')

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", relationship("officeDocument", "xl/workbook.bin"))
        archive.writestr("xl/workbook.bin", book)
        archive.writestr("xl/_rels/workbook.bin.rels", relationship("worksheet", "worksheets/sheet1.bin"))
        archive.writestr("xl/worksheets/sheet1.bin", sheet)
        if strings is not None:
            archive.writestr("xl/sharedStrings.bin", _record(159, struct.pack("<ii", strings, strings)) + _record(160))
    return path


def xlsb_customers(path: Path, n: int = 40, strings: int | None = None) -> Path:
    rows: list[list[object]] = [["Customer ID", "Revenue", "Orders"]]
    rows += [[f"c{i}", 100.0 * (i + 1) ** 2, i % 5 + 1] for i in range(n)]
    return xlsb(path, rows, strings)


def test_an_xlsb_is_read_and_its_cells_are_counted(tmp_path: Path) -> None:
    source = xlsb_customers(tmp_path / "small.xlsb")
    facts = limits.check_file(source, Limits())
    assert facts is not None and facts.sheets == {}  # binary: no XML facts
    limits.check_file(source, Limits(cells=41 * 3))  # exactly its cells: passes
    with pytest.raises(limits.LimitError, match="its sheets hold 123 cells or more, over the limit of 122 "):
        limits.check_file(source, Limits(cells=41 * 3 - 1))
    done = run("segment", "small.xlsb", "--lang", "en", "-o", "out.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(openpyxl.load_workbook(tmp_path / "out.xlsx")["Data"]["A"]) == 41


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_xlsb_over_the_cell_limit_is_refused_before_calamine_reads_it(tmp_path: Path, lang: str) -> None:
    xlsb_customers(tmp_path / "big.xlsb", n=2000)
    done = run("segment", "big.xlsb", "--lang", lang, "-o", "out.xlsx", cwd=tmp_path,
               env={"XLCUSTSEG_MAX_CELLS": "5000"})
    refused(done, "XLCUSTSEG_MAX_CELLS", "5,001", "5,000",
            "已拒绝读取：其工作表至少有 5,001 个单元格" if lang == "zh" else "is refused: its sheets hold 5,001 cells")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_far_cell_in_an_xlsb_is_refused_not_allocated(tmp_path: Path) -> None:
    """calamine reads an .xlsb sheet into one dense grid: one cell at XFD1048576 aborted the process (512 GiB)."""
    source = xlsb(tmp_path / "far.xlsb", [["Customer ID", "Revenue"], *[[f"c{i}", 10.0 * i] for i in range(20)]])
    with zipfile.ZipFile(source) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    end = _record(146) + _record(130)
    far = (_record(0, struct.pack("<IIH", 1048575, 0, 300) + bytes(3) + struct.pack("<I", 0))
           + _record(5, struct.pack("<IId", 16383, 0, 1.0)))
    parts["xl/worksheets/sheet1.bin"] = parts["xl/worksheets/sheet1.bin"][:-len(end)] + far + end
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    done = run("segment", "far.xlsb", "--lang", "en", "-o", "out.xlsx", cwd=tmp_path)
    refused(done, "far.xlsb is refused", "spanning 17,179,869,184 grid cells (to XFD1048576", "XLCUSTSEG_MAX_AREA")


def test_an_xlsb_declaring_too_many_shared_strings_is_refused(tmp_path: Path) -> None:
    xlsb_customers(tmp_path / "strings.xlsb", strings=5_000_000)
    done = run("segment", "strings.xlsb", "-o", "out.xlsx", cwd=tmp_path,
               env={"XLCUSTSEG_MAX_SHARED_STRINGS": "1000000"})
    refused(done, "5,000,000 shared strings", "XLCUSTSEG_MAX_SHARED_STRINGS")
