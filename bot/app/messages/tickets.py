"""The wording of filing, announcements, approvals and agents' actions on tickets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.app.messages.intake import CONSULTANCY_NOTICE, OTHER_CATEGORY, UNSAFE_TEXT
from bot.app.messages.text import (
    APPROVAL_LABELS,
    STATUS_LABELS,
    hours,
    join_names,
    minutes_phrase,
    priority_name,
    time_left,
    when,
)
from bot.app.replies import Button, Field, Reply
from bot.domain.lifecycle import MAX_MINUTES, MIN_MINUTES, Action
from bot.domain.models import ApprovalState, Contact, Customer, Ticket, TicketStatus
from bot.domain.policy import Policy


def end_user_refusal(customer: Customer | None, contacts: Sequence[Contact]) -> Reply:
    """Why an end user cannot file: their organisation's 1st-level support comes first."""
    names = [c.display_name or c.identity.user_id for c in contacts]
    if customer is not None and names:
        who = (
            f"{customer.name}'s support contact{'s' if len(names) > 1 else ''}, {join_names(names)}"
        )
    elif customer is not None:
        who = f"the IT support at {customer.name}"
    else:
        who = "your organisation's IT support"
    return Reply(
        text=(
            "Thanks for reaching out. Under the support agreement, your organisation's own "
            f"1st-level support handles requests first: please contact {who}. They will file "
            "a ticket with us if it needs 2nd-level support. Nothing has been filed."
        ),
        private=True,
    )


def foreign_submission() -> Reply:
    """A submission that reuses the key of someone else's (a forged or misrouted form)."""
    return Reply(
        text="This form belongs to someone else's submission, so I did not file it and nothing "
        "was stored. Please start a new ticket.",
        private=True,
    )


def unsafe_text() -> Reply:
    """A message refused for characters that change the order text is shown in."""
    return Reply(text=UNSAFE_TEXT, private=True)


def agent_cannot_file() -> Reply:
    """Agents act on tickets; customers file them."""
    return Reply(
        text="Tickets are filed by the customer's registered contacts. As an agent you can act "
        "on tickets (acknowledge, reply, change status, reprioritise).",
        private=True,
    )


def filed(
    policy: Policy,
    ticket: Ticket,
    left: timedelta,
    *,
    approvers: int = 0,
    own_approval: str | None = None,
) -> Reply:
    """The reporter's confirmation: reference, priority and due time.

    `approvers` counts the approvers asked besides the reporter; `own_approval` names the
    customer when the reporter is an approver, who then confirms the approval themselves.
    """
    text = (
        f"Filed {ticket.ref} with priority {priority_name(policy, ticket.priority)}. "
        f"First response due {when(ticket.first_response_due, policy)}, "
        f"{time_left(left)} of business time from now."
    )
    if ticket.consultancy and own_approval is not None:
        others = (
            ""
            if not approvers
            else " Your other approver has been asked too; the first decision counts."
            if approvers == 1
            else f" Your {approvers} other approvers have been asked too; the first decision "
            "counts."
        )
        text += (
            f"\n{CONSULTANCY_NOTICE} As one of {own_approval}'s approvers, please confirm the "
            "approval yourself: use Approve or Decline in the direct message I sent you, or "
            f"type 'approve {ticket.ref}'.{others}"
        )
    elif ticket.consultancy:
        asked = (
            "Your approver has been asked."
            if approvers == 1
            else f"Your {approvers} approvers have been asked."
            if approvers
            else "No approver is registered for your organisation yet; please have one "
            "added so the work can be approved."
        )
        text += f"\n{CONSULTANCY_NOTICE} {asked}"
    return Reply(title=ticket.ref, text=text, private=True)


def announcement(
    policy: Policy,
    ticket: Ticket,
    customer: Customer,
    reporter: str,
    buttons: tuple[Button, ...],
    sla: Field | None = None,
) -> Reply:
    """The ticket's message in the customer's support channel; its thread is the ticket's.

    `sla` is the countdown's line (state and time left as of the drawing), if known.
    """
    fields = [
        Field("Customer", customer.name),
        Field("Reported by", reporter),
        Field("Priority", priority_name(policy, ticket.priority)),
        Field("Why", ticket.priority_reason),
        Field("First response due", when(ticket.first_response_due, policy)),
        *([sla] if sla is not None else []),
        Field("Category", policy.category_name(ticket.category) or OTHER_CATEGORY),
    ]
    if ticket.consultancy:
        fields.append(Field("Billing", _BILLING[ticket.approval]))
    return Reply(
        title=f"{ticket.ref}: {ticket.summary}",
        text=ticket.description,
        fields=tuple(fields),
        buttons=buttons,
        footer=f"Status: {STATUS_LABELS[ticket.status]}",
    )


_BILLING = {
    ApprovalState.NOT_REQUIRED: "Fixed fee",
    ApprovalState.PENDING: "Consultancy: billable, needs prior approval",
    ApprovalState.APPROVED: "Consultancy: billable, approved",
    ApprovalState.DECLINED: "Consultancy: declined, no billable work",
}


def approval_request(
    policy: Policy,
    ticket: Ticket,
    customer: Customer,
    reporter: str,
    buttons: tuple[Button, ...],
    *,
    decided_by: str = "",
    own: bool = False,
) -> Reply:
    """The question to a customer's approver; once decided, it says who decided and when.

    `own`: the approver is the reporter, so it is worded as a confirmation of their own request.
    """
    footer = None
    if ticket.approval in (ApprovalState.APPROVED, ApprovalState.DECLINED):
        by = f" by {decided_by}" if decided_by else ""
        at = f", {when(ticket.approval_at, policy)}" if ticket.approval_at else ""
        footer = f"{APPROVAL_LABELS[ticket.approval].capitalize()}{by}{at}"
    return Reply(
        footer=footer,
        title=f"Approval needed: {ticket.ref}",
        text=(
            f"You asked for a consultancy service for {customer.name}: '{ticket.summary}'. "
            f"It is billable, outside the fixed fee. As one of {customer.name}'s approvers, "
            "please confirm the approval yourself; we start only once it is approved."
            if own
            else f"{reporter} asked for a consultancy service for {customer.name}: "
            f"'{ticket.summary}'. It is billable, outside the fixed fee, and we start only "
            "once you approve it."
        ),
        fields=(Field("Service", policy.category_name(ticket.category) or OTHER_CATEGORY),),
        buttons=buttons,
    )


BUTTON_LABELS = {
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.START: "In progress",
    Action.RESOLVE: "Resolve",
    Action.APPROVE: "Approve",
    Action.DECLINE: "Decline",
}


# --- actions --------------------------------------------------------------------------------------


def agents_only(what: str) -> Reply:
    """A customer or end user tried an agent's action."""
    return Reply(text=f"Only the service provider's agents can {what}.", private=True)


def approvers_only(customer: Customer | None) -> Reply:
    """Someone other than the customer's approver tried to approve or decline."""
    org = customer.name if customer is not None else "the customer"
    return Reply(text=f"Only {org}'s approvers can approve or decline consultancy.", private=True)


def not_pending(ticket: Ticket) -> Reply:
    """Approve/decline on a ticket that is not waiting for approval."""
    why = {
        ApprovalState.APPROVED: "it was already approved",
        ApprovalState.DECLINED: "it was already declined",
        ApprovalState.NOT_REQUIRED: "it is covered by the fixed fee and needs no approval",
        ApprovalState.PENDING: "it is waiting",  # not reached: pending tickets are decided
    }[ticket.approval]
    return Reply(text=f"{ticket.ref} is not waiting for approval: {why}.", private=True)


def illegal_transition(ticket: Ticket, target: TicketStatus) -> Reply:
    """A status change the life cycle does not allow."""
    return Reply(
        text=f"{ticket.ref} is {STATUS_LABELS[ticket.status].lower()}; it cannot go to "
        f"'{STATUS_LABELS[target].lower()}' from there.",
        private=True,
    )


def already(ticket: Ticket, what: str) -> Reply:
    """Nothing to do: the ticket is in that state already."""
    return Reply(text=f"{ticket.ref} is already {what}.", private=True)


def awaiting_approval(ticket: Ticket) -> Reply:
    """Agents cannot start (or bill) consultancy work before the customer approves."""
    if ticket.approval is ApprovalState.DECLINED:
        text = f"{ticket.ref} is billable consultancy and the customer declined it: no work on it."
    else:
        text = (
            f"{ticket.ref} is billable consultancy: work cannot start until the customer's "
            "approver approves it."
        )
    return Reply(text=text, private=True)


def status_update(policy: Policy, ticket: Ticket, actor: str, now: datetime) -> Reply:
    """Posted in the ticket's thread when an agent changes its status."""
    text = f"{actor} set {ticket.ref} to {STATUS_LABELS[ticket.status].lower()}."
    if ticket.status is TicketStatus.ACKNOWLEDGED:
        text = f"{actor} acknowledged {ticket.ref} and is looking into it."
    return Reply(text=text, footer=when(now, policy))


def done(text: str) -> Reply:
    """A private confirmation to the actor."""
    return Reply(text=text, private=True)


def first_response_note(policy: Policy, ticket: Ticket, now: datetime) -> str:
    """Whether the first response met its due time."""
    due = when(ticket.first_response_due, policy)
    if now <= ticket.first_response_due:
        return f"First response recorded, within the SLA (due {due})."
    return f"First response recorded, after the due time {due}."


def agent_reply(ticket: Ticket, actor: str, text: str) -> Reply:
    """An agent's or customer's reply, posted in the ticket's thread."""
    return Reply(text=text, title=f"{actor} on {ticket.ref}")


def which_ticket(verb: str, prefix: str) -> Reply:
    """An action typed without a ticket reference."""
    return Reply(text=f"Which ticket? e.g. '{verb} {prefix}-1001'.", private=True)


def needs_text(usage: str) -> Reply:
    """An action missing its argument."""
    return Reply(text=f"That needs a bit more: {usage}", private=True)


def _settled_response(policy: Policy, ticket: Ticket) -> str:
    """Why a reprioritised ticket's first-response due time did not move."""
    assert ticket.first_responded_at is not None
    due = when(ticket.first_response_due, policy)
    outcome = (
        f"within the due time {due}"
        if ticket.first_responded_at <= ticket.first_response_due
        else f"after the due time {due}"
    )
    return (
        f"Its first response was already given "
        f"{when(ticket.first_responded_at, policy, zone=False)}, {outcome}; that SLA outcome "
        "stands and the new priority applies to the work from here on."
    )


def reprioritised(policy: Policy, ticket: Ticket, actor: str, reason: str) -> Reply:
    """Posted in the thread when an agent changes the priority."""
    text = (
        f"{actor} changed the priority of {ticket.ref} to "
        f"{priority_name(policy, ticket.priority)}: {reason}."
    )
    if ticket.first_responded_at is None:
        text += f" First response now due {when(ticket.first_response_due, policy)}."
    else:
        text += (
            " The first response was already given, so its due time stays "
            f"{when(ticket.first_response_due, policy)}."
        )
    return Reply(text=text)


def reprioritised_note(policy: Policy, ticket: Ticket) -> str:
    """The agent's confirmation of a priority change."""
    name = priority_name(policy, ticket.priority)
    if ticket.first_responded_at is None:
        return (
            f"{ticket.ref} is now {name}, first response due "
            f"{when(ticket.first_response_due, policy)}."
        )
    return f"{ticket.ref} is now {name}. {_settled_response(policy, ticket)}"


def priority_final(ticket: Ticket) -> Reply:
    """A resolved or closed ticket's priority is part of its record."""
    state = STATUS_LABELS[ticket.status].lower()
    text = f"{ticket.ref} is {state}, so its priority can no longer change."
    if ticket.status is TicketStatus.RESOLVED:
        text += " Reopen it first if there is more work."
    return Reply(text=text, private=True)


def approval_decided(
    policy: Policy, ticket: Ticket, actor: str, now: datetime, reason: str = ""
) -> Reply:
    """Posted in the thread when an approver decides."""
    if ticket.approval is ApprovalState.APPROVED:
        text = f"{actor} approved the consultancy on {ticket.ref}; work can start."
    else:
        text = f"{actor} declined the consultancy on {ticket.ref}; no billable work will be done."
        if reason:
            text += f" Reason: {reason}"
    return Reply(text=text, footer=when(now, policy))


def decision_made(ticket: Ticket, reason: str) -> Reply:
    """The approver's confirmation; a decline without a reason says one can still be given."""
    text = f"{APPROVAL_LABELS[ticket.approval].capitalize()}: {ticket.ref}."
    if ticket.approval is ApprovalState.DECLINED:
        if reason:
            text += " Your reason is posted in the ticket's thread."
        else:
            text += (
                " If you want to tell us why, reply in the ticket's thread or type "
                f"'reply {ticket.ref} <your reason>'."
            )
    return Reply(text=text, private=True)


def fixed_fee(ticket: Ticket) -> Reply:
    """Time is logged only for billable consultancy."""
    return Reply(
        text=f"{ticket.ref} is covered by the fixed fee; time is logged only on consultancy "
        "tickets.",
        private=True,
    )


def time_logged(ticket: Ticket, minutes: int, total: int) -> Reply:
    """Confirmation of logged consultancy time."""
    return Reply(
        text=f"Logged {hours(minutes)} on {ticket.ref} ({hours(total)} billable in total).",
        private=True,
    )


def _duration_examples(least: int, most: int) -> str:
    return (
        f"Give between {minutes_phrase(least)} and {minutes_phrase(most)}, e.g. "
        "'log SUP-1001 1h30m what you did', or '90m', '1:30', '1.5h'."
    )


def bad_duration(text: str, least: int = MIN_MINUTES, most: int = MAX_MINUTES) -> Reply:
    """A time log that is not a duration."""
    return Reply(
        text=f"'{text}' is not a duration I understand. {_duration_examples(least, most)}",
        private=True,
    )


def duration_out_of_range(text: str, least: int, most: int) -> Reply:
    """A time log outside what one entry may hold."""
    return Reply(
        text=f"'{text}' is outside what one time entry can hold. "
        f"{_duration_examples(least, most)} Log longer work as several entries.",
        private=True,
    )


def unknown_priority(policy: Policy) -> Reply:
    """A reprioritisation naming no priority."""
    keys = ", ".join(p.key.value for p in policy.priorities)
    return Reply(
        text=f"Give the new priority ({keys}, or e.g. 'critical', 'kritisk', 'høj', 'lav') "
        "and a reason, e.g. 'priority SUP-1001 high all stores are down'.",
        private=True,
    )


def unknown_action(action: str) -> Reply:
    """An action name no use case knows."""
    return Reply(text=f"I don't know the action '{action}'.", private=True)
