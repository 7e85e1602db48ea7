"""A status line for long builds: which output, which stage.

Shown only on a terminal (standard error by default): piped or redirected,
a build stays quiet. WeasyPrint reports its steps on the ``weasyprint.progress``
logger ("Step 5 - Creating layout - Page 12"); they are shown as they come,
at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

_STEPS = {  # WeasyPrint's step numbers, as a reader would say them
    "Step 1": "fetching", "Step 2": "reading the stylesheets", "Step 3": "applying the styles",
    "Step 4": "building the boxes", "Step 5": "laying out", "Step 6": "drawing the PDF",
    "Step 7": "writing the PDF",
}


class Progress:
    """One line, rewritten in place, on ``stream`` if it is a terminal; nothing otherwise."""

    def __init__(self, stream=None, interval: float = 0.1):
        stream = sys.stderr if stream is None else stream
        self.stream = stream if _is_terminal(stream) else None
        self.interval = interval
        self._last = 0.0
        self._shown = False

    @property
    def active(self) -> bool:
        return self.stream is not None

    def show(self, output: str, stage: str, *, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        self.stream.write(f"\r\033[K{output}: {stage}")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.stream is not None and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    @contextmanager
    def weasyprint(self, output: str, what: str = ""):
        """Show WeasyPrint's steps for ``output`` while the block runs."""
        if self.stream is None:
            yield
            return
        import logging  # only when steps are shown: a quiet build needs no logging

        handler = _step_handler(self, output, what)
        logger = logging.getLogger("weasyprint.progress")
        level, propagate = logger.level, logger.propagate
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the steps are ours to show, not a log to print
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def _step_handler(progress: Progress, output: str, what: str):
    """A logging handler showing each of WeasyPrint's steps on ``progress``."""
    import logging

    class StepHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            progress.show(output, describe_step(record.getMessage(), what))

    return StepHandler(logging.INFO)


def describe_step(message: str, what: str = "") -> str:
    """ "Step 5 - Creating layout - Page 12" -> "laying out page 12" (with ``what`` before it)."""
    step = _STEPS.get(message[:6], message)
    if " - Page " in message:
        step += " page " + message.rsplit(" - Page ", 1)[1].split()[0]
    return f"{what}: {step}" if what else step


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False
