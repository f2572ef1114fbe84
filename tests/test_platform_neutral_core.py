"""The core names no chat platform: adding one touches only adapters/<platform>/ and the
composition root. Words in comments, docstrings and user-facing text are fine."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("bot/app", "bot/domain")
PLATFORM_WORD = re.compile(r"slack|teams|console|botbuilder|bolt", re.IGNORECASE)


def _core_files() -> list[Path]:
    return sorted(p for part in CORE for p in (ROOT / part).rglob("*.py"))


def platform_identifiers(source: str) -> list[tuple[int, str]]:
    """(line, identifier) for every identifier in `source` that names a platform."""
    return [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.NAME and PLATFORM_WORD.search(token.string)
    ]


def adapter_imports(source: str) -> list[str]:
    """Modules imported by `source` that belong to an adapter or a chat SDK."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] == "adapters" or PLATFORM_WORD.search(n)]
    return found


def test_no_identifier_in_the_core_names_a_platform() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in _core_files()
        for line, name in platform_identifiers(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_core_imports_no_adapter() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in _core_files()
        for module in adapter_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_checks_see_identifiers_and_imports_but_not_words() -> None:
    source = (
        '"""Posts to Slack or Teams."""\n'
        "# the console shows it\n"
        "from adapters.slack import PLATFORM\n"
        "def to_slack(teams_tenant):\n"
        "    return 'console'\n"
    )
    assert platform_identifiers(source) == [(3, "slack"), (4, "to_slack"), (4, "teams_tenant")]
    assert adapter_imports(source) == ["adapters.slack"]
