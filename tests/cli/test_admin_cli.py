"""The admin CLI as an operator uses it: customers, contacts, tickets, export, database."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from adapters.slack.settings import PLATFORM as SLACK
from bot.domain.models import ApprovalState, Identity, Role, TicketStatus
from tests.cli.conftest import rows_of
from tests.storage.factories import OPENED, new_ticket

TENANT = "8c6f1a2e-0b7d-4e4f-9a51-2f3c4d5e6f70"
AAD_USER = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


def test_customer_add_and_list(cli):
    status, out, _ = cli(
        "customer",
        "add",
        "Acme A/S",
        "--slack-team",
        "T01ACME",
        "--slack-channel",
        "C01SUP",
        "--teams-tenant",
        TENANT,
        "--go-live",
        "2026-12-01",
        "--hypercare-weeks",
        "4",
    )
    assert status == 0 and "Acme A/S" in out
    assert cli("customer", "add", "Globex", "--slack-channel", "c02glob")[0] == 0
    status, out, _ = cli("customer", "list", "--json")
    customers = json.loads(out)
    assert [c["name"] for c in customers] == ["Acme A/S", "Globex"]
    assert customers[0]["slack_channel"] == "C01SUP" and customers[0]["teams_tenant"] == TENANT
    assert customers[0]["go_live"] == "2026-12-01" and customers[0]["hypercare_weeks"] == 4
    assert customers[1]["slack_channel"] == "C02GLOB"  # as Slack writes it
    status, out, _ = cli("customer", "list")
    assert status == 0 and out.splitlines()[1].startswith("Acme A/S")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("customer", "add", "ACME a/s"), "customer 'Acme A/S' exists already"),
        (
            ("customer", "add", "X", "--go-live", "2026-02-30", "--hypercare-weeks", "2"),
            "invalid --go-live date '2026-02-30'",
        ),
        (("customer", "add", "X", "--go-live", "2026-12-01"), "go together"),
        (
            ("customer", "add", "X", "--go-live", "2026-12-01", "--hypercare-weeks", "0"),
            "--hypercare-weeks must be from 2 (the agreement's minimum) to 52, got 0",
        ),
        (
            ("customer", "add", "X", "--go-live", "2026-12-01", "--hypercare-weeks", "1"),
            "--hypercare-weeks must be from 2 (the agreement's minimum) to 52, got 1",
        ),
        (
            ("customer", "add", "X", "--go-live", "2026-12-01", "--hypercare-weeks", "100000"),
            "--hypercare-weeks must be from 2 (the agreement's minimum) to 52, got 100000",
        ),
        (("customer", "add", "X", "--slack-channel", "#support"), "invalid --slack-channel"),
        (("customer", "add", "X", "--teams-tenant", "contoso"), "invalid --teams-tenant"),
        (("customer", "add", "   "), "needs a name"),
        (
            ("customer", "add", "x" * 201),
            "the customer name is 201 characters long; at most 200",
        ),
        (
            ("customer", "add", "X", "--teams-channel", "1" * 201),
            "--teams-channel is 201 characters long; at most 200",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Acme A/S",
                "--slack-user",
                "U02",
                "--role",
                "customer",
                "--name",
                "n" * 201,
            ),
            "--name is 201 characters long; at most 200",
        ),
        (
            ("contact", "add", "--customer", "Nobody", "--slack-user", "U01", "--role", "customer"),
            "unknown customer 'Nobody'",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Acme A/S",
                "--slack-user",
                "U01",
                "--role",
                "customer",
            ),
            "slack:U01 is already bound to Acme A/S as approver",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Acme A/S",
                "--teams-user",
                "bob",
                "--role",
                "customer",
            ),
            "invalid --teams-user",
        ),
        (
            ("contact", "add", "--customer", "Acme A/S", "--slack-user", "U02", "--role", "boss"),
            "invalid choice: 'boss'",
        ),
        (("ticket", "list", "--customer", "Nobody"), "unknown customer 'Nobody'"),
        (("ticket", "list", "--status", "done"), "invalid choice: 'done'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, argv, message):
    assert cli("customer", "add", "Acme A/S")[0] == 0
    assert (
        cli(
            "contact", "add", "--customer", "acme a/s", "--slack-user", "U01", "--role", "approver"
        )[0]
        == 0
    )
    before = (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1])
    status, out, err = cli(*argv)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1]) == before


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            ("--slack-team", "T01ACME", "--slack-channel", "C01SUPPORT"),
            ("--slack-team", "T01ACME", "--slack-channel", "c01support"),
            "channel C01SUPPORT is already the support channel of Acme A/S",
        ),
        (
            ("--slack-channel", "C01SUPPORT"),
            ("--slack-team", "T02GAMMA", "--slack-channel", "C01SUPPORT"),
            "channel C01SUPPORT is already the support channel of Acme A/S",
        ),
        (
            ("--teams-tenant", TENANT),
            ("--teams-tenant", TENANT.upper()),
            f"Teams tenant {TENANT} already belongs to Acme A/S",
        ),
        (
            ("--teams-tenant", TENANT, "--teams-channel", "19:abc@thread.tacv2"),
            ("--teams-tenant", AAD_USER, "--teams-channel", "19:abc@thread.tacv2"),
            "Teams channel 19:abc@thread.tacv2 is already the support channel of Acme A/S",
        ),
        (
            ("--teams-tenant", TENANT, "--teams-channel", "19:abc@thread.tacv2"),
            ("--teams-tenant", TENANT, "--teams-channel", "19:other@thread.tacv2"),
            f"Teams tenant {TENANT} already belongs to Acme A/S",
        ),
        (
            ("--slack-team", "T01ACME"),
            ("--slack-team", "T01ACME", "--slack-channel", "C02GAMMA"),
            "Slack workspace T01ACME already belongs to Acme A/S",
        ),
    ],
)
def test_a_channel_or_tenant_is_registered_to_one_customer(cli, first, second, message):
    assert cli("customer", "add", "Acme A/S", *first)[0] == 0
    before = cli("customer", "list", "--json")[1]
    status, out, err = cli("customer", "add", "Gamma", *second)
    assert status == 2 and out == ""
    assert err == f"supportbot: error: {message}\n"
    assert cli("customer", "list", "--json")[1] == before


def test_a_slack_team_without_a_channel_is_added_with_a_warning(cli):
    status, out, err = cli("customer", "add", "Acme A/S", "--slack-team", "T01ACME")
    assert status == 0 and out.startswith("customer Acme A/S added")
    assert err == (
        "supportbot: warning: Acme A/S has a Slack workspace but no --slack-channel: "
        "its tickets filed in Slack will not be announced anywhere\n"
    )
    status, _, err = cli("customer", "add", "G", "--slack-team", "T02G", "--slack-channel", "C02G")
    assert status == 0 and err == ""


def test_contact_add_names_the_customer_as_stored(cli):
    assert cli("customer", "add", "Acme A/S")[0] == 0
    status, out, _ = cli(
        "contact", "add", "--customer", "acme a/s", "--slack-user", "U01", "--role", "customer"
    )
    assert (status, out) == (0, "slack:U01 bound to Acme A/S as customer\n")


def test_a_name_of_200_characters_fits(cli):
    name = "N" * 200
    assert cli("customer", "add", name)[0] == 0
    assert [c["name"] for c in json.loads(cli("customer", "list", "--json")[1])] == [name]


def test_hypercare_from_the_agreements_minimum_to_a_year(cli):
    for weeks in ("2", "52"):
        status, _, err = cli(
            "customer", "add", f"C{weeks}", "--go-live", "2026-12-01", "--hypercare-weeks", weeks
        )
        assert status == 0, err
    weeks = {
        c["name"]: c["hypercare_weeks"] for c in json.loads(cli("customer", "list", "--json")[1])
    }
    assert weeks == {"C2": 2, "C52": 52}


def test_hypercare_minimum_comes_from_the_policy(cli, tmp_path, monkeypatch):
    from importlib.resources import files

    text = files("bot.domain").joinpath("policy.toml").read_text(encoding="utf-8")
    assert "minimum_weeks = 2" in text
    custom = tmp_path / "policy.toml"
    custom.write_text(text.replace("minimum_weeks = 2", "minimum_weeks = 3"), encoding="utf-8")
    monkeypatch.setenv("SUPPORTBOT_POLICY", str(custom))
    status, _, err = cli(
        "customer", "add", "X", "--go-live", "2026-12-01", "--hypercare-weeks", "2"
    )
    assert status == 2 and "must be from 3 (the agreement's minimum)" in err


def test_contacts_add_and_list(cli):
    cli("customer", "add", "Acme")
    cli("customer", "add", "Vendor", "--provider")
    assert (
        cli("contact", "add", "--customer", "Acme", "--slack-user", "U01", "--role", "customer")[0]
        == 0
    )
    assert (
        cli(
            "contact",
            "add",
            "--customer",
            "Acme",
            "--teams-user",
            AAD_USER.upper(),
            "--role",
            "approver",
            "--name",
            "Ann",
        )[0]
        == 0
    )
    assert (
        cli("contact", "add", "--customer", "Vendor", "--slack-user", "U09", "--role", "agent")[0]
        == 0
    )
    _, out, _ = cli("contact", "list", "--customer", "acme", "--json")
    assert json.loads(out) == [
        {"customer": "Acme", "channel": "slack", "user": "U01", "role": "customer", "name": ""},
        {
            "customer": "Acme",
            "channel": "teams",
            "user": AAD_USER,
            "role": "approver",
            "name": "Ann",
        },
    ]
    _, out, _ = cli("contact", "list")
    assert "U09" in out and "agent" in out


def test_the_provider_is_one_organisation_and_holds_the_agents(cli):
    status, out, _ = cli("customer", "add", "Vendor ApS", "--provider")
    assert status == 0 and out.startswith("service provider Vendor ApS added")
    assert cli("customer", "add", "Acme")[0] == 0
    customers = json.loads(cli("customer", "list", "--json")[1])
    assert [(c["name"], c["is_provider"]) for c in customers] == [
        ("Acme", False),
        ("Vendor ApS", True),
    ]
    assert "Vendor ApS (provider)" in cli("customer", "list")[1]
    ok = cli("contact", "add", "--customer", "vendor aps", "--slack-user", "U09", "--role", "agent")
    assert ok[0] == 0
    assert (
        cli("contact", "add", "--customer", "Acme", "--slack-user", "U01", "--role", "approver")[0]
        == 0
    )
    assert [
        (c["customer"], c["role"]) for c in json.loads(cli("contact", "list", "--json")[1])
    ] == [
        ("Vendor ApS", "agent"),
        ("Acme", "approver"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("customer", "add", "Other ApS", "--provider"),
            "the service provider is Vendor ApS already",
        ),
        (
            (
                "customer",
                "add",
                "O",
                "--provider",
                "--go-live",
                "2026-12-01",
                "--hypercare-weeks",
                "4",
            ),
            "the service provider has no go-live or hypercare of its own",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Acme A/S",
                "--slack-user",
                "U0AGENT",
                "--role",
                "agent",
            ),
            "agents belong to the service provider, and Acme A/S is a customer",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Vendor ApS",
                "--slack-user",
                "U02",
                "--role",
                "customer",
            ),
            "Vendor ApS is the service provider: its contacts are agents",
        ),
        (
            (
                "contact",
                "add",
                "--customer",
                "Vendor ApS",
                "--slack-user",
                "U02",
                "--role",
                "approver",
            ),
            "Vendor ApS is the service provider: its contacts are agents",
        ),
    ],
)
def test_agents_only_on_the_provider_customers_only_on_customers(cli, argv, message):
    assert cli("customer", "add", "Acme A/S")[0] == 0
    assert cli("customer", "add", "Vendor ApS", "--provider")[0] == 0
    before = (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1])
    status, out, err = cli(*argv)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert (cli("customer", "list", "--json")[1], cli("contact", "list", "--json")[1]) == before


def _seed_tickets() -> None:
    """Two customers, three tickets, one approved consultancy ticket with logged time."""
    agent = Identity(SLACK, "U09")

    async def seed(uow):
        acme = await uow.customers.add(name="Acme")
        globex = await uow.customers.add(name="Globex")
        await uow.tickets.create(ticket=new_ticket(acme.id), actor="u")
        consult = await uow.tickets.create(
            ticket=new_ticket(
                acme.id,
                consultancy=True,
                approval=ApprovalState.PENDING,
                category="license_management",
                summary='=HYPERLINK("http://evil")',
                opened_at=OPENED + timedelta(hours=1),
            ),
            actor="u",
        )
        await uow.tickets.update(
            ref=consult.ref,
            actor="a",
            action="ticket.approve",
            at=OPENED,
            approval=ApprovalState.APPROVED,
        )
        # Work on 30 November and 1 December (Copenhagen) is billed in two months.
        for day, minutes in ((30, 90), (30, 30), (31, 45)):
            at = OPENED.replace(month=11, day=30) + timedelta(days=day - 30, hours=2)
            await uow.tickets.log_time(ref=consult.ref, agent=agent, minutes=minutes, at=at)
        other = await uow.tickets.create(
            ticket=new_ticket(globex.id, opened_at=OPENED + timedelta(hours=2)), actor="u"
        )
        await uow.tickets.update(
            ref=other.ref, actor="a", action="resolve", at=OPENED, status=TicketStatus.RESOLVED
        )

    rows_of(seed)


def test_ticket_list_json_and_filters(cli):
    cli("db", "upgrade")
    _seed_tickets()
    status, out, _ = cli("ticket", "list", "--json")
    tickets = json.loads(out)
    assert status == 0 and [t["ref"] for t in tickets] == ["SUP-1003", "SUP-1002", "SUP-1001"]
    first = tickets[-1]
    assert {k: first[k] for k in ("ref", "customer", "priority", "status")} == {
        "ref": "SUP-1001",
        "customer": "Acme",
        "priority": "medium",
        "status": "open",
    }
    assert first["opened_at"] == "2026-11-27T10:30:00+01:00"  # shown in Copenhagen time
    assert first["first_response_due"] == "2026-11-27T18:30:00+01:00"
    _, out, _ = cli("ticket", "list", "--customer", "globex", "--json")
    assert [t["ref"] for t in json.loads(out)] == ["SUP-1003"]
    _, out, _ = cli("ticket", "list", "--status", "open", "--json")
    assert [t["ref"] for t in json.loads(out)] == ["SUP-1002", "SUP-1001"]
    _, out, _ = cli("ticket", "list")
    assert out.splitlines()[1].split()[:4] == ["SUP-1003", "Globex", "medium", "resolved"]


def test_ticket_export_has_every_field_and_logged_time(cli):
    cli("db", "upgrade")
    _seed_tickets()
    status, out, _ = cli("ticket", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [r["ref"] for r in rows] == ["SUP-1001", "SUP-1002", "SUP-1003"]
    consult = rows[1]
    assert consult["logged_hours"] == "2.75" and consult["billable"] == "yes"
    assert consult["approval"] == "approved" and consult["category"] == "license_management"
    assert consult["summary"] == '\'=HYPERLINK("http://evil")'  # never a live formula
    assert rows[0]["billable"] == "no" and rows[0]["logged_hours"] == "0.00"
    assert rows[0]["description"].startswith("Users from Entra")
    assert set(rows[0]) >= {"reporter", "priority_reason", "first_responded_at", "thread"}


def test_billable_export_sums_hours_per_customer_and_month(cli, tmp_path):
    cli("db", "upgrade")
    _seed_tickets()
    target = tmp_path / "billable.csv"
    assert cli("ticket", "export", "--format", "csv", "--billable", "--output", str(target)) == (
        0,
        "",
        "",
    )
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert rows == [
        ["customer", "month", "tickets", "billable_hours"],
        ["Acme", "2026-11", "1", "2.00"],
        ["Acme", "2026-12", "1", "0.75"],
    ]


def test_db_info_and_upgrade(cli):
    status, out, _ = cli("db", "info")
    assert status == 0 and out.startswith("database: ")
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    status, out, _ = cli("db", "upgrade")
    assert status == 0 and f"schema: up to date (revision {head})" in out
    status, out, _ = cli("db", "info")
    assert f"schema: up to date (revision {head})" in out


def test_version_names_the_database(cli, database):
    status, out, _ = cli("--version")
    assert status == 0
    expected = "SQLite" if database.backend == "sqlite" else "PostgreSQL"
    assert f"database: {expected}" in out and "(DATABASE_URL)" in out


@pytest.mark.parametrize("command", [("customer", "list"), ("db", "info"), ("db", "upgrade")])
def test_an_unsupported_database_url_is_one_line(cli, monkeypatch, command):
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/d")
    status, out, err = cli(*command)
    assert status == 2 and out == ""
    assert err.startswith("supportbot: error: DATABASE_URL: unsupported database")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [("customer", "add", "Acme"), ("db", "info")])
def test_an_unreachable_database_is_one_line(cli, monkeypatch, command):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/desk")
    status, out, err = cli(*command)
    assert status == 2 and out == ""
    assert err.startswith("supportbot: error: cannot reach the database") and err.count("\n") == 1


def test_lists_never_pass_escape_sequences_to_the_terminal(cli):
    assert cli("customer", "list")[0] == 0  # creates the schema

    async def seed(uow):
        evil = await uow.customers.add(name="Evil\x1b[2J\x9b1m Corp\u202e")
        await uow.contacts.add(
            customer_id=evil.id,
            identity=Identity(SLACK, "U0EVIL"),
            role=Role.CUSTOMER,
            display_name="Mal\x1b]0;pwned\x07lory\nNext",
        )

    rows_of(seed)
    for argv in (("customer", "list"), ("contact", "list")):
        status, out, _ = cli(*argv)
        assert status == 0
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert "\u202e" not in out
        assert "Evil\\x1b[2J\\x9b1m Corp\\u202e" in out
    assert "Mal\\x1b]0;pwned\\x07lory\\x0aNext" in cli("contact", "list")[1]
    for argv in (("customer", "list", "--json"), ("contact", "list", "--json")):
        status, out, _ = cli(*argv)
        assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
        assert json.loads(out)  # still JSON, the names escaped inside it
    customers = json.loads(cli("customer", "list", "--json")[1])
    assert customers[0]["name"] == "Evil\x1b[2J\x9b1m Corp\u202e"


def test_names_are_stored_clean_and_look_alikes_are_refused(cli):
    assert cli("customer", "add", "Acme\x1b[2J A/S\u200b")[0] == 0
    status, out, _ = cli("customer", "list", "--json")
    assert [c["name"] for c in json.loads(out)] == ["Acme[2J A/S"]
    for twin in ("ＡＣＭＥ[2J A/S", "acme[2j\u2060 a/s"):
        status, _, err = cli("customer", "add", twin)
        assert status == 2 and "customer 'Acme[2J A/S' exists already" in err
    status, _, err = cli("customer", "add", "Evil\u202eCorp")
    assert status == 2
    assert err.strip().endswith(
        "the customer name has characters that change the order text is shown in; "
        "type it without them"
    )
    first = ("contact", "add", "--customer", "acme[2j a/s", "--slack-user", "U0CARLA")
    assert cli(*first, "--role", "customer", "--name", "Carla Jensen")[0] == 0
    again = ("contact", "add", "--customer", "Acme[2J A/S", "--slack-user", "U0CARLA2")
    status, _, err = cli(*again, "--role", "approver", "--name", "Carla\u200b  JENSEN")
    assert status == 2 and "Acme[2J A/S has a contact named 'Carla Jensen' already" in err
