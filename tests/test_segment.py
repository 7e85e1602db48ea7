from reportgen.segment import anchor_matches, normalise, split_paragraphs, suggest_quote


def test_blank_lines_separate_paragraphs_and_lines_are_kept():
    segments = split_paragraphs("One\n\nTwo a\nTwo b  \n\n\nThree\n")
    assert [s.text for s in segments] == ["One", "Two a\nTwo b", "Three"]
    assert [(s.line_start, s.line_end) for s in segments] == [(1, 1), (3, 4), (7, 7)]
    assert [s.number for s in segments] == [1, 2, 3]


def test_a_text_without_blank_lines_has_one_paragraph_per_line():
    segments = split_paragraphs("First line.\nSecond line.\nThird.")
    assert [s.text for s in segments] == ["First line.", "Second line.", "Third."]


def test_modes_can_be_forced():
    text = "a\nb\n\nc"
    assert len(split_paragraphs(text, "blocks")) == 2
    assert len(split_paragraphs(text, "lines")) == 3
    assert len(split_paragraphs("a\nb", "blocks")) == 1


def test_windows_line_endings_split_the_same_way():
    assert [s.text for s in split_paragraphs("A\r\n\r\nB\r\n")] == ["A", "B"]


def test_anchor_ignores_spacing_and_quote_style():
    text = "Russia’s  ambassador said “no”."
    assert anchor_matches("Russia's ambassador said \"no", text)
    assert not anchor_matches("Russia's envoy", text)
    assert not anchor_matches("   ", text)


def test_normalise_and_suggest_quote():
    assert normalise(" a\u00a0 b\n c ") == "a b c"
    assert suggest_quote("one two three four five", words=3) == "one two three"
