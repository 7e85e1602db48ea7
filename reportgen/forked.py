"""Work done beside this process, on the machine's second core.

A forked child starts with this process's memory as it is (nothing is pickled
to start it) and hands its results back through an unnamed temporary file,
where it writes them, and a pipe, which carries only small messages (where in
the file each result is). A child that fails sends nothing more: the caller
does the work itself, so a failure costs only time, and never a traceback.
"""

from __future__ import annotations

import os
import tempfile


def cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def possible() -> bool:
    """Whether forking is possible and safe here (a process running threads is not)."""
    import threading

    return hasattr(os, "fork") and cores() >= 2 and threading.active_count() == 1


class Forked:
    """``work(out, send, *args)`` in a forked child: ``out`` is the shared unnamed file
    (the child is its only writer; :attr:`fd` reads it here), ``send(message)`` sends
    a small message, which :meth:`receive` returns in order. Raises OSError when no
    temporary file or process can be had."""

    def __init__(self, work, *args):
        import multiprocessing

        self.file = tempfile.TemporaryFile(prefix="reportgen-")  # gone once closed
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe(duplex=False)
        self.process = context.Process(target=_run, args=(work, self.file, theirs, args),
                                       daemon=True)
        try:
            self.process.start()
        except OSError:  # no process to be had (the caller does the work itself)
            self.file.close()
            self.connection.close()
            raise
        finally:
            theirs.close()
        self.ended = False  # the child is done, or failed

    @property
    def fd(self) -> int:
        return self.file.fileno()

    def receive(self):
        """The child's next message; None once it has ended (done, or failed)."""
        if self.ended:
            return None
        try:
            message = self.connection.recv()
        except (EOFError, OSError, ValueError):  # ValueError: a message cut short
            message = None
        if message is None:
            self.ended = True
        return message

    def arrived(self) -> list:
        """The messages that have arrived, without waiting for more."""
        messages = []
        while not self.ended and self.connection.poll(0):
            message = self.receive()
            if message is not None:
                messages.append(message)
        return messages

    def stop(self) -> None:
        """End the child, done or not (its file stays readable until closed)."""
        self.ended = True
        self.connection.close()
        self.process.terminate()
        self.process.join()


def _run(work, out, connection, args) -> None:
    try:
        work(out, connection.send, *args)
        connection.send(None)
    except BaseException:  # noqa: BLE001 - the parent does what was not sent
        pass
    finally:
        connection.close()
