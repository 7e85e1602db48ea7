"""Objects made in worker processes and kept there, for a second step on the same object.

reportgen.pdf lays each chapter out in a worker and later, once every chapter's page
count is known, draws it in the same worker from the layout kept in memory: a
ProcessPoolExecutor cannot send a task to the process holding a given object, and
a laid-out document cannot be pickled. Workers are forked, so the jobs and the
functions reach them without pickling; they take the largest job left next.
"""

from __future__ import annotations

import gc
import multiprocessing
import traceback
from multiprocessing.connection import wait

# A layout makes millions of objects and keeps most: with Python's default threshold
# (700 allocations) the cycle collector runs thousands of times over a growing heap,
# about a tenth of the layout's time; at this one, a hundredth.
_COLLECT_EVERY = 50_000


class Held:
    """``make(job)`` for every job, in ``workers`` processes (or in this one), each
    result kept where it was made; ``describe(made)`` is sent back. Then
    :meth:`apply` runs ``function(made, argument)`` where each ``made`` is kept."""

    def __init__(self, jobs: list, make, describe, workers: int):
        self.jobs, self.make, self.describe = jobs, make, describe
        self.order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i]))  # largest first
        forking = "fork" in multiprocessing.get_all_start_methods()
        self.workers = min(workers, len(jobs)) if forking else 1
        self.kept: dict = {}  # in this process, with one worker
        self.processes: list = []
        self.connections: list = []

    def __enter__(self) -> Held:
        self.collecting = gc.get_threshold()
        gc.set_threshold(_COLLECT_EVERY, *self.collecting[1:])
        if self.workers > 1:
            gc.freeze()  # the workers' collections need not touch (and copy) our objects
            context = multiprocessing.get_context("fork")
            taken = context.Value("i", 0)  # how many jobs of self.order were taken
            for _ in range(self.workers):
                ours, theirs = context.Pipe()
                process = context.Process(target=self._work, args=(taken, theirs), daemon=True)
                process.start()
                theirs.close()
                self.processes.append(process)
                self.connections.append(ours)
        return self

    def __exit__(self, *exc) -> None:
        for connection in self.connections:
            try:
                connection.send(None)  # nothing more to do
            except OSError:
                pass
            connection.close()
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()
        gc.set_threshold(*self.collecting)
        gc.unfreeze()

    def results(self, report) -> list:
        """Each job's description, in job order."""
        if self.workers <= 1:
            described = []
            for i, job in enumerate(self.jobs):
                self.kept[i] = self.make(job)
                described.append(self.describe(self.kept[i]))
                report(i + 1)
            return described
        return self._gather(len(self.jobs), report)

    def apply(self, function, arguments: dict, report) -> dict:
        """``function(made, arguments[i])`` for each job ``i``, run where it was made."""
        if self.workers <= 1:
            done = {}
            for i in sorted(self.kept):
                done[i] = function(self.kept.pop(i), arguments[i])  # let it go once drawn
                report(len(done))
            return done
        for connection in self.connections:
            connection.send((function, arguments))
        return dict(enumerate(self._gather(len(self.jobs), report)))

    def _gather(self, count: int, report) -> list:
        found: dict = {}
        while len(found) < count:
            for connection in wait(self.connections):
                try:
                    message = connection.recv()
                except EOFError:
                    raise RuntimeError("a worker laying out the PDF stopped") from None
                if message[0] == "error":  # raised again here, with the worker's traceback
                    raise message[2] from RuntimeError(f"in a worker:\n{message[1]}")
                found[message[1]] = message[2]
                report(len(found))
        return [found[i] for i in range(count)]

    def _work(self, taken, connection) -> None:
        """In a worker: make the jobs it takes, then run what it is sent on them."""
        try:
            kept = {}
            while True:
                with taken.get_lock():
                    position = taken.value
                    taken.value += 1
                if position >= len(self.order):
                    break
                i = self.order[position]
                kept[i] = self.make(self.jobs[i])
                connection.send(("made", i, self.describe(kept[i])))
            request = connection.recv()
            if request is None:
                return
            function, arguments = request
            for i in sorted(kept):
                connection.send(("done", i, function(kept.pop(i), arguments[i])))
            connection.recv()
        except Exception as error:  # noqa: BLE001  (the parent raises it)
            try:
                connection.send(("error", traceback.format_exc(), error))
            except Exception:  # noqa: BLE001  (an exception that cannot be pickled)
                connection.send(("error", traceback.format_exc(), RuntimeError(repr(error))))
        finally:
            connection.close()


def _size(job) -> int:
    return len(job[0]) if isinstance(job, tuple) and isinstance(job[0], str) else 0
