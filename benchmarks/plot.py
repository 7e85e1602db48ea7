"""Time against corpus size as a standalone SVG (plain SVG text, no plotting library).

Log-log axes: a cost linear in the corpus is a line of slope 1, and the floors
(bare WeasyPrint, Chromium's print) sit beside what reportgen takes. Targets
from issue 9 are drawn as hollow diamonds in the colour of their figure.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 860, 500
LEFT, RIGHT, TOP, BOTTOM = 70, 250, 40, 50  # margins; the legend sits on the right
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173"]
FLOOR_WORDS = ("weasyprint", "chromium")  # floors are drawn dashed


def series(figures: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """Per figure name, (paragraphs, median seconds) in corpus order: time figures
    measured at a corpus size (not the scale-free floors, not serve)."""
    lines: dict[str, list[tuple[int, float]]] = {}
    for f in figures:
        if f["unit"] == "s" and f.get("paragraphs") and f.get("median") and \
                not f["name"].startswith("serve"):
            lines.setdefault(f["name"], []).append((f["paragraphs"], f["median"]))
    return {name: sorted(points) for name, points in lines.items()}


def svg(figures: list[dict], targets: list[tuple[str, int, float]], title: str) -> str:
    """The plot; ``targets``: (figure name, paragraphs, seconds) of time targets."""
    lines = series(figures)
    if not lines:
        return _frame(title, ['<text x="50%" y="50%" text-anchor="middle">no timings</text>'])
    xs = [x for points in lines.values() for x, _ in points]
    ys = [y for points in lines.values() for _, y in points] + [t for _, _, t in targets]
    x_axis = _decades(min(xs), max(xs))
    y_axis = _decades(min(ys), max(ys))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + plot_w * (math.log10(x) - x_axis[0]) / (x_axis[1] - x_axis[0])

    def py(y: float) -> float:
        return TOP + plot_h * (1 - (math.log10(y) - y_axis[0]) / (y_axis[1] - y_axis[0]))

    parts = _grid(x_axis, y_axis, px, py)
    colours = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(lines)}
    for i, (name, points) in enumerate(lines.items()):
        colour = colours[name]
        dash = ' stroke-dasharray="6 4"' if any(w in name for w in FLOOR_WORDS) else ""
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')
        parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>'
                  for x, y in points]
        ly = TOP + 10 + 18 * i
        parts.append(f'<line x1="{WIDTH - RIGHT + 15}" y1="{ly}" x2="{WIDTH - RIGHT + 40}" '
                     f'y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 46}" y="{ly + 4}">{escape(name)}</text>')
    for name, x, seconds in targets:
        if name in colours and x_axis[0] <= math.log10(x) <= x_axis[1]:
            cx, cy = px(x), py(seconds)
            parts.append(f'<path d="M{cx:.1f},{cy - 6:.1f} l6,6 l-6,6 l-6,-6 z" fill="white" '
                         f'stroke="{colours[name]}" stroke-width="2"><title>target for '
                         f'{escape(name)}: {seconds:g} s</title></path>')
    ly = TOP + 10 + 18 * len(lines) + 8
    parts.append(f'<path d="M{WIDTH - RIGHT + 27},{ly - 6} l6,6 l-6,6 l-6,-6 z" fill="white" '
                 f'stroke="#333" stroke-width="2"/>')
    parts.append(f'<text x="{WIDTH - RIGHT + 46}" y="{ly + 4}">target (issue 9)</text>')
    return _frame(title, parts)


def _decades(low: float, high: float) -> tuple[int, int]:
    """Whole powers of ten around [low, high], at least one decade apart."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return first, max(last, first + 1)


def _grid(x_axis, y_axis, px, py) -> list[str]:
    parts = []
    bottom, top = py(10 ** y_axis[0]), py(10 ** y_axis[1])
    left, right = px(10 ** x_axis[0]), px(10 ** x_axis[1])
    for d in range(x_axis[0], x_axis[1] + 1):
        x = px(10 ** d)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">'
                     f'{_number(10 ** d)}</text>')
    for d in range(y_axis[0], y_axis[1] + 1):
        y = py(10 ** d)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{_seconds(10 ** d)}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{HEIGHT - 10}" text-anchor="middle">'
                 'annotated paragraphs in the corpus (log)</text>')
    parts.append(f'<text transform="translate(16 {(top + bottom) / 2}) rotate(-90)" '
                 'text-anchor="middle">median time (log)</text>')
    return parts


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _seconds(value: float) -> str:
    return f"{value * 1000:g} ms" if value < 1 else f"{value:g} s"


def _frame(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">\n'
            f'<title>{escape(title)}</title>\n'
            '<style>.grid{stroke:#ddd;stroke-width:1}</style>\n'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>\n'
            f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>\n'
            f"{body}\n</svg>\n")
