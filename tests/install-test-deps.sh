#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: the package with its
# test extras, Debian's Chromium (driven by Playwright; no browser download) and
# poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -m pip install -q -e '.[test]'
