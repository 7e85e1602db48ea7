"""A deterministic synthetic corpus: the bundled one, N times over.

Run: python3 benchmarks/corpus.py SCALE DEST
     (e.g. 10 for about 1,400 paragraphs, 100 for about 14,000, 143 for 20,000)

Every source text and its annotation file are copied SCALE times under new ids
(``ramani-2016-c7``), each copy's text changed a little (a sentence added at the
end of its last paragraph, so every anchor still holds) and its publication
year kept, so the columns stay the bundled ones and fill up. Every finding is
copied too, citing the same paragraphs of the same copy. The themes, claims
and briefing are the bundled ones; the result passes ``reportgen check``.
The same SCALE always gives the same bytes.
"""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def make_corpus(scale: int, dest: Path, source: Path = ROOT) -> Path:
    """Write the corpus ``scale`` times over into ``dest`` (a new folder); returns ``dest``."""
    annotations, seeds = dest / "annotations", dest / "seeds"
    (annotations / "documents").mkdir(parents=True)
    seeds.mkdir()
    for name in ("briefing.yaml", "themes.yaml", "claims.yaml"):
        shutil.copy(source / "annotations" / name, annotations / name)
    documents = [yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)
                 for p in sorted((source / "annotations" / "documents").glob("*.yaml"))]
    ids = [d["id"] for d in documents]
    for copy in range(1, scale + 1):
        for document in documents:
            _copy_document(_renamed(document, ids, copy), copy, source, annotations, seeds)
    findings = yaml.load((source / "annotations" / "findings.yaml").read_text("utf-8"),
                         Loader=_Loader)
    _write(annotations / "findings.yaml", {"findings": [
        _copy_finding(_renamed(finding, ids, copy), copy)
        for copy in range(1, scale + 1) for finding in findings["findings"]]})
    return dest


def paragraph_count(scale: int, source: Path = ROOT) -> int:
    """How many annotated paragraphs ``make_corpus(scale, ...)`` writes."""
    return scale * sum(
        len(yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader).get("paragraphs") or ())
        for p in (source / "annotations" / "documents").glob("*.yaml"))


def _copy_document(document: dict, copy: int, source: Path, annotations: Path,
                   seeds: Path) -> None:
    text = (source / "seeds" / document["source"]).read_text(encoding="utf-8")
    # A sentence added at the very end: every paragraph still starts as annotated.
    text = text.rstrip("\n") + f" (Copy {copy}.)\n"
    name = f"{Path(document['source']).stem}-c{copy}{Path(document['source']).suffix}"
    (seeds / name).write_text(text, encoding="utf-8")
    copied = dict(document, id=f"{document['id']}-c{copy}", source=name)
    if copied.get("label"):
        copied["label"] = f"{copied['label']} {copy}"
    _write(annotations / "documents" / f"{copied['id']}.yaml", copied)


def _copy_finding(finding: dict, copy: int) -> dict:
    return dict(finding, id=f"{finding['id']}-c{copy}",
                key=bool(finding.get("key")) and copy == 1)


def _renamed(data, ids: list[str], copy: int):
    """``data`` with every reference to a document (``koc-2021:42``, in citations and in
    the text of notes and summaries) pointing at the same document's copy."""
    if isinstance(data, dict):
        return {key: _renamed(value, ids, copy) for key, value in data.items()}
    if isinstance(data, list):
        return [_renamed(value, ids, copy) for value in data]
    if isinstance(data, str):
        return _reference(tuple(ids)).sub(lambda m: f"{m.group(1)}-c{copy}:", data)
    return data


@functools.lru_cache(maxsize=None)
def _reference(ids: tuple[str, ...]) -> re.Pattern:
    """Any of ``ids`` followed by ``:`` and a paragraph number."""
    names = "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
    return re.compile(rf"\b({names}):(?=\d)")


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                              width=100), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scale", type=int, help="how many copies of each source")
    parser.add_argument("dest", type=Path, help="a folder to create")
    args = parser.parse_args()
    if args.dest.exists():
        print(f"{args.dest} exists; give a new folder", file=sys.stderr)
        return 2
    make_corpus(args.scale, args.dest)
    print(f"wrote {args.scale} copies of the bundled corpus to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
