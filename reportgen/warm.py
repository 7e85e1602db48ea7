"""A cold build of a large corpus on two cores: a helper process parses and checks
the later half of the new document files while this process does the rest.

The helper only fills the check cache (reportgen.checkcache): it runs the same
parse (reportgen.load) and the same per-document checks
(reportgen.validate.check_each_document) on its share, and hands over each
result as a cache entry, signed and stamped like any other. This process then
loads and validates the whole corpus as always, and finds the helper's files in
the cache; where it reaches one before the helper is done, it waits for it. So
the result is the one a single process gives, by construction: an entry the
helper did not make, or made from other inputs (its stamp differs), is simply
made here; a helper that fails costs only time.

The entries travel through an unnamed temporary file (the pipe carries only
where each one is), which the next save copies into the pack as they are.
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .load import Shown

# Below this many bytes of new document annotations, a helper's start-up (a fork,
# about 10 ms) and hand-over cost more than it saves. The bundled corpus has 0.2 MB;
# 10 times its size, 1 MB, is checked in about 0.5 s.
HELPER_BYTES = 1024 * 1024
HELPER_SHARE = 0.5  # of the new files' bytes: the last ones, which this process reaches last


@contextmanager
def warming(project, cache):
    """While the block runs, a helper makes the cache entries of the later half of
    ``project``'s document files that ``cache`` has none of, when there are enough
    of them to be worth it and a second core to run on."""
    share = _helper_share(project, cache)
    if not share:
        yield
        return
    helper = Helper(project, cache, share)
    cache.helper = helper
    try:
        yield
    except BaseException:
        helper.stop()  # the check failed: what the helper makes is not needed
        raise
    else:
        helper.finish()
    finally:
        cache.helper = None


def _helper_share(project, cache) -> list[Path]:
    """The files the helper takes (none when it would not pay)."""
    if cache is None or _cores() < 2 or threading.active_count() > 1 \
            or not hasattr(os, "fork"):  # forking a process with threads is unsafe
        return []
    shown = Shown()
    new = []
    for path in project.document_files():
        if cache.entry_name("yaml", shown(path)) not in cache.index:
            try:
                new.append((path, path.stat().st_size))
            except OSError:
                continue  # load reports it
    total = sum(size for _, size in new)
    if total < HELPER_BYTES:
        return []
    share, taken = [], 0
    for path, size in reversed(new):
        if taken + size > total * HELPER_SHARE:
            break
        share.append(path)
        taken += size
    return share[::-1]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Helper:
    """The forked helper, and what of its work has arrived here.

    ``wait_for(entry)`` returns once the entry has arrived (it is then in the
    cache's index), or once the helper has ended without making it.
    """

    def __init__(self, project, cache, files: list[Path]):
        import multiprocessing

        self.cache = cache
        shown = Shown()
        self.awaited = {cache.entry_name(kind, shown(path))
                        for path in files for kind in ("yaml", "check")}
        self.entries = tempfile.TemporaryFile(prefix="reportgen-")  # gone when closed
        cache.keep_open(self.entries)  # its entries are copied into the pack when saved
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe(duplex=False)
        self.process = context.Process(target=_work, args=(project, cache, files, theirs,
                                                           self.entries.fileno()), daemon=True)
        self.process.start()
        theirs.close()

    ended = False  # the helper sent its last batch, or failed

    def wait_for(self, entry: bytes) -> None:
        while entry in self.awaited:
            self._receive()

    def _receive(self) -> None:
        """The next batch of entries (the latest of an entry is the one kept)."""
        try:
            records = self.connection.recv()
        except (EOFError, OSError, ValueError):  # ValueError: unpickled from a cut message
            records = None
        if records is None:  # done, or failed: what did not arrive is made here
            self.awaited.clear()
            self.ended = True
            return
        fd = self.entries.fileno()
        for entry, offset, length in records:
            self.cache.index[entry] = (fd, offset, length)
            self.awaited.discard(entry)

    def finish(self) -> None:
        """Take in what has arrived (for the cache), and let the helper go."""
        while not self.ended and self.connection.poll(0):
            self._receive()
        self.stop()

    def stop(self) -> None:
        self.awaited.clear()
        self.connection.close()
        self.process.terminate()  # a helper still at work is not waited for
        self.process.join()


def _work(project, cache, files: list[Path], connection, fd: int) -> None:
    """In the helper: parse and check ``files``, sending the entries made as it goes."""
    from .load import load
    from .validate import check_document_schema, check_each_document

    written = 0

    def send(at_least: int = 1) -> None:
        nonlocal written
        if len(cache.pending) < at_least:
            return
        records = []
        for entry, body in cache.signed_bodies().items():
            os.pwrite(fd, body, written)
            records.append((entry, written, len(body)))
            written += len(body)
        cache.signed.clear()
        connection.send(records)

    def parsed(file) -> None:
        check_document_schema(file)  # kept with the parse: the other process need not
        send(at_least=_PARSES_SENT_AT_ONCE)

    try:
        loaded = load(project, cache, documents=files, each=parsed)
        send()
        check_each_document(loaded)
        send()
        connection.send(None)
    except BaseException:  # noqa: BLE001 - the other process makes what did not arrive
        pass
    finally:
        connection.close()


# Parses are sent a few at a time: the other process, which reaches the helper's
# files when done with its own, then waits only for the last few.
_PARSES_SENT_AT_ONCE = 16
