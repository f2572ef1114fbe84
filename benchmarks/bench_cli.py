"""`supportbot sla due` with 10,000 --opened values, as a whole process, against a script that
does the same with businesstimedelta (benchmarks/peer_sla_due.py).

Run: .venv/bin/python benchmarks/bench_cli.py [--cases 10000] [--repeat 3]
Prints the best wall-clock time of each, the speed ratio and how many output lines agree.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _peer import random_cases

from bot.domain.policy import default_policy

HERE = Path(__file__).resolve().parent


def _supportbot() -> list[str]:
    script = Path(sys.executable).parent / "supportbot"
    found = str(script) if script.exists() else shutil.which("supportbot")
    if found is None:
        sys.exit("supportbot is not installed: pip install -e .")
    return [found]


def _timed(command: list[str]) -> tuple[float, list[str]]:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, done.stdout.splitlines()


def main() -> int:
    """Run both processes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
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
    # Interleaved, best of each: other load on the machine hits both alike.
    ours = theirs = startup = float("inf")
    for _ in range(args.repeat):
        took, our_lines = _timed(ours_command)
        ours = min(ours, took)
        took, their_lines = _timed(peer_command)
        theirs = min(theirs, took)
        startup = min(startup, _timed(single_command)[0])

    agree = sum(a == b for a, b in zip(our_lines, their_lines, strict=True))
    n = len(opened)
    print(f"cases:                   {n} --opened values, priority {args.priority}")
    print(f"businesstimedelta script: {theirs:7.3f} s")
    print(f"supportbot sla due:       {ours:7.3f} s  (one --opened: {startup:.3f} s)")
    print(f"speed ratio:              {theirs / ours:.1f}x")
    print(f"agreement:                {agree}/{n} lines identical")
    return 0 if agree == n == len(our_lines) else 1


if __name__ == "__main__":
    sys.exit(main())
