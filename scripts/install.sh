#!/usr/bin/env bash
# Installs everything doccheck needs on a Debian/Ubuntu machine: system packages (libmagic,
# tesseract with rus, chi_sim and osd data), then a virtualenv with doccheck in it. Idempotent:
# what is already there is not installed again. apt and pip show their progress.
# Usage: scripts/install.sh [extra]   (extra: "test" adds the test tools, "bench" the benchmark's: fpdf2, distributed)
# Other systems (pipx, macOS with Homebrew, Windows): docs/install.md.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"

# What running doccheck needs: file-type detection and OCR with its language data.
APT_PACKAGES=(libmagic1 tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-chi-sim tesseract-ocr-osd
              fonts-dejavu-core python3-venv)
# Only the tests and the benchmark draw Chinese test images (fonts-noto-cjk, ~90 MB) and check
# rendered pages with poppler's tools; the HTML report's browser test drives Debian's chromium.
case "$extra" in
    test) APT_PACKAGES+=(poppler-utils fonts-noto-cjk chromium chromium-driver) ;;
    bench) APT_PACKAGES+=(poppler-utils fonts-noto-cjk) ;;
esac
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "==> installing system packages: ${missing[*]}"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
        -o Dpkg::Progress-Fancy=1 "${missing[@]}"
else
    echo "==> system packages already installed"
fi

VENV="${DOCCHECK_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || { echo "==> creating virtualenv $VENV"; "$PYTHON" -m venv "$VENV"; }
echo "==> upgrading pip"
"$VENV/bin/python" -m pip install --upgrade pip || true
echo "==> installing doccheck${extra:+ with [$extra]}"
if [ "$extra" = "bench" ]; then
    # bench/run.py draws its papers with tools/make_samples.py (fpdf2) and --dask starts a LocalCluster.
    "$VENV/bin/python" -m pip install ".[samples,dask]"
elif [ -n "$extra" ]; then
    "$VENV/bin/python" -m pip install ".[$extra]"
else
    "$VENV/bin/python" -m pip install .
fi
echo "==> done: $VENV/bin/doccheck --help"
