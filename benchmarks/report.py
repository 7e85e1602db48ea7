"""What the benchmark harness shows: the figures' names, issue 9's targets, the
tables (aligned text or Markdown), the comparison with an earlier run.

Results are plain records, as in the JSON file benchmarks/run.py writes: name,
scale, paragraphs, unit, median, p90, min, max, runs, peak_mb, facts (pages,
size_mb), samples, and error when a figure failed.
"""

from __future__ import annotations

from corpus import paragraph_count

PYTHON, IMPORTS = "python -c pass", "import reportgen.cli"
CHECK, COLD, NOOP = "check", "build html,json (cold)", "build html,json (no-op)"
EDITED = "build html,json (one file edited)"  # the rebuild an analyst makes after an edit
SERVE = "serve: edit -> report.html"
BROWSER = {"first_paint": "html first paint", "ready": "html ready", "load": "html load",
           "elements": "html elements", "filter": "html filter", "show_all": "html show all"}
ANY = None  # a target that holds at every corpus size

# Issue 9's targets (issue 4's for the no-op build): figure, scale, statistic, limit.
TARGETS = [
    (COLD, 1, "median", 0.25), (NOOP, 1, "median", 0.30),
    (COLD, 143, "median", 3.0), (COLD, 143, "peak_mb", 300),
    (EDITED, 143, "median", 3.0), (EDITED, 143, "peak_mb", 300),
    (BROWSER["ready"], 143, "median", 2.0),
    (BROWSER["filter"], ANY, "median", 0.2), (BROWSER["show_all"], ANY, "median", 0.2),
    ("report.pdf", 1, "median", 6.0), ("report.pdf", 1, "pages", 55),
    ("report.pdf", 10, "median", 45.0), ("report.pdf", 10, "peak_mb", 1024),
    ("brief.pdf", 1, "median", 3.0), ("brief.pdf", 1, "pages", 16),
    ("brief.pdf", 10, "median", 10.0),
    (SERVE, ANY, "p90", 0.060),
]


def show(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def find(records: list[dict], name: str, scale) -> dict | None:
    return next((r for r in records if r["name"] == name and r["scale"] == scale
                 and "median" in r), None)


def floors(record: dict, records: list[dict]) -> list[tuple[str, dict]]:
    """The floors this figure is set against: (label, floor record)."""
    name, scale = record["name"], record["scale"]
    if name in (CHECK, COLD, NOOP, EDITED):
        pairs = [("imports", find(records, IMPORTS, None))]
    elif name == IMPORTS:
        pairs = [("python", find(records, PYTHON, None))]
    elif name.endswith(".pdf"):
        pairs = [("weasyprint", find(records, f"{name}: weasyprint", scale)),
                 ("chromium", find(records, f"{name}: chromium", scale))]
    else:
        pairs = []
    return [(label, floor) for label, floor in pairs if floor]


def targets_of(record: dict) -> list[tuple[str, float]]:
    return [(stat, limit) for name, scale, stat, limit in TARGETS
            if name == record["name"] and scale in (ANY, record["scale"])]


def verdict(record: dict, stat: str, limit: float) -> str:
    return f"{limit_text(record, stat, limit)} {mark(record, stat, limit)}"


def limit_text(record: dict, stat: str, limit: float) -> str:
    unit = {"peak_mb": "MB", "pages": "count"}.get(stat, record["unit"])
    words = {"median": "", "p90": "p90 ", "peak_mb": "", "pages": "pages "}[stat]
    return f"{words}<= {show(limit, unit)}"


def mark(record: dict, stat: str, limit: float) -> str:
    value = record.get(stat)
    return "?" if value is None else ("ok" if value <= limit else "MISSED")


def target_table(records: list[dict]) -> list[list[str]]:
    """Each target of issue 9 with what was measured against it."""
    rows = [["figure", "scale", "target", "measured", ""]]
    for name, scale, stat, limit in TARGETS:
        measured = [r for r in records if r["name"] == name and scale in (ANY, r["scale"])]
        for r in measured or [{"name": name, "scale": scale, "unit": "s"}]:
            unit = {"peak_mb": "MB", "pages": "count"}.get(stat, r["unit"])
            rows.append([name, scale_text(r) or "any", limit_text(r, stat, limit),
                         "failed" if "error" in r else
                         show(r.get(stat), unit) if measured else "not measured",
                         mark(r, stat, limit) if measured and "error" not in r else ""])
    return rows


def table(records: list[dict]) -> list[list[str]]:
    rows = [["figure", "scale", "paragraphs", "median", "p90", "min", "max", "runs", "peak",
             "+ per 1k para.", "vs floor", "target", "notes"]]
    for r in sorted(records, key=lambda r: (order(r["name"]), r["scale"] or 0)):
        notes = [f"{r['pages']} pages" if "pages" in r else "",
                 f"{r['size_mb']:.1f} MB file" if "size_mb" in r else "", r.get("error", "")]
        if "median" not in r:
            rows.append([r["name"], scale_text(r), "", "-", "", "", "", "", "", "", "", "",
                         "; ".join(n for n in notes if n).replace("\n", " ")[:160]])
            continue
        unit, median = r["unit"], r["median"]
        rows.append([
            r["name"], scale_text(r), f"{r['paragraphs']:,}" if r["paragraphs"] else "",
            show(median, unit), show(r["p90"], unit), show(r["min"], unit),
            show(r["max"], unit), str(r["runs"]),
            show(r["peak_mb"], "MB") if r.get("peak_mb") else "", marginal(r, records),
            ", ".join(f"{median / f['median']:.2f}x {label}" for label, f in floors(r, records)),
            "; ".join(verdict(r, stat, limit) for stat, limit in targets_of(r)),
            "; ".join(n for n in notes if n)])
    return rows


def marginal(record: dict, records: list[dict]) -> str:
    """Time added per 1,000 paragraphs over the smallest corpus this figure was measured
    at: the same at every size when the cost is linear (start-up drops out)."""
    sizes = [r for r in records if r["name"] == record["name"] and r["paragraphs"]
             and "median" in r]
    if record["unit"] != "s" or len(sizes) < 2 or record not in sizes:
        return ""
    base = min(sizes, key=lambda r: r["paragraphs"])
    if base is record:
        return ""
    extra = (record["median"] - base["median"]) / (record["paragraphs"] - base["paragraphs"])
    return show(extra * 1000) if extra >= 0 else "-" + show(-extra * 1000)


def order(name: str) -> int:
    """Table order: floors, commands, browser, PDFs (each beside its floors), serve."""
    known = [PYTHON, IMPORTS, CHECK, COLD, NOOP, EDITED, *BROWSER.values()]
    if name in known:
        return known.index(name)
    return len(known) + 1 if name == SERVE else len(known)


def scale_text(record: dict) -> str:
    return f"{record['scale']}x" if record["scale"] else ""


def render(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 2, 3, 4, 5, 6, 7, 8, 9}  # numbers are right-aligned
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def render_markdown(rows: list[list[str]]) -> str:
    """The same table in Markdown (for docs/performance.md)."""
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


def changes(old: dict, new: dict, show_table=render) -> str:
    """Every figure of ``new`` beside the same figure in ``old``: median and peak, change."""
    rows = [["figure", "scale", "old median", "new median", "change", "old peak", "new peak"]]
    for r in sorted(new["figures"], key=lambda r: (order(r["name"]), r["scale"] or 0)):
        before = find(old["figures"], r["name"], r["scale"])
        if "median" not in r or before is None:
            continue
        unit = r["unit"]
        change = (r["median"] - before["median"]) / before["median"] * 100 \
            if before["median"] else 0.0
        rows.append([r["name"], scale_text(r), show(before["median"], unit),
                     show(r["median"], unit), f"{change:+.0f} %",
                     show(before.get("peak_mb"), "MB"), show(r.get("peak_mb"), "MB")])
    missing = [f"{r['name']} {scale_text(r)}".strip() for r in old["figures"]
               if "median" in r and not find(new["figures"], r["name"], r["scale"])]
    text = show_table(rows)
    if missing:
        text += "\nnot measured this time: " + ", ".join(missing)
    return text


def plot_targets(records: list[dict]) -> list[tuple[str, int, float]]:
    return [(name, paragraph_count(scale), limit) for name, scale, stat, limit in TARGETS
            if stat == "median" and scale is not ANY and find(records, name, scale)]


def header(meta: dict) -> str:
    return (f"reportgen {meta['reportgen']} at {meta['git']}, {meta['date']}; "
            f"python {meta['python']}, weasyprint {meta['weasyprint']}, {meta['chromium']}; "
            f"{meta['machine']}, load {meta['load_before']} before, "
            f"{meta.get('load_after')} after; run.py {meta['command']}"
            + (" (INTERRUPTED)" if meta.get("interrupted") else ""))
