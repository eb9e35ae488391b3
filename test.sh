#!/usr/bin/env bash
# Run everything: lint, format check, types, unit tests, AppTest pages and browser tests.
#   ./test.sh                     browser tests skip when Chromium is missing
#   ./test.sh --require-browser   (CI) a browser test that cannot run fails instead
# Other arguments go to pytest, e.g. ./test.sh -k areas
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
if [ "${1:-}" = "--require-browser" ]; then
    export LAGESBILD_REQUIRE_BROWSER=1
    shift
fi
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
