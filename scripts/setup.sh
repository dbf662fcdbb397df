#!/usr/bin/env bash
# Installs everything xlcustseg and its tests need on a fresh Debian/Ubuntu machine:
# the package with its test extras, and LibreOffice Calc (the real spreadsheet
# engine the tests recalculate our workbooks with). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
# python3-uno: tests/test_pivots.py drives LibreOffice through its UNO API (under /usr/bin/python3)
if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc python3-uno >/dev/null
fi
# Java for the Spark engine's tests (pyspark in local mode; Spark 4 needs Java 17 or later)
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    openjdk-17-jre-headless >/dev/null
fi
# A CJK font and pdftotext for the render test (the summary printed to PDF must show its Chinese headings)
if ! command -v pdftotext >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    poppler-utils fonts-noto-cjk fontconfig >/dev/null
fi
