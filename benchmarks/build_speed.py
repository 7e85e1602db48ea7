"""Cold and no-op build times of the bundled corpus, interpreter start included.

Run: python3 benchmarks/build_speed.py [RUNS]
Prints the median (and min/max) wall time of:
  cold   `reportgen build --format html,json` into an empty output folder
  no-op  the same command again, nothing changed
  pdf    a cold build of all three outputs (fewer runs: it takes seconds)
Targets (issue 4): cold HTML+JSON <= 0.35 s, no-op <= 0.3 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "reportgen", "build", "--project", str(ROOT)]


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def summary(name: str, times: list[float]) -> str:
    return (f"{name:6} median {statistics.median(times):.3f} s  min {min(times):.3f}  "
            f"max {max(times):.3f}  (n={len(times)})")


def main(runs: int = 15) -> None:
    cold, noop = [], []
    for _ in range(runs):
        out = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
        args = COMMAND + ["--output", str(out), "--format", "html,json"]
        cold.append(timed(args))
        noop.append(timed(args))
        shutil.rmtree(out)
    pdf = []
    for _ in range(max(1, runs // 5)):
        out = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
        pdf.append(timed(COMMAND + ["--output", str(out)]))
        shutil.rmtree(out)
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(runs)]
    print(summary("python", bare), "(interpreter start alone)")
    print(summary("cold", cold), "target <= 0.35 s")
    print(summary("no-op", noop), "target <= 0.30 s")
    print(summary("pdf", pdf), "(cold, all three outputs)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
