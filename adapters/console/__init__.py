"""The console adapter: a terminal chat with the desk, seeded with a demo organisation."""

from __future__ import annotations

__all__ = ["PLATFORM"]

PLATFORM = "console"
