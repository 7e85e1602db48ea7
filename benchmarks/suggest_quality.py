"""How well `reportgen suggest` finds what the analyst recorded, measured from the texts alone.

Run: python3 benchmarks/suggest_quality.py [--quick] [--json FILE] [--scale N]

1. The bundled corpus is copied with every analyst finding and every claim
   removed (findings.yaml and claims.yaml emptied, every paragraph's claims
   dropped): the assistant sees the texts, the themes and nothing else.
2. Its suggestions are compared with the findings and claim comparisons of the
   full bundled corpus that are agreements or discrepancies (the targets). A
   suggestion matches a target when the kinds agree and it cites at least two of
   the target's paragraphs, from at least two different accounts
   (reportgen.suggest.matches). Recall: targets matched by some suggestion.
   Precision: suggestions matching some target (a lower bound: a true agreement
   the analyst did not record counts against it).
3. Theme suggestions, each source held out in turn: its paragraphs are treated
   as untagged and given themes learned from the other sources' paragraphs.
   Accuracy: the first suggested theme is one of the analyst's themes; also
   whether it is the analyst's main (first) theme, and the share of the
   analyst's themes found among the suggested ones.
4. Unless --quick: the time `suggest` takes on the corpus copied --scale times
   (benchmarks/corpus.py), median of three runs, checking excluded and included.

docs/suggestions.md reports the figures this prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import make_corpus  # noqa: E402
from reportgen import suggest as sg  # noqa: E402
from reportgen.build import check  # noqa: E402
from reportgen.project import Project  # noqa: E402

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
DATED = ("year", "date")  # claim types whose comparisons are "conflicting dates"


def stripped_copy(source: Path, dest: Path) -> Path:
    """The project at ``source`` copied to ``dest`` without findings and claims."""
    (dest / "annotations" / "documents").mkdir(parents=True)
    (dest / "seeds").mkdir()
    for path in (source / "seeds").iterdir():
        (dest / "seeds" / path.name).write_bytes(path.read_bytes())
    for name in ("briefing.yaml", "themes.yaml"):
        (dest / "annotations" / name).write_bytes((source / "annotations" / name).read_bytes())
    (dest / "annotations" / "findings.yaml").write_text("findings: []\n", encoding="utf-8")
    (dest / "annotations" / "claims.yaml").write_text("claims: []\n", encoding="utf-8")
    for path in sorted((source / "annotations" / "documents").glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        for entry in data.get("paragraphs") or []:
            entry.pop("claims", None)
        (dest / "annotations" / "documents" / path.name).write_text(
            yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8")
    return dest


@dataclasses.dataclass
class Target:
    name: str
    kind: str
    cites: tuple[str, ...]
    group: str  # dated claims | other claims | findings


def targets(project: Project) -> list[Target]:
    """The bundled findings and claim comparisons that are agreements or discrepancies."""
    comparison, _ = check(project)
    types = {c.id: c.type for c in comparison.briefing.claims}
    found = []
    for name, kind, cites in sg.recorded_targets(comparison.briefing, comparison.computed):
        origin, _, ident = name.partition(" ")
        group = ("findings" if origin == "finding" else
                 "dated claims" if types[ident] in DATED else "other claims")
        found.append(Target(name, kind, tuple(cites), group))
    return found


def _document(cite: str) -> str:
    return cite.rpartition(":")[0]


def score(suggestions, wanted: list[Target]) -> dict:
    """Recall per target group and kind, precision overall and per category."""
    matched = {t.name: [s.id for s in suggestions
                        if sg.matches(s.cites, s.kind, t.cites, t.kind, _document)]
               for t in wanted}
    useful = {s.id for s in suggestions if any(s.id in ids for ids in matched.values())}
    recall = {}
    for group in sorted({t.group for t in wanted}):
        for kind in sg.SUGGESTION_KINDS:
            members = [t for t in wanted if t.group == group and t.kind == kind]
            if members:
                hit = sum(bool(matched[t.name]) for t in members)
                recall[f"{group}, {kind}"] = (hit, len(members))
    precision = {}
    for category in sg.CATEGORIES:
        members = [s for s in suggestions if s.category == category]
        if members:
            precision[category] = (sum(s.id in useful for s in members), len(members))
    return {
        "recall": recall,
        "recall_all": (sum(bool(ids) for ids in matched.values()), len(wanted)),
        "precision": precision,
        "precision_all": (len(useful), len(suggestions)),
        "missed": sorted(name for name, ids in matched.items() if not ids),
    }


def precision_at(suggestions, wanted: list[Target], cutoffs=(10, 20, 40)) -> dict:
    """Precision of the most confident N suggestions (they come sorted by confidence)."""
    result = {}
    for n in cutoffs:
        top = suggestions[:n]
        hits = sum(any(sg.matches(s.cites, s.kind, t.cites, t.kind, _document) for t in wanted)
                   for s in top)
        result[n] = (hits, len(top))
    return result


def theme_accuracy(project: Project) -> dict:
    """Theme suggestions with each source held out in turn."""
    briefing = check(project)[0].briefing
    paragraphs = sg.compared_paragraphs(briefing)
    order = {t.id: t.order for t in briefing.themes}
    top1 = main = found = total_themes = count = 0
    per_document = {}
    for document in briefing.documents:
        training = [p for p in paragraphs if p.document != document.id]
        held_out = [p for p in paragraphs if p.document == document.id]
        vectors = sg._paragraph_vectors(training + held_out)
        centroids = sg.theme_centroids(vectors, {p.id: p.themes for p in training})
        hits = 0
        for paragraph in held_out:
            ranked = [t for t, _ in sg.rank_themes(vectors[paragraph.id], centroids, order)]
            count += 1
            hit = bool(ranked) and ranked[0] in paragraph.themes
            hits += hit
            top1 += hit
            main += bool(ranked) and ranked[0] == paragraph.themes[0]
            found += len(set(ranked) & set(paragraph.themes))
            total_themes += len(paragraph.themes)
        per_document[document.id] = (hits, len(held_out))
    return {"top1": (top1, count), "main": (main, count), "themes_found": (found, total_themes),
            "per_document": per_document}


def timing(scale: int, runs: int = 3) -> dict:
    """Median seconds of `suggest` on the corpus ``scale`` times over: analysis alone, and
    with loading and checking the project."""
    from reportgen.decisions import checked_for_suggestions

    with tempfile.TemporaryDirectory() as folder:
        project = Project.at(make_corpus(scale, Path(folder) / "corpus"))
        analysis, total, sizes = [], [], None
        for _ in range(runs):
            started = time.perf_counter()
            comparison, untagged = checked_for_suggestions(project)
            checked = time.perf_counter()
            result = sg.suggest(comparison.briefing, untagged)
            done = time.perf_counter()
            analysis.append(done - checked)
            total.append(done - started)
            sizes = (len(comparison.briefing.paragraphs), len(result.suggestions))
    return {"scale": scale, "paragraphs": sizes[0], "suggestions": sizes[1],
            "analysis_s": round(statistics.median(analysis), 2),
            "with_check_s": round(statistics.median(total), 2)}


def measure(quick: bool = False, scale: int = 100) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        bare = Project.at(stripped_copy(ROOT, Path(folder) / "stripped"))
        briefing = check(bare)[0].briefing
        result = sg.suggest(briefing)
    wanted = targets(Project.at(ROOT))
    report = {"targets": len(wanted), "suggestions": len(result.suggestions),
              **score(result.suggestions, wanted),
              "precision_at": precision_at(result.suggestions, wanted),
              "themes": theme_accuracy(Project.at(ROOT))}
    if not quick:
        report["timing"] = timing(scale)
    return report


def _pct(pair) -> str:
    hit, total = pair
    return f"{hit}/{total} ({100 * hit / total:.0f} %)" if total else "0/0"


def print_report(report: dict) -> None:
    print(f"stripped bundled corpus: {report['suggestions']} suggestions, "
          f"{report['targets']} recorded agreements and discrepancies to find")
    print("recall (targets matched by a suggestion):")
    for name, pair in report["recall"].items():
        print(f"  {name:32} {_pct(pair)}")
    print(f"  {'all':32} {_pct(report['recall_all'])}")
    print("precision (suggestions matching a recorded finding or claim):")
    for name, pair in report["precision"].items():
        print(f"  {name:32} {_pct(pair)}")
    print(f"  {'all':32} {_pct(report['precision_all'])}")
    for n, pair in report["precision_at"].items():
        print(f"  {'most confident ' + str(n):32} {_pct(pair)}")
    print("missed: " + ", ".join(report["missed"]))
    themes = report["themes"]
    print("themes, each source held out:")
    print(f"  first suggestion among the analyst's themes  {_pct(themes['top1'])}")
    print(f"  first suggestion is the analyst's main theme {_pct(themes['main'])}")
    print(f"  analyst's themes among the suggested ones    {_pct(themes['themes_found'])}")
    for document, pair in themes["per_document"].items():
        print(f"    {document:30} {_pct(pair)}")
    if "timing" in report:
        t = report["timing"]
        print(f"time on the corpus x{t['scale']} ({t['paragraphs']} paragraphs, "
              f"{t['suggestions']} suggestions), median of 3: analysis {t['analysis_s']} s, "
              f"with loading and checking {t['with_check_s']} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the timing on a large corpus")
    parser.add_argument("--scale", type=int, default=100, help="copies for the timing (100)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    report = measure(args.quick, args.scale)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
