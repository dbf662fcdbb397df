"""Building the xlcustseg.xlam ribbon add-in from the installed xlwings' own template.

The add-in's VBA is tied to the xlwings version that ships it, so we never
commit an .xlam: `xlcustseg addin build` copies the installed
`quickstart_addin_ribbon.xlam` and patches, with zipfile only (the VBA stays
byte for byte):
- customUI/customUI.xml: our tab 客户分层 / Segmentation with the one-click
  button (its callback, RibbonMyAddin.RunMain, runs
  `import <file name>; <file name>.main()`, so the file must be xlcustseg.xlam);
- the config sheet the VBA reads (`<PROJECT_NAME>.conf`; the template ships it
  switched off as `_myaddin.conf`): switched on, with UDF Modules = xlcustseg.excel.udfs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ADDIN_NAME = "xlcustseg.xlam"
CONFIG = {"UDF Modules": "xlcustseg.excel.udfs"}
CUSTOM_UI = """<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="xlcustsegTab" label="客户分层 / Segmentation">
                <group id="xlcustsegGroup" label="xlcustseg">
                    <button id="xlcustsegSegment" label="一键分层 / Segment" size="large"
                            screentip="一键分层 / Segment"
                            supertip="为当前工作表的客户表分层 / Segment the table on the active sheet"
                            onAction="RibbonMyAddin.RunMain" imageMso="PivotTableLayoutReportLayout" />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""


class AddinError(RuntimeError):
    """One sentence saying why the add-in cannot be built or installed."""


def template_path() -> Path:
    import xlwings

    path = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not path.exists():
        raise AddinError(f"the installed xlwings {xlwings.__version__} has no ribbon add-in template ({path.name}).")
    return path


def build(output: Path | None = None) -> Path:
    """Write xlcustseg.xlam (to `output`, a file or a folder; default: the current folder)."""
    target = Path(output) if output else Path.cwd() / ADDIN_NAME
    if target.is_dir() or target.suffix == "":
        target = target / ADDIN_NAME
    if target.name != ADDIN_NAME:
        raise AddinError(f"the add-in must be named {ADDIN_NAME}: its VBA imports the module named like the file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template_path()) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
        infos = source.infolist()
    sheet_part, old_name, project = _config_sheet(parts)
    parts["customUI/customUI.xml"] = CUSTOM_UI.encode("utf-8")
    parts[sheet_part] = _set_config(parts[sheet_part].decode("utf-8"), parts).encode("utf-8")
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        f'name="{old_name}"'.encode(), f'name="{project}.conf"'.encode())
    handle, tmp = tempfile.mkstemp(suffix=".xlam", dir=target.parent)
    os.close(handle)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for item in infos:
            out.writestr(item, parts[item.filename])
    Path(tmp).replace(target)
    return target


def _config_sheet(parts: dict[str, bytes]) -> tuple[str, str, str]:
    """(part of the config sheet, its name in the template, the VBA's PROJECT_NAME)."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    found = re.search(r'<sheet name="(_?)([^"]+)\.conf"[^>]*r:id="([^"]+)"', workbook)
    if not found:
        raise AddinError("the xlwings add-in template has no .conf sheet; this xlwings version is not supported.")
    rel = re.search(rf'<Relationship[^>]*Id="{found.group(3)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{found.group(3)}"', rels)
    target = rel.group(1).lstrip("/")
    part = target if target.startswith("xl/") else f"xl/{target}"
    return part, f"{found.group(1)}{found.group(2)}.conf", found.group(2)


def _shared_strings(parts: dict[str, bytes]) -> list[str]:
    text = parts.get("xl/sharedStrings.xml", b"").decode("utf-8")
    return [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", text, flags=re.S)]


def _set_config(sheet: str, parts: dict[str, bytes]) -> str:
    """Put each CONFIG value in column B of the row whose column A holds its key."""
    strings = _shared_strings(parts)
    for key, value in CONFIG.items():
        index = strings.index(key)
        row = re.search(rf'<row r="(\d+)"[^>]*>(?:(?!</row>).)*?<c r="A\1"[^>]*t="s"[^>]*><v>{index}</v></c>',
                        sheet, flags=re.S)
        if not row:
            raise AddinError(f"the add-in template's config sheet has no '{key}' row.")
        number = row.group(1)
        cell = f'<c r="B{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        start = sheet.index(f'<row r="{number}"')
        end = sheet.index("</row>", start)
        body = re.sub(rf'<c r="B{number}"[^>]*?(/>|>.*?</c>)', "", sheet[start:end], flags=re.S)
        body = re.sub(r'spans="\d+:\d+"', 'spans="1:2"', body)
        sheet = sheet[:start] + body + cell + sheet[end:]
    return sheet


def install(path: Path | None = None) -> str:
    """Install the add-in with `xlwings addin install` (Windows and macOS); elsewhere say what to do."""
    if sys.platform not in ("win32", "darwin"):
        return ("Excel add-ins install on Windows or macOS only: copy xlcustseg.xlam there and run "
                "`xlcustseg addin install` (see docs/excel.md).")
    addin = build(path or Path(tempfile.mkdtemp()) / ADDIN_NAME)
    xlwings = shutil.which("xlwings") or sys.exit("the xlwings command is not on PATH")
    subprocess.run([xlwings, "addin", "install", "--file", str(addin)], check=True)
    return f"Installed {addin.name}: restart Excel and look for the 客户分层 / Segmentation tab."
