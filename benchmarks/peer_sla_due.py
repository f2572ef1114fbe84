"""The businesstimedelta equivalent of `supportbot sla due`, for benchmarks/bench_cli.py.

Usage: peer_sla_due.py --priority P --opened ISO [--opened ISO ...]
Reads its arguments by hand (argparse rescans repeated options and would slow the peer down).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from _peer import business_rule
from businesstimedelta import BusinessTimeDelta

from bot.domain.policy import load_policy


def main(argv: list[str]) -> int:
    """Print the due instant of each --opened value, one per line."""
    priority, opened = "", []
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        if flag == "--priority":
            priority = value
        elif flag == "--opened":
            opened.append(datetime.fromisoformat(value))
    policy = load_policy()
    rule = business_rule(policy)
    delta = timedelta(hours=policy.priority(priority).first_response_hours)
    tz = policy.timezone
    lines = [
        (at + BusinessTimeDelta(rule, timedelta=delta)).astimezone(tz).isoformat() for at in opened
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
