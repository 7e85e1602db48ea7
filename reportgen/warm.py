"""A cold build of a large corpus on two cores: a helper process parses and checks
the later new document files while this process does the rest.

The helper only fills the check cache (reportgen.checkcache): it runs the same
parse (reportgen.load) and the same per-document checks
(reportgen.validate.check_each_document) on its share, and hands over each
result as a cache entry, signed and stamped like any other. This process then
loads and validates the whole corpus as always, and finds the helper's files in
the cache; where it reaches one before the helper is done, it waits for it. So
the result is the one a single process gives, by construction: an entry the
helper did not make, or made from other inputs (its stamp differs), is simply
made here; a helper that fails costs only time.

The entries travel through reportgen.forked's unnamed temporary file, from
where the cache's save copies them into the pack as they are.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from . import forked
from .checkcache import DOCUMENT_ENTRIES
from .load import MAX_ANNOTATION_BYTES, OPTIONAL_FILES, Shown

# Below this many bytes of new document annotations, a helper's start-up (a fork,
# about 10 ms) and hand-over cost more than it saves. The bundled corpus has 62 KB of
# them; 10 times its size, 620 KB.
HELPER_BYTES = 400_000
# The helper's share of the new annotation files, by size, taken from the document
# files, the last ones, which this process reaches last. Under half: this process also
# has the findings and claims to parse and check, and the helper pickles what it makes,
# which this process then unpickles. Sizes, not lines, which parsing time follows a
# little more closely: counting lines meant reading every file once more (40 ms at
# 20,020 paragraphs, before anything else could start). At 20,020 paragraphs (findings
# 40 % of the bytes), 0.3 did best: at 0.35 this process waited for the helper's parses.
HELPER_SHARE = 0.3


@contextmanager
def warming(project, cache):
    """While the block runs, a helper makes the cache entries of the later of
    ``project``'s document files that ``cache`` has none of, when there are enough
    of them to be worth it and a second core to run on."""
    share = _helper_share(project, cache)
    if not share:
        yield
        return
    try:
        helper = Helper(project, cache, share)
    except OSError:  # no temporary file, or no process to be had: all done here
        yield
        return
    cache.helper = helper
    try:
        yield
    except BaseException:
        helper.child.stop()  # the check failed: what the helper makes is not needed
        raise
    else:
        helper.finish()
    finally:
        cache.helper = None


def _helper_share(project, cache) -> list[Path]:
    """The files the helper takes (none when it would not pay)."""
    if cache is None or not forked.possible():
        return []
    shown = Shown()
    new = [(path, _size(path)) for path in project.document_files()
           if cache.entry_name("yaml", shown(path)) not in cache.index]
    documents = sum(size for _, size in new)
    if documents < HELPER_BYTES:
        return []
    others = [project.annotations / f"{name}.yaml" for name in OPTIONAL_FILES]
    total = documents + sum(_size(path) for path in others
                            if cache.entry_name("yaml", shown(path)) not in cache.index)
    share, taken = [], 0
    for path, size in reversed(new):
        if taken + size > total * HELPER_SHARE:
            break
        share.append(path)
        taken += size
    return share[::-1]


def _size(path: Path) -> int:
    try:
        return min(os.stat(path).st_size, MAX_ANNOTATION_BYTES)
    except OSError:
        return 0  # load reports it


class Helper:
    """The forked helper, and what of its work has arrived here.

    ``wait_for(entry)`` returns once the entry has arrived (it is then in the
    cache's index), or once the helper has ended without making it.
    """

    def __init__(self, project, cache, files: list[Path]):
        self.cache = cache
        shown = Shown()
        self.awaited = {cache.entry_name(kind, shown(path))
                        for path in files for kind in DOCUMENT_ENTRIES}
        self.child = forked.Forked(_work, project, cache, files)
        cache.keep_open(self.child.file)  # its entries are copied into the pack when saved

    def wait_for(self, entry: bytes) -> None:
        while entry in self.awaited:
            self._take(self.child.receive())

    def _take(self, records) -> None:
        """A batch of entries (the latest of an entry is the one kept); None: the helper
        ended, and what did not arrive is made here."""
        if records is None:
            self.awaited.clear()
            return
        self.cache.adopt(self.child.fd, records)
        self.awaited.difference_update(entry for entry, _, _ in records)

    def finish(self) -> None:
        """Take in what has arrived (for the cache), and let the helper go."""
        for records in self.child.arrived():
            self._take(records)
        self.child.stop()


def _work(out, send, project, cache, files: list[Path]) -> None:
    """In the helper: parse and check ``files``, sending the entries made as it goes."""
    from .load import load
    from .validate import check_document_schema, check_each_document

    def parsed(file) -> None:
        check_document_schema(file)  # kept with the parse: the other process need not
        if len(cache.pending) >= _PARSES_SENT_AT_ONCE:
            send(cache.write_pending(out))

    loaded = load(project, cache, documents=files, each=parsed)
    send(cache.write_pending(out))
    check_each_document(loaded, then=lambda: send(cache.write_pending(out)))  # the checks are
    send(cache.write_pending(out))  # needed before the quotations' results


# Parses are sent a few at a time: the other process, which reaches the helper's
# files when done with its own, then waits only for the last few.
_PARSES_SENT_AT_ONCE = 16
