#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: the package with its
# test extras, Debian's Chromium (driven by Playwright; no browser download),
# poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm), the DejaVu fonts the
# brief embeds, and axe-core (the accessibility checker the browser tests inject),
# from the npm registry into tests/.cache/. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1  # tests/test_browser.py reads it from tests/.cache/node_modules/axe-core

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v npm >/dev/null || need+=(npm)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -m pip install -q -e '.[test]'

axe=tests/.cache/node_modules/axe-core
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$axe/package.json"; then
  npm install --prefix tests/.cache --no-save --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION" >/dev/null
fi
