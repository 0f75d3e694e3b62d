#!/usr/bin/env bash
# One command: install everything, then scan the sample batch and write its reports to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
VENV="${DOCCHECK_VENV:-.venv}"
mkdir -p out
status=0
"$VENV/bin/doccheck" scan sample_docs/company --skus sample_docs/company/skus.csv --today 2026-11-26 \
    --out out/company-report.csv --files-out out/company-files.csv --kyc-out out/company-kyc.csv \
    --html out/company-report.html --json out/company-report.json --ozon-sheet out/company-ozon-sheet.csv || status=$?
echo
"$VENV/bin/doccheck" scan sample_docs/individual --skus sample_docs/individual/skus.csv --seller-type individual \
    --today 2026-11-26 --out out/individual-report.csv --files-out out/individual-files.csv \
    --kyc-out out/individual-kyc.csv --html out/individual-report.html || status=$?
echo
echo "Reports are in out/ (open out/company-report.html in a browser). Exit status $status (1 = at least one SKU would have chat disabled, as the samples intend)."
[ "$status" -le 1 ]
