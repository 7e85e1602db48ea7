"""The discrepancy assistant: agreements and conflicts the analyst has not written down yet.

Pure functions of the checked :class:`~reportgen.model.Briefing`, like
:mod:`reportgen.compare`: nothing here reads or writes files
(:mod:`reportgen.decisions` does, and records what the analyst accepts or rejects).

How it works, all offline and deterministic (see docs/suggestions.md):

1. Every sentence of every body paragraph becomes a *statement*; a sentence
   repeated word for word in several paragraphs is one statement with several
   witnesses, so copies cost nothing and are reported once, as copies.
2. Each statement is read for dates, counted numbers and content words
   (:mod:`reportgen.textfacts`) and weighed as a TF-IDF vector.
3. Statements from different accounts are paired only if they share at least
   two uncommon words (an inverted index: no all-against-all comparison), then
   compared by cosine similarity. Similar sentences with dates or numbers that
   cannot both be true are a *discrepancy*; similar sentences agreeing on a date,
   or saying much the same thing, an *agreement*; near-verbatim ones a repeat,
   which is not independent confirmation.
4. Untagged paragraphs get themes from the nearest theme centroid of the tagged
   ones; each claim gets its lineage: the first account to make it, and how later
   accounts restated or changed it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from . import textfacts as tf
from .model import Briefing, Paragraph
from .values import compatible, display_value, value_key

SUGGESTION_KINDS = ("agreement", "discrepancy")
CATEGORIES = {  # category: (kind, what a reader is told)
    "date-conflict": ("discrepancy", "Dated differently"),
    "number-conflict": ("discrepancy", "Counted differently"),
    "same-date": ("agreement", "Same date"),
    "same-number": ("agreement", "Same figure"),
    "shared-statement": ("agreement", "Same statement"),
    "repeat": ("agreement", "Near-verbatim repeat (not independent)"),
}
# Thresholds on the TF-IDF cosine similarity of two sentences (docs/suggestions.md).
SAME_TOPIC = 0.15  # two dated (or counted) sentences speak of the same thing
SAME_STATEMENT = 0.15  # two passages say much the same thing
REPEAT = 0.8  # near-verbatim: one is a copy of the other
MIN_WORDS = 4  # a passage with fewer shared content words says too little to compare
MIN_SHARED = 2  # uncommon words two passages must share to be compared at all
THEME_SHARE = 0.8  # a further theme is suggested if it scores this share of the best
MAX_THEMES = 3
INFERRED_YEAR = 0.8  # confidence factor when a date's year was taken from the publication


@dataclass
class Sentence:
    """A sentence of a passage: its span in the passage's text and what it says."""

    start: int
    end: int
    text: str
    facts: list[tf.Mention]  # dates and counted numbers
    words: list[tuple[str, int, int]]  # content words with their spans in the sentence
    vector: dict[str, float] = field(default_factory=dict)


@dataclass
class Passage:
    """A paragraph, with the paragraphs of later accounts that repeat it word for word
    (at least half of their text in the same sentences): copies are compared once."""

    index: int
    paragraph: Paragraph  # the first to say it
    copies: list[str] = field(default_factory=list)  # paragraph ids, in other documents
    sentences: list[Sentence] = field(default_factory=list)
    vector: dict[str, float] = field(default_factory=dict)  # words other passages have too
    wording: dict[str, float] = field(default_factory=dict)  # every word: tells copies apart

    @property
    def document(self) -> str:
        return self.paragraph.document

    @property
    def cites(self) -> tuple[str, ...]:
        return (self.paragraph.id, *self.copies)


@dataclass(frozen=True, slots=True)
class Relation:
    """Two passages found to agree or conflict, on which sentences and facts."""

    category: str
    a: Passage
    b: Passage
    similarity: float  # how surely they speak of the same thing (0-1)
    sentences: tuple[Sentence | None, Sentence | None] = (None, None)
    facts: tuple[tf.Mention | None, tf.Mention | None] = (None, None)

    @property
    def kind(self) -> str:
        return CATEGORIES[self.category][0]

    @property
    def confidence(self) -> float:
        inferred = any(f is not None and f.inferred for f in self.facts)
        return round(min(self.similarity, 1.0) * (INFERRED_YEAR if inferred else 1.0), 2)


@dataclass(frozen=True, slots=True)
class Mark:
    """A highlighted stretch of an evidence sentence (offsets within the sentence)."""

    start: int
    end: int
    kind: str  # date | number | shared
    value: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    cite: str  # the paragraph, DOCUMENT-ID:PARA
    document: str
    sentence: str
    offset: int  # where the sentence starts in the paragraph's text
    marks: tuple[Mark, ...]
    role: str  # first | restates | changes | copies: its place in the lineage
    also: tuple[str, ...] = ()  # paragraphs of other accounts repeating it word for word


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    kind: str  # agreement | discrepancy
    category: str  # a key of CATEGORIES
    title: str
    theme: str
    cites: tuple[str, ...]
    confidence: float
    why: str
    evidence: tuple[Evidence, ...]
    values: tuple[str, ...]  # the dates or numbers compared (none for statements)

    @property
    def independent(self) -> bool:
        """False for repeats: copies do not confirm each other."""
        return self.category != "repeat"


@dataclass(frozen=True, slots=True)
class ThemeSuggestion:
    id: str
    paragraph: str
    themes: tuple[str, ...]  # best first
    scores: tuple[float, ...]
    why: str


@dataclass(frozen=True, slots=True)
class LineageStep:
    cite: str
    document: str
    published: str
    value: str
    role: str  # first | restates | changes


@dataclass(frozen=True, slots=True)
class Lineage:
    claim: str
    label: str
    steps: tuple[LineageStep, ...]


@dataclass
class Suggestions:
    suggestions: list[Suggestion]
    themes: list[ThemeSuggestion]
    lineage: list[Lineage]


def suggest(briefing: Briefing, untagged: frozenset[str] = frozenset()) -> Suggestions:
    """Everything the assistant proposes for ``briefing``.

    ``untagged``: the body paragraphs that have no themes yet (they get theme suggestions).
    """
    return Suggestions(
        suggestions=suggestions_from(relations(passages(briefing)), briefing, untagged),
        themes=theme_suggestions(briefing, untagged),
        lineage=claim_lineage(briefing),
    )


# -- passages ------------------------------------------------------------------

def compared_paragraphs(briefing: Briefing) -> list[Paragraph]:
    """Body paragraphs (a continuation counts with its head), in chronological order."""
    return [p for d in briefing.documents for p in d.paragraphs if p.compared]


def _sentence_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def passages(briefing: Briefing) -> list[Passage]:
    """The compared paragraphs, each later copy of a paragraph folded into the first.

    A paragraph whose sentences, for at least half of its text, first appeared
    in one paragraph of another (earlier) account is a copy of it. Only the
    first paragraph of each is read for facts and words.
    """
    found: list[Passage] = []
    first_seen: dict[str, Passage] = {}  # sentence key -> the passage it first appeared in
    split: dict[str, tuple] = {}  # paragraph text -> its sentences and their keys
    for paragraph in compared_paragraphs(briefing):
        text = paragraph.full_text or paragraph.text
        if text not in split:
            spans = tf.sentences(text)
            split[text] = spans, [_sentence_key(text[s.start:s.end]) for s in spans]
        spans, keys = split[text]
        shared: Counter = Counter()
        for key in keys:
            earlier = first_seen.get(key)
            if earlier is not None and earlier.document != paragraph.document:
                shared[earlier.index] += len(key)
        best = shared.most_common(1)
        if best and best[0][1] * 2 >= sum(map(len, keys)):
            passage = found[best[0][0]]
            passage.copies.append(paragraph.id)
        else:
            passage = Passage(len(found), paragraph)
            published = briefing.document(paragraph.document).published
            passage.sentences = [_read(text[s.start:s.end], s.start, published) for s in spans]
            found.append(passage)
        for key in keys:
            first_seen.setdefault(key, passage)
    _weigh(found)
    return found


def _read(text: str, start: int, published: str) -> Sentence:
    facts = tf.dates(text, published)
    facts += tf.numbers(text, facts)
    return Sentence(start, start + len(text), text, facts, tf.words(text) + _date_words(facts))


def _date_words(facts: list[tf.Mention]) -> list[tuple[str, int, int]]:
    """A single date as words ("@2018", "@2018-11", "@2018-11-09"): sentences naming the
    same month are that much more alike, those giving different dates are not."""
    found = []
    for fact in facts:
        if fact.date is not None and fact.date.start == fact.date.end:
            parts = fact.date.start.split("-")
            found += [("@" + "-".join(parts[:n]), fact.start, fact.end)
                      for n in range(1, len(parts) + 1)]
    return found


def _weigh(found: list[Passage]) -> None:
    """TF-IDF vectors of every passage and sentence (word weights from the passages)."""
    frequency = Counter(key for p in found for key in {k for s in p.sentences
                                                       for k, _, _ in s.words})
    weights = tf.idf(frequency, len(found))
    shared = {key for key, n in frequency.items() if n > 1}  # a word in one passage pairs none
    for passage in found:
        words = [k for s in passage.sentences for k, _, _ in s.words]
        passage.wording = tf.tfidf(words, weights)
        passage.vector = tf.tfidf([k for k in words if k in shared], weights)
        for sentence in passage.sentences:
            sentence.vector = tf.tfidf([k for k, _, _ in sentence.words if k in shared], weights)


# -- pairing -------------------------------------------------------------------

def candidate_pairs(found: list[Passage]) -> list[tuple[Passage, Passage]]:
    """Passages of different accounts sharing at least MIN_SHARED uncommon words.

    Words in more than a tenth of the passages (at most 300) are too common to
    say two passages speak of the same thing; leaving them out of the index is
    what keeps the pairing near linear in the size of the corpus.
    """
    limit = min(300, max(30, len(found) // 10))
    postings: dict[str, list[int]] = defaultdict(list)
    for passage in found:
        if len(passage.vector) >= MIN_WORDS:
            for word in passage.vector:
                postings[word].append(passage.index)
    shared: Counter = Counter()
    for members in postings.values():
        if 1 < len(members) <= limit:
            shared.update(combinations(members, 2))
    return [(found[a], found[b]) for (a, b), n in shared.items()
            if n >= MIN_SHARED and found[a].document != found[b].document]


def relations(found: list[Passage]) -> list[Relation]:
    """What each compared pair of passages has in common or in conflict, and the copies.

    Relations are aligned: a sentence's date (or figure) is compared only with
    its most similar dated sentence in each other account, and a passage agrees
    only with its most similar passage there (another sentence of that account
    giving another date most likely speaks of another event).
    """
    related: list[Relation] = [Relation("repeat", p, p, 1.0) for p in found if p.copies]
    for a, b in candidate_pairs(found):
        related += relate(a, b, tf.cosine(a.vector, b.vector))
    return _aligned(related)


def relate(a: Passage, b: Passage, similarity: float) -> list[Relation]:
    """The relations between two passages of different accounts."""
    wording = tf.cosine(a.wording, b.wording)
    if wording >= REPEAT:
        return [Relation("repeat", a, b, wording, _closest(a, b))]
    found = []
    for sa in a.sentences:
        for sb in b.sentences:
            if not (sa.facts and sb.facts):
                continue
            score = (tf.cosine(sa.vector, sb.vector) + similarity) / 2
            if score < SAME_TOPIC:
                continue
            for kind in ("date", "number"):
                facts = _fact_pair(sa, sb, kind)
                if facts is not None:
                    agree = facts[0].agrees(facts[1])
                    category = f"same-{kind}" if agree else f"{kind}-conflict"
                    found.append(Relation(category, a, b, score, (sa, sb), facts))
                    break
    if similarity >= SAME_STATEMENT:
        found.append(Relation("shared-statement", a, b, similarity, _closest(a, b)))
    return found


def _closest(a: Passage, b: Passage) -> tuple[Sentence, Sentence]:
    """The most similar pair of sentences of two passages: the evidence shown."""
    return max(((sa, sb) for sa in a.sentences for sb in b.sentences),
               key=lambda pair: tf.cosine(pair[0].vector, pair[1].vector))


def _fact_pair(a: Sentence, b: Sentence, kind: str):
    """The two facts of ``kind`` the sentences most likely give for the same thing.

    Any agreeing pair wins (the sentences agree on that); otherwise the pair
    whose surrounding words have most in common. Numbers pair only when they
    count the same thing.
    """
    pairs = [(m, n) for m in a.facts if m.kind == kind for n in b.facts if n.kind == kind
             and (kind == "date" or m.unit == n.unit)]
    if not pairs:
        return None
    agreeing = [p for p in pairs if p[0].agrees(p[1])]
    if agreeing:
        return agreeing[0]
    return max(pairs, key=lambda p: (len(_context(a, p[0]) & _context(b, p[1])),
                                     p[0].onset and p[1].onset, -p[0].start - p[1].start))


def _context(sentence: Sentence, mention: tf.Mention, reach: int = 80) -> set[str]:
    """The content words within ``reach`` characters of a mention."""
    return {key for key, start, end in sentence.words
            if start < mention.end + reach and end > mention.start - reach}


def _aligned(related: list[Relation]) -> list[Relation]:
    """Relations kept only where they pair two sentences (or passages) that are each
    other's best match in the other's account."""
    def keys(r: Relation):
        if r.category == "repeat":
            return []
        if r.facts[0] is not None:
            return [("fact", id(r.sentences[0]), r.b.document),
                    ("fact", id(r.sentences[1]), r.a.document)]
        return [("passage", r.a.index, r.b.document), ("passage", r.b.index, r.a.document)]

    best: dict[tuple, float] = {}
    for r in related:
        for key in keys(r):
            best[key] = max(best.get(key, 0.0), r.similarity)
    return [r for r in related if not keys(r) or any(r.similarity >= best[k] for k in keys(r))]


# -- suggestions -------------------------------------------------------------

_PRIORITY = ("repeat", "same-date", "same-number", "shared-statement",
             "date-conflict", "number-conflict")


def suggestions_from(related: list[Relation], briefing: Briefing,
                     untagged: frozenset[str] = frozenset()) -> list[Suggestion]:
    """One suggestion per pair of passages and kind of finding, best evidence first.

    Of the agreements between two passages only the strongest category is kept
    (a repeat is not also a shared statement), and two passages that conflict on
    a date or a figure are not also said to say the same thing.
    """
    groups: dict[tuple, list[Relation]] = defaultdict(list)
    for r in related:
        groups[(r.kind, min(r.a.index, r.b.index), max(r.a.index, r.b.index))].append(r)
    made = []
    for (kind, *pair), members in groups.items():
        members.sort(key=lambda r: (_PRIORITY.index(r.category), -r.similarity))
        if members[0].category == "shared-statement" and ("discrepancy", *pair) in groups:
            continue  # alike but for a date or figure: the conflict is the news
        made.append(_suggestion(members[0], briefing, untagged))
    made.sort(key=lambda s: (-s.confidence, s.id))
    return made


def _sides(best: Relation, order: dict[str, int]):
    """(paragraph id, sentence, fact, copies) for each side, the earlier account first."""
    a, b = best.a, best.b
    if a is b:  # a passage and its copies
        sentence = max(a.sentences, key=lambda s: len(s.words))
        return [(a.paragraph.id, sentence, None, ()),
                (a.copies[0], sentence, None, tuple(a.copies[1:]))]
    sa, sb = best.sentences
    sides = [(a.paragraph.id, sa, best.facts[0], tuple(a.copies)),
             (b.paragraph.id, sb, best.facts[1], tuple(b.copies))]
    return sorted(sides, key=lambda side: order[side[0].rpartition(":")[0]])


def _suggestion(best: Relation, briefing: Briefing, untagged) -> Suggestion:
    order = {d.id: i for i, d in enumerate(briefing.documents)}
    sides = _sides(best, order)
    shared = _shared_words(sides[0][1], sides[1][1])
    evidence = tuple(_evidence(side, shared, best.category, i, briefing)
                     for i, side in enumerate(sides))
    cites = tuple(dict.fromkeys(c for pid, _, _, also in sides for c in (pid, *also)))
    values = tuple(f.value for _, _, f, _ in sides if f is not None)
    return Suggestion(
        id=suggestion_id(best.kind, cites, values or tuple(_sentence_key(s.text)
                                                           for _, s, _, _ in sides)),
        kind=best.kind, category=best.category,
        title=_title(best, sides, shared, briefing), theme=_theme(cites, briefing, untagged),
        cites=cites, confidence=best.confidence, why=_why(best, sides, shared),
        evidence=evidence, values=values,
    )


def suggestion_id(kind: str, cites, values) -> str:
    """Stable across rebuilds: a hash of the kind, the paragraphs cited and the values."""
    data = json.dumps([kind, sorted(cites), sorted(values)], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]


def _shared_words(a: Sentence, b: Sentence) -> set[str]:
    """The uncommon content words two sentences share: what makes them about the same thing."""
    if a is b:
        return set()
    common = sorted(set(a.vector) & set(b.vector), key=lambda w: (-(a.vector[w] * b.vector[w]), w))
    return set(common[:8])


def _evidence(side, shared: set[str], category: str, position: int,
              briefing: Briefing) -> Evidence:
    cite, sentence, fact, also = side
    marks = [Mark(m.start, m.end, m.kind, m.value) for m in sentence.facts
             if m is fact or (fact is None and category != "repeat" and m.kind == "date")]
    taken = [(m.start, m.end) for m in marks]
    marks += [Mark(start, end, "shared") for key, start, end in sentence.words
              if key in shared and not any(s < end and start < e for s, e in taken)]
    role = "first" if position == 0 else {
        "repeat": "copies", "date-conflict": "changes", "number-conflict": "changes",
    }.get(category, "restates")
    return Evidence(cite, cite.rpartition(":")[0], sentence.text, sentence.start,
                    tuple(sorted(marks, key=lambda m: m.start)), role, also)


def _label(briefing: Briefing, cite: str) -> str:
    document, _, number = cite.rpartition(":")
    return f"{briefing.document(document).label} ¶{number}"


def _topic(shared: set[str], sentence: Sentence) -> str:
    """The shared words as the sentence writes them, in its order."""
    seen, shown = set(), []
    for key, start, end in sentence.words:
        if key in shared and key not in seen and not key.startswith("@"):
            seen.add(key)
            shown.append(sentence.text[start:end])
    return ", ".join(shown[:3]) or "the same subject"


def _title(best: Relation, sides, shared: set[str], briefing: Briefing) -> str:
    who = [_label(briefing, side[0]) for side in sides]
    topic = _topic(shared, sides[0][1])
    facts = [side[2] for side in sides]
    if best.category == "repeat":
        return f"Near-verbatim in {who[0]} and {who[1]}"
    if best.kind == "discrepancy":
        return f"{topic}: {facts[0].text} ({who[0]}) or {facts[1].text} ({who[1]})?"
    if facts[0] is not None:
        return f"{topic}: {facts[0].text} ({who[0]}), {facts[1].text} ({who[1]})"
    return f"{who[0]} and {who[1]} say much the same on {topic}"


def _why(best: Relation, sides, shared: set[str]) -> str:
    similarity = f"similarity {best.similarity:.2f}"
    topic = _topic(shared, sides[0][1])
    if best.category == "repeat":
        return (f"The passages are the same, or nearly ({similarity}): one account most "
                "likely copies the other (or both a common source), so this is not "
                "independent confirmation.")
    m, n = sides[0][2], sides[1][2]
    if m is None:
        return f"The passages say much the same about {topic} ({similarity})."
    inferred = " (a year was taken from the publication date)" if m.inferred or n.inferred \
        else ""
    if best.kind == "discrepancy":
        return (f"Both speak of {topic} ({similarity}), but one gives {m.text} and the "
                f"other {n.text}, which cannot both be true{inferred}.")
    return f"Both speak of {topic} ({similarity}) and agree on {m.text} / {n.text}{inferred}."


def _theme(cites, briefing: Briefing, untagged) -> str:
    """The theme the cited paragraphs share most; the briefing's first if they have none."""
    counts: Counter = Counter()
    for cite in cites:
        if cite not in untagged:
            for i, theme in enumerate(briefing.paragraphs[cite].themes):
                counts[theme] += 1 + (i == 0)  # a paragraph's main theme weighs more
    order = {t.id: t.order for t in briefing.themes}
    if counts:
        return min(counts, key=lambda t: (-counts[t], order[t]))
    return briefing.themes[0].id


# -- themes --------------------------------------------------------------------

def _paragraph_vectors(paragraphs: list[Paragraph]) -> dict[str, dict[str, float]]:
    tokens = {p.id: [k for k, _, _ in tf.words(p.full_text or p.text)] for p in paragraphs}
    frequency = Counter(w for words in tokens.values() for w in set(words))
    weights = tf.idf(frequency, len(tokens))
    return {pid: tf.tfidf(words, weights) for pid, words in tokens.items()}


def theme_centroids(vectors: dict[str, dict[str, float]], themes: dict[str, tuple[str, ...]]):
    """Each theme's centroid: the normalised sum of its tagged paragraphs' vectors."""
    sums: dict[str, Counter] = defaultdict(Counter)
    for pid, tagged in themes.items():
        for theme in tagged:
            sums[theme].update(vectors[pid])
    centroids = {}
    for theme, total in sums.items():
        norm = sum(v * v for v in total.values()) ** 0.5 or 1.0
        centroids[theme] = {w: v / norm for w, v in total.items()}
    return centroids


def rank_themes(vector: dict[str, float], centroids, order: dict[str, int]):
    """(theme, score) best first: the nearest centroid, then those nearly as near."""
    scores = sorted(((tf.cosine(vector, c), t) for t, c in centroids.items()),
                    key=lambda s: (-s[0], order.get(s[1], 0)))
    if not scores or scores[0][0] <= 0:
        return []
    top = scores[0][0]
    return [(t, round(s, 2)) for s, t in scores[:MAX_THEMES] if s >= THEME_SHARE * top]


def theme_suggestions(briefing: Briefing, untagged: frozenset[str]) -> list[ThemeSuggestion]:
    """Themes for the untagged paragraphs, learned from the tagged ones."""
    if not untagged:
        return []
    paragraphs = compared_paragraphs(briefing)
    vectors = _paragraph_vectors(paragraphs)
    tagged = {p.id: p.themes for p in paragraphs if p.id not in untagged and p.themes}
    centroids = theme_centroids(vectors, tagged)
    order = {t.id: t.order for t in briefing.themes}
    made = []
    for paragraph in paragraphs:
        if paragraph.id not in untagged:
            continue
        ranked = rank_themes(vectors[paragraph.id], centroids, order)
        if not ranked:
            continue
        themes = tuple(t for t, _ in ranked)
        why = (f"nearest of the {len(centroids)} themes by TF-IDF similarity to the "
               f"{len(tagged)} tagged paragraphs: " +
               ", ".join(f"{t} {s:.2f}" for t, s in ranked))
        made.append(ThemeSuggestion(suggestion_id("theme", (paragraph.id,), themes),
                                    paragraph.id, themes, tuple(s for _, s in ranked), why))
    return made


# -- claim lineage -----------------------------------------------------------

def claim_lineage(briefing: Briefing) -> list[Lineage]:
    """For each claim: the first account (by date) to make it, then how later ones restated
    or changed its value. An account asserting it twice counts once (its first paragraph)."""
    from .compare import assertions_by_claim

    asserted = assertions_by_claim(briefing)
    published = {d.id: d.published for d in briefing.documents}
    made = []
    for claim in briefing.claims:
        steps, seen, values = [], set(), {}  # values: distinct ones so far, by key
        for assertion in asserted.get(claim.id, []):
            document = briefing.paragraphs[assertion.paragraph].document
            if document in seen:
                continue
            seen.add(document)
            role = "first" if not values else (
                "restates" if all(compatible(v, assertion.value, claim.type)
                                  for v in values.values()) else "changes")
            values.setdefault(value_key(assertion.value, claim.type), assertion.value)
            steps.append(LineageStep(assertion.paragraph, document, published[document],
                                     display_value(assertion.value, claim.type), role))
        if steps:
            made.append(Lineage(claim.id, claim.label, tuple(steps)))
    return made


# -- matching suggestions with what the analyst recorded ---------------------

def matches(cites, kind: str, target_cites, target_kind: str, document_of) -> bool:
    """A suggestion matches a finding (or a claim's comparison) when the kinds agree and it
    cites at least two of the finding's paragraphs, from at least two different accounts."""
    if kind != target_kind:
        return False
    common = set(cites) & set(target_cites)
    return len({document_of(c) for c in common}) >= 2


def recorded_targets(briefing: Briefing, computed) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, kind, cites) of every analyst finding and claim comparison that is an
    agreement or a discrepancy: what the analyst has already written down."""
    return [(("finding " if f.origin == "analyst" else "claim ") + f.id, f.kind, f.cites)
            for f in (*briefing.findings, *computed) if f.kind in SUGGESTION_KINDS]
