"""Progress of long builds: which output and which stage, on a terminal only."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

from conftest import write_project
from reportgen.progress import Progress, describe_step


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_weasyprints_steps_are_shown_for_the_output_being_made():
    from reportgen.pdf import pdf_bytes

    screen = Terminal()
    progress = Progress(screen, interval=0)
    with progress.weasyprint("brief.pdf"):
        pdf_bytes("<p style='break-after: page'>one</p><p>two</p>")
    progress.clear()
    shown = screen.getvalue()
    assert "\r\033[Kbrief.pdf: laying out page 1" in shown and "brief.pdf: laying out page 2" in shown
    assert "brief.pdf: drawing the PDF" in shown
    assert shown.endswith("\r\033[K"), "the status line is cleared at the end"


def test_nothing_is_shown_when_the_output_is_not_a_terminal():
    from reportgen.pdf import pdf_bytes

    piped = io.StringIO()
    progress = Progress(piped, interval=0)
    with progress.weasyprint("report.pdf"):
        pdf_bytes("<p>one</p>")
    progress.show("report.pdf", "rendering", force=True)
    progress.clear()
    assert piped.getvalue() == "" and not progress.active


def test_steps_read_as_words():
    assert describe_step("Step 5 - Creating layout - Page 12") == "laying out page 12"
    assert describe_step("Step 6 - Creating PDF", "chapter 2") == "chapter 2: drawing the PDF"


def build_under(tmp_path, terminal: bool) -> str:
    """`reportgen build --format brief,pdf` for a tiny project; what it wrote on standard error."""
    project = write_project(tmp_path)
    command = [sys.executable, "-m", "reportgen", "build", "--format", "brief,pdf",
               "--project", str(project.root)]
    if not terminal:
        return subprocess.run(command, capture_output=True, text=True, check=True).stderr
    pid, fd = pty.fork()
    if pid == 0:  # the child: its standard error is the terminal
        os.execvp(command[0], command)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_build_on_a_terminal_shows_its_progress_and_a_piped_one_stays_quiet(tmp_path):
    on_terminal = build_under(tmp_path / "tty", terminal=True)
    assert "\r\033[Kbrief.pdf: " in on_terminal and "\r\033[Kreport.pdf: " in on_terminal
    assert "wrote " in on_terminal
    piped = build_under(tmp_path / "pipe", terminal=False)
    assert "\r" not in piped and "\033[K" not in piped
    assert "laying out" not in piped
