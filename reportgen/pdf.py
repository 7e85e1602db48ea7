"""Stage 5: lay the print HTML out as a PDF with WeasyPrint.

WeasyPrint is imported here, only when a PDF is made: importing it costs about
a quarter of a second, which HTML-only rebuilds should not pay.
"""

from __future__ import annotations

from .errors import Problem, ReportgenError

# Variants worth offering (``reportgen build --pdf-variant``): tagged, accessible
# PDF/UA, and archival PDF/A. pdf/ua-1 costs about 10 % more layout time and 20 %
# more bytes on the bundled brief.
PDF_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u")


def pdf_bytes(html: str, variant: str | None = None) -> bytes:
    """The PDF of ``html``. Nothing is fetched: the brief's CSS is inline and it has no assets.

    ``variant``: one of :data:`PDF_VARIANTS` (e.g. "pdf/ua-1" for a tagged PDF), or None.
    """
    if variant is not None and variant not in PDF_VARIANTS:
        raise ReportgenError([Problem("--pdf-variant", None, f"unknown PDF variant {variant!r}",
                                      f"use one of: {', '.join(PDF_VARIANTS)}")])
    import weasyprint
    from weasyprint.urls import URLFetcher

    class NoNetwork(URLFetcher):
        """Refuse every URL: a brief built from annotations must never reach out."""

        def fetch(self, url, headers=None):
            raise ValueError(f"reportgen does not fetch external resources ({url})")

    options = {"pdf_variant": variant} if variant else {}
    # No base URL: "#..." links stay links inside the PDF and nothing is resolved
    # against a local folder (a shared brief must not carry file:///home/...).
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=NoNetwork())
    rendered = document.render(**options)
    for page in rendered.pages:
        page.links[:] = [link for link in page.links if _kept(link)]
    return rendered.write_pdf(**options)


def _kept(link: tuple) -> bool:
    """A link inside the brief, or to the web or mail: any other (a relative path,
    file:) would point at the reader's own disk."""
    from .markup import web_or_mail  # markdown-it: not for a build that makes no PDF

    kind, target = link[0], link[1]
    return kind == "internal" or (kind == "external" and web_or_mail(target))
