#!/usr/bin/env bash
# The main job on the bundled sample: set the machine up (idempotent), then segment
# the Chinese customer list. The output goes to out/ (not beside the sample: workbook_templates/
# is package data) and its path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
xlcustseg segment "workbook_templates/客户名单示例.xlsx" -o "out/客户名单示例_分层.xlsx"
