#!/usr/bin/env bash
# The test command: set the machine up (idempotent), lint, run the whole suite.
# pytest's exit code 5 (no tests collected) is a failure like any other non-zero code.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ruff check xlcustseg tests benchmarks
python3 -m pytest -q -p no:cacheprovider tests
