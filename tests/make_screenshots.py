"""Screenshots of the bundled briefing for the README: the HTML report in headless
Chromium at desktop (1280 px) and phone (390 px) widths, and a few PDF pages.

    python3 tests/make_screenshots.py            # build into a temporary folder, shoot
    python3 tests/make_screenshots.py --from build   # shoot an existing build

Writes tests/screenshots/*.png (palette PNGs, each well under 300 KB) and prints
their names and sizes. Needs what the tests need (bash tests/install-test-deps.sh).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from browser_support import launched, missing
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from reportgen.build import build  # noqa: E402
from reportgen.load import Project  # noqa: E402

OUT = HERE / "screenshots"
LIMIT = 300_000  # bytes per picture

# (file name, viewport, where to scroll: a fragment or None for the top, filters)
HTML_SHOTS = [
    ("html-desktop-top.png", (1280, 800), None, ""),
    ("html-desktop-theme.png", (1280, 800), "theme-counterterrorism", ""),
    ("html-desktop-timeline.png", (1280, 800), "timeline", ""),
    ("html-desktop-filtered.png", (1280, 800), "themes", "?account=2018&kind=discrepancy"),
    ("html-phone-top.png", (390, 844), None, ""),
    ("html-phone-theme.png", (390, 844), "theme-narcotics", ""),
]
# (file name, a heading on the page or None, landscape, which match): pages after the contents
PDF_SHOTS = [
    ("pdf-cover.png", None, False, 0),
    ("pdf-key-findings.png", "Key findings", False, 1),
    ("pdf-timeline.png", "Timeline of dated events", False, 1),
    ("pdf-theme-landscape.png", None, True, 1),  # a theme section's first page
    ("pdf-theme-continued.png", None, True, 2),  # its cells continue, column headers repeated
]


def find_page(pdf: Path, heading: str | None, landscape: bool, nth: int) -> int:
    """The number of the ``nth`` page after the contents with ``heading`` on a line of its own."""
    if nth == 0:
        return 1
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout.split("\f")
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", str(len(text)), str(pdf)], check=True,
                          capture_output=True, text=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)]
    matches = [i + 1 for i, page in enumerate(text[:len(sizes)])
               if i >= 2 and (sizes[i][0] > sizes[i][1]) == landscape
               and (heading is None or re.search(rf"^{re.escape(heading)}$", page, re.M))]
    return matches[nth - 1]


def save_small(image: Image.Image, path: Path) -> None:
    """A palette PNG: screenshots of text and flat colours lose nothing visible at 128 colours."""
    image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True)
    if path.stat().st_size > LIMIT:
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
        image.convert("RGB").quantize(colors=96).save(path, optimize=True)


def html_shots(report: Path) -> list[Path]:
    written = []
    with launched() as browser:
        for name, (width, height), fragment, query in HTML_SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(report.as_uri() + query)
            if fragment:
                page.locator(f"#{fragment}").scroll_into_view_if_needed()
                page.evaluate(f"document.getElementById('{fragment}').scrollIntoView()")
            path = OUT / name
            page.screenshot(path=str(path))
            save_small(Image.open(path), path)
            written.append(path)
            page.close()
    return written


def pdf_shots(pdf: Path, work: Path) -> list[Path]:
    written = []
    for name, heading, landscape, nth in PDF_SHOTS:
        number = find_page(pdf, heading, landscape, nth)
        prefix = work / f"page-{number}"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(number), "-l", str(number),
                        "-singlefile", str(pdf), str(prefix)], check=True)
        path = OUT / name
        image = Image.open(f"{prefix}.png")
        framed = Image.new("RGB", (image.width + 2, image.height + 2), "#b8c0c8")  # a page edge
        framed.paste(image, (1, 1))
        save_small(framed, path)
        written.append(path)
    return written


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--from", dest="source", type=Path, metavar="DIR",
                         help="an existing build folder holding report.html and report.pdf")
    args = options.parse_args()
    if missing():
        print(missing(), file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        folder = args.source
        if folder is None:
            folder = Path(work) / "build"
            build(Project.at(output=folder), ("html", "pdf"))
        folder = folder.resolve()
        written = html_shots(folder / "report.html") + pdf_shots(folder / "report.pdf", Path(work))
    for path in written:
        size, (width, height) = path.stat().st_size, Image.open(path).size
        print(f"{path.relative_to(HERE.parent)}  {width}x{height}  {size // 1024} KB")
        if size > LIMIT:
            print(f"  larger than {LIMIT // 1000} KB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
