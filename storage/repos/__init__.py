"""Repositories: keyword-only async functions over one session, returning domain dataclasses."""
