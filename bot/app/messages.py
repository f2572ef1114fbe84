"""Every word the bot says, channel-neutral: plain-text `Reply` values the adapters render.

Nothing here is markup; adapters escape whatever they render. Instants are shown in the
agreement's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.app.commands import MAX_MINUTES, MIN_MINUTES
from bot.app.forms import Form, Question, QuestionKind
from bot.app.replies import Button, Field, Reply
from bot.domain.models import ApprovalState, Contact, Customer, Ticket, TicketStatus
from bot.domain.policy import Policy, PriorityKey
from bot.domain.sla import SlaSnapshot, SlaState

if TYPE_CHECKING:
    from bot.app.intake import Assessment
    from bot.app.monitoring import PlannedWindow, Uptime

# --- formatting -------------------------------------------------------------------------------


def when(at: datetime, policy: Policy, *, zone: bool = True) -> str:
    """An instant in the agreement's time zone, e.g. 'Mon 30 Nov 2026 10:00 (Copenhagen time)'.

    Seconds are shown when the instant is not on a whole minute (a due time counted from a
    filing at 09:13:27 is 17:13:27), so a due time and the time left before it always agree.
    """
    local = at.astimezone(policy.timezone)
    clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
    shown = local.strftime(f"%a %d %b %Y {clock}")
    if not zone:
        return shown
    city = policy.timezone.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{shown} ({city} time)"


def day(at: datetime, policy: Policy) -> str:
    """A calendar day, e.g. 'Mon 30 Nov 2026'."""
    return f"{at.astimezone(policy.timezone):%a %d %b %Y}"


def time_left(delta: timedelta) -> str:
    """Time remaining, in whole minutes cut down (never more than there is), e.g. '7 h 30 min';
    under a minute is 'less than a minute', not '0 min'."""
    if timedelta(0) <= delta < timedelta(minutes=1):
        return "less than a minute"
    return duration(delta)


def duration(delta: timedelta) -> str:
    """A business-time span in whole minutes cut down, e.g. '7 h 30 min'."""
    minutes = int(abs(delta).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def priority_name(policy: Policy, key: PriorityKey | str) -> str:
    """'High (4 business hours)'."""
    rule = policy.priority(key)
    unit = "business hour" if rule.first_response_hours == 1 else "business hours"
    return f"{rule.name} ({rule.first_response_hours} {unit})"


STATUS_LABELS = {
    TicketStatus.OPEN: "Open",
    TicketStatus.ACKNOWLEDGED: "Acknowledged",
    TicketStatus.IN_PROGRESS: "In progress",
    TicketStatus.WAITING_ON_CUSTOMER: "Waiting on customer",
    TicketStatus.RESOLVED: "Resolved",
    TicketStatus.CLOSED: "Closed",
}

APPROVAL_LABELS = {
    ApprovalState.NOT_REQUIRED: "not required (fixed fee)",
    ApprovalState.PENDING: "waiting for the customer's approval",
    ApprovalState.APPROVED: "approved",
    ApprovalState.DECLINED: "declined",
}


def hours(minutes: int) -> str:
    """Logged time, e.g. '1 h 30 min', '1 min', '2 h'."""
    return duration(timedelta(minutes=minutes))


def _minutes_phrase(minutes: int) -> str:
    """A limit in words, e.g. '1 minute', '24 hours'."""
    if minutes % 60 == 0:
        return plural(minutes // 60, "hour")
    return plural(minutes, "minute")


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 day', '3 days' (`many` for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


# --- the intake form ----------------------------------------------------------------------------

FORM_TITLE = "New support ticket"
FORM_SUBMIT = "File ticket"
SUMMARY_PROMPT = "What is the problem, in one line?"
SUMMARY_PLACEHOLDER = "e.g. Users in the Aarhus segment cannot log in"
DESCRIPTION_PROMPT = "Describe what happens, what you expected, and what you have tried."
DESCRIPTION_HINT = "Steps to reproduce and error messages help us answer faster."
AFFECTED_PROMPT = "Who is affected?"
AFFECTED_LABELS = {
    "all": "All users",
    "some": "Some users",
    "single": "A single user",
    "inquiry": "Nobody, it is just a question",
}
DATA_LOSS_PROMPT = "Is there a risk of data loss?"
DATA_LOSS_YES = "Yes, there is a risk of data loss"
DATA_LOSS_NO = "No risk of data loss"
DATA_LOSS_HINT = "Together with who is affected, this sets the priority from the agreement."
CATEGORY_PROMPT = "What is it about?"
CATEGORY_HINT = "Consultancy services are billed separately and need your approver's consent."
OTHER_CATEGORY = "Something else"
ENVIRONMENT_PROMPT = "Which environment? (optional)"
ENVIRONMENT_PLACEHOLDER = "e.g. production, sandbox"
SINCE_PROMPT = "Since when? (optional)"
SINCE_PLACEHOLDER = "e.g. this morning around 9"
USERS_PROMPT = "How many users are affected? (optional)"
USERS_PLACEHOLDER = "e.g. 25"
NOT_A_NUMBER = "Sorry, that is not a number of users. Please give a whole number, e.g. 25."
CANNOT_SKIP = "Sorry, this one is required, so it cannot be skipped. Please give an answer."


def consultancy_choice_label(name: str) -> str:
    """How a consultancy service is offered as a category."""
    return f"{name} (consultancy, billable)"


# Answer errors are whole sentences: shown as re-asks in a dialogue and beside form fields.


def empty_answer(question: Question) -> str:
    """The re-ask for an empty required answer."""
    if question.kind is QuestionKind.CHOICE:
        return "Sorry, I did not get that. Please pick one of the options."
    return "Sorry, this one cannot be empty."


def too_long(length: int, limit: int) -> str:
    """The re-ask for an answer over the length limit."""
    return (
        f"Sorry, that is too long: this answer takes at most {limit} characters and yours "
        f"has {length}. Please shorten it."
    )


def not_a_choice(question: Question) -> str:
    """The re-ask for an answer that is not one of the choices."""
    return (
        "Sorry, I did not get that. Please answer with a number from 1 to "
        f"{len(question.choices)}, or one of the labels."
    )


def reask(error: str) -> Reply:
    """A friendly nudge before the same question again."""
    return Reply(text=error, private=True)


def shortened(question: Question, kept: str, length: int) -> Reply:
    """A prefilled answer over the limit was cut to fit."""
    return Reply(
        text=f"Your {ANSWER_LABELS.get(question.key, question.key).lower()} was {length} "
        f"characters; it takes at most {question.max_length}, so I kept the first part: "
        f"'{kept}'. Type 'back' to write it again.",
        private=True,
    )


def mid_ticket(command: str) -> Reply:
    """A slash command typed while a ticket is being filed is not taken as the answer."""
    return Reply(
        text=f"You are in the middle of filing a ticket, so I did not take '{command}' as your "
        "answer. Answer the question below, or type 'cancel' to stop this ticket first.",
        private=True,
    )


def intake_intro(questions: int) -> Reply:
    """The start of a step-by-step intake of at most `questions` questions."""
    return Reply(
        text=f"Let's file a ticket: at most {questions} questions, some optional. Type 'back' "
        "to change the previous answer or 'cancel' to stop at any time.",
        private=True,
    )


def ask(question: Question, number: int, total: int) -> Reply:
    """One question of the step-by-step intake, choices numbered."""
    lines = [f"({number}/{total}) {question.prompt}"]
    if question.hint:
        lines.append(question.hint)
    for index, choice in enumerate(question.choices, start=1):
        lines.append(f"  {index}. {choice.label}")
    if not question.required:
        lines.append("Press Enter or type 'skip' to leave it out.")
    return Reply(text="\n".join(lines), private=True)


def intake_cancelled() -> Reply:
    """The intake was cancelled."""
    return Reply(text="Cancelled. Nothing was filed.", private=True)


def confirm_reask() -> Reply:
    """An unclear answer to the confirmation."""
    return Reply(
        text="Type 'yes' to file the ticket, 'back' to change it or 'cancel'.", private=True
    )


ANSWER_LABELS = {
    "summary": "Summary",
    "description": "Description",
    "environment": "Environment",
    "since": "Since",
    "users": "Users affected",
}


def _answer_fields(answers: Mapping[str, str]) -> tuple[Field, ...]:
    return tuple(
        Field(label, answers[key]) for key, label in ANSWER_LABELS.items() if answers.get(key)
    )


def intake_summary(
    policy: Policy, form: Form, answers: Mapping[str, str], assessment: Assessment
) -> Reply:
    """The confirmation before filing: priority, reason, due instant, business time left."""
    fields = [
        Field("Priority", priority_name(policy, assessment.classification.priority)),
        Field("Why", assessment.classification.reason),
        Field("First response due", when(assessment.due, policy)),
        Field("Business time left", time_left(assessment.left)),
        Field("Category", assessment.category_name),
    ]
    text = "Please check your ticket. File it? (yes / back / cancel)"
    if assessment.consultancy:
        text = f"{CONSULTANCY_NOTICE}\n{text}"
    return Reply(
        title="Your ticket",
        text=text,
        fields=tuple(fields) + _answer_fields(answers),
        private=True,
    )


# --- filing ---------------------------------------------------------------------------------------

CONSULTANCY_NOTICE = (
    "This is a consultancy service: it is billable, outside the fixed fee, and work starts "
    "only after your organisation's approver has approved it."
)


def end_user_refusal(customer: Customer | None, contacts: Sequence[Contact]) -> Reply:
    """Why an end user cannot file: their organisation's 1st-level support comes first."""
    names = [c.display_name or c.identity.user_id for c in contacts]
    if customer is not None and names:
        who = f"{customer.name}'s support contact{'s' if len(names) > 1 else ''}, {_join(names)}"
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
) -> Reply:
    """The ticket's message in the customer's support channel; its thread is the ticket's."""
    fields = [
        Field("Customer", customer.name),
        Field("Reported by", reporter),
        Field("Priority", priority_name(policy, ticket.priority)),
        Field("Why", ticket.priority_reason),
        Field("First response due", when(ticket.first_response_due, policy)),
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
    "ticket.acknowledge": "Acknowledge",
    "ticket.start": "In progress",
    "ticket.resolve": "Resolve",
    "ticket.approve": "Approve",
    "ticket.decline": "Decline",
}


# --- actions --------------------------------------------------------------------------------------


def not_found(ref: str) -> Reply:
    """The same answer for a missing ticket and for another customer's ticket."""
    return Reply(text=f"I can't find a ticket {ref.upper()}.", private=True)


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
        f"Give between {_minutes_phrase(least)} and {_minutes_phrase(most)}, e.g. "
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


# --- questions ------------------------------------------------------------------------------------


def help_text(prefix: str, agent: bool, *, can_file: bool = True) -> Reply:
    """What the bot understands, with examples; how to report a problem depends on who asks
    (`can_file`: a registered customer contact; end users go to their 1st-level support)."""
    ref = f"{prefix}-1001"
    lines = [
        "I can help with these (English or Danish):",
        "  what's current uptime?  /  hvad er oppetiden?",
        f"  status of {ref}",
        f"  when is {ref} due?",
        "  my open tickets  /  mine åbne sager",
        "  any service windows planned?",
        "  hypercare status",
    ]
    if can_file and not agent:  # agents act on tickets; customers' contacts file them
        lines.append("To report a problem, use /ticket.")
    elif not agent:
        lines.append(
            "To report a problem, contact your organisation's own IT support (1st-level "
            "support) first; they file a ticket with us when it needs 2nd-level support."
        )
    if agent:
        lines += [
            "As an agent: ack, start, wait, resolve, close, reopen, reply, priority, log, e.g.",
            f"  ack {ref}   reply {ref} We are on it   priority {ref} high all stores down",
            f"  log {ref} 1.5h restored the deleted locations",
        ]
    return Reply(title="Help", text="\n".join(lines), private=True)


def didnt_understand(prefix: str, agent: bool, *, can_file: bool = True) -> Reply:
    """Anything the bot cannot answer gets help with examples."""
    base = help_text(prefix, agent, can_file=can_file)
    return Reply(title=base.title, text="I didn't catch that.\n" + base.text, private=True)


def no_measurements(policy: Policy) -> Reply:
    """Uptime asked before any availability sample exists."""
    return Reply(
        text="No availability measurements exist yet, so I can't give an uptime figure. "
        f"The agreement's target is {policy.availability_target_percent:g}% per calendar "
        "month within operating hours, measured every "
        f"{policy.sample_interval_minutes} minutes.",
        private=True,
    )


def uptime(policy: Policy, figure: Uptime) -> Reply:
    """This month's availability against the target."""
    target = policy.availability_target_percent
    verdict = "meets" if figure.percent >= target else "is below"
    return Reply(
        text=f"Uptime this month so far: {figure.percent:.2f}% ({figure.samples} measurements "
        f"since {day(figure.start, policy)}), which {verdict} the {target:g}% target.",
        private=True,
    )


def no_windows() -> Reply:
    """No service windows planned."""
    return Reply(text="No extraordinary service windows are planned.", private=True)


def windows(policy: Policy, planned: Sequence[PlannedWindow]) -> Reply:
    """Planned service windows."""
    lines = [
        f"- {when(w.start, policy)} to {when(w.end, policy)}"
        + (f" ({w.service})" if w.service else "")
        + f": {w.reason}"
        for w in planned
    ]
    return Reply(title="Planned service windows", text="\n".join(lines), private=True)


def sla_line(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> str:
    """The first-response clock of a ticket, in words."""
    due = when(ticket.first_response_due, policy)
    if ticket.first_responded_at is not None:
        given = when(ticket.first_responded_at, policy, zone=False)
        # The stored due instant is the one it was measured against (a later priority
        # change does not move it), so the outcome is read from it, not recomputed.
        late = ", late" if ticket.first_responded_at > ticket.first_response_due else ""
        return f"first response given {given}{late} (due {due})"
    if snap.state is SlaState.BREACHED:
        return f"first response overdue since {due}"
    risk = ", at risk" if snap.state is SlaState.AT_RISK else ""
    left = time_left(snap.remaining)
    return f"first response due {due}, {left} of business time left{risk}"


def ticket_status(
    policy: Policy, ticket: Ticket, customer: Customer | None, snap: SlaSnapshot
) -> Reply:
    """The answer to 'status of SUP-12'."""
    fields = [
        Field("Status", STATUS_LABELS[ticket.status]),
        Field("Priority", priority_name(policy, ticket.priority)),
        Field("Opened", when(ticket.opened_at, policy)),
        Field("SLA", sla_line(policy, ticket, snap)),
    ]
    if customer is not None:
        fields.insert(0, Field("Customer", customer.name))
    if ticket.consultancy:
        fields.append(Field("Consultancy approval", APPROVAL_LABELS[ticket.approval]))
    return Reply(
        title=f"{ticket.ref}: {ticket.summary}",
        text=f"{ticket.ref} is {STATUS_LABELS[ticket.status].lower()}.",
        fields=tuple(fields),
        private=True,
    )


def ticket_due(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> Reply:
    """The answer to 'when is SUP-12 due'."""
    return Reply(text=f"{ticket.ref}: {sla_line(policy, ticket, snap)}.", private=True)


def ticket_list(
    policy: Policy,
    tickets: Sequence[tuple[Ticket, SlaSnapshot]],
    *,
    everyone: bool,
    total: int | None = None,
    customers: Mapping[int, str] | None = None,
) -> Reply:
    """The answer to 'my open tickets': `total` open of which `tickets` are listed, each with
    its customer's name when `customers` (id -> name) is given (an agent's list)."""
    if not tickets:
        return Reply(
            text="There are no open tickets." if everyone else "You have no open tickets.",
            private=True,
        )
    lines = [
        f"- {t.ref} [{policy.priority(t.priority).name}, {STATUS_LABELS[t.status].lower()}] "
        + (f"{customers.get(t.customer_id, '?')}: " if customers is not None else "")
        + f"{t.summary} ({sla_line(policy, t, s)})"
        for t, s in tickets
    ]
    total = len(tickets) if total is None else total
    if total > len(tickets):
        lines.append(
            f"Showing the {len(tickets)} most urgent of {total} open tickets; ask about one "
            f"by its reference, e.g. 'status of {tickets[0][0].ref}'."
        )
    title = "Open tickets" if everyone else "Your organisation's open tickets"
    count = f"{len(tickets)} of {total}" if total > len(tickets) else f"{total}"
    return Reply(title=f"{title} ({count})", text="\n".join(lines), private=True)


def end_user_no_tickets() -> Reply:
    """End users have no tickets with the service provider."""
    return Reply(
        text="Tickets are filed by your organisation's support contacts, so I have none "
        "for you. Please ask your own IT support about your request.",
        private=True,
    )


def hypercare_unknown(customer: Customer | None) -> Reply:
    """No go-live date recorded."""
    who = customer.name if customer is not None else "your organisation"
    return Reply(
        text=f"No go-live date is recorded for {who}, so hypercare has not been scheduled.",
        private=True,
    )


def date_text(value: date) -> str:
    """A calendar date, e.g. 'Mon 30 Nov 2026'."""
    return f"{value:%a %d %b %Y}"


def hypercare_before(customer: Customer, start: date, end: date, weeks: int) -> str:
    """Hypercare not yet started."""
    return (
        f"{customer.name}: hypercare starts at go-live on {date_text(start)} and lasts "
        f"{plural(weeks, 'week')}, until {date_text(end)}."
    )


def hypercare_during(
    customer: Customer, start: date, end: date, week: int, weeks: int, days_left: int
) -> str:
    """Hypercare running."""
    return (
        f"{customer.name}: in hypercare since go-live on {date_text(start)}, week {week} of "
        f"{weeks}; it is planned to end {date_text(end)} ({plural(days_left, 'day')} left), "
        "once the system is stable and the move to standard support is agreed."
    )


def hypercare_after(customer: Customer, end: date) -> str:
    """Hypercare over."""
    return (
        f"{customer.name}: hypercare ended on {date_text(end)}; standard support under the "
        "agreement applies."
    )


def hypercare(lines: Sequence[str]) -> Reply:
    """One or more hypercare lines."""
    return Reply(title="Hypercare", text="\n".join(lines), private=True)


def _join(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
