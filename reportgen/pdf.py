"""Stage 5: lay the print HTML out as a PDF with WeasyPrint.

WeasyPrint is imported here, only when a PDF is made: importing it costs about
a quarter of a second, which HTML-only rebuilds should not pay.
"""

from __future__ import annotations

from pathlib import Path


def pdf_bytes(html: str, variant: str | None = None) -> bytes:
    """The PDF of ``html``. Nothing is fetched: the brief's CSS is inline and it has no assets."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    class NoNetwork(URLFetcher):
        """Refuse every URL: a brief built from annotations must never reach out."""

        def fetch(self, url, headers=None):
            raise ValueError(f"reportgen does not fetch external resources ({url})")

    document = weasyprint.HTML(string=html, base_url=str(Path.cwd()), url_fetcher=NoNetwork())
    options = {"pdf_variant": variant} if variant else {}
    return document.write_pdf(**options)
