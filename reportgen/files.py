"""Writing files so that nothing is ever half-written or overwritten unseen.

Outputs and the files a person wrote (annotations) are both written through a
temporary file in the same folder, flushed to disk and renamed over the
target: a kill or a full disk leaves the old file or the new one, never a
truncated mix. A person's file is only rewritten if it still holds exactly
what was read, and never through a link that leads out of the project.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import Problem, ReportgenError, display_path


def write_atomic(target: Path, data: bytes, mode: int = 0o644, before_replace=None) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a file.

    ``before_replace``: called when the new content is safely on disk, just
    before it replaces the target; raising there leaves the target untouched.
    """
    temporary = stage(target, data, mode)
    try:
        if before_replace is not None:
            before_replace()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_folder(target.parent)


def copy_range(fd: int, offset: int, length: int, out, chunk: int = 4 << 20) -> None:
    """``length`` bytes of the file open at ``fd``, from ``offset``, written to ``out``."""
    end = offset + length
    while offset < end:
        data = os.pread(fd, min(chunk, end - offset), offset)
        if not data:
            raise OSError(errno.EIO, "the file was cut short")
        out.write(data)
        offset += len(data)


def stage(target: Path, data: bytes | Callable[[BinaryIO], object], mode: int = 0o644) -> str:
    """``data`` in full, on disk, in a temporary file beside ``target``; its path.
    ``data``: the bytes, or a function that writes them to the binary file it is given
    (a large output need never be in memory whole).

    Renaming it over ``target`` is then the whole write, and needs no disk space.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def content_hash(path: Path) -> bytes:
    """SHA-256 of a regular file's bytes; a fixed marker for anything else (never blocks)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return b"not a regular file"
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return b"missing"


def rewrite_text(path: Path, was: str, text: str, inside: Path) -> None:
    """Replace the content of a person's file, if it still holds ``was``, by ``text``.

    ``inside``: the folder the file must really be in (its links resolved). A
    link inside it is followed, so the link stays a link and its target changes.
    """
    shown = display_path(path)
    real = path.resolve()
    if not real.is_relative_to(inside.resolve()):
        raise ReportgenError([Problem(shown, None, f"is a link to {real}, outside "
                                      f"{display_path(inside)}; not written",
                                      "edit the file by hand, or replace the link with the file")])
    _unchanged(real, was, shown)
    mode = real.stat().st_mode & 0o7777
    try:  # checked again at the last moment: an editor may have saved meanwhile
        write_atomic(real, text.encode("utf-8"), mode, lambda: _unchanged(real, was, shown))
    except OSError as exc:
        raise ReportgenError([Problem(shown, None, f"could not be written: {exc.strerror}; "
                                      "the file is as it was", "free some space or check "
                                      "permissions, then run the command again")]) from None


def _unchanged(real: Path, was: str, shown: str) -> None:
    try:
        now = real.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        now = None
    if now != was:
        raise ReportgenError([Problem(shown, None, "changed since it was read; not written",
                                      "run the command again to work from the file as it is now")])


def user_cache_folder(name: str = "") -> Path | None:
    """``~/.cache/reportgen[/name]`` (or under $XDG_CACHE_HOME), made private to the user;
    None when it cannot be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "reportgen", name) if name else os.path.join(base, "reportgen")
    if not os.path.isabs(folder):  # no home folder to speak of
        return None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return Path(folder)
