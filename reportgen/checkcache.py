"""What load and validate made of each file, kept for the next build.

An analyst edits one annotation file of a large project and rebuilds: the
other files are unchanged, so their parse (reportgen.load) and their checks
(reportgen.validate) are taken from here instead of being redone. An entry is
kept per file in the output folder's state folder (build/.reportgen/cache/),
named after the file, and holds the hash of everything its result depends on
(the stamp): an entry whose stamp differs is simply recomputed.

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
    """Signed entries in ``folder``, one per (kind, name); see the module docstring.

    ``get`` returns a cached value or None; ``put`` keeps a new value to be
    written by ``save``, which also removes the entries this run did not ask for.
    """

    def __init__(self, folder: Path, key: bytes, salt: str):
        self.folder = folder
        self.key = key
        self.salt = salt  # the code and libraries that made the values
        self.used: set[str] = set()
        self.pending: dict[str, tuple[bytes, object]] = {}

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

    def _entry(self, kind: str, name: str) -> str:
        entry = hashlib.sha256(f"{kind}\0{name}".encode("utf-8", "surrogatepass")).hexdigest()
        self.used.add(entry)
        return entry

    def holds(self, kind: str, name: str, key: bytes) -> bool:
        """Whether the entry of (kind, name) was stamped ``key`` (kept then, not read)."""
        try:
            with open(self.folder / self._entry(kind, name), "rb") as handle:
                return handle.read(2 * _DIGEST)[_DIGEST:] == key
        except (OSError, ValueError):
            return False

    def stamp(self, kind: str, name: str, *inputs: str | bytes) -> bytes:
        return stamp(self.salt, kind, name, *inputs)

    def get(self, kind: str, name: str, key: bytes):
        """The value put under ``key`` (a :meth:`stamp`) by an earlier run, or None."""
        entry = self._entry(kind, name)
        try:
            with open(self.folder / entry, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            return None
        signature, signed = data[:_DIGEST], data[_DIGEST:]
        if signed[:_DIGEST] != key or not hmac.compare_digest(
                hmac.new(self.key, signed, hashlib.sha256).digest(), signature):
            return None  # stale, foreign or damaged: never unpickled
        try:
            return pickle.loads(signed[_DIGEST:])
        except Exception:  # signed by this user yet unreadable (another reportgen's classes)
            return None

    def put(self, kind: str, name: str, key: bytes, value) -> None:
        self.pending[self._entry(kind, name)] = (key, value)

    def save(self) -> None:
        """Write the new entries and drop the unused ones; a failure only costs the cache."""
        from .load import paused_gc  # pickling makes many small tuples, no cycles

        try:
            with paused_gc():
                self._write_pending()
            for found in os.scandir(self.folder):
                if found.name not in self.used:
                    os.unlink(found.path)
        except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
            pass
        self.pending.clear()

    def _write_pending(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for entry, (key, value) in self.pending.items():
            signed = key + _pickled(value)
            signature = hmac.new(self.key, signed, hashlib.sha256).digest()
            _write(self.folder / entry, signature + signed)


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


def _write(target: Path, data: bytes) -> None:
    """Through a temporary file and a rename, so a reader never sees half an entry.

    Not flushed to disk: an entry lost in a power cut is recomputed, and a
    truncated one fails its signature.
    """
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
