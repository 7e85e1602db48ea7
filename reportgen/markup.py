"""Markdown made inert, and the Content-Security-Policy the report carries.

Notes, summaries, descriptions, evidence, claim notes and markdown sources are
written by analysts or come from the web, and the report is opened by others:
it must request nothing and run nothing but its own script. So markdown-it-py
renders them with raw HTML off (the ``js-default`` preset), and when rendering:

- a link keeps its ``href`` only for a web or mail address (http, https,
  mailto) or a place in the report (``#...``); any other link (``javascript:``,
  ``vbscript:``, ``data:``, ``file:``, relative paths) is shown as its text;
- an image is never loaded: one on the web becomes a link labelled
  "[image: alt]", which requests nothing until clicked; any other image
  (``file:``, ``data:``, relative) is that label as plain text.

Every link is parsed as a link (``validateLink`` accepts all) so that a refused
one still shows its text rather than its markdown; the decision is made once,
in :class:`InertRenderer`. Bare URLs stay text (linkify is off).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markupsafe import Markup, escape

from .model import Document, Paragraph

_WEB = ("http://", "https://")
_WEB_OR_MAIL = (*_WEB, "mailto:")


def _starts(url: str | None, prefixes: tuple[str, ...]) -> bool:
    # A literal prefix of the normalised URL: markdown-it has decoded entities and
    # percent-encoded spaces and control characters, so nothing can hide a scheme.
    return bool(url) and url.lower().startswith(prefixes)


def web_or_mail(url: str | None) -> bool:
    """Is ``url`` an http, https or mailto address (a link that may leave the report)?"""
    return _starts(url, _WEB_OR_MAIL)


class InertRenderer(RendererHTML):
    """HTML rendering where no link can run script and no image is fetched."""

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        href = token.attrGet("href")
        if web_or_mail(href) or _starts(href, ("#",)):  # "#...": a place in the report
            return self.renderToken(tokens, idx, options, env)
        # Keep the text, drop the link: a hidden token renders as nothing (and
        # an image inside knows the link is not shown).
        token.hidden = True
        next(t for t in tokens[idx:] if t.type == "link_close").hidden = True
        return ""

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children, options, env)
        label = escapeHtml(f"[image: {alt}]" if alt else "[image]")
        src = token.attrGet("src")
        if _starts(src, _WEB) and not _inside_link(tokens, idx):
            return f'<a class="md-image" href="{escapeHtml(src)}">{label}</a>'
        return label


def _inside_link(tokens, idx) -> bool:
    """Is ``tokens[idx]`` inside a link that is shown (links cannot nest)?"""
    for token in reversed(tokens[:idx]):
        if token.type == "link_close":
            return False
        if token.type == "link_open":
            return not token.hidden
    return False


_markdown = MarkdownIt("js-default", renderer_cls=InertRenderer)  # CommonMark, raw HTML off
_markdown.validateLink = lambda url: True  # see the module docstring: InertRenderer decides

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUP_TAG = re.compile(r"<sup>(\d+)</sup>")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")


# The same notes and paragraphs are rendered in several places (every theme a
# paragraph belongs to, the appendix, both outputs): render each text once. The
# bundled corpus renders about 300 distinct texts; the bound keeps a long
# `serve` session's memory in check while leaving room for corpora 200 times
# larger (an LRU smaller than one build's texts would miss on every lookup).
@lru_cache(maxsize=1 << 16)
def _render_block(text: str) -> str:
    return _markdown.render(text)


@lru_cache(maxsize=1 << 16)
def _render_inline(text: str) -> str:
    return _markdown.renderInline(text)


def markdown_block(text: str) -> Markup:
    return Markup(_render_block(text or ""))


def markdown_inline(text: str) -> Markup:
    return Markup(_render_inline(text or ""))


def source_html(paragraph: Paragraph, document: Document, whole: bool = True) -> Markup:
    """A source paragraph as shown: plain text escaped, or converted markdown rendered.

    ``whole``: with the paragraphs continuing it joined (as compared), else its own text.
    """
    text = paragraph.full_text if whole else paragraph.text
    if document.format == "markdown":
        # Footnote markers survive PDF conversion as <sup>n</sup>; raw HTML stays off.
        text = _SUP_TAG.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)
        lines = [_HEADING_MARK.sub("", line) for line in text.split("\n")]
        return Markup("<br>".join(_render_inline(line) for line in lines))
    return Markup("<br>".join(escape(line) for line in text.split("\n")))


# -- Content-Security-Policy -----------------------------------------------------

def script_source(script: str) -> str:
    """The CSP source that lets exactly this inline script run: 'sha256-…'."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str) -> Markup:
    """The report's policy: it loads nothing from anywhere and runs only ``script``.

    Styles are inline (the report's <style> and its colour attributes); it has
    no images, fonts or frames of its own (its charts are inline SVG).
    """
    return Markup("; ".join((
        "default-src 'none'",  # no image, font, frame, connection... from anywhere
        "style-src 'unsafe-inline'",
        f"script-src {script_source(str(script))}",
        "base-uri 'none'",
        "form-action 'none'",
    )))
