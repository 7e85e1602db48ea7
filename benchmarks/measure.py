"""Measuring helpers for the benchmark harness (benchmarks/run.py).

Every command is timed in a fresh child process; its peak memory is that
child's own maximum resident set size, read from ``os.wait4`` (the largest
single process among it and the descendants it waited for, not their sum).
A figure is a list of such samples, summarised as median, p90, min and max.
Pages in headless Chromium are timed by the browser's own clocks
(``performance`` entries), not by the Playwright round trips around them.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# As the tests launch it (tests/browser_support.py): no sandbox (containers), no GPU, nothing
# fetched in the background that could land inside a timing.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
# Children run the checkout's reportgen, whatever is installed.
CHILD_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))


class MeasureFailed(Exception):
    """A measured command failed or timed out; the message says which and why."""


@dataclass
class Sample:
    value: float  # seconds, or a count (DOM elements)
    peak_mb: float | None = None


@dataclass
class Figure:
    """One measured quantity at one corpus size, with every sample kept."""

    name: str
    scale: int | None  # copies of the bundled corpus; None for scale-free floors
    paragraphs: int | None
    unit: str  # "s" or "count"
    samples: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # pages, size_mb: the same on every run
    error: str | None = None

    @classmethod
    def of(cls, name, scale, paragraphs, samples: list[Sample], unit="s", **facts) -> Figure:
        return cls(name, scale, paragraphs, unit, [s.value for s in samples],
                   [s.peak_mb for s in samples if s.peak_mb is not None], facts)

    def stats(self) -> dict:
        if not self.samples:
            return {}
        ordered = sorted(self.samples)
        return {"median": statistics.median(ordered), "p90": percentile(ordered, 0.9),
                "min": ordered[0], "max": ordered[-1], "runs": len(ordered),
                "peak_mb": max(self.peaks_mb) if self.peaks_mb else None}


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (p90 of up to 10 samples is the largest)."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def repeat(once, runs: int, budget: float, fewest: int = 3) -> list[Sample]:
    """``once()`` run ``runs`` times, or stopped after ``fewest`` runs once they took
    longer than ``budget`` seconds (a 5-minute PDF is not run five times)."""
    samples: list[Sample] = []
    started = time.perf_counter()
    for _ in range(runs):
        samples.append(once())
        if len(samples) >= min(fewest, runs) and time.perf_counter() - started > budget:
            break
    return samples


def run_command(args: list[str], timeout: float) -> Sample:
    """Wall time and peak RSS of ``args`` run to completion in a fresh child process."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=errors, env=CHILD_ENV, start_new_session=True)
        timer = threading.Timer(timeout, _kill_group, (child.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)  # wait4: this child's own rusage
        except BaseException:  # Ctrl-C: the child has its own session and would run on
            _kill_group(child.pid)
            child.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip()[-1500:]
            why = (f"timed out after {timeout:.0f} s" if seconds >= timeout
                   else f"exited with {child.returncode}")
            raise MeasureFailed(f"{shlex.join(args)} {why}\n{tail}")
    return Sample(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the child and whatever it started (Chromium)
    except ProcessLookupError:
        pass


def reportgen(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "reportgen", *map(str, args)]


# -- the print HTML reportgen gives WeasyPrint -------------------------------

# Runs reportgen's own build for one output with weasyprint.HTML replaced by a
# recorder: whatever HTML reportgen would lay out is written to a file, and
# nothing is laid out. Any PDF-like output (report.pdf, brief.pdf) works the same.
_CAPTURE = """
import sys
from pathlib import Path
from reportgen import pdf
from reportgen.build import build
from reportgen.project import Project

corpus, fmt, dest = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])

class Captured(Exception):
    pass

def record(html, *args, **kwargs):  # the whole print HTML, as one document (no chapters)
    dest.write_text(pdf.standalone(html), encoding="utf-8")
    raise Captured

pdf.pdf_bytes = record
try:
    build(Project.at(corpus, output=dest.parent / "capture-output"), formats=(fmt,), force=True)
except Captured:
    sys.exit(0)
sys.exit(f"reportgen built {fmt} without handing WeasyPrint any HTML")
"""


def print_html(corpus: Path, fmt: str, dest: Path, timeout: float) -> Path:
    """The HTML reportgen lays out for output ``fmt`` of ``corpus``, written to ``dest``."""
    run_command([sys.executable, "-c", _CAPTURE, str(corpus), fmt, str(dest)], timeout)
    return dest


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)[1])


def chromium_print(html: Path, pdf: Path, timeout: float) -> Sample:
    """Chromium's own print of ``html`` to ``pdf`` (a fresh profile each time: cold)."""
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-profile-") as profile:
        return run_command([CHROMIUM, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={profile}",
                            "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                            html.resolve().as_uri()], timeout)


# -- the HTML report in headless Chromium ------------------------------------

# Milliseconds from the start of navigation, by the page's own clock.
_PAGE_TIMES = """() => new Promise(resolve => {
  const nav = performance.getEntriesByType("navigation")[0];
  const done = paint => resolve({
    first_paint: paint, ready: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    elements: document.getElementsByTagName("*").length});
  const paint = () => performance.getEntriesByName("first-contentful-paint")[0];
  if (paint()) { return done(paint().startTime); }
  new PerformanceObserver((list, observer) => {  // a small page can load before it paints
    if (paint()) { observer.disconnect(); done(paint().startTime); }
  }).observe({type: "paint", buffered: true});
  setTimeout(() => done(null), 10000);
})"""

# A filter change timed until the next frame has been drawn: the change handler,
# then style, layout and paint (a task queued from requestAnimationFrame runs
# after that frame is rendered).
_FILTER_TIME = """async value => {
  const select = document.getElementById("filter-theme");
  if (!select) { return null; }
  const started = performance.now();
  select.value = value === null ? select.options[1].value : value;
  select.dispatchEvent(new Event("change", {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - started;
}"""


class Browser:
    """Headless Chromium driven by Playwright, as the tests launch it (tests/browser_support.py)."""

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM,
                                                         args=CHROMIUM_ARGS)
        return self

    def __exit__(self, *exc) -> None:
        self._browser.close()
        self._playwright.stop()

    def visit(self, html: Path, timeout: float) -> dict[str, float | None]:
        """Load ``html`` in a fresh context; its page times (s), element count and
        the time to filter to one theme and back to everything (s)."""
        context = self._browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            page.set_default_timeout(timeout * 1000)
            page.goto(html.resolve().as_uri(), wait_until="load")
            times = page.evaluate(_PAGE_TIMES)
            times["filter"] = page.evaluate(_FILTER_TIME, None)
            times["show_all"] = page.evaluate(_FILTER_TIME, "")
        finally:
            context.close()
        return {key: (value if value is None or key == "elements" else value / 1000)
                for key, value in times.items()}
