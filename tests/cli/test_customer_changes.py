"""Fixing mistakes and revoking access: `contact remove`, `customer set`, `customer remove`."""

from __future__ import annotations

import json

import pytest

from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from bot.app.callers import identify_in
from bot.domain.models import Identity, TicketStatus
from tests.cli.conftest import rows_of
from tests.storage.factories import OPENED, new_ticket

TENANT = "8c6f1a2e-0b7d-4e4f-9a51-2f3c4d5e6f70"
WARNING = (
    "supportbot: warning: Acme A/S has a Slack workspace but no --slack-channel: its tickets "
    "filed in Slack will not be announced anywhere\n"
)


def customers(cli) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(cli("customer", "list", "--json")[1])}


def owner_of(**binding):
    """The name of the customer a message with this binding belongs to, or None."""

    async def find(uow):
        found = await uow.customers.by_binding(**binding)
        return found.name if found else None

    return rows_of(find)


@pytest.fixture
def acme(cli):
    """Acme with a Slack channel, hypercare and an approver; Globex on another channel."""
    assert cli(
        "customer", "add", "Acme A/S", "--slack-team", "T01ACME", "--slack-channel", "C01ACME",
        "--go-live", "2026-12-01", "--hypercare-weeks", "4",
    )[0] == 0  # fmt: skip
    assert cli("customer", "add", "Globex", "--slack-channel", "C02GLOB")[0] == 0
    assert cli(
        "contact", "add", "--customer", "Acme A/S", "--slack-user", "U01ANNA", "--role",
        "approver", "--name", "Anna",
    )[0] == 0  # fmt: skip


def caller_role(identity: Identity):
    async def identify(uow):
        caller = await identify_in(uow, identity)
        return caller.role

    return rows_of(identify)


# --- contact remove ----------------------------------------------------------------------------


def test_a_removed_contact_is_an_end_user_at_once(cli, acme):
    anna = Identity(SLACK, "U01ANNA")
    assert caller_role(anna) is not None
    status, out, err = cli("contact", "remove", "--slack-user", "u01anna")
    assert (status, out, err) == (0, "slack:U01ANNA removed (approver of Acme A/S)\n", "")
    assert caller_role(anna) is None
    assert json.loads(cli("contact", "list", "--json")[1]) == []
    # Registered again later, it is a contact again.
    assert cli(
        "contact", "add", "--customer", "Acme A/S", "--slack-user", "U01ANNA", "--role", "customer"
    )[0] == 0  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--slack-user", "U09NOBODY"), "slack:U09NOBODY is not registered"),
        (("--teams-user", TENANT), f"teams:{TENANT} is not registered"),
        (("--slack-user", "#anna"), "invalid --slack-user '#anna'"),
    ],
)
def test_removing_an_unknown_contact_is_one_line(cli, acme, argv, message):
    status, out, err = cli("contact", "remove", *argv)
    assert status == 2 and out == "" and message in err and len(err.splitlines()) == 1
    assert len(json.loads(cli("contact", "list", "--json")[1])) == 1


def test_contact_remove_names_exactly_one_identity(cli, acme):
    status, _, err = cli("contact", "remove")
    assert status == 2 and "one of the arguments --slack-user --teams-user is required" in err


# --- customer set ------------------------------------------------------------------------------


def test_a_new_slack_channel_takes_over_from_the_old(cli, acme):
    status, out, err = cli("customer", "set", "acme a/s", "--slack-channel", "c03new")
    assert (status, out, err) == (0, "customer Acme A/S changed\n", "")
    changed = customers(cli)["Acme A/S"]
    assert (changed["slack_team"], changed["slack_channel"]) == ("T01ACME", "C03NEW")
    assert owner_of(platform=SLACK, workspace="T01ACME", conversation="C03NEW") == "Acme A/S"
    assert owner_of(platform=SLACK, conversation="C01ACME") is None


def test_an_empty_id_removes_it(cli, acme):
    status, out, err = cli("customer", "set", "Acme A/S", "--slack-channel", "")
    assert status == 0 and err == WARNING  # the team stays, with nowhere to announce
    assert customers(cli)["Acme A/S"]["slack_team"] == "T01ACME"
    assert customers(cli)["Acme A/S"]["slack_channel"] is None
    status, _, err = cli("customer", "set", "Acme A/S", "--slack-team", "")
    assert status == 0 and err == ""
    assert owner_of(platform=SLACK, workspace="T01ACME") is None
    acme_now = customers(cli)["Acme A/S"]
    assert (acme_now["slack_team"], acme_now["slack_channel"]) == (None, None)


def test_teams_ids_are_set_and_removed_beside_slack(cli, acme):
    assert cli("customer", "set", "Acme A/S", "--teams-tenant", TENANT.upper())[0] == 0
    assert owner_of(platform=TEAMS, workspace=TENANT) == "Acme A/S"
    assert customers(cli)["Acme A/S"]["slack_channel"] == "C01ACME"
    assert cli("customer", "set", "Acme A/S", "--teams-tenant", "")[0] == 0
    assert owner_of(platform=TEAMS, workspace=TENANT) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--slack-channel", "C02GLOB"), "C02GLOB is already the support channel of Globex"),
        (("--slack-channel", "#general"), "invalid --slack-channel '#general'"),
        (("--hypercare-weeks", "1"), "--hypercare-weeks must be from 2"),
        (("--go-live", "9999-12-31"), "--go-live 9999-12-31 is outside the supported years"),
        (("--go-live", "2026-12-01", "--no-hypercare"), "--no-hypercare removes hypercare"),
        ((), "nothing to change"),
    ],
)
def test_a_refused_change_changes_nothing(cli, acme, argv, message):
    before = cli("customer", "list", "--json")[1]
    status, out, err = cli("customer", "set", "Acme A/S", *argv)
    assert status == 2 and out == "" and message in err and len(err.splitlines()) == 1
    assert cli("customer", "list", "--json")[1] == before


def test_changing_an_unknown_customer_is_one_line(cli, acme):
    status, _, err = cli("customer", "set", "Initech", "--slack-channel", "C09")
    assert status == 2 and "unknown customer 'Initech'" in err


def test_hypercare_is_moved_lengthened_started_and_removed(cli, acme):
    assert cli("customer", "set", "Acme A/S", "--go-live", "2026-12-08")[0] == 0
    assert cli("customer", "set", "Acme A/S", "--hypercare-weeks", "6")[0] == 0
    acme_now = customers(cli)["Acme A/S"]
    assert (acme_now["go_live"], acme_now["hypercare_weeks"]) == ("2026-12-08", 6)

    status, _, err = cli("customer", "set", "Globex", "--go-live", "2027-01-04")
    assert status == 2 and "Globex has no hypercare yet: --go-live and --hypercare-weeks" in err
    assert cli(
        "customer", "set", "Globex", "--go-live", "2027-01-04", "--hypercare-weeks", "3"
    )[0] == 0  # fmt: skip
    assert customers(cli)["Globex"]["go_live"] == "2027-01-04"

    assert cli("customer", "set", "Acme A/S", "--no-hypercare")[0] == 0
    acme_now = customers(cli)["Acme A/S"]
    assert (acme_now["go_live"], acme_now["hypercare_weeks"]) == (None, None)


def test_the_provider_gets_no_hypercare(cli):
    assert cli("customer", "add", "Fjordsoft", "--provider")[0] == 0
    status, _, err = cli(
        "customer", "set", "Fjordsoft", "--go-live", "2026-12-01", "--hypercare-weeks", "4"
    )
    assert status == 2 and "the service provider has no go-live or hypercare" in err


# --- customer remove ---------------------------------------------------------------------------


def _file(customer: str, status: TicketStatus = TicketStatus.OPEN, count: int = 1) -> None:
    async def seed(uow):
        owner = await uow.customers.by_name(name=customer)
        for _ in range(count):
            ticket = await uow.tickets.create(ticket=new_ticket(owner.id), actor="u")
            if status is not TicketStatus.OPEN:
                await uow.tickets.update(
                    ref=ticket.ref, actor="u", action="status", at=OPENED, status=status
                )

    rows_of(seed)


def test_a_customer_without_tickets_is_removed_with_its_contacts(cli, acme):
    status, out, err = cli("customer", "remove", "ACME A/S")
    assert (status, out, err) == (0, "customer Acme A/S removed, with its 1 contact\n", "")
    assert list(customers(cli)) == ["Globex"]
    assert json.loads(cli("contact", "list", "--json")[1]) == []
    assert caller_role(Identity(SLACK, "U01ANNA")) is None
    # Its channel is free for the customer it really belongs to.
    assert cli("customer", "add", "Acme Group", "--slack-channel", "C01ACME")[0] == 0


def test_a_customer_with_open_tickets_is_not_removed(cli, acme):
    _file("Acme A/S", count=4)
    _file("Acme A/S", TicketStatus.CLOSED)
    before = (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1])
    status, out, err = cli("customer", "remove", "Acme A/S")
    assert status == 2 and out == ""
    assert err == (
        "supportbot: error: Acme A/S has 4 open tickets (SUP-1001, SUP-1002, SUP-1003 and 1 "
        "more): resolve or close them first\n"
    )
    assert (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1]) == before


def test_a_customer_with_ticket_history_is_kept(cli, acme):
    _file("Acme A/S", TicketStatus.RESOLVED)
    status, out, err = cli("customer", "remove", "Acme A/S")
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert "Acme A/S has ticket history, which stays for exports and billing" in err
    assert "Acme A/S" in customers(cli)
