#!/usr/bin/env bash
# One command: install everything (system packages included), then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
VENV="${DOCCHECK_VENV:-.venv}"
exec "$VENV/bin/python" -m pytest -q "$@"
