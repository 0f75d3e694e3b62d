#!/usr/bin/env bash
# One command: install everything (system packages included), then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
VENV="${DOCCHECK_VENV:-.venv}"
# On every core, one test file per worker at a time (its module fixtures made once); the sample
# runs are shared by the workers (tests/conftest.py, sample_reports).
exec "$VENV/bin/python" -m pytest -q -n auto --dist loadfile "$@"
