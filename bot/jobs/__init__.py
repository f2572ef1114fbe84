"""Scheduled jobs: one module per job, each `async def run(desk) -> int` as of `desk.now()`."""
