"""The benchmark harness: every performance figure of issue 9 in one run.

    python3 benchmarks/run.py [--scales 1,10,100,143] [--pdf-scales 1,10] [--runs 5]
                              [--out benchmarks/results/latest.json] [--compare OLD.json]
                              [--only GROUPS] [--quick]
    python3 benchmarks/run.py --load RESULT.json [--compare OLD.json]   (no measuring)

Corpora are made by benchmarks/corpus.py (scale N = the bundled corpus N times
over: 140 paragraphs per copy; 143 gives the issue's 20,000). Measured, as
medians over repeated runs of a fresh process each, with peak memory:

  startup   floors: `python3 -c pass`, `python3 -c "import reportgen.cli"`
  commands  `reportgen check`; `reportgen build --format html,json` cold (empty
            output folder), no-op (again, nothing changed) and after one document
            annotation file was edited                               at --scales
  browser   report.html in headless Chromium: first paint, ready (DOMContentLoaded),
            load event, DOM elements, filtering to one theme and back      at --scales
  pdf       every PDF output reportgen.build.FORMATS has (report.pdf, brief.pdf ...),
            cold; beside it the floors on the same print HTML: bare
            `python3 -m weasyprint` and `chromium --headless --print-to-pdf`  at --pdf-scales
  serve     `reportgen serve`: save an edit -> refreshed report.html (bundled corpus;
            benchmarks/serve_latency.py)

Each figure takes --runs runs, or 3 once its runs have taken longer than --budget
seconds. Prints a table (ratios to the floors, cost per 1,000 paragraphs, the
issue's targets), writes the results as JSON (--out) and the plot of time
against corpus size as SVG (--svg, default beside the JSON). --compare prints the
change of every figure against an earlier JSON. --quick: 1x only, one run of
each, for CI's smoke test (tests/test_benchmarks.py). docs/performance.md has
the figures and how to reproduce them.

Modules: measure.py (timing child processes and pages), report.py (figure names,
targets, tables), plot.py (the SVG), corpus.py, serve_latency.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # measure the checkout's reportgen, whatever is installed

import plot  # noqa: E402
import serve_latency  # noqa: E402
from corpus import make_corpus, paragraph_count  # noqa: E402
from measure import (ROOT, Browser, Figure, MeasureFailed, Sample, chromium_print,  # noqa: E402
                     pdf_pages, print_html, reportgen, repeat, run_command)
from report import (BROWSER, CHECK, COLD, EDITED, IMPORTS, NOOP, PYTHON, SERVE, changes,  # noqa: E402
                    header, plot_targets, render, render_markdown, show, table, target_table)

GROUPS = ("startup", "commands", "browser", "pdf", "serve")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- what is measured --------------------------------------------------------

def edit_one_file(corpus: Path) -> None:
    """Change one document annotation file, as an analyst's save does (a comment line
    added: the file's bytes change, what it says does not, so every run stays valid)."""
    path = min((corpus / "annotations" / "documents").glob("*.yaml"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"# edited {time.time_ns()}\n")


class Harness:
    """Measures the figures the arguments ask for, in a work folder it empties per corpus."""

    def __init__(self, args: argparse.Namespace, work: Path, saved=lambda figures: None):
        self.args, self.work, self.saved = args, work, saved
        self.figures: list[Figure] = []

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        self.saved(self.figures)  # an interrupted run keeps what it measured
        return figure

    def figure(self, name: str, scale: int | None, samples, unit="s", facts=None) -> Figure:
        """One figure from ``samples()`` (a list of Sample); a failure is recorded, not raised."""
        paragraphs = paragraph_count(scale) if scale else None
        label = f"{name} {scale}x" if scale else name
        log(f"  {label} ...")
        try:
            samples = samples()
            figure = Figure.of(name, scale, paragraphs, samples, unit, **(facts or {}))
            log(f"  {label}: median {show(figure.stats()['median'], unit)} "
                f"({len(samples)} runs)")
        except Exception as exc:  # noqa: BLE001 - one failing figure must not lose the run
            figure = Figure(name, scale, paragraphs, unit, error=f"{type(exc).__name__}: {exc}")
            log(f"  {label}: FAILED {figure.error}")
        return self.add(figure)

    def command(self, name: str, scale: int | None, args: list[str], before=None,
                after=None) -> Figure:
        facts: dict = {}

        def once() -> Sample:
            if before:
                before()
            sample = run_command(args, self.args.timeout)
            if after:
                facts.update(after())
            return sample
        return self.figure(name, scale, lambda: self.repeat(once), facts=facts)

    def repeat(self, once) -> list[Sample]:
        return repeat(once, self.args.runs, self.args.budget)

    def startup(self) -> None:
        self.command(PYTHON, None, [sys.executable, "-c", "pass"])
        self.command(IMPORTS, None, [sys.executable, "-c", "import reportgen.cli"])

    def commands(self, corpus: Path, scale: int) -> Path:
        """check, cold and no-op HTML+JSON builds; returns the built report.html."""
        out = self.work / f"html-{scale}x"
        build = reportgen("build", "--project", corpus, "--output", out, "--format", "html,json")
        self.command(CHECK, scale, reportgen("check", "--project", corpus))
        self.command(COLD, scale, build, before=lambda: shutil.rmtree(out, ignore_errors=True))
        self.command(NOOP, scale, build)
        self.command(EDITED, scale, build, before=lambda: edit_one_file(corpus))
        return out / "report.html"

    def browser(self, html: Path, scale: int) -> None:
        """Page times of report.html; one figure per BROWSER key, all from the same visits."""
        visits: list[dict] = []
        facts: dict = {}

        def samples() -> list[Sample]:
            if not html.exists():  # commands not measured: build it, untimed
                run_command(reportgen("build", "--project", self.work / f"corpus-{scale}x",
                                      "--output", html.parent, "--format", "html"),
                            self.args.timeout)
            facts["size_mb"] = html.stat().st_size / 2**20
            with Browser() as chromium:
                def once() -> Sample:
                    visits.append(chromium.visit(html, self.args.timeout))
                    return Sample(visits[-1]["load"])
                return self.repeat(once)
        load = self.figure(BROWSER["load"], scale, samples, facts=facts)
        for key, name in BROWSER.items():
            if key == "load":
                continue
            values = [v[key] for v in visits]
            figure = Figure(name, scale, load.paragraphs, "count" if key == "elements" else "s",
                            error=load.error)
            if not load.error and None not in values:
                figure.samples = values
            elif not load.error:
                figure.error = f"the page gave no {key.replace('_', ' ')} (see measure.py)"
            self.add(figure)

    def pdf(self, corpus: Path, scale: int, fmt: str, output_name: str) -> None:
        out, floor = self.work / f"{fmt}-{scale}x", self.work / f"{fmt}-{scale}x-floor"
        self.command(output_name, scale,
                     reportgen("build", "--project", corpus, "--output", out, "--format", fmt),
                     before=lambda: shutil.rmtree(out, ignore_errors=True),
                     after=lambda: pdf_facts(out / output_name))
        floor.mkdir()
        try:
            html = print_html(corpus, fmt, floor / "print.html", self.args.timeout)
        except MeasureFailed as exc:
            for name in (f"{output_name}: weasyprint", f"{output_name}: chromium"):
                self.add(Figure(name, scale, paragraph_count(scale), "s", error=str(exc)))
            return
        weasy, chromium = floor / "weasyprint.pdf", floor / "chromium.pdf"
        self.command(f"{output_name}: weasyprint", scale,
                     [sys.executable, "-m", "weasyprint", str(html), str(weasy)],
                     after=lambda: pdf_facts(weasy))
        facts: dict = {}

        def print_once() -> Sample:
            sample = chromium_print(html, chromium, self.args.timeout)
            facts.update(pdf_facts(chromium))
            return sample
        self.figure(f"{output_name}: chromium", scale, lambda: self.repeat(print_once),
                    facts=facts)

    def serve(self) -> None:
        def edits() -> list[Sample]:  # each edit is a sample (peak memory is not measured)
            return [Sample(ms / 1000) for ms in serve_latency.run(self.args.serve_edits)["total"]]
        self.figure(SERVE, 1, edits)

    def run(self) -> list[Figure]:
        groups = self.args.only
        scales = self.args.scales if {"commands", "browser"} & set(groups) else []
        pdf_scales = self.args.pdf_scales if "pdf" in groups else []
        if "startup" in groups:
            log("floors: interpreter and imports")
            self.startup()
        for scale in sorted(set(scales) | set(pdf_scales)):
            log(f"corpus {scale}x: {paragraph_count(scale):,} paragraphs")
            corpus = make_corpus(scale, self.work / f"corpus-{scale}x")
            html = self.work / f"html-{scale}x" / "report.html"
            if scale in scales and "commands" in groups:
                html = self.commands(corpus, scale)
            if scale in scales and "browser" in groups:
                self.browser(html, scale)
            for fmt, output_name in (pdf_outputs().items() if scale in pdf_scales else ()):
                self.pdf(corpus, scale, fmt, output_name)
            for leftover in self.work.iterdir():  # a 143x corpus and its outputs: 300 MB
                shutil.rmtree(leftover)
        if "serve" in groups:
            log("serve: edit -> refreshed report.html (bundled corpus)")
            self.serve()
        return self.figures


def pdf_outputs() -> dict[str, str]:
    """PDF-like outputs of the reportgen under test: format -> file name."""
    from reportgen.build import FORMATS, OUTPUT_NAMES

    return {fmt: OUTPUT_NAMES[fmt] for fmt in FORMATS if OUTPUT_NAMES[fmt].endswith(".pdf")}


def pdf_facts(pdf: Path) -> dict:
    return {"pages": pdf_pages(pdf), "size_mb": pdf.stat().st_size / 2**20}


def machine(args: argparse.Namespace) -> dict:
    """What a later reader needs to judge the figures: code, tools, machine, load."""
    def out(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                                  timeout=30).stdout.strip()
        except OSError:
            return ""
    import reportgen

    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "git": out("git", "rev-parse", "--short", "HEAD") + (
            " (with uncommitted changes)" if out("git", "status", "--porcelain") else ""),
        "reportgen": reportgen.__version__,
        "python": platform.python_version(),
        "weasyprint": importlib.metadata.version("weasyprint"),
        "chromium": out("/usr/bin/chromium", "--version"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(sys.argv[1:]),
        "runs": args.runs, "budget_s": args.budget,
    }


# -- results ---------------------------------------------------------------

def summarise(figures: list[Figure]) -> list[dict]:
    """Figures as JSON records with their statistics."""
    return [{"name": f.name, "scale": f.scale, "paragraphs": f.paragraphs, "unit": f.unit,
             **f.stats(), **f.facts, "samples": f.samples, "peaks_mb": f.peaks_mb,
             **({"error": f.error} if f.error else {})} for f in figures]


# -- the command -------------------------------------------------------------

def arguments(argv: list[str] | None) -> argparse.Namespace:
    def numbers(text: str) -> list[int]:
        return [int(n) for n in text.split(",") if n.strip()]

    def groups(text: str) -> tuple[str, ...]:
        chosen = tuple(g.strip() for g in text.split(",") if g.strip())
        unknown = set(chosen) - set(GROUPS)
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(sorted(unknown))}; "
                                             f"choose from {','.join(GROUPS)}")
        return chosen

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Details: the module docstring of benchmarks/run.py and docs/performance.md.")
    parser.add_argument("--scales", type=numbers, default=[1, 10, 100, 143],
                        help="corpus sizes for check, HTML+JSON builds and the browser "
                             "(copies of the bundled corpus; default 1,10,100,143)")
    parser.add_argument("--pdf-scales", type=numbers, default=[1, 10],
                        help="corpus sizes for the PDFs and their floors (default 1,10)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds after which a figure stops at 3 runs (default 60)")
    parser.add_argument("--serve-edits", type=int, default=20,
                        help="timed edits for the serve figure (default 20)")
    parser.add_argument("--timeout", type=float, default=1200.0,
                        help="seconds before one run is stopped as failed (default 1200)")
    parser.add_argument("--only", type=groups, default=GROUPS,
                        help=f"measure only these groups (default all: {','.join(GROUPS)})")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json",
                        help="results file (default benchmarks/results/latest.json)")
    parser.add_argument("--svg", type=Path, help="the plot (default: --out with .svg)")
    parser.add_argument("--compare", type=Path, metavar="OLD.json",
                        help="print each figure's change against an earlier results file")
    parser.add_argument("--load", type=Path, metavar="RESULT.json", action="append",
                        help="show (and plot) a saved results file instead of measuring; "
                             "given more than once, the files are shown as one")
    parser.add_argument("--markdown", action="store_true",
                        help="print the tables in Markdown (for docs/performance.md)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1x only, one run of each, 3 serve edits")
    args = parser.parse_args(argv)
    if args.quick:
        args.scales, args.pdf_scales, args.runs, args.serve_edits = [1], [1], 1, 3
    if args.svg is None:
        args.svg = (args.load[0] if args.load else args.out).with_suffix(".svg")
    return args


def measure(args: argparse.Namespace) -> dict:
    """Measure, writing --out after every figure; Ctrl-C keeps what was measured."""
    result = {"meta": machine(args), "figures": []}
    started = time.perf_counter()
    # As installed (pip compiles; scripts/setup.sh compiles the editable install): without
    # bytecode, and with PYTHONDONTWRITEBYTECODE set, every run would recompile reportgen.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "reportgen")],
                   check=True)

    def save(figures: list[Figure]) -> None:
        result["meta"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
        result["meta"]["seconds"] = round(time.perf_counter() - started, 1)
        result["figures"] = summarise(figures)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
            Harness(args, Path(tmp), save).run()
    except KeyboardInterrupt:
        result["meta"]["interrupted"] = True
        log("interrupted: showing what was measured")
    return result


def loaded(paths: list[Path]) -> dict:
    """Saved results, several files as one (a figure in a later file replaces the earlier)."""
    results = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    figures = {(f["name"], f["scale"]): f for r in results for f in r["figures"]}
    return {"meta": results[0]["meta"], "also": [r["meta"] for r in results[1:]],
            "figures": list(figures.values())}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    result = loaded(args.load) if args.load else measure(args)
    records = result["figures"]
    show_table = render_markdown if args.markdown else render
    for meta in [result["meta"], *result.get("also", [])]:
        print(header(meta))
    print(show_table(table(records)))
    print("\ntargets (issue 9; the no-op build's from issue 4):")
    print(show_table(target_table(records)))
    args.svg.parent.mkdir(parents=True, exist_ok=True)
    args.svg.write_text(plot.svg(records, plot_targets(records),
                                 f"reportgen: time against corpus size "
                                 f"({result['meta']['date'][:10]}, {result['meta']['git']})"),
                        encoding="utf-8")
    if not args.load:
        print(f"\nwrote {args.out} and {args.svg} in {result['meta']['seconds']:.0f} s")
    if args.compare:
        print(f"\nchange against {args.compare}:")
        print(changes(json.loads(args.compare.read_text(encoding="utf-8")), result, show_table))
    failed = [r for r in records if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
