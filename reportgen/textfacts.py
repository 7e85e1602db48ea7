"""Facts in English prose, found by pattern: sentences, dates, numbers, names, content words.

:mod:`reportgen.suggest` compares accounts through these. It is all standard-
library regular expressions: no model, nothing downloaded, the same answer on
every run. Offsets are characters in the text given.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .values import DateValue, Number

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH = (r"(January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_YEAR = r"(1[6-9]\d\d|20\d\d)"  # 1600-2099: four digits that read as a year
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# "early 2016" and the like: the months it covers
_PARTS = {"early": (1, 4), "beginning of": (1, 3), "mid": (5, 8), "middle of": (5, 8),
          "late": (9, 12), "end of": (10, 12), "spring": (3, 5), "summer": (6, 8),
          "autumn": (9, 11), "fall": (9, 11)}
_PART = r"(early|beginning of|mid|middle of|late|end of|spring|summer|autumn|fall)"
_STARTS = re.compile(r"\b(since|began|begun|begin|beginning|started|start|starting|first|"
                     r"from|origins?)\W+(?:\w+\W+){0,3}$", re.IGNORECASE)

_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "gen", "col", "lt", "sen", "rep", "st", "jr", "sr",
                  "prof", "no", "vs", "etc", "e.g", "i.e", "jan", "feb", "aug", "sept", "oct",
                  "nov", "dec", "u.s", "u.n", "u.k", "inc", "co", "corp", "ltd"}
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)[.!?…][\"”’')\]]*\s*$")

STOPWORDS = frozenset("""
a about above after again against all also although am among an and another any are
around as at be became because been before being below between both but by can cannot
could did do does doing done down during each either even ever every few for from further
had has have having he her here hers herself him himself his how however i if in into is
it its itself just least less like made make makes many may me might more most much must
my myself near neither no nor not now of off often on once one only or other others our
ours ourselves out over own per quite rather same several shall she should since so some
such than that the their theirs them themselves then there these they this those though
through thus to too toward towards under until up upon us very via was we were what when
where whether which while who whom whose why will with within without would yet you your
yours yourself yourselves
according account accounts already among amongst became become becomes certain considered
described despite did does either especially given including instead later likely main
mainly newly particular particularly perhaps put recent recently said say saying says seen
seem seemed seems stated states stating still takes told toward well whereas whose
first second third fourth fifth
january february march april june july august september october november december
""".split())
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20,
                 "hundred": 100, "thousand": 1000}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A date or a number in a text."""

    kind: str  # "date" | "number"
    start: int
    end: int
    text: str
    date: DateValue | None = None
    number: Number | None = None
    unit: str = ""  # a number's unit: the thing counted, stemmed ("member"), or "$", "%"
    inferred: bool = False  # a date whose year was taken from the publication date
    onset: bool = False  # "since 2015", "began in 2007": when something started

    @property
    def value(self) -> str:
        """The value as the JSON and the findings write it: "2015-12", "3000 member"."""
        if self.date is not None:
            d = self.date
            return d.start if d.start == d.end else f"{d.start}..{d.end}"
        return f"{self.number} {self.unit}".strip()

    def agrees(self, other: Mention) -> bool:
        """Whether the two can both be true: overlapping dates, overlapping numbers."""
        if self.date is not None and other.date is not None:
            return self.date.overlaps(other.date)
        if self.number is not None and other.number is not None:
            return _approximately(self.number).overlaps(_approximately(other.number))
        return False


def _approximately(number: Number) -> Number:
    """Prose rounds: an exact number in a text is read as ±5 %."""
    if number.form:
        return number
    return Number("range", number.low * 0.95, number.low * 1.05) if number.low >= 0 else number


# -- sentences ---------------------------------------------------------------

def sentences(text: str) -> list[Span]:
    """The sentences of a paragraph, as spans; abbreviations ("U.S.", "Gen.") do not end one."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        last = _LAST_WORD.search(text[max(start, match.start() - 30):match.end()])
        word = last.group(1).lower().rstrip(".") if last else ""
        if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
            continue
        end = match.start() + len(match.group().rstrip())
        if text[start:end].strip():
            spans.append(Span(start, end))
        start = match.end()
    if text[start:].strip():
        spans.append(Span(start, len(text.rstrip())))
    return spans


# -- dates -------------------------------------------------------------------

def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _day(year: int, month: int, day: int) -> str | None:
    import calendar

    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year_of(month: int, published: str) -> int | None:
    """The year of a month named without one: the publication's, or the year before."""
    if not published[:4].isdigit():
        return None
    year = int(published[:4])
    if len(published) >= 7 and month > int(published[5:7]):
        return year - 1
    return year


def _patterns():
    """(regex, reader) in priority order; a reader returns (DateValue | None, inferred)."""
    one = lambda value: (DateValue(value, value), False) if value else (None, False)  # noqa: E731
    span = lambda a, b: (DateValue(a, b), False)  # noqa: E731

    def part(m, year):
        first, last = _PARTS[m.lower().replace("-", " ")]
        return span(_ym(int(year), first), _ym(int(year), last))

    def decade(part_, digits):
        start = int(digits) * 10
        low, high = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}.get(
            (part_ or "").lower(), (0, 9))
        return span(str(start + low), str(start + high))

    def years(a, b):
        return span(a, b) if int(a) < int(b) <= int(a) + 60 else (None, False)

    def inferred(month, day=None, published=""):
        year = _year_of(_month(month), published)
        if year is None:
            return None, False
        value = _day(year, _month(month), int(day)) if day else _ym(year, _month(month))
        return (DateValue(value, value), True) if value else (None, False)

    return (
        (rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",
         lambda g, p: one(_day(int(g[2]), _month(g[0]), int(g[1])))),
        (rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b",
         lambda g, p: one(_day(int(g[2]), _month(g[1]), int(g[0])))),
        (rf"\b(?:early|mid|late)[-\s]+{_MONTH},?\s+(?:of\s+)?{_YEAR}\b",
         lambda g, p: one(_ym(int(g[1]), _month(g[0])))),
        (rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", lambda g, p: one(_ym(int(g[1]), _month(g[0])))),
        (r"\b(?:the\s+)?(?:(early|mid|late)[-\s]+)?(1[6-9]\d|20\d)0s\b",
         lambda g, p: decade(g[0], g[1])),
        (rf"\b{_YEAR}\s*(?:-|–|—|to|until)\s*{_YEAR}\b", lambda g, p: years(g[0], g[1])),
        (rf"\b{_PART}[-\s]+(?:of\s+)?{_YEAR}\b", lambda g, p: part(g[0], g[1])),
        (rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s*\d)", lambda g, p: inferred(g[0], g[1], p)),
        (rf"\b{_DAY}\s+{_MONTH}\b(?!,?\s*\d)", lambda g, p: inferred(g[1], g[0], p)),
        (rf"\b(?:in|during|since|until|by|from|last|this|early|mid|late)[-\s]+(?:early\s+|late\s+)?"
         rf"{_MONTH}\b(?!\s*\d)", lambda g, p: inferred(g[0], None, p)),
        (rf"(?<![\d,.$£€-]){_YEAR}\b(?!,\d|\d|\s*(?:percent|per cent|%))",
         lambda g, p: one(g[0])),
    )


_DATE_PATTERNS = [(re.compile(regex), reader) for regex, reader in _patterns()]


def dates(text: str, published: str = "") -> list[Mention]:
    """The dates in ``text``, most precise reading first where two would overlap.

    A month or a day named without its year ("On December 20") takes the year of
    ``published`` (or the year before, if that month had not yet come) and is
    marked ``inferred``.
    """
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for regex, reader in _DATE_PATTERNS:
        for match in regex.finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            value, inferred = reader(match.groups(), published)
            if value is None:
                continue
            taken.append((start, end))
            onset = bool(_STARTS.search(text[max(0, start - 40):start]))
            found.append(Mention("date", start, end, match.group(), date=value,
                                 inferred=inferred, onset=onset))
    return sorted(found, key=lambda m: m.start)


# -- numbers -----------------------------------------------------------------

_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_NUMBER = re.compile(
    rf"(?<![\w.,/$£€+-])([$£€])?({_DIGITS}|(?:{'|'.join(_NUMBER_WORDS)})\b)"
    rf"(?:\s*(?:-|–|to)\s*[$£€]?({_DIGITS}))?"
    r"(?:\s*(thousand|million|billion|trillion)\b)?(?:\s*(percent|per cent|%))?(?![\w.]\w)",
    re.IGNORECASE)


def numbers(text: str, taken: list[Mention] = ()) -> list[Mention]:
    """Counted quantities ("3,000 ISIS members", "$100-300 million", "90 percent").

    A number with nothing counted after it (a list marker, a bare figure) is
    left out, and so are those inside ``taken`` (dates).
    """
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if any(start < t.end and t.start < end for t in taken):
            continue
        currency, low, high, scale, percent = match.groups()
        if low.lower() in _NUMBER_WORDS and (not low.islower() and start > 0):
            continue  # "Four" as a word at the start of a name, not a count
        if re.fullmatch(_YEAR, low) and not high:
            continue  # a year: dates() reads those
        unit = "%" if percent else _unit(text[end:]) or (currency or "")
        if not unit:
            continue
        factor = _SCALES.get((scale or "").lower(), 1)
        a = _value(low) * factor
        b = _value(high) * factor if high else a
        number = Number("range", a, b) if b > a else Number("", a, a)
        found.append(Mention("number", start, end, match.group(), number=number, unit=unit))
    return found


def _value(text: str) -> float:
    return float(_NUMBER_WORDS.get(text.lower(), 0) or text.replace(",", ""))


def _unit(after: str) -> str:
    """The thing counted: the last lowercase content word of the words that follow."""
    unit = ""
    for word in re.findall(r"[\w’'/-]+|[^\w\s]", after[:60])[:2]:
        if not word[0].isalpha() or word.lower() in STOPWORDS:
            break
        if word.islower():
            unit = stem(word)
    return unit


# -- words and names ---------------------------------------------------------

def stem(word: str) -> str:
    """A crude English stem: enough to match "relations" with "relationship", "shared"
    with "sharing"."""
    word = word.lower().replace("’", "'").removesuffix("'s").removesuffix("'")
    for suffix, replacement in (("ship", ""), ("ies", "y"), ("ied", "y"), ("sses", "ss"),
                                ("ations", "ate"), ("ation", "ate"), ("ments", ""),
                                ("ment", ""), ("ness", ""), ("ings", ""), ("ing", ""),
                                ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + replacement
            if suffix == "ship":
                continue  # "relationship" -> "relation" -> "relate"
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[tuple[str, int, int]]:
    """Content words with their spans: (key, start, end). Acronyms stay upper case
    ("US", "ISIS"); other words are lowercased and stemmed; stopwords are left out."""
    text = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m.group().replace(".", "") +
                  " " * m.group().count("."), text)  # "U.S." -> "US  " (offsets kept)
    found = []
    for match in _WORD.finditer(text):
        for part in re.finditer(r"[^-]+", match.group()):
            token = part.group().strip("'’")
            if len(token) < 2:
                continue
            start = match.start() + part.start()
            if token.isupper() and len(token) <= 6:
                found.append((token.removesuffix("S") if token.endswith("'S") else token,
                              start, start + len(part.group())))
            elif token.lower() not in STOPWORDS and len(token) > 2:
                found.append((stem(token), start, start + len(part.group())))
    return found


_NAME = re.compile(r"(?:[A-Z][\w’'-]*[a-z][\w’'-]*|[A-Z]{2,}[\w-]*)"
                   r"(?:\s+(?:(?:of|the|al|bin|de|la|von|van|for|and)\s+)?"
                   r"(?:[A-Z][\w’'-]*[a-z][\w’'-]*|[A-Z]{2,}[\w-]*))*")


def names(text: str) -> list[tuple[str, int, int]]:
    """Capitalised sequences ("Maria Zakharova", "Foreign Ministry"), possessives removed;
    a capitalised function word opening a sentence ("The", "However") is not a name."""
    found = []
    for match in _NAME.finditer(text):
        name = re.sub(r"['’]s?$", "", match.group())
        first = name.split()[0].lower()
        if first in STOPWORDS or first in MONTHS:
            rest = name.split(None, 1)
            if len(rest) == 1:
                continue
            name = rest[1]
        if len(name) > 1:
            found.append((name, match.start(), match.start() + len(name)))
    return found


# -- weighting -----------------------------------------------------------------

def idf(document_frequency: Counter, count: int) -> dict[str, float]:
    """Inverse document frequency: rarer words weigh more (smoothed, never zero)."""
    return {word: math.log((count + 1) / (df + 1)) + 1 for word, df in document_frequency.items()}


def tfidf(tokens: list[str], weights: dict[str, float]) -> dict[str, float]:
    """A unit-length TF-IDF vector (a dict) of ``tokens``."""
    counts = Counter(tokens)
    vector = {t: (1 + math.log(n)) * weights.get(t, 1.0) for t, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)
