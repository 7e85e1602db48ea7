"""Page numbers written into a laid-out WeasyPrint document, so that each chapter
of the report is laid out once (reportgen.pdf).

The first layout holds placeholders ("88") for every page number: each page
reference is its own inline element (``<span data-page-of="anchor">``) and the
footer reads "Page 88 of 88". Once every chapter's page count is known, the
placeholders' text boxes get the real numbers and the document is drawn. DejaVu's
digits are all as wide as each other, so a number as long as its placeholder moves
nothing; a shorter one closes up the line (what follows it moves left) or, in the
contents (a leader before the number) and in right-aligned text, stays flush right.

This reaches into WeasyPrint's box tree, so it is used only with the WeasyPrint
versions it was verified with (:data:`VERIFIED`); anything unexpected raises
:class:`Unstampable` and the chapter is laid out again with the numbers written in.
"""

from __future__ import annotations

PAGE_OF = "data-page-of"  # the attribute of a page reference's element: the anchor
VERIFIED = ("70.0",)  # WeasyPrint versions whose box tree this was checked against


class Unstampable(Exception):
    """A placeholder was not where it should be: lay the chapter out again instead."""


def verified() -> bool:
    import weasyprint

    return weasyprint.__version__ in VERIFIED


def stamp(document, placeholder: str, pages: dict[str, int], first: int, total: int,
          references: int) -> None:
    """Write the real numbers into ``document`` (a laid-out weasyprint Document):
    each reference's page (``pages``: anchor -> page number), each footer's page
    (``first`` is the chapter's first page) and the ``total``. ``references``: how
    many page references the chapter's HTML holds; each must be found once."""
    footer = footer_text(placeholder, placeholder)
    found = 0
    for index, page in enumerate(document.pages):
        # a reference's element, inside its link, is given the link again: once is enough
        page.links[:] = [link for link in page.links if not _placeholder(link[3].element)]
        for line, box in _placeholders(page._page_box, placeholder, footer):
            if box.text == footer:
                _write(line, box, footer_text(first + index, total))
                continue
            anchor = box.element.get(PAGE_OF)
            if anchor not in pages:
                raise Unstampable(f"no page for #{anchor}")
            _write(line, box, str(pages[anchor]))
            found += 1
    if found != references:
        raise Unstampable(f"{found} page references laid out, {references} written")


# The footer's words around the page number and the total: templates/print.css
# spells the same in CSS for a PDF laid out in one piece (a test keeps them equal).
FOOTER = ("Page ", " of ")


def footer_text(page, total) -> str:
    return f"{FOOTER[0]}{page}{FOOTER[1]}{total}"


def _placeholder(element) -> bool:
    return element is not None and element.get(PAGE_OF) is not None


def _placeholders(box, placeholder: str, footer: str, line=None):
    """(line box, text box) of each placeholder under ``box``."""
    from weasyprint.formatting_structure.boxes import LineBox, ParentBox, TextBox

    for child in getattr(box, "children", ()):
        if isinstance(child, TextBox):
            if child.text == footer or (child.text == placeholder and _placeholder(child.element)):
                if line is None or child.pango_layout.text != child.text:
                    raise Unstampable(f"{child.text!r} outside a line")
                yield line, child
        elif isinstance(child, ParentBox):
            yield from _placeholders(child, placeholder, footer,
                                     child if isinstance(child, LineBox) else line)


def _write(line, box, text: str) -> None:
    """``text`` in ``box`` instead of its placeholder, the line closed up around it."""
    was, now = _width(box, box.text), _width(box, text)
    if now > was + 0.01:
        raise Unstampable(f"{text!r} is wider than its placeholder")
    box.text = box.pango_layout.text = text
    shrink = was - now
    if shrink < 0.01:
        return
    if line.style["text_align_all"] in ("right", "end") or _has_leader(line):
        box.translate(shrink, 0)  # flush right, as it was laid out
        box.width -= shrink
    elif not _close_up(line, box, shrink):
        raise Unstampable("a page reference not found in its line")


def _width(box, text: str) -> float:
    from weasyprint.text.line_break import Layout, line_size

    layout = Layout(box.style, box.justification_spacing)
    layout.set_text(text, justify=True)
    first_line, _ = layout.get_first_line()
    return line_size(first_line, box.style)[0]


def _has_leader(line) -> bool:
    return any(getattr(box, "is_leader", False) for box in line.descendants())


def _close_up(parent, box, shrink: float) -> bool:
    """Narrow ``box`` and each of its ancestors under ``parent`` by ``shrink``, and move
    what follows it on the line left as much. Was ``box`` under ``parent``?"""
    children = getattr(parent, "children", ())
    for position, child in enumerate(children):
        if child is box or _close_up(child, box, shrink):
            child.width -= shrink
            for following in children[position + 1:]:
                following.translate(-shrink, 0, ignore_floats=True)
            return True
    return False
