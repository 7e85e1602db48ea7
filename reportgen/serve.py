"""Live preview: rebuild on save, and serve the report with live reload.

``serve`` builds HTML and JSON into the project's output folder, serves that
folder on 127.0.0.1 and rebuilds whenever a file under annotations/, seeds/ or
templates/ changes. The page it serves is the report on disk plus a small
script, injected at serve time only, that listens to a Server-Sent Events
stream and reloads the page after a good build. After a bad edit the located
problems are printed in the terminal and laid over the last good report (which
``build`` never overwrote); the next good save clears them.

``watch`` is the same loop without a server, for PDF workflows.

The server is for one person's browser, but it holds up under abuse: an idle
or half-open connection is closed after REQUEST_TIMEOUT_S, at most
MAX_CONNECTIONS are served at once (more get 503 at once), an event stream
ends after EVENT_STREAM_MAX_S (the browser reconnects by itself), and a
malformed request gets an HTTP error status, never a dropped connection.

Nothing that happens to the inputs stops the loop: every exception a build
raises becomes a Problem shown like any other, and the watcher starts again
when a watched folder is deleted and comes back.
"""

from __future__ import annotations

import html
import json
import mimetypes
import os
import re
import secrets
import sys
import threading
import time
import traceback
import webbrowser
from contextlib import closing
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

import watchfiles

from .build import OUTPUT_NAMES, build
from .errors import Problem, ReportgenError, display_path, print_problems
from .markup import script_source
from .project import Project

PREVIEW_FORMATS = ("html", "json")  # what serve rebuilds: the PDF takes seconds
# A save is seen 1-2 steps after its last write event. An editor's save is one burst of
# writes well under a millisecond apart; a burst split by a pause longer than a step
# costs one extra build (benchmarks/serve_latency.py counts them: none at 5 ms), and
# each step is a share of the edit -> page time (13 ms median at 10 ms, 8 at 5).
WATCH_STEP_MS = 5
WATCH_DEBOUNCE_MS = 50  # at most this long gathering a burst of writes into one build
ROOT_CHECK_MS = 250  # how often to check that the watched folders still exist
EVENTS_PATH = "/__reportgen__/events"
STATE_PATH = "/__reportgen__/state"
KEEPALIVE_S = 15.0
REQUEST_TIMEOUT_S = 10.0  # the longest a connection may stay silent (or not read)
MAX_CONNECTIONS = 32  # handler threads at once; a browser opens at most 6 per host
EVENT_STREAM_MAX_S = 300.0  # then the stream ends and EventSource reconnects
_BUSY_TEXT = b"Too many connections; try again.\n"
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
         % (len(_BUSY_TEXT), _BUSY_TEXT))
PREVIEW_START = "<!-- reportgen preview -->"
PREVIEW_END = "<!-- /reportgen preview -->"
_RESTARTED = "(watched folders changed)"


# --- building -----------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """The result of one build attempt, as the terminal and the page show it."""

    build_id: str  # changes with every attempt, and with every server start
    ok: bool
    problems: tuple[Problem, ...] = ()  # errors when not ok
    warnings: tuple[Problem, ...] = ()
    written: tuple[str, ...] = ()
    seconds: float = 0.0  # how long build() took
    started: float = 0.0  # when it began, time.time()

    def as_json(self) -> dict:
        return {
            "build": self.build_id, "ok": self.ok, "seconds": round(self.seconds, 4),
            "started": self.started,
            "problems": [_problem_json(p) for p in self.problems],
            "warnings": [_problem_json(p) for p in self.warnings],
            "written": list(self.written),
        }


def _problem_json(problem: Problem) -> dict:
    return {"path": problem.path, "line": problem.line, "message": problem.message,
            "hint": problem.hint, "severity": problem.severity, "text": problem.format()}


class Builder:
    """Rebuilds ``project`` on demand and reports each attempt; never raises for bad input."""

    def __init__(self, project: Project, formats: tuple[str, ...], kept: str):
        self.project, self.formats, self.kept = project, formats, kept
        self._instance = secrets.token_hex(4)
        self._count = 0

    def __call__(self, reason: str = "") -> Outcome:
        """Build once; ``reason`` (what changed) starts the line printed about it."""
        self._count += 1
        build_id = f"{self._instance}-{self._count}"
        wall, started = time.time(), time.perf_counter()
        try:
            result = build(self.project, self.formats)
        except ReportgenError as exc:
            problems = tuple(exc.problems)
        except Exception as exc:  # noqa: BLE001 - the preview outlives anything a build does
            problems = (self._unexpected(exc),)
        else:
            outcome = Outcome(build_id, True, warnings=tuple(result.warnings),
                              written=tuple(display_path(p) for p in result.written),
                              seconds=time.perf_counter() - started, started=wall)
            self._succeeded(outcome, reason, result.changes)
            return outcome
        outcome = Outcome(build_id, False, problems=problems,
                          seconds=time.perf_counter() - started, started=wall)
        self._failed(outcome, reason)
        return outcome

    def _succeeded(self, outcome: Outcome, reason: str, changes) -> None:
        print_problems(outcome.warnings)
        names = ", ".join(Path(p).name for p in outcome.written)
        _say(f"{reason}rebuilt {names} in {outcome.seconds:.2f} s" if names
             else f"{reason}report up to date ({outcome.seconds:.2f} s)")
        for change in changes:  # what changed in substance
            print(f"    {change}", flush=True)

    def _failed(self, outcome: Outcome, reason: str) -> None:
        print_problems(outcome.problems)
        count = sum(p.severity == "error" for p in outcome.problems)
        _say(f"{reason}{count} error{'s' * (count != 1)}; {self.kept}", err=True)

    def _unexpected(self, exc: Exception) -> Problem:
        """A located Problem for what is not a ReportgenError: template, file system, bug."""
        frames = traceback.extract_tb(exc.__traceback__)
        templates = self.project.templates.resolve()
        for frame in reversed(frames):  # jinja2 puts template lines in the traceback
            path = Path(frame.filename)
            if path.resolve().is_relative_to(templates) and path.is_file():
                return Problem(display_path(path), frame.lineno,
                               f"template error: {type(exc).__name__}: {exc}",
                               "fix the template; the last good report is kept")
        lineno, name = getattr(exc, "lineno", None), getattr(exc, "filename", None)
        if isinstance(exc, OSError):
            return Problem(display_path(Path(name)) if name else display_path(self.project.output),
                           None, f"cannot read or write: {exc.strerror or exc}",
                           "check the file's permissions and the free disk space")
        if name and lineno:  # e.g. jinja2.TemplateSyntaxError
            return Problem(display_path(Path(name)), lineno, f"{type(exc).__name__}: {exc}")
        traceback.print_exception(exc, file=sys.stderr)
        return Problem("reportgen", None, f"internal error: {type(exc).__name__}: {exc}",
                       "this is a bug in reportgen (traceback in the terminal); "
                       "the preview keeps running")


def _say(text: str, err: bool = False) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr if err else sys.stdout,
          flush=True)


# --- watching -----------------------------------------------------------------

def watched_folders(project: Project) -> list[Path]:
    """The existing input folders: annotations, sources and templates."""
    folders = dict.fromkeys((project.annotations, project.seeds, project.templates))
    return [folder for folder in folders if folder.is_dir()]


def _identity(folders: list[Path]) -> tuple:
    """Which folders exist, and which inodes they are (a folder deleted and recreated differs)."""
    identity = []
    for folder in folders:
        try:
            stat = folder.stat()
        except OSError:
            continue
        identity.append((folder, stat.st_dev, stat.st_ino))
    return tuple(identity)


def changes(project: Project, stop: threading.Event) -> Iterator[set[str]]:
    """Sets of changed paths under the project's input folders, until ``stop`` is set.

    The first set is yielded once the folders are being watched (it may be
    empty): anything saved after it is seen. Later sets are never empty. When a
    watched folder disappears or appears, watching starts again on the folders
    that exist, and the next set says so.
    """
    first, restarted, polling = True, False, False
    while not stop.is_set():
        folders = watched_folders(project)
        try:
            for changed in _batches(project, folders, stop, polling):
                if restarted:
                    changed.add(_RESTARTED)
                    restarted = False
                if first or changed:
                    first = False
                    yield changed
        except (OSError, RuntimeError) as exc:  # a folder vanished meanwhile, or no inotify
            if not isinstance(exc, FileNotFoundError) and not polling:
                polling = True
                _say(f"cannot watch for changes ({exc}); polling the files instead", err=True)
            stop.wait(ROOT_CHECK_MS / 1000)
        restarted = True


def _batches(project: Project, folders: list[Path], stop: threading.Event,
             polling: bool) -> Iterator[set[str]]:
    """Changed paths under ``folders``, an empty set every ROOT_CHECK_MS when idle, until
    ``stop`` or until the watched folders change (one is deleted, replaced or created)."""
    identity = _identity(folders)
    if not folders:  # nothing to watch yet: look again soon
        while not stop.wait(ROOT_CHECK_MS / 1000) and _identity(watched_folders(project)) == ():
            yield set()
        return
    # our own writes are no change, when the output folder is inside a watched one
    ignore = watchfiles.DefaultFilter(ignore_paths=[f"{project.output.resolve()}{os.sep}"])
    batches = watchfiles.watch(
        *(folder.resolve() for folder in folders), watch_filter=ignore, stop_event=stop,
        debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS, rust_timeout=ROOT_CHECK_MS,
        yield_on_timeout=True, force_polling=polling or None,
    )
    with closing(batches):
        for batch in batches:
            yield {path for _, path in batch}
            if _identity(watched_folders(project)) != identity:
                return


def _describe(changed: set[str]) -> str:
    names = sorted(Path(p).name if p != _RESTARTED else p for p in changed)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown} changed: " if shown else ""


def _loop(project: Project, builder: Builder, stop: threading.Event,
          on_build, on_watching) -> None:
    """Build once watching has started, then after every change, until stop or Ctrl-C."""
    started = False
    for changed in changes(project, stop):
        if not started:
            started = True
            on_build(builder())
            on_watching()
        elif changed:
            on_build(builder(_describe(changed)))


def watch(project: Project, formats: tuple[str, ...] = ("html", "json", "pdf"),
          stop: threading.Event | None = None,
          ready: threading.Event | None = None) -> int:
    """Rebuild ``formats`` whenever an input changes, until Ctrl-C or ``stop``.

    ``ready`` is set once the first build is done and changes are being watched.
    Returns the exit code: 0, or 2 for unknown formats.
    """
    unknown = [f for f in formats if f not in OUTPUT_NAMES]
    if unknown or not formats:
        print(f"reportgen: formats expected among {', '.join(OUTPUT_NAMES)}, "
              f"but received: {', '.join(formats)!r}", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    builder = Builder(project, tuple(formats), "kept the last good report.")

    def watching() -> None:
        _say(f"watching {_folders_text(project)} (Ctrl-C to stop)")
        if ready:
            ready.set()

    try:
        _loop(project, builder, stop, lambda outcome: None, watching)
    except KeyboardInterrupt:
        print(file=sys.stderr)
    return 0


def _folders_text(project: Project) -> str:
    return ", ".join(display_path(f) + "/" for f in watched_folders(project)) or "nothing yet"


# --- serving ------------------------------------------------------------------

class LatestBuild:
    """The latest build outcome, shared between the builder and the HTTP threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.outcome: Outcome | None = None
        self.closed = False

    def publish(self, outcome: Outcome) -> None:
        with self._changed:
            self.outcome = outcome
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for_change(self, seen: str | None, timeout: float) -> Outcome | None:
        """The outcome once its build id differs from ``seen`` (None on timeout or close)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or (
                self.outcome is not None and self.outcome.build_id != seen), timeout)
            if self.closed or self.outcome is None or self.outcome.build_id == seen:
                return None
            return self.outcome


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """One line, not a traceback; a browser dropping a connection is not worth one."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            _say(f"preview: request failed: {type(error).__name__}: {error}", err=True)

    def __init__(self, address: tuple[str, int], project: Project, state: LatestBuild):
        self.project, self.state = project, state
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, PreviewHandler)

    def process_request(self, request, client_address) -> None:
        """A thread for the connection if fewer than MAX_CONNECTIONS are busy; else 503."""
        if not self._slots.acquire(blocking=False):
            return self._refuse(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request) -> None:
        """Answer 503 from the accepting thread, briefly: no thread is started for it."""
        try:
            request.settimeout(0.25)
            request.recv(65536)  # read the request first: closing on it unread would reset
            request.sendall(_BUSY)
        except OSError:
            pass
        self.shutdown_request(request)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "reportgen-preview"
    default_request_version = "HTTP/1.0"  # not 0.9: every answer, errors too, has a status line

    def setup(self) -> None:
        self.timeout = REQUEST_TIMEOUT_S  # on every read and write of the connection
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet terminal
        pass

    def _respond(self, head: bool) -> None:
        host, path = self._target()
        if not self._host_allowed(host):
            return self._send(421, b"Misdirected request\n", "text/plain; charset=utf-8", head)
        if path is None:
            return self._send(400, b"Bad request\n", "text/plain; charset=utf-8", head)
        try:
            if path in ("/", "/" + OUTPUT_NAMES["html"]):
                self._send(200, self._page(), "text/html; charset=utf-8", head)
            elif path == STATE_PATH:
                data = json.dumps(self._outcome_json()).encode("utf-8")
                self._send(200, data, "application/json", head)
            elif path == EVENTS_PATH:
                self._events(head)
            elif path == "/favicon.ico" and not (self.server.project.output / path[1:]).is_file():
                self._send(204, b"", "image/x-icon", head)  # no 404 in the browser console
            else:
                self._file(path, head)
        except (ConnectionError, TimeoutError):
            pass  # the browser went away, or stopped reading

    def _target(self) -> tuple[str, str | None]:
        """The host asked for, and the decoded path (None when the request target is
        malformed: not a path, not UTF-8, or holding a NUL byte)."""
        host, target = self.headers.get("Host") or "", self.path
        if not target.startswith("/"):  # the absolute form, http://host/path, is allowed
            try:
                parts = urlsplit(target)
            except ValueError:
                return host, None
            if parts.scheme.lower() != "http" or not parts.netloc:
                return host, None
            host, target = parts.netloc, parts.path or "/"
        try:
            path = unquote(target.split("?", 1)[0].split("#", 1)[0], errors="strict")
        except UnicodeDecodeError:
            return host, None
        return host, None if "\0" in path else path

    def _host_allowed(self, host: str) -> bool:
        """Refuse other Host names: a DNS-rebinding page must not read the preview."""
        try:
            name = urlsplit(f"//{host}").hostname or ""
        except ValueError:
            name = ""
        bound = str(self.server.server_address[0]).lower()
        return name in ("localhost", "127.0.0.1", "::1", bound) or not bound.startswith(
            ("127.", "::1", "localhost"))

    def _send(self, status: int, data: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _outcome_json(self) -> dict:
        outcome = self.server.state.outcome
        return outcome.as_json() if outcome else {"build": None, "ok": None, "problems": []}

    def _page(self) -> bytes:
        report = self.server.project.output / OUTPUT_NAMES["html"]
        try:
            page = report.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            page = PLACEHOLDER
        return inject(page, self.server.state.outcome).encode("utf-8")

    def _file(self, path: str, head: bool) -> None:
        output = self.server.project.output.resolve()
        try:  # a name too long, a folder unreadable: not found either
            target = (output / path.lstrip("/")).resolve()
            hidden = any(part.startswith(".") for part in target.relative_to(output).parts) \
                if target.is_relative_to(output) else True
            # not the build state in .reportgen/, nor anything but a regular file (a FIFO blocks)
            data = target.read_bytes() if not hidden and target.is_file() else None
        except OSError:
            data = None
        if data is None:
            return self._send(404, b"Not found\n", "text/plain; charset=utf-8", head)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, data, content_type, head)

    def _events(self, head: bool) -> None:
        """Server-Sent Events: the current build at once, then each new one, for up to
        EVENT_STREAM_MAX_S (a client that stops reading is let go then, or at the
        first write that blocks for REQUEST_TIMEOUT_S)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        self.wfile.write(b"retry: 1000\n\n")
        self.wfile.flush()
        seen, ends = None, time.monotonic() + EVENT_STREAM_MAX_S
        while not self.server.state.closed and time.monotonic() < ends:
            wait = min(KEEPALIVE_S, max(0.0, ends - time.monotonic()))
            outcome = self.server.state.wait_for_change(seen, wait)
            if outcome is None:
                self.wfile.write(b": still here\n\n")
            else:
                seen = outcome.build_id
                self.wfile.write(f"data: {json.dumps(outcome.as_json())}\n\n".encode("utf-8"))
            self.wfile.flush()


PLACEHOLDER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>reportgen preview</title></head>
<body><main><h1>No report yet</h1>
<p>reportgen shows the report here as soon as a build succeeds.</p></main></body></html>
"""

_BANNER_CSS = """
#reportgen-problems{position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:50vh;
overflow:auto;margin:0;padding:.75rem 1rem;background:#fff4f4;color:#5c0011;
border-bottom:3px solid #c0001a;font:14px/1.4 system-ui,sans-serif;
box-shadow:0 2px 8px rgba(0,0,0,.25)}
#reportgen-problems[hidden]{display:none}
#reportgen-problems h2{margin:0 0 .4rem;font-size:15px}
#reportgen-problems pre{margin:0;white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace}
#reportgen-problems button{float:right;font:inherit}
"""

_SCRIPT = """
(function () {
  var shown = document.documentElement.getAttribute("data-reportgen-build");
  var banner = document.getElementById("reportgen-problems");
  function show(state) {
    banner.querySelector("h2").textContent = state.problems.length + " problem" +
      (state.problems.length === 1 ? "" : "s") + " in the last edit. Showing the last good report.";
    banner.querySelector("pre").textContent = state.problems.map(function (p) {
      return p.text; }).join("\\n");
    banner.hidden = false;
  }
  banner.querySelector("button").addEventListener("click", function () { banner.hidden = true; });
  if (!window.EventSource) { return; }
  var events = new EventSource("EVENTS_PATH");
  events.onmessage = function (message) {
    var state = JSON.parse(message.data);
    if (state.build === shown) { return; }
    if (state.ok) { events.close(); window.location.reload(); return; }
    shown = state.build;
    show(state);
  };
})();
""".replace("EVENTS_PATH", EVENTS_PATH)


def banner_html(outcome: Outcome | None) -> str:
    """The problems panel; hidden when the last build succeeded. Everything escaped."""
    failed = outcome is not None and not outcome.ok
    problems = outcome.problems if failed else ()
    count = len(problems)
    title = (f"{count} problem{'s' * (count != 1)} in the last edit. "
             "Showing the last good report.") if failed else ""
    text = "\n".join(p.format() for p in problems)
    return (f'<section id="reportgen-problems" role="alert" aria-live="assertive"'
            f'{"" if failed else " hidden"}>'
            f'<button type="button" aria-label="Hide the problems">Hide</button>'
            f"<h2>{html.escape(title)}</h2><pre>{html.escape(text)}</pre></section>")


# The report's Content-Security-Policy runs only its own script and connects
# nowhere; the served copy also runs the live-reload script, which listens here.
_POLICY_SCRIPTS = re.compile(
    r'(<meta http-equiv="Content-Security-Policy" content="[^"]*)script-src ')
_PREVIEW_SCRIPTS = f"connect-src 'self'; script-src {script_source(_SCRIPT)} "
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_HTML_OPEN = re.compile(r"<html\b", re.IGNORECASE)


def inject(page: str, outcome: Outcome | None) -> str:
    """``page`` with the problems banner and the live-reload script (served copy only)."""
    build_id = outcome.build_id if outcome else ""
    banner = (f"{PREVIEW_START}<style>{_BANNER_CSS}</style>{banner_html(outcome)}{PREVIEW_END}")
    script = f"{PREVIEW_START}<script>{_SCRIPT}</script>{PREVIEW_END}"
    opened = _BODY_OPEN.search(page)
    at = opened.end() if opened else 0
    page = page[:at] + banner + page[at:]
    closes = list(_BODY_CLOSE.finditer(page))
    at = closes[-1].start() if closes else len(page)
    page = page[:at] + script + page[at:]
    page = _POLICY_SCRIPTS.sub(lambda m: m[1] + _PREVIEW_SCRIPTS, page, count=1)
    mark = f' data-reportgen-build="{html.escape(build_id)}"'
    opened_html = _HTML_OPEN.search(page)
    if opened_html:
        page = page[:opened_html.end()] + mark + page[opened_html.end():]
    return page


def strip_injection(page: str) -> str:
    """The report as on disk: ``page`` without what :func:`inject` added."""
    page = re.sub(re.escape(PREVIEW_START) + ".*?" + re.escape(PREVIEW_END), "", page,
                  flags=re.DOTALL)
    page = page.replace(_PREVIEW_SCRIPTS, "script-src ", 1)
    return re.sub(r' data-reportgen-build="[^"]*"', "", page, count=1)


def serve(project: Project, host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = False, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> int:
    """Serve the report with live reload, rebuilding HTML and JSON on every change.

    Runs until Ctrl-C or until ``stop`` is set; ``ready`` is set once the first
    build is done, the server answers and changes are watched. Returns the exit
    code: 0, or 2 when the address cannot be used.
    """
    state = LatestBuild()
    try:
        server = PreviewServer((host, port), project, state)
    except OSError as exc:
        print(f"reportgen: cannot serve on {host}:{port}: {exc.strerror or exc}\n"
              f"    hint: pass --port with another number, or --port 0 for any free port",
              file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    builder = Builder(project, PREVIEW_FORMATS, "still serving the last good report.")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="reportgen-preview", daemon=True)

    def serving() -> None:
        thread.start()
        _say(f"serving {display_path(project.output / OUTPUT_NAMES['html'])} at {server.url} "
             f"(live reload); watching {_folders_text(project)}; Ctrl-C to stop")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        if ready:
            ready.set()

    def publish(outcome: Outcome) -> None:
        last = state.outcome
        if outcome.ok and not outcome.written and last is not None and last.ok:
            return  # nothing changed (e.g. a README saved): no reload
        state.publish(outcome)

    try:
        _loop(project, builder, stop, publish, serving)
    except KeyboardInterrupt:
        print(file=sys.stderr)
    finally:
        state.close()
        if thread.is_alive():
            server.shutdown()
        server.server_close()
    _say("stopped")
    return 0
