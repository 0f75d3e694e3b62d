#!/usr/bin/env bash
# Installs everything doccheck needs on a Debian/Ubuntu machine: system packages (libmagic,
# tesseract with rus, chi_sim and osd data, fonts for the test images), then a virtualenv with
# doccheck in it. Idempotent: what is already there is not installed again.
# Usage: scripts/install.sh [extra]   (extra: "test" adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libmagic1 tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-chi-sim tesseract-ocr-osd
              poppler-utils fonts-dejavu-core fonts-noto-cjk python3-venv)
# The HTML report's browser test (tests/test_html_report.py) drives Debian's chromium; only the test install needs it.
if [ "${1:-}" = "test" ]; then APT_PACKAGES+=(chromium chromium-driver); fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV="${DOCCHECK_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
extra="${1:-}"
if [ -n "$extra" ]; then
    "$VENV/bin/python" -m pip install -q ".[$extra]"
else
    "$VENV/bin/python" -m pip install -q .
fi
