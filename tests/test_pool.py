"""reportgen.pool: objects made in forked workers and used again where they were made."""

from __future__ import annotations

import os
import time

import pytest

from reportgen.pool import Held


def made(job):
    """Something that cannot be pickled (a generator), and where it was made."""
    text, = job
    time.sleep(0.2)  # long enough for the other worker to take a job meanwhile
    return os.getpid(), (c for c in text)


def described(thing):
    return thing[0]


def used(thing, suffix):
    pid, letters = thing
    return pid, os.getpid(), "".join(letters) + suffix


def failing(job):
    raise ValueError(f"cannot make {job[0]}")


@pytest.mark.parametrize("workers", [1, 2])
def test_each_object_is_used_in_the_process_that_made_it(workers):
    jobs = [("a",), ("bbbb",), ("cc",), ("ddd",)]
    with Held(jobs, made, described, workers) as held:
        makers = held.results(lambda done: None)
        done = held.apply(used, {i: f"-{i}" for i in range(len(jobs))}, lambda n: None)
    assert [done[i][2] for i in range(len(jobs))] == ["a-0", "bbbb-1", "cc-2", "ddd-3"]
    assert all(done[i][0] == done[i][1] == makers[i] for i in range(len(jobs)))
    assert (len(set(makers)) > 1) == (workers > 1), "two workers share the jobs"
    assert (os.getpid() in makers) == (workers == 1)


def test_a_workers_error_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="cannot make [xy]"):
        with Held([("x",), ("y",)], failing, described, 2) as held:
            held.results(lambda done: None)
