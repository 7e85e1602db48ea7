"""Live preview: `serve` and `watch` survive any sequence of edits and end on the right report.

Each test runs the real loop (watchfiles, HTTP server) in a background thread
against a throwaway copy of the bundled corpus, edits files the way an editor
would, and polls with deadlines rather than fixed sleeps.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from conftest import bundled_copy, write_project
from reportgen import serve as preview
from reportgen.build import build
from reportgen.errors import display_path
from reportgen.load import Project

DEADLINE = 10.0  # seconds any one change may take to show


# --- helpers ------------------------------------------------------------------

def copy_project(root: Path) -> Project:
    """The bundled project under ``root``, with its own templates (conftest.bundled_copy)."""
    return bundled_copy(root, templates=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, timeout: float = DEADLINE):
    """Poll ``condition`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Preview:
    """A running `serve` and the ways a test looks at it."""

    def __init__(self, project: Project, port: int):
        self.project, self.port, self.base = project, port, f"http://127.0.0.1:{port}"
        self.report = project.output / "report.html"

    def get(self, path: str = "/", headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def state(self) -> dict:
        return json.loads(self.get(preview.STATE_PATH)[1])

    def page(self) -> str:
        status, page = self.get("/")
        assert status == 200
        return page

    def settle(self, after: str, ok: bool, shows: str | None = None) -> dict:
        """Wait for a build newer than ``after`` with outcome ``ok`` (and ``shows`` in the page)."""
        def settled():
            state = self.state()
            if state["build"] == after or state["ok"] is not ok:
                return None
            return state if shows is None or shows in self.page() else None
        return wait_until(settled, f"a build with ok={ok}, showing {shows!r}")


@contextmanager
def serving(project: Project):
    ready, stop = threading.Event(), threading.Event()
    port = free_port()
    exit_code: list[int] = []
    thread = threading.Thread(
        target=lambda: exit_code.append(preview.serve(project, port=port, ready=ready, stop=stop)),
        daemon=True,
    )
    thread.start()
    try:
        assert ready.wait(DEADLINE), "serve did not become ready"
        yield Preview(project, port)
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive(), "serve did not stop when asked"
    assert exit_code == [0]


def banner(page: str) -> str:
    """The problems panel of a served page ('' when hidden)."""
    match = re.search(r'<section id="reportgen-problems"([^>]*)>(.*?)</section>', page, re.DOTALL)
    assert match, "the served page has no problems panel"
    return "" if " hidden" in match.group(1) else match.group(2)


def set_title(project: Project, title: str) -> None:
    path = project.annotations / "briefing.yaml"
    text = re.sub(r"(?m)^title: .*$", f"title: {title}", path.read_text(encoding="utf-8"), count=1)
    path.write_text(text, encoding="utf-8")


def line_of(path: Path, startswith: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(startswith))


# --- serve ------------------------------------------------------------------------

def test_serve_survives_good_and_bad_edits_and_ends_on_the_right_report(tmp_path):
    project = copy_project(tmp_path)
    annotations = project.annotations
    briefing, themes = annotations / "briefing.yaml", annotations / "themes.yaml"
    document = annotations / "documents" / "ramani-2016.yaml"
    pristine = {p: p.read_bytes() for p in (briefing, themes, document)}

    with serving(project) as live:
        # The first build is served, with the live-reload script injected in the
        # served copy only, and no problems shown.
        state = live.state()
        assert state["ok"] is True
        page = live.page()
        assert preview.EVENTS_PATH in page and banner(page) == ""
        on_disk = live.report.read_text(encoding="utf-8")
        assert preview.EVENTS_PATH not in on_disk
        assert preview.strip_injection(page) == on_disk

        # A good edit is served.
        set_title(project, "Live preview, first title")
        state = live.settle(state["build"], ok=True, shows="Live preview, first title")
        assert banner(live.page()) == ""
        good = live.report.read_bytes()

        # A YAML syntax error: located in the page and the state, last good report kept.
        briefing.write_text("title: [Live preview, broken\nsubtitle: x\n", encoding="utf-8")
        state = live.settle(state["build"], ok=False)
        shown = banner(live.page())
        assert re.search(re.escape(display_path(briefing)) + r":\d+: error: invalid YAML", shown)
        assert "hint: " in shown
        assert "Live preview, first title" in live.page()
        assert live.report.read_bytes() == good

        # An unknown theme id with markup in it: located at its own line, escaped.
        briefing.write_bytes(pristine[briefing])
        set_title(project, "Live preview, first title")
        at = line_of(document, "    themes: [")
        lines = document.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[at - 1] = "    themes: [no-such-<b>theme</b>]\n"
        document.write_text("".join(lines), encoding="utf-8")
        state = live.settle(state["build"], ok=False)
        wait_until(lambda: f"{display_path(document)}:{at}: error:" in banner(live.page()),
                   "the unknown theme to be reported at its line")
        page = live.page()
        assert "no-such-&lt;b&gt;theme&lt;/b&gt;" in banner(page)
        assert "<b>theme</b>" not in page
        assert live.report.read_bytes() == good

        # The next good save recovers: new content, no problems shown.
        document.write_bytes(pristine[document])
        set_title(project, "Live preview, second title")
        state = live.settle(state["build"], ok=True, shows="Live preview, second title")
        assert banner(live.page()) == ""

        # A deleted annotation file, then restored.
        koc = annotations / "documents" / "koc-2021.yaml"
        saved = koc.read_bytes()
        koc.unlink()
        state = live.settle(state["build"], ok=False)
        assert "source has no annotation file" in banner(live.page())
        koc.write_bytes(saved)
        state = live.settle(state["build"], ok=True)

        # Garbage bytes in a YAML file, then restored.
        themes.write_bytes(b"\xff\xfe\x00themes: [\x00\n- {{{")
        state = live.settle(state["build"], ok=False)
        assert f"{display_path(themes)}:1: error: not UTF-8" in banner(live.page())
        themes.write_bytes(pristine[themes])
        state = live.settle(state["build"], ok=True)

        # The whole annotations folder moved away and back: watching starts again.
        annotations.rename(tmp_path / "annotations-away")
        state = live.settle(state["build"], ok=False)
        assert "annotations folder not found" in banner(live.page())
        (tmp_path / "annotations-away").rename(annotations)
        state = live.settle(state["build"], ok=True)
        set_title(project, "Live preview, third title")
        state = live.settle(state["build"], ok=True, shows="Live preview, third title")

        # A template error is located in the template, then fixed.
        template = project.templates / "report.html.j2"
        good_template = template.read_bytes()
        template.write_bytes(b"{% if %}\n" + good_template)
        state = live.settle(state["build"], ok=False)
        assert f"{display_path(template)}:1: error: " in banner(live.page())
        template.write_bytes(good_template)
        state = live.settle(state["build"], ok=True)

        # The end: the right report, served as it is on disk, as a fresh build makes it.
        page = live.page()
        assert banner(page) == ""
        assert "Live preview, third title" in page
        fresh = Project.at(tmp_path, output=tmp_path / "fresh")
        build(fresh, ("html",))
        assert preview.strip_injection(page) == live.report.read_text(encoding="utf-8")
        assert live.report.read_bytes() == (fresh.output / "report.html").read_bytes()


def test_serve_ends_on_the_last_save_after_a_burst_of_edits(tmp_path):
    project = copy_project(tmp_path)
    briefing = project.annotations / "briefing.yaml"
    good = briefing.read_text(encoding="utf-8")
    with serving(project) as live:
        first = live.state()["build"]
        for i in range(40):  # faster than a build: batches and builds overlap
            if i % 3 == 1:
                briefing.write_text(f"title: [burst {i}\n", encoding="utf-8")
            elif i % 7 == 5:
                briefing.unlink()
            else:
                briefing.write_text(re.sub(r"(?m)^title: .*$", f"title: Burst {i}", good),
                                    encoding="utf-8")
            time.sleep(0.004)
        set_title(project, "After the burst")
        live.settle(first, ok=True, shows="After the burst")
        wait_until(lambda: banner(live.page()) == "" and live.state()["ok"], "no problems shown")
        assert "After the burst" in live.report.read_text(encoding="utf-8")


def test_a_build_that_crashes_is_reported_and_the_next_one_recovers(tmp_path, monkeypatch,
                                                                      capsys):
    project = copy_project(tmp_path)
    builder = preview.Builder(project, ("html",), "kept the last good report.")

    def crash(*args, **kwargs):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(preview, "build", crash)
    outcome = builder()
    assert not outcome.ok
    assert outcome.problems[0].message == "internal error: RuntimeError: something unexpected"
    assert "Traceback" in capsys.readouterr().err  # a bug: the terminal gets the traceback
    monkeypatch.undo()
    again = builder()
    assert again.ok and again.build_id != outcome.build_id
    assert [Path(p).name for p in again.written] == ["report.html"]


def test_serve_streams_build_events_and_serves_only_the_report(tmp_path):
    project = copy_project(tmp_path)
    with serving(project) as live:
        connection = http.client.HTTPConnection("127.0.0.1", int(live.base.rsplit(":", 1)[1]),
                                                timeout=DEADLINE)
        connection.request("GET", preview.EVENTS_PATH)
        events = connection.getresponse()
        assert events.status == 200
        assert events.getheader("Content-Type") == "text/event-stream"

        def next_event() -> dict:
            while True:
                line = events.fp.readline().decode("utf-8")
                assert line, "the event stream ended"
                if line.startswith("data: "):
                    return json.loads(line[len("data: "):])

        first = next_event()
        assert first["ok"] is True and first["build"] == live.state()["build"]
        set_title(project, "Streamed title")
        second = next_event()
        assert second["ok"] is True and second["build"] != first["build"]
        connection.close()

        assert live.get("/report.json")[0] == 200
        assert "Streamed title" in live.get("/report.json")[1]
        assert live.get("/.reportgen/stamps.json")[0] == 404
        assert live.get("/../annotations/briefing.yaml")[0] == 404
        assert live.get("/missing.html")[0] == 404
        # A page on another name (DNS rebinding) cannot read the preview.
        assert live.get("/", headers={"Host": "attacker.example:80"})[0] == 421


def test_serve_starts_without_a_good_build_and_recovers(tmp_path):
    project = copy_project(tmp_path)
    briefing = project.annotations / "briefing.yaml"
    good = briefing.read_bytes()
    briefing.write_text("title: [\n", encoding="utf-8")
    with serving(project) as live:
        state = live.state()
        assert state["ok"] is False
        page = live.page()
        assert "No report yet" in page
        assert f"{display_path(briefing)}:" in banner(page)
        briefing.write_bytes(good)
        live.settle(state["build"], ok=True)
        assert banner(live.page()) == ""
        assert "No report yet" not in live.page()


def test_serve_refuses_a_port_in_use(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert preview.serve(copy_project(tmp_path), port=port) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_browser_reloads_on_good_builds_and_overlays_errors(tmp_path, new_page):
    project = copy_project(tmp_path)
    briefing = project.annotations / "briefing.yaml"
    with serving(project) as live:
        page = new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(live.base + "/")
        page.evaluate("window.__sameDocument = true")

        set_title(project, "Reloaded by itself")
        page.wait_for_function(
            "() => document.querySelector('h1').textContent.includes('Reloaded by itself')",
            timeout=DEADLINE * 1000)
        assert page.evaluate("window.__sameDocument") is None  # a real reload
        page.evaluate("window.__sameDocument = true")

        good = briefing.read_bytes()
        briefing.write_text("title: [broken\n", encoding="utf-8")
        problems = page.locator("#reportgen-problems")
        problems.wait_for(state="visible", timeout=DEADLINE * 1000)
        assert f"{display_path(briefing)}:" in problems.inner_text()
        assert "Reloaded by itself" in page.locator("h1").inner_text()  # last good report
        assert page.evaluate("window.__sameDocument") is True  # overlaid, not reloaded

        briefing.write_bytes(good)
        set_title(project, "Fixed again")
        page.wait_for_function(
            "() => document.querySelector('h1').textContent.includes('Fixed again')",
            timeout=DEADLINE * 1000)
        assert not problems.is_visible()
        assert errors == []


# --- serve under abuse --------------------------------------------------------------

def exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a new connection to 127.0.0.1; all the server answers until it
    closes the connection (or until DEADLINE)."""
    answer, deadline = b"", time.monotonic() + DEADLINE
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(request)
        try:
            while time.monotonic() < deadline and (chunk := sock.recv(65536)):
                answer += chunk
        except ConnectionResetError:
            pass  # closed on the rest of a request it refused to read: the answer came first
    return answer


def status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), f"no HTTP answer: {answer[:60]!r}"
    return int(answer.split(b" ", 2)[1])


def get(port: int, target: str, host: str = "127.0.0.1") -> int:
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return status(exchange(port, request.encode("latin-1")))


def test_malformed_requests_get_an_http_error_not_a_dropped_connection(tmp_path):
    with serving(write_project(tmp_path)) as live:
        port = live.port
        expected = {
            "/%": 404, "/%ff": 400, "/%c3%28": 400, "/%00": 400, "/report.html%00.txt": 400,
            "/\x00": 400, "/../../etc/passwd": 404, "/..%2f..%2fetc%2fpasswd": 404,
            "/%2e%2e/annotations/briefing.yaml": 404, "//etc/passwd": 404,
            "/" + "x" * 300: 404, "/" + "x/" * 3000: 404, "/" + "x" * 70_000: 414,
            "/.reportgen/stamps.json": 404, "/report.json?x=%ff#%": 200,
            "*": 400, "report.html": 400, "ftp://127.0.0.1/report.html": 400,
            "http://[::1/": 400, f"http://127.0.0.1:{port}/report.json": 200,
            f"http://127.0.0.1:{port}/%ff": 400, "http://attacker.example/report.json": 421,
        }
        answers = {target[:40]: get(port, target) for target in expected}
        assert answers == {target[:40]: code for target, code in expected.items()}
        assert get(port, "/", host="[::1]") == 200 and get(port, "/", host="[::1]:1") == 200
        assert get(port, "/", host="attacker.example") == 421
        assert status(exchange(port, b"GET / HTTP/1.0\r\n\r\n")) == 421  # no Host at all
        assert status(exchange(port, b"BREW /pot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) == 501
        assert status(exchange(port, b"\xff\xfe garbage\r\n\r\n")) == 400
        assert status(exchange(port, b"GET\r\n\r\n")) == 400
        assert live.get("/")[0] == 200  # and still serving


def test_idle_and_half_open_connections_are_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(preview, "REQUEST_TIMEOUT_S", 0.5)
    with serving(write_project(tmp_path)) as live:
        for opening in (b"", b"GET / HT", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
            with socket.create_connection(("127.0.0.1", live.port), timeout=DEADLINE) as sock:
                sock.sendall(opening)
                started = time.monotonic()
                assert sock.recv(1024) == b"", opening  # closed by the server
                assert time.monotonic() - started < 3, opening
        assert live.get("/")[0] == 200


def handler_threads() -> int:
    return sum("process_request_thread" in thread.name for thread in threading.enumerate())


def test_connections_beyond_the_cap_are_refused_and_threads_stay_bounded(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(preview, "MAX_CONNECTIONS", 4)
    with serving(write_project(tmp_path)) as live:
        idle = [socket.create_connection(("127.0.0.1", live.port)) for _ in range(4)]
        try:
            wait_until(lambda: handler_threads() == 4, "the idle connections to hold all slots")
            for _ in range(10):
                answer = exchange(live.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert status(answer) == 503 and b"Retry-After: 1" in answer
            assert handler_threads() == 4
        finally:
            for sock in idle:
                sock.close()
        wait_until(lambda: live.get("/")[0] == 200, "a slot to be free again")
        wait_until(lambda: handler_threads() == 0, "the handler threads to end")


def test_event_streams_end_in_time_even_for_a_client_that_stops_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(preview, "MAX_CONNECTIONS", 1)
    monkeypatch.setattr(preview, "EVENT_STREAM_MAX_S", 1.0)
    monkeypatch.setattr(preview, "KEEPALIVE_S", 0.2)
    request = f"GET {preview.EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    with serving(write_project(tmp_path)) as live:
        started = time.monotonic()
        stream = exchange(live.port, request)  # read to the end: the stream ends by itself
        assert 1.0 <= time.monotonic() - started < 1.0 + DEADLINE / 2
        assert status(stream) == 200 and b"\ndata: {" in stream and b": still here" in stream

        wait_until(lambda: handler_threads() == 0, "the first stream's thread to end")
        with socket.create_connection(("127.0.0.1", live.port), timeout=DEADLINE) as stalled:
            stalled.sendall(request)  # and does not read
            wait_until(lambda: get(live.port, preview.STATE_PATH) == 503,
                       "the stalled stream to hold the only slot")
            wait_until(lambda: get(live.port, preview.STATE_PATH) == 200,
                       "the stalled stream to end and free its slot", timeout=5)
            assert status(stalled.recv(65536)) == 200  # it was the stream that held the slot


# --- watch ------------------------------------------------------------------------

def test_watch_rebuilds_outputs_on_edits_and_keeps_the_last_good_ones(tmp_path, capsys):
    project = copy_project(tmp_path)
    briefing = project.annotations / "briefing.yaml"
    report_json = project.output / "report.json"
    ready, stop = threading.Event(), threading.Event()
    exit_code: list[int] = []
    thread = threading.Thread(target=lambda: exit_code.append(
        preview.watch(project, ("html", "json"), stop=stop, ready=ready)), daemon=True)
    thread.start()
    try:
        assert ready.wait(DEADLINE)
        assert (project.output / "report.html").is_file() and report_json.is_file()

        set_title(project, "Watched title")
        wait_until(lambda: "Watched title" in report_json.read_text(encoding="utf-8"),
                   "report.json to be rebuilt")
        wait_until(lambda: "Watched title" in (project.output / "report.html").read_text(
            encoding="utf-8"), "report.html to be rebuilt")
        good = report_json.read_bytes()

        briefing.write_text("title: [broken\n", encoding="utf-8")
        errors = []
        wait_until(lambda: errors.append(capsys.readouterr().err) or "error" in "".join(errors),
                   "the error to be printed")
        text = "".join(errors)
        assert re.search(re.escape(display_path(briefing)) + r":\d+: error: invalid YAML", text)
        assert "kept the last good report" in text
        assert report_json.read_bytes() == good

        set_title(project, "Watched again")  # the file is broken: rewrite it whole
        briefing.write_text("title: Watched again\nsubtitle: Recovered\n", encoding="utf-8")
        wait_until(lambda: "Watched again" in report_json.read_text(encoding="utf-8"),
                   "report.json to recover")
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive() and exit_code == [0]


def test_watch_refuses_unknown_formats(tmp_path, capsys):
    assert preview.watch(copy_project(tmp_path), ("html", "docx")) == 2
    assert "docx" in capsys.readouterr().err
