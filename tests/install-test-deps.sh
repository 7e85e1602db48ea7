#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: scripts/setup.sh --test
# (WeasyPrint's libraries, the DejaVu fonts, .venv/ with reportgen and its test
# extras, Debian's Chromium driven by Playwright with no browser download, and
# poppler-utils: pdftotext, pdfinfo, pdffonts, pdftoppm), then axe-core (the
# accessibility checker the browser tests inject) from the npm registry into
# tests/.cache/. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1  # tests/test_browser.py reads it from tests/.cache/node_modules/axe-core

bash scripts/setup.sh --test

axe=tests/.cache/node_modules/axe-core
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$axe/package.json"; then
  npm install --prefix tests/.cache --no-save --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION" >/dev/null
fi
