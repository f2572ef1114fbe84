"""The admin CLI's Slack and Teams flags, mapped to and from chat bindings and identities.

This is the composition side: the core knows only opaque platform names, and this module is
where `--slack-channel` becomes a binding on the Slack adapter's platform.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.app.ports import BindingTakenError
    from bot.domain.models import ChatBinding, Customer, Identity
    from storage import SqlUnitOfWork

__all__ = [
    "add_binding_flags",
    "add_identity_flags",
    "binding_columns",
    "check_id",
    "check_tenant_free",
    "identity_of",
    "new_bindings",
    "reachability",
    "taken",
    "teams_cell",
    "warn_unannounced",
]

# Chat ids as Slack and Microsoft issue them; a typo here would silently never match.
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_TEAM = re.compile(r"[TE][A-Z0-9]{2,}")
_SLACK_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_GUID_EXAMPLE = "8c6f1a2e-0b7d-4e4f-9a51-2f3c4d5e6f70"
# Teams channel ids are long opaque strings; longer ones are mistakes.
_MAX_TEAMS_CHANNEL = 200


def add_binding_flags(parser: argparse.ArgumentParser, *, clearing: bool = False) -> None:
    """--slack-team, --slack-channel, --teams-tenant, --teams-channel (with `clearing`, an
    empty value removes the id: `--slack-channel ''`)."""
    clear = " ('' removes it)" if clearing else ""
    parser.add_argument("--slack-team", metavar="T", help=f"Slack workspace id (T...){clear}")
    parser.add_argument(
        "--slack-channel", metavar="C", help=f"Slack support channel id (C...){clear}"
    )
    parser.add_argument("--teams-tenant", metavar="ID", help=f"Microsoft Entra tenant id{clear}")
    parser.add_argument("--teams-channel", metavar="ID", help=f"Teams support channel id{clear}")


def add_identity_flags(parser: argparse.ArgumentParser) -> None:
    """--slack-user or --teams-user, exactly one."""
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--slack-user", metavar="U", help="Slack user id (U...)")
    who.add_argument("--teams-user", metavar="AAD_ID", help="Microsoft Entra object id")


def check_id(pattern: re.Pattern[str], value: str | None, what: str, example: str) -> str | None:
    """The id, normalised as the chat platform writes it (Slack upper case, GUIDs lower)."""
    if value is None:
        return None
    cleaned = value.strip().lower() if pattern is _GUID else value.strip().upper()
    if not pattern.fullmatch(cleaned):
        raise CliError(f"invalid {what} {value!r}: expected an id like {example}")
    return cleaned


def identity_of(args: argparse.Namespace) -> Identity:
    """The chat identity that --slack-user or --teams-user names."""
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS
    from bot.domain.models import Identity

    if args.slack_user is not None:
        user = check_id(_SLACK_USER, args.slack_user, "--slack-user", "U0123ABCD")
        return Identity(SLACK, str(user))
    user = check_id(_GUID, args.teams_user, "--teams-user", _GUID_EXAMPLE)
    return Identity(TEAMS, str(user))


def _flag(args: argparse.Namespace, name: str) -> str | None:
    """One binding flag checked: None if not given, "" if given empty (to clear it)."""
    raw = getattr(args, name)
    if raw is None or not raw.strip():
        return None if raw is None else ""
    flag = "--" + name.replace("_", "-")
    if name == "slack_team":
        return check_id(_SLACK_TEAM, raw, flag, "T0123ABCD")
    if name == "slack_channel":
        return check_id(_SLACK_CHANNEL, raw, flag, "C0123ABCD")
    if name == "teams_tenant":
        return check_id(_GUID, raw, flag, _GUID_EXAMPLE)
    tidy = " ".join(raw.split())
    if len(tidy) > _MAX_TEAMS_CHANNEL:
        raise CliError(f"{flag} is {len(tidy)} characters long; at most {_MAX_TEAMS_CHANNEL}")
    return tidy


def new_bindings(args: argparse.Namespace, current: Customer | None = None) -> list[ChatBinding]:
    """The bindings after applying the flags to `current`'s (None: a new customer).

    A flag not given keeps the current id, an empty one removes it; a platform left with no
    id at all is unbound.
    """
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS
    from bot.domain.models import ChatBinding

    result = []
    for platform, workspace_flag, conversation_flag in (
        (SLACK, "slack_team", "slack_channel"),
        (TEAMS, "teams_tenant", "teams_channel"),
    ):
        old = current.binding(platform) if current is not None else None
        workspace, conversation = _flag(args, workspace_flag), _flag(args, conversation_flag)
        if current is None and "" in (workspace, conversation):
            empty = workspace_flag if workspace == "" else conversation_flag
            raise CliError(f"--{empty.replace('_', '-')} needs an id")
        if workspace is None:
            workspace = old.workspace if old is not None else None
        if conversation is None:
            conversation = old.conversation if old is not None else None
        if workspace or conversation:
            result.append(ChatBinding(platform, workspace or None, conversation or None))
    if current is not None:  # bindings of platforms without flags here stay as they are
        result += [b for b in current.bindings if b.platform not in (SLACK, TEAMS)]
    return result


def binding_columns(customer: Customer) -> dict[str, Any]:
    """The customer's bindings as `customer list` shows them, by flag name."""
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS

    slack, teams = customer.binding(SLACK), customer.binding(TEAMS)
    return {
        "slack_team": slack.workspace if slack else None,
        "slack_channel": slack.conversation if slack else None,
        "teams_tenant": teams.workspace if teams else None,
        "teams_channel": teams.conversation if teams else None,
    }


async def reachability(uow: SqlUnitOfWork, customer: Customer) -> dict[str, Any]:
    """Whether Teams can reach a customer bound there ({"teams_reachable": None} if it is
    not): the bot must have heard from its tenant or channel before it can post."""
    from adapters.teams import PLATFORM as TEAMS
    from adapters.teams.refs import reachable

    binding = customer.binding(TEAMS)
    if binding is None:
        return {"teams_reachable": None}
    return {"teams_reachable": await reachable(uow.session, binding)}


def teams_cell(record: Mapping[str, Any]) -> str:
    """The TEAMS TENANT cell of `customer list`: the tenant, and whether it is reachable."""
    from adapters.teams.refs import NOT_REACHABLE

    tenant = str(record["teams_tenant"] or "")
    if record.get("teams_reachable") is False:
        return f"{tenant} ({NOT_REACHABLE})".strip()
    return tenant


async def check_tenant_free(
    uow: SqlUnitOfWork, customer_id: int | None, bindings: Sequence[ChatBinding]
) -> None:
    """A Teams tenant is one organisation: refuse one that another customer has already."""
    from adapters.teams import PLATFORM as TEAMS

    tenant = next((b.workspace for b in bindings if b.platform == TEAMS and b.workspace), None)
    if tenant is None:
        return
    for other in await uow.customers.all():
        binding = other.binding(TEAMS)
        if other.id != customer_id and binding is not None and binding.workspace == tenant:
            raise CliError(f"Teams tenant {tenant} already belongs to {other.name}")


def taken(exc: BindingTakenError) -> str:
    """A binding clash in the words of the flags that caused it."""
    from adapters.slack.settings import PLATFORM as SLACK

    b = exc.binding
    if exc.whole_workspace:
        place = "Slack workspace" if b.platform == SLACK else "Teams tenant"
        return f"{place} {b.workspace} already belongs to {exc.holder}"
    chat = "" if b.platform == SLACK else "Teams "
    return f"{chat}channel {b.conversation} is already the support channel of {exc.holder}"


def warn_unannounced(customer: Customer) -> None:
    """One line on stderr if a Slack workspace is bound without a channel to announce in."""
    from adapters.slack.settings import PLATFORM as SLACK

    slack = customer.binding(SLACK)
    if slack is not None and slack.conversation is None:
        print(
            f"supportbot: warning: {customer.name} has a Slack workspace but no --slack-channel: "
            "its tickets filed in Slack will not be announced anywhere",
            file=sys.stderr,
        )
