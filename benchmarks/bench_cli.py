"""`supportbot sla due` with 10,000 --opened values, as a whole process, against a script that
does the same with businesstimedelta (benchmarks/peer_sla_due.py).

Run: .venv/bin/python benchmarks/bench_cli.py [--cases 10000] [--repeat 9]
Runs the two processes in pairs, back to back, alternating which goes first, and prints the
median wall-clock time of each, the median of the paired ratios (load on the machine hits both
runs of a pair alike), the same for CPU time (user + system, which load disturbs less) and
how many output lines agree.

Both run as installed code does: with compiled bytecode cached (pip compiles it at install;
PYTHONDONTWRITEBYTECODE, if set, is dropped for the runs, after one warm-up run of each).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _peer import random_cases

from bot.domain.policy import default_policy

HERE = Path(__file__).resolve().parent
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _supportbot() -> list[str]:
    script = Path(sys.executable).parent / "supportbot"
    found = str(script) if script.exists() else shutil.which("supportbot")
    if found is None:
        sys.exit("supportbot is not installed: pip install -e .")
    return [found]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str]) -> tuple[float, float, list[str]]:
    """Wall-clock and CPU seconds of one run of `command`, and its output lines."""
    cpu, began = _cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=_ENV)
    return time.perf_counter() - began, _cpu() - cpu, done.stdout.splitlines()


def main() -> int:
    """Run both processes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--priority", default="medium")
    args = parser.parse_args()
    opened = [at.isoformat() for at, _ in random_cases(default_policy(), args.cases)]
    tail = ["--priority", args.priority]
    for value in opened:
        tail += ["--opened", value]

    ours_command = [*_supportbot(), "sla", "due", *tail]
    peer_command = [sys.executable, str(HERE / "peer_sla_due.py"), *tail]
    single_command = [
        *_supportbot(),
        "sla",
        "due",
        "--priority",
        args.priority,
        "--opened",
        opened[0],
    ]
    _timed(ours_command)  # warm-up: writes the bytecode caches
    _timed(peer_command)
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    our_lines: list[str] = []
    their_lines: list[str] = []
    for turn in range(args.repeat):
        # Alternate which goes first, so neither always runs on a warmer machine.
        if turn % 2:
            *their_times, their_lines = _timed(peer_command)
            *our_times, our_lines = _timed(ours_command)
        else:
            *our_times, our_lines = _timed(ours_command)
            *their_times, their_lines = _timed(peer_command)
        ours.append((our_times[0], our_times[1]))
        theirs.append((their_times[0], their_times[1]))
    startup = statistics.median(_timed(single_command)[0] for _ in range(args.repeat))

    agree = sum(a == b for a, b in zip(our_lines, their_lines, strict=True))
    n = len(opened)
    print(f"cases:                    {n} --opened values, priority {args.priority}")
    print(f"paired runs:              {args.repeat} (medians; wall clock, CPU)")
    for name, runs in (("businesstimedelta script", theirs), ("supportbot sla due", ours)):
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name + ':':25} {wall:7.3f} s  {cpu:7.3f} s CPU")
    print(f"one --opened:             {startup:7.3f} s")
    for what, k in (("wall clock", 0), ("CPU", 1)):
        ratios = sorted(t[k] / o[k] for t, o in zip(theirs, ours, strict=True))
        print(
            f"speed ratio, {what + ':':12} {statistics.median(ratios):5.1f}x"
            f"  (median of paired runs; {ratios[0]:.1f}x-{ratios[-1]:.1f}x)"
        )
    print(f"agreement:                {agree}/{n} lines identical")
    return 0 if agree == n == len(our_lines) else 1


if __name__ == "__main__":
    sys.exit(main())
