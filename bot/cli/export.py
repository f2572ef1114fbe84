"""Tickets as records and CSV tables for `ticket list --json` and `ticket export`."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import IO, Any

from bot.domain.models import ApprovalState, Ticket, TimeEntry

__all__ = ["TICKET_FIELDS", "billable_rows", "ticket_record", "ticket_rows", "write_csv"]

# The fields of `ticket_record`, in export column order.
TICKET_FIELDS = (
    "ref",
    "customer",
    "priority",
    "status",
    "opened_at",
    "first_response_due",
    "first_responded_at",
    "summary",
    "description",
    "category",
    "affected",
    "data_loss",
    "inquiry",
    "priority_reason",
    "reporter",
    "consultancy",
    "approval",
    "approval_by",
    "approval_at",
    "thread",
    "details",
)

# Cells a spreadsheet would run as a formula; user text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def ticket_record(ticket: Ticket, customers: Mapping[int, str], tz: tzinfo) -> dict[str, Any]:
    """Every field of a ticket as JSON-ready values, instants in the policy's time zone."""
    thread = ticket.thread
    return {
        "ref": ticket.ref,
        "customer": customers.get(ticket.customer_id, ""),
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "opened_at": _local(ticket.opened_at, tz),
        "first_response_due": _local(ticket.first_response_due, tz),
        "first_responded_at": _local(ticket.first_responded_at, tz),
        "summary": ticket.summary,
        "description": ticket.description,
        "category": ticket.category,
        "affected": ticket.affected.value if ticket.affected else None,
        "data_loss": ticket.data_loss,
        "inquiry": ticket.inquiry,
        "priority_reason": ticket.priority_reason,
        "reporter": str(ticket.reporter),
        "consultancy": ticket.consultancy,
        "approval": ticket.approval.value,
        "approval_by": str(ticket.approval_by) if ticket.approval_by else None,
        "approval_at": _local(ticket.approval_at, tz),
        "thread": (f"{thread.platform}:{thread.conversation}/{thread.thread}" if thread else None),
        "details": dict(ticket.details),
    }


def ticket_rows(
    tickets: Sequence[Ticket],
    entries: Sequence[TimeEntry],
    customers: Mapping[int, str],
    tz: tzinfo,
) -> list[list[str]]:
    """A header and one row per ticket with every field and the time logged on it."""
    minutes: dict[int, int] = defaultdict(int)
    for entry in entries:
        minutes[entry.ticket_id] += entry.minutes
    header = [*TICKET_FIELDS, "logged_hours", "billable"]
    rows: list[list[str]] = []
    for ticket in tickets:
        record = ticket_record(ticket, customers, tz)
        record["details"] = json.dumps(record["details"], ensure_ascii=False, sort_keys=True)
        record["logged_hours"] = _hours(minutes[ticket.id])
        record["billable"] = _billable(ticket)
        rows.append([_cell(record[column]) for column in header])
    return [header, *rows]


def billable_rows(
    tickets: Sequence[Ticket],
    entries: Sequence[TimeEntry],
    customers: Mapping[int, str],
    tz: tzinfo,
) -> list[list[str]]:
    """Billable consultancy hours per customer and month (of the work, in the policy's zone)."""
    billable = {t.id: t for t in tickets if _billable(t)}
    minutes: dict[tuple[str, str], int] = defaultdict(int)
    refs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in entries:
        ticket = billable.get(entry.ticket_id)
        if ticket is None:
            continue
        key = (customers.get(ticket.customer_id, ""), entry.at.astimezone(tz).strftime("%Y-%m"))
        minutes[key] += entry.minutes
        refs[key].add(ticket.ref)
    rows = [
        [_cell(customer), month, str(len(refs[(customer, month)])), _hours(total)]
        for (customer, month), total in sorted(minutes.items())
    ]
    return [["customer", "month", "tickets", "billable_hours"], *rows]


def write_csv(out: IO[str], table: Sequence[Sequence[str]]) -> None:
    """Write rows as RFC 4180 CSV."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(table)


def _billable(ticket: Ticket) -> bool:
    # Consultancy is billed only with the customer's prior approval (the agreement's rule).
    return ticket.consultancy and ticket.approval is ApprovalState.APPROVED


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
