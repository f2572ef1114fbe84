"""Due-time computation: bot.domain.calendar against businesstimedelta on the same cases.

Run: .venv/bin/python benchmarks/bench_due.py [--cases 10000]
Prints both timings, the speed ratio and how many of the due instants agree; exits 1 if any
case differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta

from _peer import business_rule, random_cases
from businesstimedelta import BusinessTimeDelta

from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs (ours)")
    args = parser.parse_args()
    policy = default_policy()
    cases = random_cases(policy, args.cases)
    deltas = [(opened, timedelta(hours=hours)) for opened, hours in cases]

    rule = business_rule(policy)
    began = time.perf_counter()
    theirs = [opened + BusinessTimeDelta(rule, timedelta=delta) for opened, delta in deltas]
    peer_seconds = time.perf_counter() - began

    cold = warm = float("inf")
    ours = []
    for _ in range(args.repeat):
        calendar = BusinessCalendar(policy)  # cold: includes building the per-year index
        began = time.perf_counter()
        ours = [calendar.add_business_time(opened, delta) for opened, delta in deltas]
        cold = min(cold, time.perf_counter() - began)
        began = time.perf_counter()
        ours = [calendar.add_business_time(opened, delta) for opened, delta in deltas]
        warm = min(warm, time.perf_counter() - began)

    tz = policy.timezone
    agree = sum(
        a == b and a.isoformat() == b.astimezone(tz).isoformat()
        for a, b in zip(ours, theirs, strict=True)
    )
    n = len(cases)
    print(f"cases:              {n} opened instants 2025-2030, first-response targets 1-16 h")
    print(f"businesstimedelta:  {peer_seconds:8.3f} s  {n / peer_seconds:>10,.0f} due times/s")
    print(f"supportbot (cold):  {cold:8.3f} s  {n / cold:>10,.0f} due times/s  (index built)")
    print(f"supportbot (warm):  {warm:8.3f} s  {n / warm:>10,.0f} due times/s")
    print(f"speed ratio:        {peer_seconds / cold:.0f}x cold, {peer_seconds / warm:.0f}x warm")
    print(f"agreement:          {agree}/{n} identical")
    return 0 if agree == n else 1


if __name__ == "__main__":
    sys.exit(main())
