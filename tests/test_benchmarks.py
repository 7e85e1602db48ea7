"""The benchmark harness as CI runs it: `benchmarks/run.py --quick` (the bundled
corpus once over, one run of each figure) must produce every figure as a positive
number, its floors beside it, a readable table, a plot, and a comparison with an
earlier results file. Speeds are never asserted here: benchmarks are not tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reportgen.build import FORMATS, OUTPUT_NAMES

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
PDF_OUTPUTS = [OUTPUT_NAMES[f] for f in FORMATS if OUTPUT_NAMES[f].endswith(".pdf")]
TIMES = ["python -c pass", "import reportgen.cli", "check", "build html,json (cold)",
         "build html,json (no-op)", "html first paint", "html ready", "html load",
         "html filter", "html show all", "serve: edit -> report.html",
         *[f"{pdf}{floor}" for pdf in PDF_OUTPUTS for floor in ("", ": weasyprint", ": chromium")]]
COMMANDS = ["python -c pass", "import reportgen.cli", "check", "build html,json (cold)",
            "build html,json (no-op)", *[f"{pdf}{floor}" for pdf in PDF_OUTPUTS
                                         for floor in ("", ": weasyprint", ": chromium")]]


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "quick.json"
    done = subprocess.run([sys.executable, str(RUN), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stdout


def figures(path: Path) -> dict[str, dict]:
    return {f["name"]: f for f in json.loads(path.read_text(encoding="utf-8"))["figures"]}


def test_quick_run_measures_every_figure_as_a_positive_number(quick):
    measured = figures(quick[0])
    assert PDF_OUTPUTS, "reportgen has no PDF output to measure"
    for name in TIMES:
        figure = measured.get(name)
        assert figure is not None, f"{name} was not measured"
        assert "error" not in figure, figure.get("error")
        assert figure["unit"] == "s" and figure["median"] > 0 and figure["runs"] >= 1, figure
        assert figure["scale"] in (None, 1), "--quick measures the bundled corpus once over"
    assert measured["html elements"]["median"] > 1000  # the bundled report has thousands
    for name in COMMANDS:  # each command's own peak memory, from its process
        assert measured[name]["peak_mb"] > 1, name
    for pdf in PDF_OUTPUTS:  # every PDF, reportgen's and the floors', has pages
        for floor in ("", ": weasyprint", ": chromium"):
            assert measured[f"{pdf}{floor}"]["pages"] > 0


def test_quick_run_prints_a_table_with_floors_and_targets(quick):
    table = quick[1]
    for name in TIMES:
        assert name in table
    assert "x weasyprint" in table and "x chromium" in table and "x imports" in table
    assert "<= 250 ms" in table  # issue 9's target for the bundled HTML+JSON build


def test_quick_run_draws_the_plot(quick):
    svg = ET.parse(quick[0].with_suffix(".svg")).getroot()
    drawn = [e for e in svg.iter() if e.tag.endswith("circle")]
    assert len(drawn) >= 4  # a point for each timed figure measured at a corpus size
    assert "check" in ET.tostring(svg, encoding="unicode")


def test_compare_shows_each_figure_against_an_earlier_run(quick, tmp_path):
    earlier = json.loads(quick[0].read_text(encoding="utf-8"))
    for figure in earlier["figures"]:
        if "median" in figure:
            figure["median"] *= 2  # as if everything had been twice as slow before
    older = tmp_path / "older.json"
    older.write_text(json.dumps(earlier), encoding="utf-8")
    done = subprocess.run([sys.executable, str(RUN), "--load", str(quick[0]), "--compare",
                           str(older), "--svg", str(tmp_path / "plot.svg")],
                          capture_output=True, text=True, timeout=60, check=True)
    comparison = done.stdout.split("change against", 1)[1]
    for name in TIMES:
        line = next(line for line in comparison.splitlines() if line.startswith(name + " "))
        assert "-50 %" in line, line
