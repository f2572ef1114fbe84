"""`supportbot teams package`: the Teams app zip that admins upload.

The manifest names the bot by MICROSOFT_APP_ID and its valid domain by PUBLIC_URL, the public
https address of `supportbot serve` (whose /api/messages the Azure Bot resource points at).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from bot.cli.main import CliError

__all__ = ["DEFAULT_OUT", "register"]

DEFAULT_OUT = "supportbot-teams.zip"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `teams package`."""
    teams = sub.add_parser("teams", help="Microsoft Teams: the app package")
    actions = teams.add_subparsers(dest="action", metavar="ACTION", required=True)
    package = actions.add_parser(
        "package",
        help="write the Teams app zip that admins upload",
        description=(
            "Write the Teams app package (manifest.json, color.png, outline.png) for the bot "
            "named by MICROSOFT_APP_ID, reached at PUBLIC_URL."
        ),
    )
    package.add_argument(
        "--out", metavar="FILE", default=DEFAULT_OUT, help=f"zip to write (default {DEFAULT_OUT})"
    )
    package.add_argument(
        "--public-url",
        metavar="URL",
        help="https address serve is reached at (default $PUBLIC_URL)",
    )
    package.add_argument(
        "--app-version",
        metavar="X.Y.Z",
        help="the app's version; raise it for each upload of a changed app (default: supportbot's)",
    )
    package.add_argument(
        "--manifest",
        metavar="FILE",
        help="your copy of adapters/teams/app/manifest.json (e.g. with your own developer links)",
    )
    package.add_argument("--force", action="store_true", help="replace FILE if it exists")
    package.set_defaults(handler=_package)


def _our_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("supportbot")
    except PackageNotFoundError:
        return "1.0.0"


def _template(option: str | None, default: Path) -> Path:
    if option is None:
        return default
    path = Path(option)
    if not path.is_file():
        raise CliError(f"--manifest {option}: no such file")
    return path


def _package(args: argparse.Namespace) -> int:
    from adapters.teams.package import TEMPLATE, PackageError, build_zip, settings

    try:
        package = settings(
            app_id=os.environ.get("MICROSOFT_APP_ID", ""),
            public_url=args.public_url or os.environ.get("PUBLIC_URL", ""),
            app_version=args.app_version or _our_version(),
        )
        data = build_zip(package, template=_template(args.manifest, TEMPLATE))
    except PackageError as exc:
        raise CliError(str(exc)) from None
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out {args.out} is a directory; name the zip file to write")
    if out.exists() and not args.force:
        raise CliError(f"{args.out} exists; pass --force to replace it")
    # Written beside the target, then renamed: a failed write never leaves half a zip behind.
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {args.out}: {exc.strerror}") from None
    print(
        f"wrote {out} (Teams app {package.app_version} for bot {package.app_id}, valid domain "
        f"{package.public_host}): upload it in the Teams admin center, Manage apps, Upload"
    )
    return 0
