"""Containment: the Bot Framework SDK (archived upstream; its successor is the Microsoft 365
Agents SDK) is imported only inside adapters/teams/, so a switch is a change in that folder."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ("bot", "adapters", "storage")
SDK = ("botbuilder", "botframework", "msrest")  # the SDK and the client library under it


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_the_bot_framework_sdk_is_imported_only_in_the_teams_adapter() -> None:
    teams = ROOT / "adapters" / "teams"
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for part in PRODUCT
        for path in sorted((ROOT / part).rglob("*.py"))
        if teams not in path.parents
        for module in _imports(path)
        if module.split(".")[0] in SDK
    ]
    assert offenders == []


def test_the_check_sees_the_teams_adapters_own_imports() -> None:
    runtime = ROOT / "adapters" / "teams" / "runtime.py"
    assert any(m.split(".")[0] in SDK for m in _imports(runtime))
