"""The Teams adapter: for now only its platform name and the conversation references it keeps."""

from __future__ import annotations

__all__ = ["PLATFORM"]

PLATFORM = "teams"
