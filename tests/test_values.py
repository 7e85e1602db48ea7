"""Claim values: what each type accepts, how it is shown, and when two values agree.

Table-driven: each row is one rule of annotations/README.md's "Values" section.
"""

import pytest

from reportgen.values import (DateValue, compatible, display_value, normalise_value, text_key,
                              value_key)

# (claim type, as written, as displayed)
PARSED = [
    # numbers: exact, with thousands separators, ranges, bounds, approximations
    ("number", 4000, "4,000"),
    ("number", 2.5, "2.5"),
    ("number", "30,000", "30,000"),
    ("number", "-3", "-3"),
    ("number", "30000-60000", "30,000–60,000"),
    ("number", "30,000–60,000", "30,000–60,000"),
    ("number", "30000 to 60000", "30,000–60,000"),
    ("number", "4000-4000", "4,000"),
    ("number", "<50", "<50"),
    ("number", "<=50", "≤50"),
    ("number", "≤ 50", "≤50"),
    ("number", ">4000", ">4,000"),
    ("number", ">=4000", "≥4,000"),
    ("number", "≥4,000", "≥4,000"),
    ("number", "~4000", "~4,000"),
    ("number", "≈4000", "~4,000"),
    ("number", "about 4,000", "~4,000"),
    ("number", "About  4000", "~4,000"),
    # years: a year or a span of years
    ("year", 2015, "2015"),
    ("year", "2015", "2015"),
    ("year", "2015-2016", "2015–2016"),
    ("year", "2015..2016", "2015–2016"),
    ("year", "2015 to 2016", "2015–2016"),
    ("year", "2015–2016", "2015–2016"),
    # dates: partial dates, and spans that cannot be read as YYYY-MM
    ("date", "2016", "2016"),
    ("date", 2016, "2016"),
    ("date", "2016-12", "2016-12"),
    ("date", "2016-12-08", "2016-12-08"),
    ("date", "2016-02-29", "2016-02-29"),
    ("date", "2015-2016", "2015–2016"),
    ("date", "2015-12..2016-02", "2015-12 to 2016-02"),
    ("date", "2015-12 to 2016-02", "2015-12 to 2016-02"),
    ("date", "2015-12–2016-02", "2015-12 to 2016-02"),
    ("date", "2015-12-08..2015-12-20", "2015-12-08 to 2015-12-20"),
    ("date", "2016-12..2016-12", "2016-12"),
    # stances and texts
    ("stance", True, "yes"),
    ("stance", "no", "no"),
    ("stance", "Yes", "yes"),
    ("text", "  special   envoy ", "special envoy"),
    ("text", 42, "42"),
]


@pytest.mark.parametrize("claim_type, written, shown", PARSED)
def test_accepted_values_and_how_they_are_shown(claim_type, written, shown):
    assert display_value(normalise_value(written, claim_type), claim_type) == shown


REFUSED = [
    ("number", "lots", "expected a number (4000), a range (30000-60000), a bound (<50, >=4000) "
                       "or an approximation (~4000), but received 'lots'"),
    ("number", "30 000", "expected a number (4000), a range (30000-60000), a bound (<50, "
                         ">=4000) or an approximation (~4000), but received '30 000'"),
    ("number", True, "expected a number (4000), a range (30000-60000), a bound (<50, >=4000) "
                     "or an approximation (~4000), but received True"),
    ("number", float("inf"), "expected a number (4000), a range (30000-60000), a bound (<50, "
                             ">=4000) or an approximation (~4000), but received inf"),
    ("number", "60-30", "the range '60-30' runs backwards; write the smaller number first"),
    ("year", "2015-12", 'expected a year such as 2015, or a span of years "2015-2016", '
                        "but received '2015-12'"),
    ("year", True, 'expected a year such as 2015, or a span of years "2015-2016", '
                   "but received True"),
    ("date", "Dec 2015", 'expected a date "YYYY", "YYYY-MM" or "YYYY-MM-DD", or a span between '
                         'two ("2015-12..2016-02", "2015-2016"), but received \'Dec 2015\''),
    ("date", "2015-12-2016-02", 'expected a date "YYYY", "YYYY-MM" or "YYYY-MM-DD", or a span '
                                'between two ("2015-12..2016-02", "2015-2016"), but received '
                                "'2015-12-2016-02'"),
    ("date", "2015-16", "'2015-16' is not a real date: months run 01-12 and days as far as the "
                        'month has; for two years write "2015-2016"'),
    ("date", "2015-13", "'2015-13' is not a real date: months run 01-12 and days as far as the "
                        "month has"),
    ("date", "2015-02-30", "'2015-02-30' is not a real date: months run 01-12 and days as far "
                           "as the month has"),
    ("date", "2016-02..2015", "the span '2016-02..2015' ends before it starts; write the "
                              "earlier date first"),
    ("stance", "maybe", "expected yes or no, but received 'maybe'"),
    ("text", "  ", "expected some text, but received '  '"),
    ("text", False, "expected some text, but received False"),
]


@pytest.mark.parametrize("claim_type, written, message", REFUSED)
def test_refused_values_say_what_was_expected(claim_type, written, message):
    with pytest.raises(ValueError) as caught:
        normalise_value(written, claim_type)
    assert str(caught.value) == message


# (claim type, a, b, agree?)
AGREEMENT = [
    # exact numbers
    ("number", 4000, "4,000", True),
    ("number", 4000, 4001, False),
    # ranges overlap, or not
    ("number", "30000-60000", 45000, True),
    ("number", "30000-60000", "50000-70000", True),
    ("number", "30000-60000", "60000-70000", True),  # they share 60,000
    ("number", "30000-60000", 60001, False),
    ("number", "30000-60000", "61000-70000", False),
    # a bound contains the other value, or not; its end counts only with = in it
    ("number", "<50", 49, True),
    ("number", "<50", 50, False),
    ("number", "<=50", 50, True),
    ("number", ">=4000", 4000, True),
    ("number", ">4000", 4000, False),
    ("number", ">=4000", "3000-5000", True),
    ("number", "<50", ">40", True),
    ("number", "<50", ">=50", False),
    ("number", "<=50", ">=50", True),
    # an approximation allows 10 % either way
    ("number", "~4000", 3600, True),
    ("number", "~4000", 4400, True),
    ("number", "~4000", 3599, False),
    ("number", "~4000", 4401, False),
    ("number", "~4000", "4500-5000", False),
    ("number", "~4000", "~4800", True),  # 3,600-4,400 and 4,320-5,280 overlap
    # years and spans of years
    (("year"), 2015, 2015, True),
    ("year", 2007, 2015, False),
    ("year", "2015-2016", 2016, True),
    ("year", "2015-2016", 2017, False),
    # a date stands for every day it covers
    ("date", "2018-11", "2018-11-09", True),
    ("date", "2018", "2018-11-09", True),
    ("date", "2018-11", "2018-12", False),
    ("date", "2018-11-09", "2018-11-10", False),
    ("date", "2015-12..2016-02", "2016-01-15", True),
    ("date", "2015-12..2016-02", "2016", True),
    ("date", "2015-12..2016-02", "2016-03", False),
    ("date", "2015-2016", "2017-01", False),
    # stances
    ("stance", True, "yes", True),
    ("stance", True, False, False),
    # texts: case, spacing, quote styles and punctuation at either end do not count
    ("text", "Special Envoy", "special envoy", True),
    ("text", "Putin’s envoy", "Putin's  envoy.", True),
    ("text", "“special envoy”", '"Special envoy"', True),
    ("text", "(special envoy)", "special envoy", True),
    ("text", "special envoy", "former envoy", False),
    ("text", "special envoy", "special-envoy", False),  # inner punctuation counts
]


@pytest.mark.parametrize("claim_type, a, b, agree", AGREEMENT)
def test_when_values_agree(claim_type, a, b, agree):
    first, second = normalise_value(a, claim_type), normalise_value(b, claim_type)
    assert compatible(first, second, claim_type) is agree
    assert compatible(second, first, claim_type) is agree  # symmetric


@pytest.mark.parametrize("claim_type, a, b", [
    ("number", "30,000", 30000),
    ("number", "30,000–60,000", "30000-60000"),
    ("number", "≥4000", ">=4,000"),
    ("date", "2015-12..2016-02", "2015-12 to 2016-02"),
    ("year", 2015, "2015"),
    ("stance", "yes", True),
    ("text", "Putin’s Envoy", "putin's envoy"),
])
def test_the_same_value_written_two_ways_has_one_key(claim_type, a, b):
    first, second = normalise_value(a, claim_type), normalise_value(b, claim_type)
    assert value_key(first, claim_type) == value_key(second, claim_type)


def test_text_key_ignores_case_spacing_quotes_and_end_punctuation():
    assert text_key("  “Putin’s   Envoy to Afghanistan”. ") == "putin's envoy to afghanistan"
    assert text_key("U.S.") == "u.s"


@pytest.mark.parametrize("written, start, end, point", [
    ("2016", 2016.0, 2017.0, False),
    ("2016-07", 2016 + 182 / 366, 2016 + 213 / 366, True),
    ("2015-12-31", 2015 + 364 / 365, 2016.0, True),
    ("2015-12..2016-02", 2015 + 334 / 365, 2016 + 60 / 366, False),
    ("2015-2016", 2015.0, 2017.0, False),
])
def test_a_date_spans_the_days_it_covers(written, start, end, point):
    value = normalise_value(written, "date")
    assert isinstance(value, DateValue)
    assert value.span() == pytest.approx((start, end))
    assert value.point is point


def test_every_claim_type_has_its_values():
    from reportgen import schema, values

    assert set(values._PARSERS) == set(schema.CLAIM_TYPES)
