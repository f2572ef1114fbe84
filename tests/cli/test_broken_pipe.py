"""`supportbot ... | head`: when the reader goes away, the command stops without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")


@pytest.mark.parametrize(
    "argv",
    [
        ["calendar", "--year", "2026"],
        ["sla", "due", "--priority", "low", "--opened", "2026-03-02T10:00Z"],
        ["customer", "add", "Acme"],
        ["window", "list"],
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(argv: list[str], tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'pipe.db'}"}
    env.pop("SUPPORTBOT_POLICY", None)
    try:
        done = subprocess.run(
            [SUPPORTBOT, *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == 141
