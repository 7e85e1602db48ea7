"""Debian's Chromium driven by Playwright: the one way the tests (through the session
``browser`` fixture in conftest.py) and tests/make_screenshots.py launch it."""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, so Playwright downloads no browser
# Headless in a container (no sandbox, no GPU), and quiet: no update checks or sync
# requests, which would also show up in the tests that assert nothing is requested.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / ".cache" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def missing() -> str | None:
    """Why Chromium cannot be driven here, or None if it can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed: run bash tests/install-test-deps.sh"
    if not CHROMIUM.exists():
        return f"Debian's Chromium ({CHROMIUM}) is missing: run bash tests/install-test-deps.sh"
    return None


@contextmanager
def launched():
    """Headless Chromium, closed (with its Playwright driver) on leaving the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
