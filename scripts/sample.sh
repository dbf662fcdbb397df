#!/usr/bin/env bash
# The main job on the bundled sample: set the machine up (idempotent), then segment
# the Chinese customer list. The output is written beside it and its path printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
xlcustseg segment "workbook_templates/客户名单示例.xlsx"
