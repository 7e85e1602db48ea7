"""What load and validate made of each file, kept for the next build.

An analyst edits one annotation file of a large project and rebuilds: the
other files are unchanged, so their parse (reportgen.load) and their checks
(reportgen.validate) are taken from here instead of being redone. Each entry
is named after its kind and file, and holds the hash of everything its result
depends on (the stamp): an entry whose stamp differs is simply recomputed.

The entries are kept in one pack file in the output folder's state folder
(build/.reportgen/cache/entries.pack), records one after the other: a cold
build of 700 files wrote them in 0.02 s, where a file per entry took 0.5 s.
A save writes a new pack beside the old one and renames it over it: the new
entries, and the old ones still used copied as they are (never unpickled).

Entries are pickles, and unpickling runs code: a project folder may come from
someone else, build folder and all. So each entry is signed (HMAC-SHA256) with
a random key that never leaves the user's own cache folder
(~/.cache/reportgen/cache-key), and nothing whose signature does not verify is
unpickled. The cache is never required: a missing, damaged, truncated, foreign
or stale entry is ignored and recomputed; a cache that cannot be written is
simply not written.

Only ``build`` (and so ``serve``) keeps a cache, and writes it once the report is
published: a failed build, and ``check``, leave no output folder behind.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import io
import os
import pickle
import secrets
import sys
import tempfile
from pathlib import Path

KEY_BYTES = 32
_DIGEST = hashlib.sha256().digest_size
PACK_NAME = "entries.pack"
_MAGIC = b"reportgen check cache 1\n"
# The entries made of each document annotation file: its parse (reportgen.load), its own
# check, and where its quotations were found (reportgen.validate).
DOCUMENT_ENTRIES = ("yaml", "check", "quotes")
# A record: the entry's name (a digest), the body's length, then the body: its
# signature, its stamp and the pickled value (the signature covers the last two).
_HEAD = _DIGEST + 8


def user_key() -> bytes | None:
    """The user's signing key, made on first use (mode 0600); None if it cannot be had."""
    from .files import user_cache_folder, write_atomic

    folder = user_cache_folder()
    if folder is None:
        return None
    path = folder / "cache-key"
    try:
        with open(path, "rb") as handle:
            key = handle.read(KEY_BYTES + 1)
        if len(key) == KEY_BYTES:
            return key
    except FileNotFoundError:
        pass
    except OSError:
        return None
    key = secrets.token_bytes(KEY_BYTES)  # first use, or a damaged key replaced
    try:
        write_atomic(path, key, mode=0o600)
    except OSError:
        return None
    return key


def stamp(*parts: str | bytes) -> bytes:
    """A hash of ``parts`` (each length-prefixed: no two lists of parts share one)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


class FileCache:
    """Signed entries in ``folder``'s pack, one per (kind, name); see the module docstring.

    ``get`` returns a cached value or None; ``put`` keeps a new value to be
    written by ``save``, which also drops the entries this run did not ask for.
    """

    def __init__(self, folder: Path | None, key: bytes, salt: str):
        self.folder = folder
        self.key = key
        self.salt = salt  # the code and libraries that made the values
        self.used: set[bytes] = set()
        # new entries and their stamps: values pickled when saved (they may still be
        # completed until then)
        self.pending: dict[bytes, tuple[bytes, object]] = {}
        # where each entry's body is: (file descriptor, offset, length); the pack's, and
        # those another process is making now (see reportgen.warm)
        self.pack, self.index = _open_pack(folder / PACK_NAME) if folder else (None, {})
        self.helper = None  # a reportgen.warm.Helper, while it makes entries for this run
        self.kept: list = []  # open files of other processes' entries (see adopt)
        self.adopted = False

    @classmethod
    def at(cls, folder: Path, tool: str) -> FileCache | None:
        """The cache in ``folder``, or None when the user has no signing key.

        ``tool``: reportgen's code and libraries (reportgen.build.tool_stamp); entries
        made by another version are not used.
        """
        key = user_key()
        if key is None:
            return None
        return cls(folder, key, f"{tool} {sys.version}")

    @classmethod
    def for_this_run(cls) -> FileCache:
        """A cache kept in memory only (``check`` writes nothing): what a helper process
        makes reaches this one through it (reportgen.warm), signed with a key of this run."""
        return cls(None, secrets.token_bytes(KEY_BYTES), "")

    @staticmethod
    def entry_name(kind: str, name: str) -> bytes:
        return hashlib.sha256(f"{kind}\0{name}".encode("utf-8", "surrogatepass")).digest()

    def entry(self, kind: str, name: str) -> bytes:
        """The name of the entry of (kind, name), counted as used by this run."""
        entry = self.entry_name(kind, name)
        self.used.add(entry)
        return entry

    def keep_open(self, file) -> None:
        """Keep ``file`` (holding bodies the index points into) open until :meth:`close`."""
        self.kept.append(file)

    def close(self) -> None:
        """Close the files the entries are read from (a long ``serve`` makes many caches)."""
        if self.pack is not None:
            os.close(self.pack)
            self.pack = None
        for file in self.kept:
            file.close()
        self.kept.clear()
        self.index.clear()

    def _body(self, entry: bytes, size: int = -1) -> bytes | None:
        """The entry's signed body (its first ``size`` bytes), from the pack or another
        process; None if there is none."""
        if self.helper is not None:
            self.helper.wait_for(entry)
        if entry not in self.index:
            return None
        fd, offset, length = self.index[entry]
        try:
            return os.pread(fd, length if size < 0 else min(size, length), offset)
        except OSError:
            return None

    def holds(self, kind: str, name: str, key: bytes) -> bool:
        """Whether the entry of (kind, name) was stamped ``key`` (kept then, not read)."""
        entry = self.entry(kind, name)
        if entry in self.pending:
            return self.pending[entry][0] == key
        body = self._body(entry, 2 * _DIGEST)
        return body is not None and body[_DIGEST:] == key

    def stamp(self, kind: str, name: str, *inputs: str | bytes) -> bytes:
        return stamp(self.salt, kind, name, *inputs)

    def get(self, kind: str, name: str, key: bytes):
        """The value put under ``key`` (a :meth:`stamp`) by an earlier run, or None."""
        body = self._body(self.entry(kind, name))
        if body is None:
            return None
        signature, signed = body[:_DIGEST], memoryview(body)[_DIGEST:]
        if signed[:_DIGEST] != key or not hmac.compare_digest(
                hmac.new(self.key, signed, hashlib.sha256).digest(), signature):
            return None  # stale, foreign or damaged: never unpickled
        try:
            return pickle.loads(signed[_DIGEST:])
        except Exception:  # signed by this user yet unreadable (another reportgen's classes)
            return None

    def put(self, kind: str, name: str, key: bytes, value) -> None:
        self.pending[self.entry(kind, name)] = (key, value)

    def _signed_pending(self) -> dict[bytes, bytes]:
        """The new entries' bodies, pickled and signed, by entry; none is new any more."""
        from .load import paused_gc  # pickling makes many small tuples, no cycles

        bodies = {}
        with paused_gc():
            for entry, (key, value) in self.pending.items():
                signed = key + _pickled(value)
                bodies[entry] = hmac.new(self.key, signed, hashlib.sha256).digest() + signed
        self.pending.clear()
        return bodies

    def write_pending(self, out) -> list[tuple[bytes, int, int]]:
        """The new entries, pickled and signed, appended to the binary file ``out``;
        where each is, for :meth:`adopt` in another process (they are no longer new here)."""
        records = []
        for entry, body in self._signed_pending().items():
            records.append((entry, out.tell(), len(body)))
            out.write(body)
        out.flush()
        return records

    def adopt(self, fd: int, records: list[tuple[bytes, int, int]]) -> None:
        """Entries another process wrote to the file open at ``fd`` (see write_pending)."""
        for entry, offset, length in records:  # a value put here since then still wins
            self.index[entry] = (fd, offset, length)
        self.adopted = True

    def save(self) -> None:
        """Write the new entries and drop the unused ones; a failure only costs the cache."""
        if self.folder is None:
            return
        try:
            if self.pending or self.adopted or set(self.index) - self.used:
                self._write_pack(self._signed_pending())
            for found in os.scandir(self.folder):  # what older versions kept here
                if found.name != PACK_NAME:
                    os.unlink(found.path)
        except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
            pass
        self.pending.clear()

    def _write_pack(self, new: dict[bytes, bytes]) -> None:
        """The used entries, through a temporary file and a rename (a reader never sees
        half a pack), a record at a time. Not flushed to disk: a pack cut short in a
        power cut loses its damaged tail, and a damaged record fails its signature."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC)
                for entry in sorted(self.used):
                    body = new.get(entry) or self._body(entry)
                    if body is not None:
                        handle.write(entry + len(body).to_bytes(8, "big"))
                        handle.write(body)
            os.replace(temporary, self.folder / PACK_NAME)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _open_pack(path: Path) -> tuple[int | None, dict[bytes, tuple[int, int, int]]]:
    """The pack's descriptor, and where each entry's body is in it (descriptor, offset,
    length); a damaged tail is left out. The descriptor stays open for this run: the
    pack a later save renames over the path is another file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None, {}
    index: dict[bytes, tuple[int, int, int]] = {}
    try:
        size = os.fstat(fd).st_size
        if os.pread(fd, len(_MAGIC), 0) == _MAGIC:
            offset = len(_MAGIC)
            while offset + _HEAD <= size:
                head = os.pread(fd, _HEAD, offset)
                length = int.from_bytes(head[_DIGEST:], "big")
                if offset + _HEAD + length > size:
                    break  # cut short
                index[head[:_DIGEST]] = (fd, offset + _HEAD, length)
                offset += _HEAD + length
    except OSError:
        pass
    return fd, index


def _pickled(value) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    """Slotted dataclasses (reportgen.model's) pickled as a call of their class: unpickling
    them through dataclasses' __setstate__ took a third of a warm check."""

    def reducer_override(self, obj):
        names = _constructor_fields(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


@functools.cache
def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a slotted dataclass is rebuilt from by calling it, or None."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__ \
            or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return None
    return tuple(f.name for f in fields)
