#!/usr/bin/env bash
# Set reportgen up in this checkout, on a fresh Debian machine as on a used one:
# the system libraries WeasyPrint needs (Pango, HarfBuzz) and the DejaVu fonts the
# brief embeds, with apt when missing; then a virtual environment .venv/ holding
# reportgen (editable) and its dependencies. A virtual environment because Debian's
# python3 refuses `pip install` outside one (PEP 668); Debian needs python3-venv
# to make one, so that is installed too when missing.
# --test: also what the test suite needs (test extras, Chromium, poppler-utils, npm).
# Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

test=false
[ "${1:-}" = "--test" ] && test=true

need=()
if command -v dpkg >/dev/null; then  # Debian and its derivatives
  python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
  for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
  done
  if $test; then
    command -v chromium >/dev/null || need+=(chromium)
    command -v pdftotext >/dev/null || need+=(poppler-utils)
    command -v npm >/dev/null || need+=(npm)
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing with apt: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# A .venv without pip (an earlier attempt before python3-venv was there) is made again.
.venv/bin/python -m pip --version >/dev/null 2>&1 || python3 -m venv --clear .venv
if $test; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set
# Python never writes the bytecode itself: every run would recompile reportgen
# (about a third of a small build). compileall writes it whatever that says.
.venv/bin/python -m compileall -q reportgen
