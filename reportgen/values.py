"""Claim values: what an analyst may write for each claim type, and when two values agree.

Every value stands for the possibilities it allows, and two values agree when
those overlap. The syntax (documented with examples in annotations/README.md):

- ``year``: ``2015``, or a span of years ``"2015-2016"`` (also ``2015..2016``,
  ``2015–2016``, ``2015 to 2016``).
- ``date``: ``"2016"``, ``"2016-12"`` or ``"2016-12-08"`` (a date stands for
  every day it covers), or a span ``"2015-12..2016-02"`` (also ``to`` or an
  en dash between the two dates; a plain hyphen only between two bare years,
  where it cannot be read as YYYY-MM).
- ``number``: ``4000`` or ``"30,000"``; a range ``"30000-60000"``
  (``30,000–60,000``, ``30000 to 60000``); a bound ``"<50"``, ``"<=50"``,
  ``"≤50"``, ``">4000"``, ``">=4000"``, ``"≥4000"``; an approximation
  ``"~4000"`` (``≈4000``, ``about 4000``), which allows 10 % either way.
- ``stance``: ``yes`` or ``no``.
- ``text``: a short text, compared after :func:`text_key` (case, spacing,
  quote styles and punctuation at either end do not count).

:func:`normalise_value` turns what was written into a comparable value (a
ValueError says what was expected), :func:`display_value` shows it,
:func:`value_key` groups equal values and :func:`compatible` says whether two
values agree.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

APPROXIMATION = 0.10  # "~4000" allows 10 % either way: 3,600 to 4,400


# -- numbers -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Number:
    """A number claim's value: exact, a range, a bound or an approximation."""

    form: str  # "" exact | "range" | "<" | "<=" | ">" | ">=" | "~"
    low: float
    high: float  # equal to low except for a range

    @property
    def interval(self) -> tuple[float, float, bool, bool]:
        """(low, high, low end open, high end open): the numbers this value allows."""
        x = self.low
        return {
            "": (x, x, False, False),
            "range": (self.low, self.high, False, False),
            "<": (-math.inf, x, False, True),
            "<=": (-math.inf, x, False, False),
            ">": (x, math.inf, True, False),
            ">=": (x, math.inf, False, False),
            "~": (x - APPROXIMATION * abs(x), x + APPROXIMATION * abs(x), False, False),
        }[self.form]

    def overlaps(self, other: Number) -> bool:
        a_low, a_high, a_low_open, a_high_open = self.interval
        b_low, b_high, b_low_open, b_high_open = other.interval
        # at equal ends, the open one is the tighter
        low, low_open = max((a_low, a_low_open), (b_low, b_low_open))
        high, high_closed = min((a_high, not a_high_open), (b_high, not b_high_open))
        return low < high or (low == high and not low_open and high_closed)

    def __str__(self) -> str:
        if self.form == "range":
            return f"{_number_text(self.low)}–{_number_text(self.high)}"
        return f"{_SHOWN_FORMS[self.form]}{_number_text(self.low)}"


_SHOWN_FORMS = {"": "", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "~": "~"}
_NUM = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 4000, 30,000, 2.5, -3
_RANGE = re.compile(rf"({_NUM})\s*(?:-|–|to)\s*({_NUM})")
_PREFIXED = re.compile(rf"(<=|>=|[<>≤≥~≈]|about\s)\s*({_NUM})", re.IGNORECASE)
_PREFIXES = {"<": "<", "<=": "<=", "≤": "<=", ">": ">", ">=": ">=", "≥": ">=", "~": "~",
             "≈": "~", "about": "~"}
_NUMBER_EXPECTED = ("expected a number (4000), a range (30000-60000), a bound (<50, >=4000) "
                    "or an approximation (~4000)")


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def parse_number(value: object) -> Number:
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value):
        return Number("", float(value), float(value))
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    if re.fullmatch(_NUM, text):
        return Number("", _number(text), _number(text))
    if match := _RANGE.fullmatch(text):
        low, high = _number(match[1]), _number(match[2])
        if low > high:
            raise ValueError(f"the range {value!r} runs backwards; write the smaller number first")
        return Number("range", low, high) if low < high else Number("", low, low)
    if match := _PREFIXED.fullmatch(text):
        number = _number(match[2])
        return Number(_PREFIXES[match[1].strip().lower()], number, number)
    raise ValueError(f"{_NUMBER_EXPECTED}, but received {value!r}")


# -- dates and years ---------------------------------------------------------

_PARTIAL = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_DATE_SPAN = re.compile(rf"({_PARTIAL})\s*(?:\.\.|–|\sto\s)\s*({_PARTIAL})")
_YEAR_SPAN = re.compile(r"(\d{4})\s*(?:-|–|\.\.|\sto\s)\s*(\d{4})")


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date or year claim's value: one partial date, or a span between two."""

    start: str  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    end: str  # equal to start for a single date

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        """The first and the last day the value covers."""
        return _first_day(self.start), _last_day(self.end)

    @property
    def point(self) -> bool:
        """A single month or day (not a whole year, not a span)."""
        return self.start == self.end and "-" in self.start

    def overlaps(self, other: DateValue) -> bool:
        (a_first, a_last), (b_first, b_last) = self.days, other.days
        return a_first <= b_last and b_first <= a_last

    def span(self) -> tuple[float, float]:
        """The days covered in fractional years, for drawing: "2015-12" is 2015.92-2016.0."""
        first, last = self.days
        return _fractional_year(first), _fractional_year(last) + 1 / _year_length(last.year)

    def __str__(self) -> str:
        if self.start == self.end:
            return self.start
        separator = "–" if len(self.start) == len(self.end) == 4 else " to "
        return f"{self.start}{separator}{self.end}"


def _first_day(partial: str) -> dt.date:
    parts = [int(p) for p in partial.split("-")] + [1, 1]
    return dt.date(*parts[:3])


def _last_day(partial: str) -> dt.date:
    parts = [int(p) for p in partial.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31)


def _fractional_year(day: dt.date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / _year_length(day.year)


def _year_length(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def checked_date(partial: str, written: object) -> str:
    try:
        _first_day(partial), _last_day(partial)
    except ValueError:
        later = partial[:2] + partial[5:]  # "2015-16" may mean 2015 to 2016
        years = (f'; for two years write "{partial[:4]}-{later}"'
                 if len(partial) == 7 and later > partial[:4] else "")
        raise ValueError(f"{written!r} is not a real date: months run 01-12 and days as far as "
                         f"the month has{years}") from None
    return partial


_DATE_EXPECTED = ('expected a date "YYYY", "YYYY-MM" or "YYYY-MM-DD", or a span between two '
                  '("2015-12..2016-02", "2015-2016")')


def parse_date(value: object) -> DateValue:
    if isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if re.fullmatch(_PARTIAL, text):
        return DateValue(checked_date(text, value), text)
    match = _DATE_SPAN.fullmatch(text) or _YEAR_SPAN.fullmatch(text)
    if match is None:
        raise ValueError(f"{_DATE_EXPECTED}, but received {value!r}")
    start, end = checked_date(match[1], value), checked_date(match[2], value)
    if _first_day(start) > _last_day(end):
        raise ValueError(f"the span {value!r} ends before it starts; write the earlier date first")
    return DateValue(start, end)


def parse_year(value: object) -> DateValue:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return DateValue(f"{value:04d}", f"{value:04d}")
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if re.fullmatch(r"\d{4}", text) or _YEAR_SPAN.fullmatch(text):
        return parse_date(text)
    raise ValueError(f'expected a year such as 2015, or a span of years "2015-2016", '
                     f"but received {value!r}")


# -- stances and texts -------------------------------------------------------

_STANCES = {"yes": True, "no": False, "true": True, "false": False}


def parse_stance(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _STANCES:
        return _STANCES[value.strip().lower()]
    raise ValueError(f"expected yes or no, but received {value!r}")


def parse_text(value: object) -> str:
    if isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"expected some text, but received {value!r}")
    return " ".join(str(value).split())


_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"'})


def text_key(text: str) -> str:
    """A text value as compared: case, spacing, quote styles and end punctuation ignored."""
    key = " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())
    start, end = 0, len(key)
    while start < end and _ignorable_end(key[start]):
        start += 1
    while end > start and _ignorable_end(key[end - 1]):
        end -= 1
    return key[start:end]


def _ignorable_end(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


# -- the interface -----------------------------------------------------------

_PARSERS = {"year": parse_year, "date": parse_date, "number": parse_number,
            "stance": parse_stance, "text": parse_text}


def normalise_value(value: object, claim_type: str) -> object:
    """The value in comparable form; ValueError saying what was expected."""
    return _PARSERS[claim_type](value)


def display_value(value: object, claim_type: str) -> str:
    """A normalised value as a reader should see it."""
    if claim_type == "stance":
        return "yes" if value else "no"
    return str(value)


def value_key(value: object, claim_type: str) -> object:
    """What equal values share: assertions with the same key give the same value."""
    return text_key(value) if claim_type == "text" else value


def compatible(a: object, b: object, claim_type: str) -> bool:
    """Whether two normalised values of a claim agree: the possibilities they allow overlap."""
    if isinstance(a, (Number, DateValue)):
        return a.overlaps(b)
    return value_key(a, claim_type) == value_key(b, claim_type)
