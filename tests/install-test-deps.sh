#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: scripts/setup.sh --test
# (WeasyPrint's libraries, the DejaVu fonts, .venv/ with reportgen and its test
# extras, Debian's Chromium driven by Playwright with no browser download, and
# poppler-utils: pdftotext, pdfinfo, pdffonts, pdftoppm), then axe-core (the
# accessibility checker the browser tests inject) and yaml-language-server (the
# editors' YAML support, for the schema tests) from the npm registry into
# tests/.cache/. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1  # tests/browser_support.py reads it from tests/.cache/node_modules/axe-core
# The YAML language server editors run (VS Code's YAML extension and others):
# tests/test_schema_agreement.py checks the editor schemas in it.
YAML_LS_VERSION=1.15.0

bash scripts/setup.sh --test

modules=tests/.cache/node_modules
# Both in one install: npm removes from the folder what a later install does not name.
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$modules/axe-core/package.json" ||
   ! grep -qs "\"version\": \"$YAML_LS_VERSION\"" "$modules/yaml-language-server/package.json"; then
  npm install --prefix tests/.cache --no-save --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION" "yaml-language-server@$YAML_LS_VERSION" >/dev/null
fi
